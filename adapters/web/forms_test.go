package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// eventCount is how many events the ledger holds, read from the API's
// feed: the forms' tests compare it before and after a POST to tell what
// was written.
func (n *node) eventCount(t *testing.T) int {
	t.Helper()
	resp := n.do(t, "GET", "/v1/events?after=0&limit=10000", nil, http.Header{"Authorization": {"Bearer " + adminToken}})
	if resp.status != http.StatusOK {
		t.Fatalf("feed: %d %s", resp.status, resp.body)
	}
	return strings.Count(strings.TrimSpace(resp.body), "\n") + 1
}

var eventIDField = regexp.MustCompile(`name="eventId" value="([0-9a-f-]{36})"`)

// formEventID opens a form and returns the event id it was rendered with.
func (n *node) formEventID(t *testing.T, path, session string) string {
	t.Helper()
	resp := n.get(t, path, session)
	if resp.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.status, resp.body)
	}
	m := eventIDField.FindStringSubmatch(resp.body)
	if m == nil {
		t.Fatalf("GET %s: no eventId field: %s", path, resp.body)
	}
	return m[1]
}

// send posts a form as the browser of a signed-in session would: with the
// session's CSRF token and the eventId given ("" for a fresh one), from
// the same origin.
func (n *node) send(t *testing.T, path, session, csrf, eventID string, v url.Values) response {
	t.Helper()
	form := url.Values{}
	for k, vs := range v {
		form[k] = vs
	}
	if eventID == "" {
		eventID = uuid.NewString()
	}
	form.Set("csrf", csrf)
	form.Set("eventId", eventID)
	return n.post(t, path, session, form, http.Header{"Sec-Fetch-Site": {"same-origin"}})
}

// apiWrite records through the API and returns the new event's id.
func (n *node) apiWrite(t *testing.T, token, path, body string) string {
	t.Helper()
	resp := n.do(t, "POST", path, strings.NewReader(body), http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {"application/json"}})
	if resp.status != http.StatusCreated {
		t.Fatalf("POST %s: %d %s", path, resp.status, resp.body)
	}
	var res struct {
		EventID string `json:"eventId"`
	}
	if err := json.Unmarshal([]byte(resp.body), &res); err != nil {
		t.Fatal(err)
	}
	return res.EventID
}

