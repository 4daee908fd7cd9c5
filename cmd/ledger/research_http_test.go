package main

import (
	"encoding/json"
	"net/http"
	neturl "net/url"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

// TestResearchPoliciesOverHTTP: the learner's comparison for adults, and
// the cohort comparison through the research door, by pseudonym only.
func TestResearchPoliciesOverHTTP(t *testing.T) {
	dir, tokens := demoCopy(t)
	store := openStore(t, dir)
	var learners []string
	school := ""
	for _, e := range readAllEvents(t, store) {
		if e.Type == domain.TypeLearnerEnrolled {
			_, id, _ := domain.ParseStream(e.Stream)
			learners = append(learners, id)
		}
		if e.Type == domain.TypeSchoolRegistered && school == "" {
			_, school, _ = domain.ParseStream(e.Stream)
		}
	}
	store.Close()
	url, _ := startServe(t, "--data", dir)

	_, body := get(t, url+"/v1/research/policies?schoolId="+school+"&standardId=math-6-rp-1", tokens[domain.RoleResearcher])
	var cohort research.CohortPolicies
	if err := json.Unmarshal(body, &cohort); err != nil {
		t.Fatal(err)
	}
	if len(cohort.Learners) == 0 || len(cohort.Agreement) != 8 {
		t.Fatalf("%d learners, %d policies", len(cohort.Learners), len(cohort.Agreement))
	}
	for _, l := range cohort.Learners {
		if !strings.HasPrefix(l.Learner, "p-") {
			t.Errorf("learner %q is not a pseudonym", l.Learner)
		}
	}
	for _, id := range learners {
		if strings.Contains(string(body), `"`+id+`"`) {
			t.Errorf("the cohort comparison names learner %s", id)
		}
	}
	for _, a := range cohort.Agreement {
		if a.Confusion.N() != len(cohort.Learners) {
			t.Errorf("%s counts %d learners of %d", a.Policy, a.Confusion.N(), len(cohort.Learners))
		}
	}
	if code, _ := call(t, "GET", url+"/v1/research/policies?schoolId="+school, tokens[domain.RoleResearcher], nil); code != http.StatusBadRequest {
		t.Errorf("without standardId: %d, want 400", code)
	}
	if code, _ := call(t, "GET", url+"/v1/research/policies?schoolId="+school+"&standardId=math-6-rp-1", tokens[domain.RoleTeacher], nil); code != http.StatusForbidden {
		t.Errorf("a teacher: %d, want 403", code)
	}

	// One learner: adults read it, the learner and researchers do not.
	path := url + "/v1/learners/" + learners[0] + "/standards/math-6-rp-1/policies"
	_, body = get(t, path, tokens[domain.RoleAdmin])
	var one projections.PolicyComparison
	if err := json.Unmarshal(body, &one); err != nil || one.LearnerID != learners[0] || len(one.Standard.Results) != 8 {
		t.Fatalf("%v: %s", err, body)
	}
	for _, role := range []string{domain.RoleResearcher, domain.RoleLearner} {
		if code, _ := call(t, "GET", path, tokens[role], nil); code != http.StatusForbidden && code != http.StatusNotFound {
			t.Errorf("%s: %d, want 403", role, code)
		}
	}

	// ?policy= as the command line's --policy: the policies named, in order.
	q := neturl.Values{"policy": {"bkt,pF=0.05", "mean"}}.Encode()
	_, body = get(t, url+"/v1/research/policies?schoolId="+school+"&standardId=math-6-rp-1&"+q, tokens[domain.RoleResearcher])
	cohort = research.CohortPolicies{}
	if err := json.Unmarshal(body, &cohort); err != nil {
		t.Fatal(err)
	}
	if len(cohort.Agreement) != 2 || cohort.Agreement[0].Policy != "bkt" || cohort.Agreement[0].Params["pF"] != 0.05 || cohort.Agreement[1].Policy != "mean" {
		t.Errorf("?%s: agreement %+v", q, cohort.Agreement)
	}
	_, body = get(t, path+"?policy=n-mastery,n=2", tokens[domain.RoleAdmin]) // unescaped, as typed
	one = projections.PolicyComparison{}
	if err := json.Unmarshal(body, &one); err != nil {
		t.Fatal(err)
	}
	if len(one.Standard.Results) != 1 || one.Standard.Results[0].Policy != "n-mastery" || one.Standard.Results[0].Params["n"] != 2 {
		t.Errorf("?policy=n-mastery,n=2: %+v", one.Standard.Results)
	}
	etag, _ := get(t, path, tokens[domain.RoleAdmin])
	for _, bad := range []struct{ policy, names string }{
		{"bkt,pT=2", "pT=2"}, {"nope", `"nope"`}, {"bkt,pT", `"pT"`}, {"mean,w=0.5", "w=0.5"},
	} {
		for _, u := range []string{path, url + "/v1/research/policies?schoolId=" + school + "&standardId=math-6-rp-1"} {
			u += map[bool]string{true: "&", false: "?"}[strings.Contains(u, "?")] + neturl.Values{"policy": {bad.policy}}.Encode()
			req, _ := http.NewRequest("GET", u, nil)
			req.Header.Set("Authorization", "Bearer "+tokens[domain.RoleAdmin])
			req.Header.Set("If-None-Match", etag.Get("ETag")) // a current copy does not hide the mistake
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var p struct {
				Errors []struct{ Field, Message string } `json:"errors"`
			}
			err = json.NewDecoder(resp.Body).Decode(&p)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || err != nil || len(p.Errors) != 1 || p.Errors[0].Field != "policy" ||
				!strings.Contains(p.Errors[0].Message, bad.names) {
				t.Errorf("%s: %d %+v, want 400 naming policy and %s", u, resp.StatusCode, p, bad.names)
			}
		}
	}
}
