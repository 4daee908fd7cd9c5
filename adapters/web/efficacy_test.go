package web_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// seedEfficacy adds what the efficacy figures need beyond the pages'
// school: l-0002 meets the standard it was agreed ready for (a win), a
// learner answers a survey round, and East is a school with no learners.
func (n *node) seedEfficacy(t *testing.T) {
	t.Helper()
	writes := []struct{ token, path, body string }{
		{teacherToken, "/v1/learners/l-0002/summative-attempts", `{"standardId":"math-6-rp-1","level":3}`},
		{adminToken, "/v1/schools/north/efficacy-surveys", `{"roundId":"autumn","respondent":"learner","cohort":"grade-7","items":[{"itemId":"i1","score":4}]}`},
		{adminToken, "/v1/schools", `{"schoolId":"east","name":"East Middle School"}`},
	}
	for _, w := range writes {
		resp := n.do(t, "POST", w.path, strings.NewReader(w.body), http.Header{
			"Authorization": {"Bearer " + w.token}, "Content-Type": {"application/json"}})
		if resp.status != http.StatusCreated {
			t.Fatalf("seed POST %s: %d %s", w.path, resp.status, resp.body)
		}
	}
}

// efficacyCharts are the ids of the charts the page draws, each in a
// <figure> with its table.
var efficacyCharts = []string{"efficacy-proficiency", "efficacy-growth", "efficacy-wins", "efficacy-persistence",
	"efficacy-persistence-learners", "efficacy-goals", "efficacy-time", "efficacy-across-rounds", "efficacy-perceived",
	"efficacy-agency", "efficacy-agency-kinds"}

// checkFigures wants every chart drawn as an SVG named by its title and
// desc, inside a <figure> with a <figcaption>, and its table in a region
// that Tab can reach (it may scroll).
func checkFigures(t *testing.T, body string) {
	t.Helper()
	if got := strings.Count(body, "<figure"); got != len(efficacyCharts) {
		t.Errorf("%d figures, want %d", got, len(efficacyCharts))
	}
	for _, id := range efficacyCharts {
		i := strings.Index(body, `<figure class="efficacy" aria-labelledby="`+id+`-caption">`)
		if i < 0 {
			t.Errorf("no figure for %s", id)
			continue
		}
		fig := body[i : i+strings.Index(body[i:], "</figure>")]
		for _, want := range []string{`<figcaption id="` + id + `-caption">`, `role="img" aria-labelledby="` + id + `-title ` + id + `-desc"`,
			`<title id="` + id + `-title">`, `<desc id="` + id + `-desc">`,
			`<div class="scroll efficacy-table" tabindex="0" role="region" aria-label="Table: `, `<table class="chart-table"><caption>`} {
			if !strings.Contains(fig, want) {
				t.Errorf("figure %s lacks %s:\n%s", id, want, fig)
			}
		}
	}
}