// TestFormsByRole sends every form as every role, in an order in which
// each write the domain allows: a role the form's rule admits records one
// event and is sent (303) to the page that shows it; any other is the 403
// page (or, for a teacher of another school, the 404 page of a learner who
// is not there), for the form and for its POST, and nothing is written.
func TestFormsByRole(t *testing.T) {
	n := startNode(t, nodeOptions{})
	// Evidence for the retraction to retract; the seeded evidence stays.
	retract := n.apiWrite(t, teacherToken, "/v1/learners/l-0001/evidence", `{"standardId":"math-6-rp-1","componentId":"c1","level":2,"source":"teacher"}`)
	// Evidence for the requests to be assessed to point at.
	shown := n.apiWrite(t, teacherToken, "/v1/learners/l-0001/evidence", `{"standardId":"math-6-rp-1","componentId":"c1","level":3,"source":"teacher"}`)
	sessions := map[string]string{}
	csrf := map[string]string{}
	for _, r := range roles {
		sessions[r.name] = n.signIn(t, r.token)
		csrf[r.name] = n.csrf(t, sessions[r.name])
	}
	const l = "/learners/l-0001"
	std := l + "/standards/math-6-rp-1"
	cases := []struct {
		path    string
		allowed []string
		// south: a teacher of another school gets the 404 page (the
		// rule admits teachers, scoped to the learner's school).
		south  bool
		values func(role string) url.Values
		next   string // the page a write leads to, a prefix
	}{
		{std + "/pre-assessment", []string{"teacher"}, true, func(string) url.Values { return url.Values{"demonstrated": {"c2"}} }, std + "#event-"},
		{std + "/evidence", []string{"teacher", "learner"}, true, func(role string) url.Values {
			src := "teacher"
			if role == "learner" {
				src = "self"
			}
			return url.Values{"componentId": {"c2"}, "level": {"3"}, "source": {src}, "artifact.uri": {"https://files.example/a.pdf"},
				"artifact.sha256": {strings.Repeat("ab", 32)}, "artifact.mediaType": {"application/pdf"}}
		}, std + "#event-"},
		{std + "/evidence/" + retract + "/retraction", []string{"teacher"}, true, func(string) url.Values { return url.Values{"reason": {"wrong rubric"}} }, std + "#event-"},
		{std + "/feedback", []string{"teacher"}, true, func(string) url.Values {
			return url.Values{"strengths": {"clear tables"}, "nextSteps": {"use ratio language"}, "causes": {"missed the lesson"}}
		}, std + "#event-"},
		// Before the agreement, which closes the requests and refuses
		// more while it is open.
		{std + "/readiness-request", []string{"teacher", "learner"}, true, func(string) url.Values {
			return url.Values{"evidenceIds": {shown}, "note": {"c1 is shown"}}
		}, std + "#event-"},
		{std + "/agreement", []string{"teacher"}, true, func(string) url.Values { return url.Values{"learnerConfirmed": {"true"}} }, std + "#event-"},
		{std + "/summative-attempt", []string{"teacher"}, true, func(string) url.Values { return url.Values{"level": {"2"}} }, std + "#event-"},
		{l + "/goals", []string{"teacher", "learner"}, true, func(role string) url.Values {
			return url.Values{"goalId": {"g-" + role}, "specific": {"s"}, "measurable": {"m"}, "achievable": {"a"}, "relevant": {"r"},
				"targetDate": {"2026-12-01"}, "evaluate": {"e"}, "review": {"v"}, "standardIds": {"math-6-rp-1"}}
		}, l + "#goal-g-"},
		{l + "/plans", []string{"teacher", "learner"}, true, func(role string) url.Values {
			return url.Values{"planId": {"p-" + role}, "goalId": {"g1"}, "plan": {"p"}, "learn": {"l"}, "check": {"c"}, "adjust": {"a"}}
		}, l + "#plan-p-"},
		{l + "/plans/p1/adjustments", []string{"teacher", "learner"}, true, func(string) url.Values { return url.Values{"change": {"more practice"}, "reason": {"not yet"}} }, l + "#plan-p1"},
		{l + "/goals/g1/evaluation", []string{"teacher", "learner"}, true, func(string) url.Values { return url.Values{"result": {"not-yet"}} }, l + "#goal-g1"},
		{l + "/goals/g1/review", []string{"teacher", "learner"}, true, func(string) url.Values { return url.Values{"reflection": {"learned a lot"}} }, l + "#goals"},
		{l + "/profile", []string{"teacher", "learner"}, true, func(string) url.Values { return url.Values{"interests": {"music\nfootball"}} }, l + "#main"},
		{"/standards", []string{"admin"}, false, func(role string) url.Values {
			return url.Values{"standardId": {"s-" + role}, "framework": {"F"}, "code": {"C.1"}, "title": {"T"}, "statement": {"S"}, "components": {"c1 | one\nc2 | two"}}
		}, "/admin#standard-s-"},
		{"/standards/math-6-rp-1/revision", []string{"admin"}, false, func(string) url.Values {
			return url.Values{"statement": {"Understand ratios."}, "components": {"c1 | Describe a ratio\nc2 | Use ratio language"}}
		}, "/admin#standard-math-6-rp-1"},
		{"/standards/s-admin/retirement", []string{"admin"}, false, func(string) url.Values { return url.Values{"reason": {"replaced"}} }, "/admin#standard-s-admin"},
		{"/schools", []string{"admin"}, false, func(role string) url.Values { return url.Values{"schoolId": {"sc-" + role}, "name": {"A school"}} }, "/admin#school-sc-"},
		{"/schools/north/learners", []string{"admin"}, false, func(role string) url.Values { return url.Values{"learnerId": {"l-new-" + role}, "cohort": {"grade-6"}} }, "/learners/l-new-"},
		{"/learners/l-0002/withdrawal", []string{"admin"}, false, func(string) url.Values { return url.Values{"reason": {"moved away"}} }, "/learners/l-0002#main"},
	}
	for _, c := range cases {
		t.Run(strings.TrimPrefix(c.path, "/"), func(t *testing.T) {
			for _, r := range roles {
				allowed := false
				for _, a := range c.allowed {
					allowed = allowed || a == r.name
				}
				want := http.StatusForbidden
				switch {
				case allowed:
					want = http.StatusOK
				case r.name == "teacher-of-south" && c.south:
					want = http.StatusNotFound
				}
				page := n.get(t, c.path, sessions[r.name])
				if page.status != want {
					t.Errorf("%s GET: %d, want %d: %s", r.name, page.status, want, page.body)
				}
				checkHTML(t, r.name+" GET "+c.path, page.body)
				if want == http.StatusOK {
					want = http.StatusSeeOther
				}
				before := n.eventCount(t)
				resp := n.send(t, c.path, sessions[r.name], csrf[r.name], "", c.values(r.name))
				written := n.eventCount(t) - before
				if resp.status != want {
					t.Errorf("%s POST: %d, want %d: %s", r.name, resp.status, want, resp.body)
				}
				switch {
				case allowed && written != 1:
					t.Errorf("%s POST wrote %d events, want 1", r.name, written)
				case !allowed && written != 0:
					t.Errorf("%s POST, refused, wrote %d events", r.name, written)
				}
				if allowed {
					if loc := resp.header.Get("Location"); !strings.HasPrefix(loc, c.next) {
						t.Errorf("%s POST leads to %q, want %s…", r.name, loc, c.next)
					}
				} else if !strings.Contains(resp.body, map[int]string{403: "<h1>Forbidden</h1>", 404: "<h1>Not Found</h1>"}[want]) {
					t.Errorf("%s POST: not the %d page: %s", r.name, want, resp.body)
				}
			}
		})
	}
}

