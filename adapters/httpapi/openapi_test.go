package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/casefile"
	"github.com/masteryledger/ledger/adapters/credential"
	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/oneroster"
	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/efficacy"
	"github.com/masteryledger/ledger/projections/policy"
	"github.com/masteryledger/ledger/projections/review"
)

// The OpenAPI document is checked against the router without a YAML
// library: docs/openapi.yaml keeps a fixed layout (its header comment says
// which), and these tests read the subset they need line by line.

const openAPIPath = "../../docs/openapi.yaml"

// TestOpenAPIRoutesMatchRouter: the document describes exactly the routes
// the server registers, method and path alike.
func TestOpenAPIRoutesMatchRouter(t *testing.T) {
	doc := readOpenAPI(t)
	documented := map[string]bool{}
	for _, op := range doc.ops {
		documented[op.id()] = true
	}
	registered := map[string]bool{}
	for _, r := range openAPIServer().Routes() {
		if registered[r] {
			t.Errorf("the router registers %s twice", r)
		}
		registered[r] = true
	}
	if len(registered) == 0 {
		t.Fatal("the router lists no routes")
	}
	for _, r := range sortedKeys(registered) {
		if !documented[r] {
			t.Errorf("missing from %s: %s (registered by the router)", openAPIPath, r)
		}
	}
	for _, r := range sortedKeys(documented) {
		if !registered[r] {
			t.Errorf("extra in %s: %s (not registered by the router)", openAPIPath, r)
		}
	}
}

// TestOpenAPIPathParameters: every {name} in a path is defined, by the path
// item or the operation, as a required path parameter; and no path
// parameter is defined that the path does not hold.
func TestOpenAPIPathParameters(t *testing.T) {
	doc := readOpenAPI(t)
	vars := regexp.MustCompile(`\{([^}/]+)\}`)
	for _, op := range doc.ops {
		declared := map[string]bool{}
		for _, p := range append(doc.parameters(t, op.pathParams), doc.parameters(t, op.params)...) {
			if p.in != "" && p.in != "path" {
				continue
			}
			if p.in == "path" && p.required != "true" {
				t.Errorf("%s: path parameter %q (line %d) is not `required: true`", op.id(), p.name, p.line)
			}
			declared[p.name] = true
		}
		inPath := map[string]bool{}
		for _, m := range vars.FindAllStringSubmatch(op.path, -1) {
			inPath[m[1]] = true
			if !declared[m[1]] {
				t.Errorf("%s (line %d): path parameter {%s} has no definition (no `name: %s` in the path item or the operation)", op.id(), op.line, m[1], m[1])
			}
		}
		for name := range declared {
			if !inPath[name] {
				t.Errorf("%s (line %d): defines path parameter %q, which the path does not hold", op.id(), op.line, name)
			}
		}
	}
}

// TestOpenAPIResponses: every operation lists responses; an operation needs
// a token exactly when the router answers it 401 without one; and every
// operation that needs a token documents the problem+json 401.
func TestOpenAPIResponses(t *testing.T) {
	doc := readOpenAPI(t)

	unauthorized, ok := doc.responses["Unauthorized"]
	if !ok {
		t.Fatal("components/responses has no Unauthorized")
	}
	if !hasLine(unauthorized, "application/problem+json:") || !hasRef(unauthorized, "#/components/schemas/Problem") {
		t.Error("components/responses/Unauthorized is not application/problem+json with the Problem schema")
	}

	srv := openAPIServer()
	registered := srv.Routes()
	for _, op := range doc.ops {
		if len(op.responses) == 0 {
			t.Errorf("%s (line %d): no responses", op.id(), op.line)
			continue
		}
		// What the router does with no Authorization header: 401 unless the
		// route is public. Path variables get a placeholder; authentication
		// comes before anything reads them. (A route the router lacks is
		// TestOpenAPIRoutesMatchRouter's to report.)
		if slices.Contains(registered, op.id()) {
			req := httptest.NewRequest(op.method, strings.NewReplacer("{", "x", "}", "").Replace(op.path), nil)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			needsToken := rec.Code == http.StatusUnauthorized
			switch {
			case needsToken && op.public:
				t.Errorf("%s (line %d): documented with `security: []`, but the router answers 401 without a token", op.id(), op.line)
			case !needsToken && !op.public:
				t.Errorf("%s (line %d): the router answers %d without a token, but the document does not say `security: []`", op.id(), op.line, rec.Code)
			}
		}
		if op.public {
			continue
		}
		r401, ok := op.responses["401"]
		if !ok {
			t.Errorf("%s (line %d): needs a token but documents no 401", op.id(), op.line)
		} else if !hasRef(r401, "#/components/responses/Unauthorized") {
			t.Errorf("%s (line %d): its 401 is not #/components/responses/Unauthorized", op.id(), op.line)
		}
	}
}