// TestEfficacyPageByRole opens the efficacy page of each school as every
// role: the statuses of the access table (the API's rule, SchoolFigures),
// and the same status as the API's read of the same school; on a 200 the
// charts with their tables, in the layout, free of inline script and style.
func TestEfficacyPageByRole(t *testing.T) {
	n := startNode(t, nodeOptions{})
	n.seedEfficacy(t)
	const forbidden, notFound = "<h1>Forbidden</h1>", "<h1>Not Found</h1>"
	cases := []struct {
		school string
		want   map[string]int
		has    []string
	}{
		{"north", map[string]int{"admin": 200, "teacher": 200, "teacher-of-south": 403, "learner": 403,
			"other-learner": 403, "auditor": 200, "researcher": 200},
			[]string{"<h1>Collective efficacy: North Middle School</h1>", "All cohorts, by month, all time.",
				"Learners enrolled: 2.", "<th scope=\"row\">6.RP.A.1 Ratios</th>", "Wins: the newest standards met",
				`<option value="" selected>All cohorts</option>`, `<option value="grade-6">grade-6</option>`, `<option value="month" selected>Month</option>`,
				// The survey table: the round without instrument, labelled so.
				`<h2 id="perceived-survey">Perceived efficacy (survey)</h2>`, `<th scope="row">autumn</th><td>no instrument</td><td>all items, Learners</td><td>4 (1–5)</td>`,
				// The outcomes are labelled as such, apart from the
				// perceived efficacy and the agency.
				`<h3 id="section-outcomes">Outcomes: what was measured</h3>`, "proxies of collective efficacy, not efficacy itself",
				`<h3 id="section-perceived">Perceived efficacy: what survey rounds said</h3>`,
				`<h3 id="section-agency">Learner agency: who records the cycle</h3>`,
				// l-0002's win came at its first attempt.
				"<td>At the first attempt</td>"}},
		// The school of another teacher: 403, as the API answers.
		{"south", map[string]int{"admin": 200, "teacher": 403, "teacher-of-south": 200, "auditor": 200, "researcher": 200},
			[]string{"<h1>Collective efficacy: South Middle School</h1>"}},
		{"nowhere", map[string]int{"admin": 404, "auditor": 404, "researcher": 404, "teacher": 403, "learner": 403}, nil},
		{"not%20an%20id", map[string]int{"admin": 404, "researcher": 404}, nil},
	}
	tokens := map[string]string{}
	for _, r := range roles {
		tokens[r.name] = r.token
	}
	for _, c := range cases {
		for role, want := range c.want {
			t.Run(role+"/"+c.school, func(t *testing.T) {
				path := "/schools/" + c.school + "/efficacy"
				resp := n.get(t, path, n.signIn(t, tokens[role]))
				if resp.status != want {
					t.Fatalf("status %d, want %d: %s", resp.status, want, resp.body)
				}
				if c.school != "not%20an%20id" {
					api := n.do(t, "GET", "/v1"+path, nil, http.Header{"Authorization": {"Bearer " + tokens[role]}})
					if api.status != resp.status {
						t.Errorf("the page answers %d, the API %d", resp.status, api.status)
					}
				}
				checkHTML(t, role+" "+path, resp.body)
				switch want {
				case 200:
					checkFigures(t, resp.body)
					for _, s := range c.has {
						if !strings.Contains(resp.body, s) {
							t.Errorf("page lacks %q", s)
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
	if resp := n.get(t, "/schools/north/efficacy", ""); resp.status != http.StatusUnauthorized {
		t.Errorf("signed out: %d", resp.status)
	}
}

// feedPseudonym reads the research feed as a researcher and returns the
// pseudonym of the learner whose stream holds a summative attempt: l-0002,
// the only one with an attempt.
func feedPseudonym(t *testing.T, n *node) string {
	t.Helper()
	feed := n.do(t, "GET", "/v1/events", nil, http.Header{"Authorization": {"Bearer " + researcherToken}})
	if feed.status != http.StatusOK {
		t.Fatalf("research feed: %d %s", feed.status, feed.body)
	}
	sc := bufio.NewScanner(strings.NewReader(feed.body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e struct{ Type, Stream string }
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if e.Type == "SummativeAttemptRecorded" {
			return strings.TrimPrefix(e.Stream, "learner-")
		}
	}
	t.Fatalf("no summative attempt in the research feed: %s", feed.body)
	return ""
}

// TestEfficacyPagePseudonyms: a researcher's page names the learner of a
// win by the research feed's pseudonym and holds no learner id of the
// school; a teacher's page, and an admin's, name the learner.
func TestEfficacyPagePseudonyms(t *testing.T) {
	n := startNode(t, nodeOptions{})
	n.seedEfficacy(t)
	pseudonym := feedPseudonym(t, n)
	if !strings.HasPrefix(pseudonym, "p-") {
		t.Fatalf("the feed's stream names %q, not a pseudonym", pseudonym)
	}
	ids := []string{"l-0001", "l-0002", "l-0900"}

	page := n.get(t, "/schools/north/efficacy?winsLimit=100", n.signIn(t, researcherToken))
	if page.status != http.StatusOK {
		t.Fatalf("researcher: %d %s", page.status, page.body)
	}
	for _, id := range ids {
		if strings.Contains(page.body, id) {
			t.Errorf("the researcher's page holds the learner id %s", id)
		}
	}
	if !strings.Contains(page.body, "<td>"+pseudonym+"</td>") {
		t.Errorf("the researcher's wins feed lacks the feed's pseudonym %s", pseudonym)
	}
	if !strings.Contains(page.body, "research pseudonyms") {
		t.Error("the researcher's page does not say learners are pseudonymised")
	}
	// The API's research copy names the same learner the same way.
	api := n.do(t, "GET", "/v1/schools/north/efficacy?winsLimit=100", nil, http.Header{"Authorization": {"Bearer " + researcherToken}})
	if !strings.Contains(api.body, `"learnerId":"`+pseudonym+`"`) {
		t.Errorf("the API's research copy lacks %s: %s", pseudonym, api.body)
	}

	// Nor does the API's copy, whose agency names every learner and
	// whose wins carry the path of their trail.
	for _, id := range ids {
		if strings.Contains(api.body, id) {
			t.Errorf("the API's research copy holds the learner id %s", id)
		}
	}
	if !strings.Contains(api.body, `"byLearner":[{"cohort":"grade-6","learnerId":"p-`) {
		t.Errorf("the API's research copy lacks agency by pseudonym: %s", api.body)
	}
	// A researcher may not open a learner's trail: no link to one.
	if strings.Contains(page.body, `href="/learners/`) {
		t.Error("the researcher's page links to a learner's page")
	}

	for _, token := range []string{teacherToken, adminToken} {
		raw := n.get(t, "/schools/north/efficacy?winsLimit=100", n.signIn(t, token))
		if !strings.Contains(raw.body, "<td>l-0002</td>") {
			t.Errorf("%s: the wins feed lacks l-0002", token)
		}
		if !strings.Contains(raw.body, `<a href="/learners/l-0002/standards/math-6-rp-1">How l-0002 met `) {
			t.Errorf("%s: the win lacks the link to its trail", token)
		}
		if strings.Contains(raw.body, pseudonym) || strings.Contains(raw.body, "research pseudonyms") {
			t.Errorf("%s: the page shows a pseudonym", token)
		}
	}
}

// TestEfficacyPageFilters: the form's filters reach the figures as the
// API's query parameters do, and the form shows what was chosen.
func TestEfficacyPageFilters(t *testing.T) {
	n := startNode(t, nodeOptions{})
	n.seedEfficacy(t)
	session := n.signIn(t, teacherToken)
	get := func(query string) string {
		t.Helper()
		resp := n.get(t, "/schools/north/efficacy?"+query, session)
		if resp.status != http.StatusOK {
			t.Fatalf("%s: %d %s", query, resp.status, resp.body)
		}
		checkHTML(t, query, resp.body)
		checkFigures(t, resp.body)
		return resp.body
	}
	seven := get("cohort=grade-7&period=week&from=2026-01-01&to=2036-01-01&winsLimit=5")
	for _, want := range []string{"Cohort grade-7, by week, from 2026-01-01 00:00 UTC to before 2036-01-01 00:00 UTC.",
		"Learners enrolled: 1.", `<option value="grade-7" selected>grade-7</option>`, `<option value="" >`, `<option value="week" selected>ISO week</option>`,
		`name="from" value="2026-01-01"`, `name="to" value="2036-01-01"`, `name="winsLimit" value="5"`, "<td>l-0002</td>", "ISO week"} {
		if want == `<option value="" >` {
			if strings.Contains(seven, `<option value="" selected>`) {
				t.Error("All cohorts is still selected")
			}
			continue
		}
		if !strings.Contains(seven, want) {
			t.Errorf("grade-7 by week lacks %q", want)
		}
	}
	// The wins of grade-7 are not grade-6's.
	six := get("cohort=grade-6")
	if strings.Contains(six, "<td>l-0002</td>") || !strings.Contains(six, "No wins yet.") {
		t.Error("the grade-6 figures show grade-7's win")
	}
	// A window before anything happened holds no win.
	if old := get("to=2020-01-01"); strings.Contains(old, "<td>l-0002</td>") {
		t.Error("a window before the win shows it")
	}
	// An RFC 3339 time, as the API takes, is taken too.
	if at := get("from=2026-01-01T09:30:00Z"); !strings.Contains(at, "from 2026-01-01 09:30 UTC") {
		t.Error("the page does not take an RFC 3339 time")
	}
	// The figures are the API's: the same learners for the same filters.
	api := n.do(t, "GET", "/v1/schools/north/efficacy?cohort=grade-7&period=week&winsLimit=5", nil, http.Header{"Authorization": {"Bearer " + teacherToken}})
	var report struct {
		Enrolled struct{ Learners int }
		Growth   struct{ Period string }
	}
	if err := json.Unmarshal([]byte(api.body), &report); err != nil {
		t.Fatal(err)
	}
	if report.Enrolled.Learners != 1 || report.Growth.Period != "week" {
		t.Errorf("the API's grade-7 figures: %+v", report)
	}
}

// TestEfficacyPageBadFilters: a filter at fault re-shows the form with a
// 400 and a message naming the field by its label, never the 500 page;
// the API refuses the same value with a 400 naming the same parameter.
func TestEfficacyPageBadFilters(t *testing.T) {
	n := startNode(t, nodeOptions{})
	n.seedEfficacy(t)
	session := n.signIn(t, teacherToken)
	cases := []struct {
		query, field, says string
		api                string // the API's query for the same mistake
	}{
		{"period=year", "period", `Growth by: must be &#34;month&#34; or &#34;week&#34;.`, "period=year"},
		{"cohort=no+such+cohort!", "cohort", "Cohort: must be 1 to", "cohort=no+such+cohort!"},
		{"from=yesterday", "from", `From: &#34;yesterday&#34; is not a date: write a day as 2026-09-01`, "from=yesterday"},
		{"to=2026-13-45", "to", `Before: &#34;2026-13-45&#34; is not a date`, "to=2026-13-45T00:00:00Z"},
		{"from=2026-02-01&to=2026-01-01", "to", "Before: must be after from.", "from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z"},
		{"winsLimit=lots", "winsLimit", "Wins listed: must be a non-negative integer.", "winsLimit=lots"},
		{"winsLimit=5000", "winsLimit", "Wins listed: must be at most 1000.", "winsLimit=5000"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			resp := n.get(t, "/schools/north/efficacy?"+c.query, session)
			if resp.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", resp.status, resp.body)
			}
			checkHTML(t, c.query, resp.body)
			for _, want := range []string{`<title>Error: Collective efficacy: North Middle School · Mastery Ledger</title>`, `<h1>Collective efficacy: North Middle School</h1>`, `<a href="#filter-` + c.field + `">` + c.says,
				`id="filter-` + c.field + `-error"`, `<form class="filters" method="get" action="/schools/north/efficacy">`} {
				if !strings.Contains(resp.body, want) {
					t.Errorf("the page lacks %s:\n%s", want, resp.body)
				}
			}
			field := regexp.MustCompile(`id="filter-` + c.field + `"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="filter-` + c.field + `"|<select id="filter-` + c.field + `"[^>]*aria-invalid="true"`)
			if !field.MatchString(resp.body) {
				t.Errorf("the field %s is not marked invalid", c.field)
			}
			if strings.Contains(resp.body, "<svg") {
				t.Error("figures drawn for filters at fault")
			}
			api := n.do(t, "GET", "/v1/schools/north/efficacy?"+c.api, nil, http.Header{"Authorization": {"Bearer " + teacherToken}})
			if api.status != http.StatusBadRequest || !strings.Contains(api.body, `"field":"`+c.field+`"`) {
				t.Errorf("the API on %s: %d %s", c.api, api.status, api.body)
			}
		})
	}
	// The school is looked up first: an unknown school is the 404 page
	// whatever the filters.
	if resp := n.get(t, "/schools/nowhere/efficacy?period=year", n.signIn(t, adminToken)); resp.status != http.StatusNotFound {
		t.Errorf("unknown school with a bad filter: %d", resp.status)
	}
	// Several at fault, some that do not parse, some the projection
	// refuses: each is named, on the page and by the API.
	bad := url.Values{"period": {"year"}, "winsLimit": {"x"}, "from": {"x"}, "cohort": {"a b"}}.Encode()
	resp := n.get(t, "/schools/north/efficacy?"+bad, session)
	api := n.do(t, "GET", "/v1/schools/north/efficacy?"+bad, nil, http.Header{"Authorization": {"Bearer " + teacherToken}})
	if resp.status != http.StatusBadRequest || api.status != http.StatusBadRequest {
		t.Errorf("four filters at fault: the page %d, the API %d", resp.status, api.status)
	}
	for _, f := range []string{"period", "winsLimit", "from", "cohort"} {
		if !strings.Contains(resp.body, `href="#filter-`+f+`"`) {
			t.Errorf("four filters at fault: the page does not name %s", f)
		}
		if !strings.Contains(api.body, `"field":"`+f+`"`) {
			t.Errorf("four filters at fault: the API does not name %s: %s", f, api.body)
		}
	}
}

// TestEfficacyPageNoData: a school with no learners is a page that says
// so in every chart and table, not empty axes.
func TestEfficacyPageNoData(t *testing.T) {
	n := startNode(t, nodeOptions{})
	n.seedEfficacy(t)
	resp := n.get(t, "/schools/east/efficacy", n.signIn(t, adminToken))
	if resp.status != http.StatusOK {
		t.Fatalf("%d %s", resp.status, resp.body)
	}
	checkHTML(t, "east", resp.body)
	checkFigures(t, resp.body)
	for _, want := range []string{"Learners enrolled: 0.", "No data yet.", "No wins yet.", `<option value="" selected>All cohorts</option>`} {
		if !strings.Contains(resp.body, want) {
			t.Errorf("the empty school's page lacks %q", want)
		}
	}
}

// TestChartStyleSheet: the charts' style sheet is served from the site,
// with the pages' headers, and every page links it.
func TestChartStyleSheet(t *testing.T) {
	n := startNode(t, nodeOptions{})
	css := n.get(t, "/static/chart.css", "")
	if css.status != http.StatusOK || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") || !strings.Contains(css.body, "svg.chart") {
		t.Fatalf("chart.css: %d %s", css.status, css.header.Get("Content-Type"))
	}
	if !strings.Contains(css.header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Error("chart.css without the pages' policy")
	}
	if home := n.get(t, "/", ""); !strings.Contains(home.body, `<link rel="stylesheet" href="/static/chart.css">`) {
		t.Error("the layout does not link chart.css")
	}
}

// TestEfficacyPageFollowsEvents: the page's figures (kept between
// requests until the school's figures change) show each new event of the
// school at once, for every filter already read; another school's event
// changes none of them.
func TestEfficacyPageFollowsEvents(t *testing.T) {
	n := startNode(t, nodeOptions{})
	n.seedEfficacy(t)
	session := n.signIn(t, teacherToken)
	get := func(query string) string {
		t.Helper()
		resp := n.get(t, "/schools/north/efficacy?"+query, session)
		if resp.status != http.StatusOK {
			t.Fatalf("%s: %d %s", query, resp.status, resp.body)
		}
		return resp.body
	}
	post := func(token, path, body string) {
		t.Helper()
		resp := n.do(t, "POST", path, strings.NewReader(body), http.Header{
			"Authorization": {"Bearer " + token}, "Content-Type": {"application/json"}})
		if resp.status != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", path, resp.status, resp.body)
		}
	}
	// Read twice each, so that the second is the report kept.
	for range 2 {
		if all := get(""); !strings.Contains(all, "Learners enrolled: 2.") {
			t.Fatal("North's figures do not count its 2 learners")
		}
		if six := get("cohort=grade-6"); !strings.Contains(six, "No wins yet.") || strings.Contains(six, "<td>l-0001</td>") {
			t.Fatal("grade-6 has a win before any")
		}
	}
	before := get("")

	// Another school's events: North's figures are what they were.
	post(adminToken, "/v1/schools/south/learners", `{"learnerId":"l-0901","cohort":"grade-6"}`)
	post(otherTeacher, "/v1/learners/l-0900/evidence", `{"standardId":"math-6-rp-1","componentId":"c1","level":3,"source":"teacher"}`)
	if after := get(""); after != before {
		t.Error("South's events changed North's page")
	}

	// North's: a learner enrols, and l-0001 meets the standard.
	post(adminToken, "/v1/schools/north/learners", `{"learnerId":"l-0003","cohort":"grade-6"}`)
	if all := get(""); !strings.Contains(all, "Learners enrolled: 3.") {
		t.Error("a learner enrolled at North is not counted")
	}
	post(teacherToken, "/v1/learners/l-0001/evidence", `{"standardId":"math-6-rp-1","componentId":"c2","level":3,"source":"teacher"}`)
	post(teacherToken, "/v1/learners/l-0001/agreements", `{"standardId":"math-6-rp-1","learnerConfirmed":true}`)
	post(teacherToken, "/v1/learners/l-0001/summative-attempts", `{"standardId":"math-6-rp-1","level":3}`)
	if six := get("cohort=grade-6"); strings.Contains(six, "No wins yet.") || !strings.Contains(six, "<td>l-0001</td>") {
		t.Error("l-0001's win is not in grade-6's figures")
	}
	if all := get(""); !strings.Contains(all, "<td>l-0001</td>") || !strings.Contains(all, "<td>l-0002</td>") {
		t.Error("the whole school's wins lack l-0001's or l-0002's")
	}
}
