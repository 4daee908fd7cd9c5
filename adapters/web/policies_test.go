package web_test

import (
	"strings"
	"testing"
)

// TestPoliciesPageByRole opens the policies page as every role: admin,
// auditor and the school's teachers read it; the learner themself, another
// learner and the researcher get the 403 page; another school's teacher,
// an unknown learner and an unknown standard the 404 page.
func TestPoliciesPageByRole(t *testing.T) {
	n := startRecordNode(t)
	sessions := map[string]string{}
	for _, r := range roles {
		sessions[r.name] = n.signIn(t, r.token)
	}
	cases := []struct {
		path string
		want map[string]int
	}{
		{"/learners/l-0001/standards/math-6-01/policies", map[string]int{"admin": 200, "teacher": 200, "teacher-of-south": 404,
			"learner": 403, "other-learner": 403, "auditor": 200, "researcher": 403}},
		{"/learners/l-0900/standards/math-6-01/policies", map[string]int{"admin": 200, "teacher": 404, "teacher-of-south": 200, "auditor": 200}},
		{"/learners/nobody/standards/math-6-01/policies", map[string]int{"admin": 404, "teacher": 404, "auditor": 404, "learner": 403}},
		{"/learners/l-0001/standards/no-such-standard/policies", map[string]int{"admin": 404, "teacher": 404, "auditor": 404, "learner": 403}},
		{"/learners/l-0001/standards/not%20an%20id/policies", map[string]int{"admin": 404, "teacher": 404}},
	}
	for _, c := range cases {
		for role, want := range c.want {
			t.Run(role+c.path, func(t *testing.T) {
				resp := n.get(t, c.path, sessions[role])
				if resp.status != want {
					t.Fatalf("status %d, want %d: %s", resp.status, want, short(resp.body))
				}
				checkHTML(t, role+" "+c.path, resp.body)
				words := map[int]string{200: "<h1>Mastery policies: learner", 403: "<h1>Forbidden</h1>", 404: "<h1>Not Found</h1>"}[want]
				if !strings.Contains(resp.body, words) {
					t.Errorf("page lacks %q: %s", words, resp.body)
				}
			})
		}
	}
	if resp := n.get(t, "/learners/l-0001/standards/math-6-01/policies", ""); resp.status != 401 {
		t.Errorf("without a session: %d, want 401", resp.status)
	}
}

// TestPoliciesPageContent checks the rows of the page over the ledger of
// startRecordNode. On math-6-01, l-0001 was pre-assessed on c1, then scored
// 2 on c1 and 4 on c2, then met the standard with an attempt at 3; l-0002
// scored 2 then 4 on c1 and has met nothing.
func TestPoliciesPageContent(t *testing.T) {
	n := startRecordNode(t)
	admin := n.signIn(t, adminToken)
	met := n.get(t, "/learners/l-0001/standards/math-6-01/policies", admin)
	if met.status != 200 {
		t.Fatalf("status %d: %s", met.status, met.body)
	}
	checkHTML(t, "policies", met.body)
	for _, s := range []string{
		"<caption>The official rule beside each research policy, for learner l-0001 on 6.NS.A.1</caption>",
		`<th scope="col">Evidence used</th>`,
		"same learner's 2 current scores across the standard's components",
		// The official rule, with what the agreement rested on.
		`<th scope="row">Official rule</th>`,
		"<td>proficient = 3, revision 1</td>",
		"<td>c2 at level 4, 3 September 2026; shown at pre-assessment: c1; the summative attempt of 5 September 2026</td>",
		"Official rule: the summative attempt of 5 September 2026, taken after the learner and a teacher agreed the learner was ready, is at level 3 (Proficient), which is at or above proficient (3): met.",
		// Each research policy, over both components' evidence.
		"Latest: the most recent of the 2 current scores is 4 (Advanced), which is at or above proficient (3): met.",
		"Highest: the best current level across components is 4 (Advanced), which is at or above proficient (3): met.",
		"Average: the mean of the 2 current scores is 3 (Proficient), which is at or above proficient (3): met.",
		"Weighted average: the latest score counts for 0.65 and the mean of the earlier ones for 0.35, which gives 3.3, which is at or above proficient (3): met.",
		"<td>w = 0.65</td>",
		"N times at proficient: 1 of the 2 current scores at or above proficient (3), and 3 are needed: not yet.",
		"<td>n = 3</td>",
		"<td>pL0 = 0.1, pT = 0.2, pS = 0.1, pG = 0.2, threshold = 0.95</td>",
		"Knowledge tracing: the estimated chance that the learner knows the standard, after the 2 current scores, is",
		"<td>c1 at level 2, 2 September 2026; c2 at level 4, 3 September 2026</td>",
		`href="/learners/l-0001/standards/math-6-01"`,
	} {
		if !strings.Contains(met.body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if got := strings.Count(met.body, `<th scope="row">`); got != 9 {
		t.Errorf("%d rows, want the official rule and 8 policies", got)
	}

	// The learner's page leads the adults there, not the learner, who
	// may not open it.
	link := `href="/learners/l-0001/standards/math-6-01/policies"`
	if record := n.get(t, "/learners/l-0001", admin); !strings.Contains(record.body, link) {
		t.Errorf("the learner's page does not link the policies for an admin")
	}
	if record := n.get(t, "/learners/l-0001", n.signIn(t, learnerToken)); strings.Contains(record.body, link) {
		t.Errorf("the learner's page links the learner to a page they may not open")
	}

	notYet := n.get(t, "/learners/l-0002/standards/math-6-01/policies", n.signIn(t, teacherToken))
	if notYet.status != 200 {
		t.Fatalf("status %d: %s", notYet.status, notYet.body)
	}
	for _, s := range []string{
		"Official rule: no summative attempt at or above proficient (3) has followed an agreement yet, so the standard is in progress: not yet.",
		"Latest: the most recent of the 2 current scores is 4 (Advanced), which is at or above proficient (3): met.",
		"Average: the mean of the 2 current scores is 3 (Proficient)",
	} {
		if !strings.Contains(notYet.body, s) {
			t.Errorf("page of l-0002 lacks %q", s)
		}
	}
	none := n.get(t, "/learners/l-0001/standards/math-6-02/policies", admin)
	if none.status != 200 {
		t.Fatalf("status %d: %s", none.status, none.body)
	}
	other := n.get(t, "/learners/l-0900/standards/math-6-01/policies", admin)
	if !strings.Contains(other.body, "Latest: there is no current evidence, so no value: not yet.") {
		t.Errorf("a learner without evidence: %s", other.body)
	}
}
