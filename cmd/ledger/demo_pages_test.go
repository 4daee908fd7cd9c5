package main

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/web"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/review"
)

// TestDemoCycleOnThePages: served over loopback, the demo school's
// efficacy dashboard shows the perceived efficacy of the staff
// instrument's two subscales with its response rate, and learner agency;
// the reviews page shows both practice reviews with their decision (or
// "open") and each figure the API gives for them; l-0001's page shows who
// records the cycle.
func TestDemoCycleOnThePages(t *testing.T) {
	dir, tokens := demoCopy(t)
	base, stop := startServe(t, "--data", dir)
	defer stop()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(base+"/session", url.Values{"token": {tokens[domain.RoleTeacher]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session string
	for _, ck := range resp.Cookies() {
		if ck.Name == web.CookieName {
			session = ck.Value
		}
	}
	if session == "" {
		t.Fatalf("the teacher signs in: %s", resp.Status)
	}
	get := func(path string, bearer bool) string {
		t.Helper()
		req, err := http.NewRequest("GET", base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if bearer {
			req.Header.Set("Authorization", "Bearer "+tokens[domain.RoleTeacher])
		} else {
			req.AddCookie(&http.Cookie{Name: web.CookieName, Value: session})
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s\n%s", path, resp.Status, b)
		}
		return string(b)
	}
	shows := func(page, body string, want ...string) {
		t.Helper()
		for _, s := range want {
			if !strings.Contains(body, s) {
				t.Errorf("%s does not show %q", page, s)
			}
		}
	}

	eff := get("/schools/north/efficacy", false)
	survey, _, _ := strings.Cut(eff[strings.Index(eff, `id="perceived-survey"`)+1:], "</table>")
	shows("the efficacy page's survey table", survey, "Perceived efficacy (survey)", `<th scope="row">2026-11-staff-efficacy</th>`,
		"<td>North staff collective efficacy, version 1</td><td>Group competence</td>", "<td>North staff collective efficacy, version 1</td><td>Task analysis</td>",
		"<td>6</td><td>8</td><td>75.0%</td>")
	shows("the efficacy page", eff, `id="section-agency"`, "Learner agency: who records the cycle")
	shows("l-0001's page", get("/learners/l-0001", false), `<h2 id="agency">Who records the cycle</h2>`)

	var api struct{ Reviews []review.Read }
	if err := json.Unmarshal([]byte(get("/v1/schools/north/practice-reviews", true)), &api); err != nil {
		t.Fatal(err)
	}
	if len(api.Reviews) != 2 {
		t.Fatalf("the API lists %d reviews, want 2", len(api.Reviews))
	}
	page := get("/schools/north/reviews", false)
	for _, r := range api.Reviews {
		section, _, _ := strings.Cut(page[strings.Index(page, `id="review-`+r.ReviewID+`"`)+1:], "</section>")
		state := "open"
		if r.Conclusion != nil {
			state = r.Conclusion.Decision
			shows("review "+r.ReviewID, section, html.EscapeString(r.Conclusion.Learned))
		}
		shows("review "+r.ReviewID, section, "Review "+r.ReviewID+": "+state, html.EscapeString(r.Practice))
		if len(r.Figures.Figures) != 5 {
			t.Errorf("review %s: %d figures, want 5", r.ReviewID, len(r.Figures.Figures))
		}
		for _, f := range r.Figures.Figures {
			if f.Difference == nil {
				t.Errorf("review %s: %s has no difference", r.ReviewID, f.Name)
				continue
			}
			shows("review "+r.ReviewID, section, "<td>"+figureValue(f.Difference)+"</td><td>"+figureValue(f.Low)+" to "+figureValue(f.High)+"</td>")
		}
	}
	if api.Reviews[0].Conclusion == nil || api.Reviews[1].Conclusion != nil {
		t.Errorf("want the first review concluded and the second open: %+v", api.Reviews)
	}
}
