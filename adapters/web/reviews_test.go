package web_test

import (
	"net/http"
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
	if resp := n.get(t, "/schools/nowhere/reviews", n.signIn(t, adminToken)); resp.status != http.StatusNotFound {
		t.Errorf("an unknown school: %d", resp.status)
	}
}