// TestFormForgery: a form without its session's CSRF token, with another
// session's, or sent from another site is the 403 page and writes nothing.
func TestFormForgery(t *testing.T) {
	n := startNode(t, nodeOptions{})
	session := n.signIn(t, teacherToken)
	token := n.csrf(t, session)
	other := n.csrf(t, n.signIn(t, otherTeacher))
	const path = "/learners/l-0001/standards/math-6-rp-1/evidence"
	values := url.Values{"componentId": {"c2"}, "level": {"3"}, "source": {"teacher"}, "eventId": {uuid.NewString()}}
	with := func(csrf string) url.Values {
		v := url.Values{}
		for k, vs := range values {
			v[k] = vs
		}
		if csrf != "" {
			v.Set("csrf", csrf)
		}
		return v
	}
	cases := []struct {
		name   string
		form   url.Values
		header http.Header
	}{
		{"no CSRF token", with(""), http.Header{"Sec-Fetch-Site": {"same-origin"}}},
		{"another session's CSRF token", with(other), http.Header{"Sec-Fetch-Site": {"same-origin"}}},
		{"cross-site", with(token), http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"another origin", with(token), http.Header{"Origin": {"https://evil.example"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := n.eventCount(t)
			resp := n.post(t, path, session, c.form, c.header)
			if resp.status != http.StatusForbidden || !strings.Contains(resp.body, "<h1>Forbidden</h1>") {
				t.Errorf("status %d: %s", resp.status, resp.body)
			}
			if got := n.eventCount(t) - before; got != 0 {
				t.Errorf("wrote %d events", got)
			}
		})
	}
	// The same form, with the token, from the same site: recorded.
	before := n.eventCount(t)
	if resp := n.post(t, path, session, with(token), http.Header{"Sec-Fetch-Site": {"same-origin"}}); resp.status != http.StatusSeeOther {
		t.Fatalf("the genuine form: %d %s", resp.status, resp.body)
	}
	if got := n.eventCount(t) - before; got != 1 {
		t.Errorf("the genuine form wrote %d events", got)
	}
}

// TestFormOnce: each form rendered carries an event id of its own; sending
// it twice (a double click, a reloaded POST) records one event and leads
// to the same page, which shows the event at once; the same id sent with
// other values is refused and writes nothing.
func TestFormOnce(t *testing.T) {
	n := startNode(t, nodeOptions{})
	session := n.signIn(t, teacherToken)
	token := n.csrf(t, session)
	const path = "/learners/l-0001/standards/math-6-rp-1/evidence"
	id := n.formEventID(t, path, session)
	if again := n.formEventID(t, path, session); again == id {
		t.Fatalf("two renderings of the form carry the same event id %s", id)
	}
	values := url.Values{"componentId": {"c2"}, "level": {"3"}, "source": {"teacher"}, "note": {"table of ratios"}}
	before := n.eventCount(t)
	first := n.send(t, path, session, token, id, values)
	second := n.send(t, path, session, token, id, values)
	if first.status != http.StatusSeeOther || second.status != http.StatusSeeOther {
		t.Fatalf("statuses %d and %d: %s", first.status, second.status, second.body)
	}
	if got := n.eventCount(t) - before; got != 1 {
		t.Errorf("sent twice, wrote %d events", got)
	}
	loc := first.header.Get("Location")
	if loc != second.header.Get("Location") || loc != "/learners/l-0001/standards/math-6-rp-1#event-"+id {
		t.Errorf("led to %q and %q", loc, second.header.Get("Location"))
	}
	// Read your writes: the page the form leads to shows the event.
	trail := n.get(t, strings.SplitN(loc, "#", 2)[0], session)
	if !strings.Contains(trail.body, `data-event-id="`+id+`"`) || !strings.Contains(trail.body, "Note: table of ratios") {
		t.Errorf("the trail does not show event %s: %s", id, trail.body)
	}
	values.Set("level", "4")
	before = n.eventCount(t)
	resp := n.send(t, path, session, token, id, values)
	if resp.status != http.StatusConflict || !strings.Contains(resp.body, "sent before with other values") {
		t.Errorf("the same id with other values: %d %s", resp.status, resp.body)
	}
	if got := n.eventCount(t) - before; got != 0 {
		t.Errorf("the same id with other values wrote %d events", got)
	}
}

// TestFormRefusals: a form the domain refuses is shown again with the
// refusal beside the field it concerns (aria-invalid, aria-describedby),
// in words and with the rule's code, keeping its event id and values; and
// nothing is written.
func TestFormRefusals(t *testing.T) {
	n := startNode(t, nodeOptions{})
	teacher := n.signIn(t, teacherToken)
	learner := n.signIn(t, learnerToken)
	admin := n.signIn(t, adminToken)
	const std = "/learners/l-0001/standards/math-6-rp-1"
	cases := []struct {
		name, session, path string
		values              url.Values
		status              int
		control             string // the id of the control the error is tied to
		has                 []string
	}{
		{"agreement with a component missing", teacher, std + "/agreement", url.Values{"learnerConfirmed": {"true"}}, 422, "f-components",
			[]string{"missing-components", "c2"}},
		{"evidence without a level", teacher, std + "/evidence", url.Values{"componentId": {"c2"}, "source": {"teacher"}, "note": {"kept"}}, 400, "f-level",
			[]string{"is required", ">kept</textarea>"}},
		{"evidence off the scale", teacher, std + "/evidence", url.Values{"componentId": {"c2"}, "level": {"9"}, "source": {"teacher"}}, 422, "f-level",
			[]string{"level-off-scale"}},
		{"evidence with a bad artifact hash", teacher, std + "/evidence", url.Values{"componentId": {"c2"}, "level": {"3"}, "source": {"teacher"},
			"artifact.uri": {"https://files.example/a.pdf"}, "artifact.sha256": {"abc"}, "artifact.mediaType": {"application/pdf"}}, 400, "f-artifact-sha256",
			[]string{"64 lower-case hex digits"}},
		{"a learner's evidence from a teacher", learner, std + "/evidence", url.Values{"componentId": {"c2"}, "level": {"3"}, "source": {"teacher"}}, 422, "f-source",
			[]string{"self-evidence-only"}},
		{"a request to be assessed pointing at nothing", learner, std + "/readiness-request", url.Values{"note": {"kept"}}, 400, "f-evidenceIds",
			[]string{"must list at least one evidence id", ">kept</textarea>"}},
		{"a request while an agreement is open", teacher, "/learners/l-0002/standards/math-6-rp-1/readiness-request",
			url.Values{"evidenceIds": {uuid.NewString()}}, 422, "f-evidenceIds", []string{"agreement-open"}},
		{"a request pointing at evidence that is not there", learner, std + "/readiness-request",
			url.Values{"evidenceIds": {uuid.NewString()}}, 422, "f-evidenceIds", []string{"unknown-evidence"}},
		{"an agreement naming a request that is not there", teacher, std + "/agreement", url.Values{"learnerConfirmed": {"true"}, "requestId": {uuid.NewString()}},
			422, "f-requestId", []string{"unknown-request", "is not an open request of this learner"}},
		{"an agreement naming a request by no id", teacher, std + "/agreement", url.Values{"learnerConfirmed": {"true"}, "requestId": {"abc"}},
			400, "f-requestId", []string{"is not a request id"}},
		{"an attempt without an agreement", teacher, std + "/summative-attempt", url.Values{"level": {"3"}}, 422, "f-level",
			[]string{"no-open-agreement"}},
		{"a goal id taken", learner, "/learners/l-0001/goals", url.Values{"goalId": {"g1"}, "specific": {"s"}, "measurable": {"m"}, "achievable": {"a"},
			"relevant": {"r"}, "targetDate": {"2026-12-01"}, "evaluate": {"e"}, "review": {"v"}}, 422, "f-goalId", []string{"duplicate-goal"}},
		{"a standard id taken", admin, "/standards", url.Values{"standardId": {"math-6-rp-1"}, "framework": {"F"}, "code": {"C"}, "title": {"T"},
			"statement": {"S"}, "components": {"c1 | one"}}, 409, "f-standardId", []string{"is taken already"}},
		{"components without a bar", admin, "/standards", url.Values{"standardId": {"new-one"}, "framework": {"F"}, "code": {"C"}, "title": {"T"},
			"statement": {"S"}, "components": {"c1 one"}}, 400, "f-components", []string{"line 1 needs an id"}},
	}
	csrf := map[string]string{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if csrf[c.session] == "" {
				csrf[c.session] = n.csrf(t, c.session)
			}
			id := uuid.NewString()
			before := n.eventCount(t)
			resp := n.send(t, c.path, c.session, csrf[c.session], id, c.values)
			if got := n.eventCount(t) - before; got != 0 {
				t.Errorf("wrote %d events", got)
			}
			if resp.status != c.status {
				t.Fatalf("status %d, want %d: %s", resp.status, c.status, resp.body)
			}
			checkHTML(t, c.name, resp.body)
			for _, s := range append(c.has, `id="`+c.control+`-error"`, `value="`+id+`"`, `href="#`+c.control+`"`, "Nothing was recorded") {
				if !strings.Contains(resp.body, s) {
					t.Errorf("the page lacks %q", s)
				}
			}
			// The control (or, for a group, its inputs) points at the
			// error and is marked invalid.
			re := regexp.MustCompile(`id="` + regexp.QuoteMeta(c.control) + `[^"]*"[^>]*aria-describedby="[^"]*` + regexp.QuoteMeta(c.control) + `-error`)
			if !re.MatchString(resp.body) {
				t.Errorf("no element %s… described by its error", c.control)
			}
			// The agreement's components are a table, not a control.
			if !strings.HasSuffix(c.path, "/agreement") && !regexp.MustCompile(`id="`+regexp.QuoteMeta(c.control)+`[^"]*"[^>]*aria-invalid="true"`).MatchString(resp.body) {
				t.Errorf("control %s not marked invalid", c.control)
			}
		})
	}
}

// TestAgreementFormShowsCoverage: before anything is sent, the agreement
// form shows each component with what covers it and names the missing
// ones.
func TestAgreementFormShowsCoverage(t *testing.T) {
	n := startNode(t, nodeOptions{})
	session := n.signIn(t, teacherToken)
	page := n.get(t, "/learners/l-0001/standards/math-6-rp-1/agreement", session)
	if page.status != http.StatusOK {
		t.Fatalf("%d %s", page.status, page.body)
	}
	for _, s := range []string{"c1: Describe a ratio", "level 3 (Proficient), teacher", "c2: Use ratio language", "<strong>not yet covered</strong>",
		"Not yet covered: <strong>c2</strong>", "missing-components"} {
		if !strings.Contains(page.body, s) {
			t.Errorf("the form lacks %q", s)
		}
	}
}
