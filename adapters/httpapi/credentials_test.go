package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/httpapi"
)

// alignmentsOf decodes the achievement alignments of a VC-JWT's payload.
func alignmentsOf(t *testing.T, jws string) []map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(jws, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		CredentialSubject struct {
			Achievement struct {
				Alignment []map[string]any `json:"alignment"`
				HumanCode string           `json:"humanCode"`
			} `json:"achievement"`
		} `json:"credentialSubject"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c.CredentialSubject.Achievement.Alignment
}

// TestCredentialAlignment: a standard published by hand aligns to the
// ledger's own route (ext:LedgerStandard); one imported from a CASE package
// aligns to its CASE item (CFItem, the item's uri).
func TestCredentialAlignment(t *testing.T) {
	onEveryStore(t, func(t *testing.T, a *api) {
		improvementCycleOverHTTP(t, a)
		a.must(201, "POST", "/v1/imports/case", adminToken, casePackage(t, "opensalt-SmartLevelFramework.json"))
		const std = "case-00000000-0000-0000-0000-000000000002"
		var s struct {
			Components []struct {
				ID string `json:"id"`
			} `json:"components"`
			Case struct {
				ItemURI string `json:"itemUri"`
			} `json:"case"`
		}
		if err := json.Unmarshal(a.must(200, "GET", "/v1/standards/"+std, adminToken, nil).body, &s); err != nil || s.Case.ItemURI == "" {
			t.Fatalf("the imported standard: %+v, %v", s, err)
		}
		const l = "/v1/learners/l-0001"
		for _, c := range s.Components {
			a.must(201, "POST", l+"/evidence", teacherToken, map[string]any{"standardId": std, "componentId": c.ID, "level": 3, "source": "teacher"})
		}
		a.must(201, "POST", l+"/agreements", teacherToken, map[string]any{"standardId": std, "learnerConfirmed": true})
		a.must(201, "POST", l+"/summative-attempts", teacherToken, map[string]any{"standardId": std, "level": 3})

		var list httpapi.GetOpenBadgeCredentialsResponse
		if err := json.Unmarshal(a.must(200, "GET", l+"/credentials", learnerToken, nil).body, &list); err != nil || len(list.CompactJwsString) != 2 {
			t.Fatalf("credentials: %d, %v", len(list.CompactJwsString), err)
		}
		byType := map[string]map[string]any{}
		for _, jws := range list.CompactJwsString {
			al := alignmentsOf(t, jws)
			if len(al) != 1 {
				t.Fatalf("alignments %v, want one", al)
			}
			byType[al[0]["targetType"].(string)] = al[0]
		}
		if c := byType["CFItem"]; c == nil || c["targetUrl"] != s.Case.ItemURI || c["targetName"] == "" {
			t.Errorf("the CASE standard's alignment: %v, want CFItem at %s", c, s.Case.ItemURI)
		}
		if h := byType["ext:LedgerStandard"]; h == nil || h["targetUrl"] != "http://ledger.test/v1/standards/math-6-rp-1" ||
			h["targetCode"] != "6.RP.A.1" || h["targetFramework"] != "CCSS-M" || h["targetName"] != "Ratios" {
			t.Errorf("the hand-written standard's alignment: %v", h)
		}
		// Issued once: the list again is the same bytes.
		again := a.must(200, "GET", l+"/credentials", learnerToken, nil).body
		var list2 httpapi.GetOpenBadgeCredentialsResponse
		if err := json.Unmarshal(again, &list2); err != nil || strings.Join(list2.CompactJwsString, ",") != strings.Join(list.CompactJwsString, ",") {
			t.Error("the credentials changed between two reads")
		}
		// No learner id in clear in OB 3.0's answer.
		if strings.Contains(string(again), "l-0001") {
			t.Error("GetOpenBadgeCredentialsResponse names the learner in clear")
		}
	})
}
