package xapi_test

import (
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// suiteCases is a fixed subset of ADL's LRS conformance suite
// (github.com/adlnet/lrs-conformance-test-suite, commit
// 2ec25f2eb8ccfcb7cb63ec2679dbd965f9f6ffdc, MIT licence): statement cases of
// its test/v2_0 requirement files, each named by the file that runs it, the
// configuration (test/v2_0/configs/<config>.js) that defines it and its `it`
// title, with the status the suite expects of a POST to /statements (or of
// the PUT a case of statementresource.json names, with its statementId).
// The statements are the suite's templates expanded as its helper expands
// them, in testdata/adl/<config>.json (testdata/adl/SOURCES.md). The whole suite
// runs by scripts/xapi-conformance.sh (docs/xapi.md).
var suiteCases = []struct {
	file, config, it string
	want             int
}{
	{"4.2.2.1-Actor-Requirements.js", "actors", `statement actor "objectType" should fail when not "Agent"`, 400},
	{"4.2.2.1-Actor-Requirements.js", "actors", `statement context instructor "objectType" should fail when not "Group"`, 400},
	{"4.2.2.1-Actor-Requirements.js", "actors", `statement substatement"s actor "objectType" should fail when not "Agent"`, 400},
	{"4.2.2.1-Actor-Requirements.js", "agents", `statement actor "name" should fail numeric`, 400},
	{"4.2.2.1-Actor-Requirements.js", "agents", `statement actor without "account", "mbox", "mbox_sha1sum", "openid" should fail`, 400},
	{"4.2.2.1-Actor-Requirements.js", "agents", `statement actor "account" should pass`, 200},
	{"4.2.2.1-Actor-Requirements.js", "agents", `statement actor "mbox_sha1sum" should pass`, 200},
	{"4.2.2.1-Actor-Requirements.js", "agents", `statement actor "openid" should pass`, 200},
	{"4.2.2.1-Actor-Requirements.js", "agents", `statement context instructor "mbox" should pass`, 200},
	{"4.2.2.1-Actor-Requirements.js", "agents", `statement substatement"s agent "account" should pass`, 200},
	{"4.2.2.1-Actor-Requirements.js", "agents", `statement actor does not require objectType`, 200},
	{"4.2.2.1-Actor-Requirements.js", "agents", `statement actor "mbox" cannot be used with "account"`, 400},
	{"4.2.2.1-Actor-Requirements.js", "agents", `statement authority "openid" cannot be used with "mbox_sha1sum"`, 400},
	{"4.2.2.1-Actor-Requirements.js", "groups", `statement actor anonymous group missing member`, 400},
	{"4.2.2.1-Actor-Requirements.js", "groups", `statement actor requires member type "array"`, 400},
	{"4.2.2.1-Actor-Requirements.js", "groups", `statement actor "mbox_sha1sum" cannot be used with "openid`, 400},
	{"4.2.2.1-Actor-Requirements.js", "ifis", `statement actor "agent mbox" not mailto:email address`, 400},
	{"4.2.2.1-Actor-Requirements.js", "ifis", `statement actor "group mbox_sha1sum" not string`, 400},
	{"4.2.2.1-Actor-Requirements.js", "ifis", `statement actor "agent openid" not URI`, 400},
	{"4.2.2.1-Actor-Requirements.js", "ifis", `statement actor "group account" property exists`, 200},
	{"4.2.2.1-Actor-Requirements.js", "accountobjects", `statement actor "agent" account "homePage property is IRL`, 400},
	{"4.2.2.1-Actor-Requirements.js", "accountobjects", `statement actor "group" account "name" property exists`, 400},
	{"4.1.6.1-Statement-Resource.js", "statementresource", `should allow "/statements" PUT`, 204},
	{"4.1.6.1-Statement-Resource.js", "statementresource", `should persist statement and return status 204`, 204},
	{"4.1.6.1-Statement-Resource.js", "statementresource", `should persist statement using "statementId" parameter`, 204},
	{"4.1.6.1-Statement-Resource.js", "statementresource", `should fail without using "statementId" parameter`, 400},
	{"4.2.2.2-Verb-Requirements.js", "verbs", `statement verb missing "id"`, 400},
	{"4.2.2.2-Verb-Requirements.js", "verbs", `statement verb "id" not IRI`, 400},
	{"4.2.2.2-Verb-Requirements.js", "verbs", `statement verb "display" is numeric`, 400},
	{"4.2.2.2-Verb-Requirements.js", "verbs", `statement substatement verb "display" is string`, 400},
	{"4.2.2.3-Object-Requirements.js", "objects", `statement activity should fail on "activity"`, 400},
	{"4.2.2.3-Object-Requirements.js", "objects", `statement agent template should fail on "agent"`, 400},
	{"4.2.2.3-Object-Requirements.js", "objects", `statement StatementRef should fail on "statementref"`, 400},
	{"4.2.2.3-Object-Requirements.js", "objects", `statement SubStatement should fail on "substatement"`, 400},
	{"4.2.2.3-Object-Requirements.js", "statementrefs", `statementref invalid when missing "id"`, 400},
	{"4.2.2.3-Object-Requirements.js", "statementrefs", `statementref "id" not "uuid"`, 400},
	{"4.2.2.3-Object-Requirements.js", "substatements", `substatement requires verb`, 400},
	{"4.2.2.3-Object-Requirements.js", "substatements", `should pass substatement context`, 200},
	{"4.2.2.3-Object-Requirements.js", "substatements", `should pass substatement as group`, 200},
	{"4.2.2.3-Object-Requirements.js", "substatements", `substatement invalid nested "SubStatement"`, 400},
	{"4.2.2.3-Object-Requirements.js", "substatements", `substatement invalid with property "id"`, 400},
	{"4.2.2.4-Result-Requirements.js", "results", `statement result "success" property is string "true"`, 400},
	{"4.2.2.4-Result-Requirements.js", "results", `statement substatement result "completion" property is string "true"`, 400},
	{"4.2.2.4-Result-Requirements.js", "results", `statement result "duration" property is invalid`, 400},
	{"4.2.2.4-Result-Requirements.js", "results", `statement result "duration" property is valid`, 200},
	{"4.2.2.4-Result-Requirements.js", "results", `statement result "extensions" property is numeric`, 400},
	{"4.2.2.4-Result-Requirements.js", "scores", `statement result score numeric`, 400},
	{"4.2.2.4-Result-Requirements.js", "scores", `statement result "scaled" accepts decimal`, 200},
	{"4.2.2.4-Result-Requirements.js", "scores", `statement result "scaled" should pass with value 1.0`, 200},
	{"4.2.2.4-Result-Requirements.js", "scores", `statement result "scaled" should reject with value 1.01`, 400},
	{"4.2.2.4-Result-Requirements.js", "scores", `statement result "raw" accepts decimal`, 200},
	{"4.2.2.4-Result-Requirements.js", "scores", `statement result "raw" rejects raw less than min`, 400},
	{"4.2.2.4-Result-Requirements.js", "scores", `statement result "min" accepts decimal`, 200},
	{"4.2.2.5-Context-Requirements.js", "contextactivities", `statement context "contextActivities" is "parent"`, 200},
	{"4.2.2.5-Context-Requirements.js", "contextactivities", `statement context "contextActivities" accepts all property keys "parent", "grouping", "category", and "other"`, 200},
	{"4.2.2.5-Context-Requirements.js", "contextactivities", `statement context "contextActivities" rejects any property key other than "parent", "grouping", "category", or "other"`, 400},
	{"4.2.2.5-Context-Requirements.js", "contextactivities", `statement context "contextActivities category" value is activity array`, 200},
	{"4.2.2.5-Context-Requirements.js", "contextactivities", `statement context contextActivities property's value is activity array with activities`, 400},
	{"4.2.2.5-Context-Requirements.js", "contextagents", `Statement with "contextAgents" property has an array of valid "contextAgent" Objects`, 200},
	{"4.2.2.5-Context-Requirements.js", "contextagents", `Statement with "contextAgents" Object rejects statement if "relevantTypes" is empty`, 400},
	{"4.2.2.5-Context-Requirements.js", "contextgroups", `Statement with "contextGroups" property has an array of valid "contextGroup" Objects`, 200},
	{"4.2.2.5-Context-Requirements.js", "contextgroups", `Statement with "contextGroups" Object rejects statement if "objectType" property is anything other than string "contextGroup"`, 400},
	{"4.2.2.5-Context-Requirements.js", "contexts", `statement context "registration" is string`, 400},
	{"4.2.2.5-Context-Requirements.js", "contexts", `statement context "instructor" is string`, 400},
	{"4.2.2.5-Context-Requirements.js", "contexts", `statement context "team" is agent`, 400},
	{"4.2.2.5-Context-Requirements.js", "contexts", `statement context "revision" is invalid with object agent`, 400},
	{"4.2.2.5-Context-Requirements.js", "contexts", `statement context "revision" is valid with no ObjectType`, 200},
	{"4.2.2.5-Context-Requirements.js", "contexts", `statement context "platform" is invalid with object agent`, 400},
	{"4.2.2.5-Context-Requirements.js", "contexts", `statement context "language" is numeric`, 400},
	{"4.2.2.5-Context-Requirements.js", "contexts", `statement substatement context "language" is numeric`, 400},
	{"4.2.2.6-Attachment-Requirements.js", "attachments", `statement "attachments" is an array`, 200},
	{"4.2.2.6-Attachment-Requirements.js", "attachments", `statement "attachments" not an array`, 400},
	{"4.2.2.6-Attachment-Requirements.js", "attachments", `statement "sha2" invalid string`, 400},
	{"4.2.2.6-Attachment-Requirements.js", "attachments", `statement attachment "display" language map numeric`, 400},
	{"4.2.4.2-Authority-Requirements.js", "authorities", `should pass statement authority agent template`, 200},
	{"4.2.4.2-Authority-Requirements.js", "authorities", `statement authority identified group is rejected`, 400},
	{"4.2.4.2-Authority-Requirements.js", "authorities", `statement authority anonymous group with two members is accepted`, 200},
	{"4.2.4.2-Authority-Requirements.js", "authorities", `statement "authority" invalid one member`, 400},
	{"4.2.4.2-ID-Requirements.js", "uuids", `statement "id" invalid UUID with too many digits`, 400},
	{"4.2.4.2-ID-Requirements.js", "uuids", `statement "id" invalid numeric`, 400},
	{"4.2.4.2-ID-Requirements.js", "uuids", `statement context "registration" invalid UUID with non A-F`, 400},
	{"4.2.4.2-Timestamp-Requirements.js", "timestamp_property", `statement "template" invalid date`, 400},
	{"4.2.4.2-Timestamp-Requirements.js", "timestamp_property", `statement "template" future date`, 200},
	{"4.2.4.2-Timestamp-Requirements.js", "timestamp_property", `substatement "template" invalid string`, 400},
	{"4.2.4.3-Version-Requirements.js", "version", `statement "version" valid 1.0.9`, 200},
	{"4.2.4.3-Version-Requirements.js", "version", `statement "version" invalid 1.1.0`, 400},
	{"4.2.4.3-Version-Requirements.js", "version", `statement "version" invalid 0.9.9`, 400},
	{"4.2.5-Statement-Voiding.js", "voiding", `statement verb voided IRI ends with "voided" (WARNING: this applies "Upon receiving a Statement that voids another, the LRS SHOULD NOT* reject the request on the grounds of the Object of that voiding Statement not being present")`, 200},
	{"4.2.5-Statement-Voiding.js", "voiding", `statement verb voided uses substatement with "StatementRef"`, 200},
	{"4.2.5-Statement-Voiding.js", "voiding", `statement verb voided does not use object "StatementRef"`, 400},
}

// suiteStatement is one case of testdata/adl/<config>.json.
type suiteStatement struct {
	Describe string `json:"describe"`
	It       string `json:"it"`
	Expect   []int  `json:"expect"`
	// Method and Query are the request's when it is not a POST without
	// parameters (statementresource.json's PUT cases).
	Method    string          `json:"method"`
	Query     string          `json:"query"`
	Statement json.RawMessage `json:"statement"`
}

func loadSuiteStatements(t *testing.T, config string) map[string]suiteStatement {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "adl", config+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var list []suiteStatement
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatalf("%s.json: %v", config, err)
	}
	out := make(map[string]suiteStatement, len(list))
	for _, s := range list {
		out[s.It] = s
	}
	return out
}