// TestOpenAPIReferences: every local $ref names a component that exists.
func TestOpenAPIReferences(t *testing.T) {
	doc := readOpenAPI(t)
	for _, l := range doc.all {
		k, v, ok := splitKey(strings.TrimPrefix(l.text, "- "))
		if !ok || k != "$ref" {
			continue
		}
		ref := unquote(v)
		parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
		if !strings.HasPrefix(ref, "#/components/") || len(parts) != 2 {
			t.Errorf("line %d: $ref %q is not of the form #/components/<kind>/<name>", l.no, ref)
			continue
		}
		if _, ok := doc.components[parts[0]][parts[1]]; !ok {
			t.Errorf("line %d: $ref %q names no component", l.no, ref)
		}
	}
}

// TestOpenAPISchemasMatchGoTypes: each schema's properties are the JSON
// fields of the Go type it describes, so that neither drifts alone.
func TestOpenAPISchemasMatchGoTypes(t *testing.T) {
	doc := readOpenAPI(t)
	types := map[string]any{
		// Request bodies.
		"PublishStandard":        domain.PublishStandard{},
		"ReviseStandard":         domain.ReviseStandard{},
		"RetireStandard":         domain.RetireStandard{},
		"RegisterSchool":         domain.RegisterSchool{},
		"SetResearchSharing":     domain.SetResearchSharing{},
		"EnrollLearner":          domain.EnrollLearner{},
		"RecordEfficacySurvey":   domain.RecordEfficacySurvey{},
		"WithdrawLearner":        domain.WithdrawLearner{},
		"RecordPreAssessment":    domain.RecordPreAssessment{},
		"RecordEvidence":         domain.RecordEvidence{},
		"RetractEvidence":        domain.RetractEvidence{},
		"GiveFeedback":           domain.GiveFeedback{},
		"SetGoal":                domain.SetGoal{},
		"DraftPlan":              domain.DraftPlan{},
		"AdjustPlan":             domain.AdjustPlan{},
		"EvaluateGoal":           domain.EvaluateGoal{},
		"ReviewGoal":             domain.ReviewGoal{},
		"UpdateProfile":          domain.UpdateProfile{},
		"RequestReadiness":       domain.RequestReadiness{},
		"AgreeReadiness":         domain.AgreeReadiness{},
		"RecordSummativeAttempt": domain.RecordSummativeAttempt{},
		"ErasePersonalData":      domain.ErasePersonalData{},
		"Component":              domain.Component{},
		"CaseRef":                domain.CaseRef{},
		"CaseImportReport":       casefile.Report{},
		"ImportCount":            casefile.Count{},
		"Scale":                  domain.Scale{},
		"Level":                  domain.Level{},
		"Artifact":               domain.Artifact{},
		"SurveyItem":             domain.SurveyItem{},
		"ProfileFields":          domain.Profile{},
		// Responses.
		"WriteResult":          httpapi.WriteResult{},
		"OneRosterReport":      oneroster.Report{},
		"ImportIds":            oneroster.IDs{},
		"Problem":              httpapi.Problem{},
		"FieldError":           domain.FieldError{},
		"Standard":             projections.Standard{},
		"StandardRevision":     domain.StandardRevision{},
		"Mastery":              projections.MasterySummary{},
		"ComponentMastery":     projections.ComponentSummary{},
		"EvidencePage":         projections.EvidencePage{},
		"EvidenceItem":         projections.EvidenceItem{},
		"Agreement":            domain.Agreement{},
		"ReadinessRequest":     domain.Request{},
		"AgreedComponent":      domain.AgreedComponent{},
		"Attempt":              domain.Attempt{},
		"LearnerMastery":       projections.LearnerMasterySummary{},
		"Replay":               projections.Replay{},
		"PolicyComparison":     projections.PolicyComparison{},
		"OfficialRule":         projections.OfficialRule{},
		"StandardRun":          projections.StandardRun{},
		"ComponentRun":         projections.ComponentRun{},
		"PolicyScore":          policy.Score{},
		"PolicyScale":          policy.Scale{},
		"PolicyResult":         policy.Result{},
		"PolicyConfusion":      policy.Confusion{},
		"CohortPolicies":       research.CohortPolicies{},
		"CohortLearner":        research.CohortLearner{},
		"CohortAgreement":      research.CohortAgreement{},
		"Transcript":           projections.Transcript{},
		"TranscriptEntry":      projections.TranscriptEntry{},
		"LearnerEvents":        httpapi.LearnerEvents{},
		"InclusionProof":       httpapi.InclusionProof{},
		"OB3Transcript":        credential.Transcript{},
		"OB3Credential":        credential.TranscriptCredential{},
		"ConsistencyProof":     httpapi.ConsistencyProof{},
		"LearnerProfile":       httpapi.LearnerProfile{},
		"RecordedEvent":        domain.RecordedEvent{},
		"ResearchEvent":        research.Event{},
		"Actor":                domain.Actor{},
		"EfficacyReport":       efficacy.Report{},
		"EfficacyOverall":      efficacy.Overall{},
		"EfficacyDistribution": efficacy.Distribution{},
		"AgencyCounts":         efficacy.AgencyCounts{},
		"AgencyGroup":          efficacy.AgencyGroup{},
		// Event payloads.
		"StandardPublishedData":           domain.StandardPublished{},
		"StandardRevisedData":             domain.StandardRevised{},
		"StandardRetiredData":             domain.StandardRetired{},
		"SchoolRegisteredData":            domain.SchoolRegistered{},
		"LearnerEnrolledData":             domain.LearnerEnrolled{},
		"LearnerWithdrawnData":            domain.LearnerWithdrawn{},
		"EfficacySurveyRecordedData":      domain.EfficacySurveyRecorded{},
		"PreAssessmentRecordedData":       domain.PreAssessmentRecorded{},
		"EvidenceRecordedData":            domain.EvidenceRecorded{},
		"EvidenceRetractedData":           domain.EvidenceRetracted{},
		"FeedbackGivenData":               domain.FeedbackGiven{},
		"GoalSetData":                     domain.GoalSet{},
		"PlanDraftedData":                 domain.PlanDrafted{},
		"PlanAdjustedData":                domain.PlanAdjusted{},
		"GoalEvaluatedData":               domain.GoalEvaluated{},
		"GoalReviewedData":                domain.GoalReviewed{},
		"LearnerProfileUpdatedData":       domain.LearnerProfileUpdated{},
		"ReadinessAgreedData":             domain.ReadinessAgreed{},
		"ReadinessRequestedData":          domain.ReadinessRequested{},
		"SummativeAttemptRecordedData":    domain.SummativeAttemptRecorded{},
		"SealedProfile":                   domain.SealedProfile{},
		"LearnerPersonalDataErasedData":   domain.LearnerPersonalDataErased{},
		"ResearchSharingSetData":          domain.ResearchSharingSet{},
		"StatementRecordedData":           domain.StatementRecorded{},
		"XAPIDocumentPutData":             domain.XAPIDocumentPut{},
		"XAPIDocumentDeletedData":         domain.XAPIDocumentDeleted{},
		"StatementAttachment":             domain.StatementAttachment{},
		"XAPIActivityAlignedData":         domain.XAPIActivityAligned{},
		"CutScore":                        domain.CutScore{},
		"XAPIAgentLinkedData":             domain.XAPIAgentLinked{},
		"XAPIAgent":                       domain.XAPIAgent{},
		"CredentialIssuedData":            domain.CredentialIssued{},
		"CredentialRevokedData":           domain.CredentialRevoked{},
		"SurveyInstrumentPublishedData":   domain.SurveyInstrumentPublished{},
		"SurveyRoundOpenedData":           domain.SurveyRoundOpened{},
		"PracticeReviewStartedData":       domain.PracticeReviewStarted{},
		"PracticeReviewConcludedData":     domain.PracticeReviewConcluded{},
		"ReviewScope":                     domain.ReviewScope{},
		"ReviewFigures":                   domain.ReviewFigures{},
		"ReviewFigure":                    domain.ReviewFigure{},
		"StartPracticeReview":             domain.StartPracticeReview{},
		"ConcludePracticeReview":          domain.ConcludePracticeReview{},
		"PracticeReviews":                 httpapi.PracticeReviews{},
		"PracticeReview":                  review.Read{},
		"ReviewConclusion":                review.Conclusion{},
		"ReviewReplay":                    httpapi.ReviewReplay{},
		"GetOpenBadgeCredentialsResponse": httpapi.GetOpenBadgeCredentialsResponse{},
	}
	// Survey instruments' request bodies and answers (domain/survey.go,
	// adapters/httpapi/surveys.go).
	for name, v := range map[string]any{
		"PublishSurveyInstrument": domain.PublishSurveyInstrument{},
		"SurveySubscale":          domain.SurveySubscale{},
		"InstrumentItem":          domain.InstrumentItem{},
		"OpenSurveyRound":         domain.OpenSurveyRound{},
		"SurveyInstruments":       httpapi.SurveyInstruments{},
		"SurveyInstrument":        httpapi.SurveyInstrument{},
	} {
		types[name] = v
	}
	if got, want := len(domain.EventTypes()), 33; got != want {
		t.Errorf("the catalog has %d event types, this test knows %d: add the new payload schema", got, want)
	}
	for _, name := range sortedKeys(types) {
		props, ok := doc.properties(t, name)
		if !ok {
			t.Errorf("components/schemas has no %s", name)
			continue
		}
		goNames := jsonNames(reflect.TypeOf(types[name]))
		for _, f := range goNames {
			if !slices.Contains(props, f) {
				t.Errorf("schema %s lacks property %q (a JSON field of %T)", name, f, types[name])
			}
		}
		for _, p := range props {
			if !slices.Contains(goNames, p) {
				t.Errorf("schema %s has property %q, which %T does not have", name, p, types[name])
			}
		}
	}
}

