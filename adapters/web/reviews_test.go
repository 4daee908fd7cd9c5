package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestReviewsPageByRole opens North's practice reviews page as every
// role: the statuses of the API's rule (SchoolFigures), the same status
// as the API's read, the figures in a table per review with the decision,
// and for the researcher no learner id and none of the staff's words
// (North does not share free text). The school page links to it.
func TestReviewsPageByRole(t *testing.T) {
	n := startNode(t, nodeOptions{})
	for _, w := range []struct{ token, path, body string }{
		{teacherToken, "/v1/schools/north/practice-reviews", `{"reviewId":"r1","practice":"Feedback within a day, as l-0001 asked",
			"intendedResult":"Higher evidence levels","standardIds":["math-6-rp-1"],"scope":{"learnerIds":["l-0001"]},
			"comparison":{"cohorts":["grade-7"]},"startDate":"2026-08-01","reviewDate":"2027-06-01"}`},
		{teacherToken, "/v1/schools/north/practice-reviews/r1/conclusion", `{"decision":"adjust","learned":"It helps l-0001."}`},
	} {
		if resp := n.do(t, "POST", w.path, strings.NewReader(w.body), http.Header{
			"Authorization": {"Bearer " + w.token}, "Content-Type": {"application/json"}}); resp.status != http.StatusCreated {
			t.Fatalf("seed POST %s: %d %s", w.path, resp.status, resp.body)
		}
	}
	tokens := map[string]string{}
	for _, r := range roles {
		tokens[r.name] = r.token
	}
	want := map[string]int{"admin": 200, "teacher": 200, "teacher-of-south": 403, "learner": 403, "other-learner": 403, "auditor": 200, "researcher": 200}
	for role, status := range want {
		t.Run(role, func(t *testing.T) {
			const path = "/schools/north/reviews"
			resp := n.get(t, path, n.signIn(t, tokens[role]))
			if resp.status != status {
				t.Fatalf("status %d, want %d: %s", resp.status, status, resp.body)
			}
			if api := n.do(t, "GET", "/v1/schools/north/practice-reviews", nil, http.Header{"Authorization": {"Bearer " + tokens[role]}}); api.status != status {
				t.Errorf("the page answers %d, the API %d", status, api.status)
			}
			checkHTML(t, role+" "+path, resp.body)
			if status != 200 {
				return
			}
			for _, s := range []string{"<h1>Practice reviews: North Middle School</h1>", `<h2 id="review-r1">Review r1: adjust</h2>`,
				"<caption>Figures of review r1, as the staff saw them when they concluded (log position ",
				`<th scope="row">Mean evidence level</th>`, "observational", "cohort grade-7 (1 learner)"} {
				if !strings.Contains(resp.body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			// A page never links where its reader may not go.
			if back := strings.Contains(resp.body, `<a href="/schools/north">`); back != (role != "researcher") {
				t.Errorf("%s: link to the school's learners shown: %v", role, back)
			}
			leaks := role == "researcher"
			for _, s := range []string{"l-0001", "Feedback within a day", "It helps"} {
				if strings.Contains(resp.body, s) == leaks {
					t.Errorf("%s: page holds %q: %v, want %v", role, s, !leaks, leaks)
				}
			}
		})
	}
	school := n.get(t, "/schools/north", n.signIn(t, teacherToken))
	if !strings.Contains(school.body, `<a href="/schools/north/reviews">practice reviews</a>`) {
		t.Error("the school page does not link to the reviews page")
	}
	if eff := n.get(t, "/schools/north/efficacy", n.signIn(t, researcherToken)); !strings.Contains(eff.body, `<a href="/schools/north/reviews">practice reviews</a>`) {
		t.Error("the efficacy page does not link to the reviews page")
	}
	if resp := n.get(t, "/schools/nowhere/reviews", n.signIn(t, adminToken)); resp.status != http.StatusNotFound {
		t.Errorf("an unknown school: %d", resp.status)
	}
}

// TestReviewForms starts and concludes a practice review through the
// forms: only the school's staff may open them; a refusal shows the
// fields at fault and writes nothing; a start and a conclusion each write
// one event and lead to the review on the reviews page; the conclusion
// form shows the figures it will record; a second conclusion is refused
// by its rule.
func TestReviewForms(t *testing.T) {
	n := startNode(t, nodeOptions{})
	const start, conclude = "/schools/north/practice-reviews", "/schools/north/practice-reviews/rv1/conclusion"
	for _, r := range roles {
		want := map[string]int{"admin": 200, "teacher": 200}[r.name]
		if want == 0 {
			want = http.StatusForbidden
		}
		if got := n.get(t, start, n.signIn(t, r.token)).status; got != want {
			t.Errorf("%s GET %s: %d, want %d", r.name, start, got, want)
		}
	}
	session := n.signIn(t, teacherToken)
	token := n.csrf(t, session)
	values := url.Values{"reviewId": {"rv1"}, "practice": {"Feedback within a day"}, "intendedResult": {"Higher levels"},
		"standardIds": {"math-6-rp-1"}, "scope.cohorts": {"grade-6"}, "comparison.cohorts": {"grade-7"},
		"startDate": {"2026-08-01"}, "reviewDate": {"2026-07-01"}}

	before := n.eventCount(t)
	bad := n.send(t, start, session, token, "", values)
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, `id="f-reviewDate" name="reviewDate" aria-describedby="f-reviewDate-hint f-reviewDate-error" aria-invalid="true"`) {
		t.Errorf("a review date before the start: %d %s", bad.status, bad.body)
	}
	checkHTML(t, "refused start", bad.body)
	values.Set("reviewDate", "2027-06-01")
	values["scope.learnerIds"] = []string{"l-0099"}
	if unknown := n.send(t, start, session, token, "", values); unknown.status != http.StatusUnprocessableEntity || !strings.Contains(unknown.body, "rule unknown-learner") {
		t.Errorf("an unknown learner: %d %s", unknown.status, unknown.body)
	}
	if n.eventCount(t) != before {
		t.Fatal("a refused form wrote")
	}
	delete(values, "scope.learnerIds")
	resp := n.send(t, start, session, token, "", values)
	if resp.status != http.StatusSeeOther || resp.header.Get("Location") != "/schools/north/reviews#review-rv1" {
		t.Fatalf("start: %d %q %s", resp.status, resp.header.Get("Location"), resp.body)
	}
	page := n.get(t, "/schools/north/reviews", session)
	if !strings.Contains(page.body, `<a href="/schools/north/practice-reviews/rv1/conclusion">`) {
		t.Error("the open review offers no conclusion form")
	}

	form := n.get(t, conclude, session)
	if form.status != http.StatusOK || !strings.Contains(form.body, "<caption>Figures of review rv1, as of today") {
		t.Errorf("conclusion form: %d %s", form.status, form.body)
	}
	checkHTML(t, "conclusion form", form.body)
	if got := n.get(t, conclude, n.signIn(t, auditorToken)).status; got != http.StatusForbidden {
		t.Errorf("auditor opens the conclusion form: %d", got)
	}
	if got := n.get(t, "/schools/north/practice-reviews/nope/conclusion", session).status; got != http.StatusNotFound {
		t.Errorf("an unknown review's conclusion form: %d", got)
	}
	if missing := n.send(t, conclude, session, token, "", url.Values{"learned": {"x"}}); missing.status != http.StatusBadRequest || !strings.Contains(missing.body, "Decision: is required") {
		t.Errorf("no decision: %d %s", missing.status, missing.body)
	}
	before = n.eventCount(t)
	done := n.send(t, conclude, session, token, "", url.Values{"decision": {"adjust"}, "learned": {"Plans need it too"}})
	if done.status != http.StatusSeeOther || n.eventCount(t) != before+1 {
		t.Fatalf("conclusion: %d %s", done.status, done.body)
	}
	if again := n.send(t, conclude, session, token, "", url.Values{"decision": {"keep"}, "learned": {"x"}}); again.status != http.StatusUnprocessableEntity ||
		!strings.Contains(again.body, "rule review-concluded") {
		t.Errorf("a second conclusion: %d %s", again.status, again.body)
	}
	if page := n.get(t, "/schools/north/reviews", session); !strings.Contains(page.body, `<h2 id="review-rv1">Review rv1: adjust</h2>`) {
		t.Errorf("the reviews page after the conclusion: %s", page.body)
	}
}