// sendStatements posts a body to /xapi/statements as the north tool and
// returns the status and the answer.
func sendStatements(t *testing.T, l *lrs, method, query string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := l.client.Do(l.xapiRequest(toolToken, method, query, body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// sameJSON reports whether two JSON values are equal as values.
func sameJSON(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

// TestConformanceSuiteStatements replays suiteCases against a ledger on
// loopback: a valid statement is stored (200 with its id) and answered by
// statementId with the actor, verb and result sent; an invalid one is a 400
// and writes nothing. At the end the statement list holds exactly the
// statements accepted.
func TestConformanceSuiteStatements(t *testing.T) {
	l := startLRS(t)
	l.admin("POST", "/v1/schools", map[string]any{"schoolId": "north", "name": "North"}, http.StatusCreated)
	statements := map[string]map[string]suiteStatement{}
	var accepted []string
	for _, c := range suiteCases {
		if statements[c.config] == nil {
			statements[c.config] = loadSuiteStatements(t, c.config)
		}
		s, ok := statements[c.config][c.it]
		if !ok {
			t.Fatalf("%s: no case %q in testdata/adl/%s.json", c.file, c.it, c.config)
		}
		if !slices.Contains(s.Expect, c.want) {
			t.Fatalf("%s %q: the suite expects %v, the table %d", c.file, c.it, s.Expect, c.want)
		}
		t.Run(c.config+"/"+c.it, func(t *testing.T) {
			tl := &lrs{t: t, url: l.url, client: l.client, store: l.store}
			before := tl.lastPosition()
			method := cmp.Or(s.Method, "POST")
			status, out := sendStatements(t, tl, method, s.Query, s.Statement)
			if status != c.want {
				t.Fatalf("%s: %q (%s): status %d, want %d: %s", c.file, c.it, s.Describe, status, c.want, out)
			}
			if status == http.StatusBadRequest {
				if after := tl.lastPosition(); after != before {
					t.Errorf("rejected statement wrote events: position %d, was %d", after, before)
				}
				return
			}
			var ids []string
			if method == "PUT" {
				// A PUT answers 204 without a body; the id is the
				// statementId sent.
				if len(out) != 0 {
					t.Errorf("PUT answered a body: %s", out)
				}
				q, err := url.ParseQuery(strings.TrimPrefix(s.Query, "?"))
				if err != nil {
					t.Fatal(err)
				}
				ids = []string{q.Get("statementId")}
			} else if err := json.Unmarshal(out, &ids); err != nil || len(ids) != 1 {
				t.Fatalf("answer %s: want one id (%v)", out, err)
			}
			accepted = append(accepted, ids[0])
			status, out = sendStatements(t, tl, "GET", "?statementId="+ids[0], nil)
			if status != http.StatusOK {
				t.Fatalf("GET statementId=%s: status %d: %s", ids[0], status, out)
			}
			var sent, got map[string]json.RawMessage
			if err := json.Unmarshal(s.Statement, &sent); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("statement %s: %v", out, err)
			}
			var id string
			json.Unmarshal(got["id"], &id)
			if id != ids[0] {
				t.Errorf("GET statementId=%s answered id %q", ids[0], id)
			}
			for _, k := range []string{"actor", "verb", "result"} {
				if sent[k] == nil && got[k] == nil {
					continue
				}
				if sent[k] == nil || got[k] == nil || !sameJSON(t, sent[k], got[k]) {
					t.Errorf("%s: sent %s, stored %s", k, sent[k], got[k])
				}
			}
		})
	}
	// The list answers exactly the statements accepted (none of them voids
	// another: the voiding cases name statements the ledger does not hold).
	status, out := sendStatements(t, l, "GET", "?limit=100", nil)
	if status != http.StatusOK {
		t.Fatalf("GET statements: status %d: %s", status, out)
	}
	var result struct {
		Statements []struct {
			ID string `json:"id"`
		} `json:"statements"`
		More string `json:"more"`
	}
	if err := json.Unmarshal(out, &result); err != nil {
		t.Fatalf("statement result %s: %v", out, err)
	}
	var listed []string
	for _, s := range result.Statements {
		listed = append(listed, s.ID)
	}
	sort.Strings(listed)
	sort.Strings(accepted)
	if !slices.Equal(listed, accepted) || result.More != "" {
		t.Errorf("listed %v (more %q), want the %d accepted %v", listed, result.More, len(accepted), accepted)
	}
}

// signedCase is one request of testdata/adl/signed.json: a multipart body
// the suite's helper.signStatement built, as the named `it` builds it.
type signedCase struct {
	File     string `json:"file"`
	Describe string `json:"describe"`
	It       string `json:"it"`
	Expect   []int  `json:"expect"`
	Boundary string `json:"boundary"`
	Body     string `json:"body"`
}

// TestConformanceSuiteSignedStatements replays the suite's signed-statement
// requests (E.Data2.6-SignedStatements.js, and the signed duration case of
// 4.2.7): a statement signed with RS256, RS384 or RS512 is stored with its
// signature attachment; a signature of another content type, algorithm or
// payload is a 400 that writes nothing.
func TestConformanceSuiteSignedStatements(t *testing.T) {
	l := startLRS(t)
	l.admin("POST", "/v1/schools", map[string]any{"schoolId": "north", "name": "North"}, http.StatusCreated)
	raw, err := os.ReadFile(filepath.Join("testdata", "adl", "signed.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []signedCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) != 8 {
		t.Fatalf("signed.json holds %d cases, want the suite's 8", len(cases))
	}
	for _, c := range cases {
		t.Run(c.It, func(t *testing.T) {
			tl := &lrs{t: t, url: l.url, client: l.client, store: l.store}
			before := tl.lastPosition()
			req := tl.xapiRequest(toolToken, "POST", "", []byte(c.Body))
			req.Header.Set("Content-Type", "multipart/mixed; boundary="+c.Boundary)
			resp, err := tl.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !slices.Contains(c.Expect, resp.StatusCode) {
				t.Fatalf("%s: %q: status %d, want %v: %s", c.File, c.It, resp.StatusCode, c.Expect, out)
			}
			if resp.StatusCode != http.StatusOK {
				if after := tl.lastPosition(); after != before {
					t.Errorf("rejected statement wrote events: position %d, was %d", after, before)
				}
				return
			}
			var ids []string
			if err := json.Unmarshal(out, &ids); err != nil || len(ids) != 1 {
				t.Fatalf("answer %s: want one id (%v)", out, err)
			}
			status, got := sendStatements(t, tl, "GET", "?statementId="+ids[0], nil)
			var st struct {
				Attachments []struct {
					UsageType string `json:"usageType"`
				} `json:"attachments"`
			}
			if status != http.StatusOK || json.Unmarshal(got, &st) != nil || len(st.Attachments) != 1 ||
				st.Attachments[0].UsageType != "http://adlnet.gov/expapi/attachments/signature" {
				t.Errorf("GET statementId=%s: status %d, %s: want the statement with its signature attachment", ids[0], status, got)
			}
		})
	}
}
