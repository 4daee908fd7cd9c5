package credential

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// The payload of a credential of a fixed key, as testdata/credential.golden.json
// shows it to a reader. Run go test -update after a deliberate change.
func TestCredentialGolden(t *testing.T) {
	f := newFixture(t, fixedTestKey(t, logName, 7))
	jws := f.issue(t, f.claim(t, claimA()))
	// Indent the segments as they are, so the golden file keeps the order
	// in which the ledger writes the properties.
	var got bytes.Buffer
	for _, segment := range strings.Split(jws, ".")[:2] {
		raw, err := base64.RawURLEncoding.DecodeString(segment)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Indent(&got, raw, "", "  "); err != nil {
			t.Fatal(err)
		}
		got.WriteByte('\n')
	}
	golden := filepath.Join("testdata", "credential.golden.json")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("JOSE header and payload differ from %s (go test -update rewrites it):\n%s", golden, got.String())
	}
}

// The properties OB 3.0 and VC 2.0 require, read from the JSON as any
// consumer would, not through this package's types.
func TestCredentialRequiredFields(t *testing.T) {
	f := newFixture(t, newTestKey(t, logName))
	jws := f.issue(t, f.claim(t, claimA()))
	parts := strings.Split(jws, ".")
	header, cred := decodeJSON(t, parts[0]), decodeJSON(t, parts[1])

	t.Run("JOSE header", func(t *testing.T) {
		jwk, _ := header["jwk"].(map[string]any)
		switch {
		case header["alg"] != "ES256" || header["typ"] != "JWT":
			t.Errorf("alg %v, typ %v; want ES256, JWT", header["alg"], header["typ"])
		case jwk["kty"] != "EC" || jwk["crv"] != "P-256" || jwk["x"] == nil || jwk["y"] == nil || jwk["d"] != nil:
			t.Errorf("jwk %v: want the public P-256 key", jwk)
		case len(header) != 3:
			t.Errorf("header %v: want alg, typ and jwk only", header)
		}
	})
	t.Run("@context", func(t *testing.T) {
		ctx, _ := cred["@context"].([]any)
		if len(ctx) != 3 || ctx[0] != "https://www.w3.org/ns/credentials/v2" ||
			ctx[1] != "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json" {
			t.Fatalf("@context %v: want VC 2.0, then OB 3.0, then the ledger's", ctx)
		}
		ext, _ := ctx[2].(map[string]any)
		term, _ := ext["ledgerProof"].(map[string]any)
		if term["@type"] != "@json" || term["@id"] == nil {
			t.Errorf("@context[2] = %v: want ledgerProof declared as @json", ctx[2])
		}
	})
	t.Run("credential", func(t *testing.T) {
		types := stringList(cred["type"])
		if !slices.Contains(types, "VerifiableCredential") || !slices.Contains(types, "OpenBadgeCredential") {
			t.Errorf("type %v", types)
		}
		id, _ := cred["id"].(string)
		if !strings.HasPrefix(id, "urn:uuid:") {
			t.Errorf("id %q: want a urn:uuid:", id)
		}
		validFrom, _ := cred["validFrom"].(string)
		if _, err := time.Parse(time.RFC3339, validFrom); err != nil || !strings.HasSuffix(validFrom, "Z") {
			t.Errorf("validFrom %q: want an RFC 3339 time in UTC", validFrom)
		}
		issuer, _ := cred["issuer"].(map[string]any)
		// zDn is the did:key prefix of every P-256 key.
		if iid, _ := issuer["id"].(string); !strings.HasPrefix(iid, "did:key:zDn") || issuer["name"] != "North Middle School" ||
			!slices.Contains(stringList(issuer["type"]), "Profile") {
			t.Errorf("issuer %v: want a Profile with a did:key id and the school's name", issuer)
		}
		for claim, prop := range map[string]string{"iss": "", "sub": ""} {
			if cred[claim] == nil || prop != "" && cred[claim] != cred[prop] {
				t.Errorf("JWT claim %s = %v", claim, cred[claim])
			}
		}
		// jti is no term of the VC 2.0 context: a JSON-LD processor in safe
		// mode refuses it, so the payload leaves it out (docs/trust.md).
		if _, ok := cred["jti"]; ok {
			t.Errorf("jti = %v: want no jti in the credential", cred["jti"])
		}
		if nbf, _ := cred["nbf"].(float64); time.Unix(int64(nbf), 0).UTC().Format(time.RFC3339) != validFrom {
			t.Errorf("nbf %v is not validFrom %s", cred["nbf"], validFrom)
		}
	})
	t.Run("credentialSubject", func(t *testing.T) {
		s, _ := cred["credentialSubject"].(map[string]any)
		if !slices.Contains(stringList(s["type"]), "AchievementSubject") || s["id"] != cred["sub"] {
			t.Errorf("credentialSubject type %v, id %v", s["type"], s["id"])
		}
		a, _ := s["achievement"].(map[string]any)
		criteria, _ := a["criteria"].(map[string]any)
		for _, k := range []string{"id", "name", "description", "humanCode", "version"} {
			if v, _ := a[k].(string); v == "" {
				t.Errorf("achievement.%s missing", k)
			}
		}
		if !slices.Contains(stringList(a["type"]), "Achievement") || criteria["narrative"] == nil {
			t.Errorf("achievement type %v, criteria %v", a["type"], criteria)
		}
		rds, _ := a["resultDescription"].([]any)
		rd, _ := rds[0].(map[string]any)
		levels, _ := rd["rubricCriterionLevel"].([]any)
		results, _ := s["result"].([]any)
		result, _ := results[0].(map[string]any)
		if rd["resultType"] != "RubricCriterionLevel" || len(levels) != 4 || result["resultDescription"] != rd["id"] {
			t.Errorf("resultDescription %v, result %v", rd, result)
		}
		if achieved, _ := levels[2].(map[string]any); result["achievedLevel"] != achieved["id"] || achieved["name"] != "Proficient" {
			t.Errorf("achievedLevel %v: want level 3, Proficient", result["achievedLevel"])
		}
	})
	t.Run("identity", func(t *testing.T) {
		s, _ := cred["credentialSubject"].(map[string]any)
		ids, _ := s["identifier"].([]any)
		id, _ := ids[0].(map[string]any)
		salt, _ := id["salt"].(string)
		if len(ids) != 1 || id["type"] != "IdentityObject" || id["hashed"] != true || id["identityType"] != "sourcedId" ||
			len(salt) < 16 || id["identityHash"] != IdentityHash("l-0001", salt) {
			t.Errorf("identifier %v: want one hashed IdentityObject of l-0001 with its salt", ids)
		}
		if strings.Contains(string(mustJSON(t, cred)), "l-0001") {
			t.Error("the learner id appears in the credential in plain text")
		}
	})
	t.Run("alignment", func(t *testing.T) {
		s, _ := cred["credentialSubject"].(map[string]any)
		a, _ := s["achievement"].(map[string]any)
		al, _ := a["alignment"].([]any)
		got, _ := al[0].(map[string]any)
		want := map[string]any{"type": []any{"Alignment"}, "targetName": "Ratios", "targetUrl": standardA().CaseItemURI,
			"targetFramework": "CCSS-M", "targetCode": "6.RP.A.1", "targetType": "CFItem"}
		if len(al) != 1 || string(mustJSON(t, got)) != string(mustJSON(t, want)) {
			t.Errorf("alignment %v, want %v", al, want)
		}
	})
	t.Run("credentialStatus", func(t *testing.T) {
		st, _ := cred["credentialStatus"].(map[string]any)
		idx, _ := st["statusListIndex"].(string)
		if st["type"] != "BitstringStatusListEntry" || st["statusPurpose"] != "revocation" || idx != "9" ||
			st["statusListCredential"] != statusListURL || st["id"] != statusListURL+"#9" {
			t.Errorf("credentialStatus %v", st)
		}
	})
	t.Run("evidence and ledgerProof", func(t *testing.T) {
		evidence, _ := cred["evidence"].([]any)
		lp, _ := cred["ledgerProof"].(map[string]any)
		events, _ := lp["events"].([]any)
		if len(evidence) != 4 || len(events) != 4 || lp["checkpoint"] == nil {
			t.Fatalf("%d evidence, %d ledgerProof events; want 4 each", len(evidence), len(events))
		}
		e, _ := evidence[3].(map[string]any)
		p, _ := events[3].(map[string]any)
		if e["id"] != "urn:uuid:"+p["eventId"].(string) || !slices.Contains(stringList(e["type"]), "Evidence") || e["genre"] != "SummativeAttemptRecorded" {
			t.Errorf("evidence %v does not match ledgerProof event %v", e, p)
		}
	})
}

func decodeJSON(t *testing.T, segment string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(segment)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// stringList reads a JSON array of strings.
func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, s := range list {
		if s, ok := s.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
