package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestPagesByRole opens every page as every role: allowed is a 200 with
// what the projections hold, a role refused is the 403 page, another
// school's learner is the 404 page an unknown learner is, an unknown id
// is a 404 page; each in the layout and free of inline script and style.
func TestPagesByRole(t *testing.T) {
	n := startNode(t, nodeOptions{})
	sessions := map[string]string{}
	for _, r := range roles {
		sessions[r.name] = n.signIn(t, r.token)
	}
	learnerPage := []string{"<h1>Learner l-0001</h1>", "North Middle School, cohort grade-6",
		"6.RP.A.1: Ratios", "in progress", "1 of 2 components covered", "c1 (Describe a ratio): covered, best level 3",
		"Latest evidence: level 3 on c1, from teacher", "Explain ratios in my own words", "Practise ratio tables",
		`href="/learners/l-0001/standards/math-6-rp-1"`,
		// The learner set their goal and drafted their plan; the teacher
		// recorded the evidence: 2 of 3.
		`<h2 id="agency">Who records the cycle</h2>`, "Over all time, 2 of 3 steps (66.7%) were recorded by the learner, 1 by staff.",
		`<figure class="efficacy" aria-labelledby="learner-agency-caption">`, `<caption>Who records the cycle: the share the learner recorded, by month</caption>`}
	// The school's page shows one cohort, the first by default, and links
	// to each cohort's.
	schoolPage := []string{"<h1>North Middle School</h1>", "<caption>Cohort grade-6",
		`<a href="/schools/north?cohort=grade-6" aria-current="page">Cohort grade-6</a>`, `<a href="/schools/north?cohort=grade-7">Cohort grade-7</a>`,
		`<th scope="col"><abbr title="Ratios">6.RP.A.1</abbr></th>`, `<a href="/learners/l-0001">l-0001</a>`, `<td class="p">in progress</td>`,
		"No learner of the cohort has an open readiness agreement.",
		// l-0001 set their goal and drafted their plan, the teacher
		// recorded their evidence: 2 of 3 this month.
		`<h2 id="agency">Who records the cycle in cohort grade-6</h2>`, `<a href="/schools/north/efficacy?cohort=grade-6">`,
		`<caption>Who records the cycle in cohort grade-6, by month</caption>`, `<td>66.7%</td><td>2</td><td>1</td><td>0</td>`}
	cohortPage := []string{"<h1>North Middle School</h1>", "<caption>Cohort grade-7",
		`<a href="/schools/north?cohort=grade-7" aria-current="page">Cohort grade-7</a>`,
		`<a href="/learners/l-0002">l-0002</a>`, `<td class="r">ready</td>`,
		`<a href="/learners/l-0002/standards/math-6-rp-1">l-0002 on 6.RP.A.1</a>`}
	const forbidden, notFound = "<h1>Forbidden</h1>", "<h1>Not Found</h1>"

	cases := []struct {
		path string
		want map[string]int // role → status
		has  []string       // on a 200
		not  []string       // on a 200
	}{
		{"/learners/l-0001", map[string]int{"admin": 200, "teacher": 200, "teacher-of-south": 404, "learner": 200,
			"other-learner": 403, "auditor": 200, "researcher": 403}, learnerPage, nil},
		// Another school's learner: for its teacher a 200, for North's
		// teacher the 404 of a learner who does not exist.
		{"/learners/l-0900", map[string]int{"admin": 200, "teacher": 404, "teacher-of-south": 200, "learner": 403,
			"other-learner": 403, "auditor": 200, "researcher": 403}, []string{"<h1>Learner l-0900</h1>", "South Middle School"}, nil},
		{"/learners/nobody", map[string]int{"admin": 404, "teacher": 404, "teacher-of-south": 404, "learner": 403,
			"other-learner": 403, "auditor": 404, "researcher": 403}, nil, nil},
		{"/learners/not%20an%20id", map[string]int{"admin": 404, "teacher": 404, "auditor": 404}, nil, nil},
		{"/schools/north", map[string]int{"admin": 200, "teacher": 200, "teacher-of-south": 403, "learner": 403,
			"other-learner": 403, "auditor": 200, "researcher": 403}, schoolPage, []string{"l-0900", `href="/learners/l-0002"`, "<caption>Cohort grade-7"}},
		{"/schools/north?cohort=grade-7", map[string]int{"admin": 200, "teacher": 200, "teacher-of-south": 403, "learner": 403,
			"auditor": 200, "researcher": 403}, cohortPage, []string{"l-0900", `href="/learners/l-0001"`, "<caption>Cohort grade-6"}},
		// A cohort that no learner of the school is in is the 404 page;
		// the access rule is checked first, as for an unknown school.
		{"/schools/north?cohort=grade-9", map[string]int{"admin": 404, "teacher": 404, "teacher-of-south": 403, "researcher": 403}, nil, nil},
		{"/schools/nowhere", map[string]int{"admin": 404, "auditor": 404, "teacher": 403, "learner": 403, "researcher": 403}, nil, nil},
		{"/no/such/page", map[string]int{"admin": 404, "learner": 404}, nil, nil},
	}
	for _, c := range cases {
		for role, want := range c.want {
			t.Run(role+c.path, func(t *testing.T) {
				resp := n.get(t, c.path, sessions[role])
				if resp.status != want {
					t.Fatalf("status %d, want %d: %s", resp.status, want, resp.body)
				}
				checkHTML(t, role+" "+c.path, resp.body)
				switch want {
				case 200:
					for _, s := range c.has {
						if !strings.Contains(resp.body, s) {
							t.Errorf("page lacks %q", s)
						}
					}
					for _, s := range c.not {
						if strings.Contains(resp.body, s) {
							t.Errorf("page shows %q", s)
						}
					}
				case 403:
					if !strings.Contains(resp.body, forbidden) {
						t.Errorf("not the 403 page: %s", resp.body)
					}
				case 404:
					if !strings.Contains(resp.body, notFound) {
						t.Errorf("not the 404 page: %s", resp.body)
					}
				}
			})
		}
	}
}