// openAPIServer is a server with a zero Config: enough to list routes and
// to answer requests that carry no token.
func openAPIServer() *httpapi.Server { return httpapi.NewServer(httpapi.Config{}) }

// jsonNames lists the JSON field names encoding/json uses for t, embedded
// structs flattened.
func jsonNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				names = append(names, jsonNames(ft)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

// yline is one structural line of the document: not blank, not a comment,
// not inside a block scalar.
type yline struct {
	no     int // 1-based
	indent int
	text   string // without indentation or trailing space
}

// yblock is a key at some indent and the lines nested under it.
type yblock struct {
	head  yline
	key   string
	value string
	body  []yline
}

type openAPIOp struct {
	method, path string
	line         int
	public       bool
	pathParams   []yline // the path item's parameters
	params       []yline // the operation's parameters
	responses    map[string][]yline
}

func (op openAPIOp) id() string { return op.method + " " + op.path }

type openAPIParam struct {
	name, in, required string
	line               int
}

type openAPIDoc struct {
	all        []yline
	ops        []openAPIOp
	components map[string]map[string][]yline // kind -> name -> body
	responses  map[string][]yline            // components/responses
}

var blockScalarStart = regexp.MustCompile(`(^-|:)\s+[|>][-+1-9]*$`)

func readOpenAPI(t *testing.T) *openAPIDoc {
	t.Helper()
	raw, err := os.ReadFile(openAPIPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := &openAPIDoc{components: map[string]map[string][]yline{}}
	scalarAbove := -1 // inside a block scalar: lines deeper than this belong to it
	for i, l := range strings.Split(string(raw), "\n") {
		l = strings.TrimRight(l, " \t\r")
		text := strings.TrimLeft(l, " ")
		indent := len(l) - len(text)
		if text == "" {
			continue
		}
		if scalarAbove >= 0 {
			if indent > scalarAbove {
				continue
			}
			scalarAbove = -1
		}
		if strings.HasPrefix(text, "\t") {
			t.Fatalf("%s:%d: a tab in the indentation", openAPIPath, i+1)
		}
		if strings.HasPrefix(text, "#") {
			continue
		}
		doc.all = append(doc.all, yline{no: i + 1, indent: indent, text: text})
		if blockScalarStart.MatchString(text) {
			scalarAbove = indent
		}
	}

	top := map[string][]yline{}
	for _, b := range blocks(t, doc.all, 0) {
		if _, dup := top[b.key]; dup {
			t.Fatalf("line %d: top-level key %q repeats", b.head.no, b.key)
		}
		top[b.key] = b.body
	}
	if len(top["paths"]) == 0 {
		t.Fatal("the document has no paths")
	}

	seen := map[string]bool{}
	for _, p := range blocks(t, top["paths"], 2) {
		if !strings.HasPrefix(p.key, "/") {
			t.Fatalf("line %d: %q under paths is not a path", p.head.no, p.key)
		}
		if seen[p.key] {
			t.Fatalf("line %d: path %s repeats", p.head.no, p.key)
		}
		seen[p.key] = true
		var pathParams []yline
		var ops []openAPIOp
		for _, item := range blocks(t, p.body, 4) {
			switch item.key {
			case "parameters":
				pathParams = item.body
			case "get", "put", "post", "delete", "patch", "head", "options", "trace":
				op := openAPIOp{method: strings.ToUpper(item.key), path: p.key, line: item.head.no, responses: map[string][]yline{}}
				for _, f := range blocks(t, item.body, 6) {
					switch f.key {
					case "security":
						op.public = f.value == "[]"
					case "parameters":
						op.params = f.body
					case "responses":
						for _, code := range blocks(t, f.body, 8) {
							op.responses[code.key] = code.body
						}
					}
				}
				for _, o := range ops {
					if o.method == op.method {
						t.Fatalf("line %d: %s repeats", item.head.no, op.id())
					}
				}
				ops = append(ops, op)
			}
		}
		for i := range ops {
			ops[i].pathParams = pathParams
		}
		doc.ops = append(doc.ops, ops...)
	}

	for _, kind := range blocks(t, top["components"], 2) {
		doc.components[kind.key] = map[string][]yline{}
		for _, c := range blocks(t, kind.body, 4) {
			if _, dup := doc.components[kind.key][c.key]; dup {
				t.Fatalf("line %d: components/%s/%s repeats", c.head.no, kind.key, c.key)
			}
			doc.components[kind.key][c.key] = c.body
		}
	}
	doc.responses = doc.components["responses"]
	return doc
}

// blocks splits lines into the keys at indent and what each nests.
func blocks(t *testing.T, lines []yline, indent int) []yblock {
	t.Helper()
	var out []yblock
	for _, l := range lines {
		switch {
		case l.indent == indent:
			k, v, ok := splitKey(l.text)
			if !ok {
				t.Fatalf("%s:%d: expected a key at indent %d: %q", openAPIPath, l.no, indent, l.text)
			}
			out = append(out, yblock{head: l, key: k, value: v})
		case l.indent > indent && len(out) > 0:
			out[len(out)-1].body = append(out[len(out)-1].body, l)
		default:
			t.Fatalf("%s:%d: unexpected indentation %d (expected %d or more): %q", openAPIPath, l.no, l.indent, indent, l.text)
		}
	}
	return out
}

// splitKey splits `key: value`, `key:`, `"key": value` and `'key':`.
func splitKey(s string) (key, value string, ok bool) {
	if s == "" {
		return "", "", false
	}
	if q := s[0]; q == '"' || q == '\'' {
		end := strings.IndexByte(s[1:], q)
		if end < 0 || !strings.HasPrefix(s[end+2:], ":") {
			return "", "", false
		}
		return s[1 : end+1], strings.TrimSpace(s[end+3:]), true
	}
	if i := strings.Index(s, ": "); i >= 0 {
		return s[:i], strings.TrimSpace(s[i+2:]), true
	}
	if strings.HasSuffix(s, ":") {
		return s[:len(s)-1], "", true
	}
	return "", "", false
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// parameters reads a parameters list: inline `name:` entries and $refs to
// components/parameters, resolved.
func (d *openAPIDoc) parameters(t *testing.T, lines []yline) []openAPIParam {
	t.Helper()
	var out []openAPIParam
	for _, l := range lines {
		k, v, ok := splitKey(strings.TrimPrefix(l.text, "- "))
		if !ok {
			continue
		}
		switch k {
		case "name":
			out = append(out, openAPIParam{name: unquote(v), line: l.no})
		case "$ref":
			ref := unquote(v)
			name, ok := strings.CutPrefix(ref, "#/components/parameters/")
			if !ok {
				t.Errorf("line %d: parameter $ref %q is not to components/parameters", l.no, ref)
				continue
			}
			body, ok := d.components["parameters"][name]
			if !ok {
				t.Errorf("line %d: parameter $ref %q names no component", l.no, ref)
				continue
			}
			p := openAPIParam{line: l.no}
			for _, f := range blocks(t, body, 6) {
				switch f.key {
				case "name":
					p.name = unquote(f.value)
				case "in":
					p.in = unquote(f.value)
				case "required":
					p.required = f.value
				}
			}
			out = append(out, p)
		}
	}
	return out
}

// properties lists a schema's property names, with those of the schemas
// its allOf references.
func (d *openAPIDoc) properties(t *testing.T, schema string) ([]string, bool) {
	t.Helper()
	body, ok := d.components["schemas"][schema]
	if !ok {
		return nil, false
	}
	var props []string
	for _, f := range blocks(t, body, 6) {
		switch f.key {
		case "properties":
			for _, p := range blocks(t, f.body, 8) {
				props = append(props, p.key)
			}
		case "allOf":
			for _, l := range f.body {
				k, v, ok := splitKey(strings.TrimPrefix(l.text, "- "))
				if !ok || k != "$ref" {
					continue
				}
				if name, ok := strings.CutPrefix(unquote(v), "#/components/schemas/"); ok && l.indent == 8 {
					more, ok := d.properties(t, name)
					if !ok {
						t.Errorf("line %d: allOf names no schema %q", l.no, name)
					}
					props = append(props, more...)
				}
			}
		}
	}
	return props, true
}

func hasLine(lines []yline, text string) bool {
	return slices.ContainsFunc(lines, func(l yline) bool { return l.text == text })
}

func hasRef(lines []yline, ref string) bool {
	return slices.ContainsFunc(lines, func(l yline) bool {
		k, v, ok := splitKey(strings.TrimPrefix(l.text, "- "))
		return ok && k == "$ref" && unquote(v) == ref
	})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestOpenAPIPolicyParameter: both policy comparisons document the policy
// query parameter, and every example it gives is one the server accepts.
func TestOpenAPIPolicyParameter(t *testing.T) {
	doc := readOpenAPI(t)
	want := []string{"GET /v1/learners/{learnerId}/standards/{standardId}/policies", "GET /v1/research/policies"}
	for _, op := range doc.ops {
		if !slices.Contains(want, op.id()) {
			continue
		}
		want = slices.DeleteFunc(want, func(s string) bool { return s == op.id() })
		found := false
		for _, p := range doc.parameters(t, op.params) {
			if p.name == "policy" && p.in == "query" && p.required != "true" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s (line %d): no optional query parameter policy", op.id(), op.line)
		}
	}
	if len(want) != 0 {
		t.Fatalf("not documented: %v", want)
	}
	examples := 0
	for _, f := range blocks(t, doc.components["parameters"]["Policies"], 6) {
		if f.key != "example" {
			continue
		}
		for _, l := range f.body {
			ex, ok := strings.CutPrefix(l.text, "- ")
			if !ok {
				continue
			}
			examples++
			if _, err := policy.Parse(unquote(ex)); err != nil {
				t.Errorf("line %d: example %q: %v", l.no, ex, err)
			}
		}
	}
	if examples == 0 {
		t.Error("components/parameters/Policies gives no example")
	}
}