// TestLearnerPageMatchesAPI: for every role and learner, the learner's
// page answers as the API's read of the same learner does, because both
// read under one rule of adapters/access. A page is never a way around a
// 403 (or a 404).
func TestLearnerPageMatchesAPI(t *testing.T) {
	n := startNode(t, nodeOptions{})
	for _, r := range roles {
		session := n.signIn(t, r.token)
		for _, id := range []string{"l-0001", "l-0002", "l-0900", "nobody"} {
			api := n.do(t, "GET", "/v1/learners/"+id+"/mastery", nil, http.Header{"Authorization": {"Bearer " + r.token}})
			page := n.get(t, "/learners/"+id, session)
			if api.status != page.status {
				t.Errorf("%s on %s: the page answers %d, the API %d", r.name, id, page.status, api.status)
			}
		}
	}
}

// TestSignedOutPages: without a session every page is the 401 page with a
// link to sign in, and the home page is the sign-in form.
func TestSignedOutPages(t *testing.T) {
	n := startNode(t, nodeOptions{})
	for _, path := range []string{"/learners/l-0001", "/schools/north", "/learners/nobody"} {
		resp := n.get(t, path, "")
		if resp.status != http.StatusUnauthorized || !strings.Contains(resp.body, `<a href="/">Sign in</a>`) {
			t.Errorf("%s signed out: %d %s", path, resp.status, resp.body)
		}
		checkHTML(t, path, resp.body)
	}
	// A cookie that names no session is no session.
	resp := n.get(t, "/learners/l-0001", strings.Repeat("ab", 32))
	if resp.status != http.StatusUnauthorized {
		t.Errorf("made-up session: %d", resp.status)
	}
	home := n.get(t, "/", "")
	if home.status != 200 || !strings.Contains(home.body, `<form method="post" action="/session">`) || !strings.Contains(home.body, `name="token"`) {
		t.Errorf("home signed out: %d %s", home.status, home.body)
	}
	checkHTML(t, "/", home.body)
}

// TestHomeLinks: signed in, the home page links each page the role may
// open, and none it may not.
func TestHomeLinks(t *testing.T) {
	n := startNode(t, nodeOptions{})
	cases := []struct {
		token    string
		has, not []string
	}{
		{learnerToken, []string{`href="/learners/l-0001"`}, []string{`href="/schools/`, `href="/learners/l-0002"`}},
		{teacherToken, []string{`href="/schools/north"`, `href="/schools/north/efficacy"`}, []string{`href="/schools/south`, `href="/learners/`}},
		{adminToken, []string{`href="/schools/north"`, `href="/schools/south"`, `href="/schools/north/efficacy"`, `href="/schools/south/efficacy"`}, nil},
		{auditorToken, []string{`href="/schools/north"`, `href="/schools/south"`, `href="/schools/north/efficacy"`, `href="/schools/south/efficacy"`}, nil},
		// Researchers read school aggregates, not rosters.
		{researcherToken, []string{`href="/schools/north/efficacy"`, `href="/schools/south/efficacy"`},
			[]string{`href="/schools/north"`, `href="/schools/south"`, `href="/learners/`, "There is no page for your role yet"}},
	}
	for _, c := range cases {
		home := n.get(t, "/", n.signIn(t, c.token))
		checkHTML(t, "home", home.body)
		for _, s := range c.has {
			if !strings.Contains(home.body, s) {
				t.Errorf("%s: home lacks %s", c.token, s)
			}
		}
		for _, s := range c.not {
			if strings.Contains(home.body, s) {
				t.Errorf("%s: home shows %s", c.token, s)
			}
		}
	}
}

// TestPagesWaitForTheReadModel: until the read model has applied what was
// stored at start, a page is the 503 page, never a half-rebuilt record
// (here the position is one the store never reaches).
func TestPagesWaitForTheReadModel(t *testing.T) {
	n := startNode(t, nodeOptions{startPosition: 1 << 40, startTimeout: time.Millisecond})
	resp := n.get(t, "/learners/l-0001", "")
	if resp.status != http.StatusServiceUnavailable || !strings.Contains(resp.body, "<h1>Service Unavailable</h1>") {
		t.Errorf("before the read model caught up: %d %s", resp.status, resp.body)
	}
	checkHTML(t, "503 page", resp.body)
}
