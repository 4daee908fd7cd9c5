package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
)

// Every status code DOMAIN.md lists, each provoked, with the field or
// detail the problem body must name.
func TestEveryStatusCode(t *testing.T) {
	onEveryStore(t, everyStatusCode)
}

func everyStatusCode(t *testing.T, a *api) {
	a.school()
	const l = "/v1/learners/l-0001"
	ev := a.must(201, "POST", l+"/evidence", teacherToken, evidence("c1", 3, "teacher"))
	rev := ev.json(t)["revision"].(float64)

	cases := []struct {
		name    string
		method  string
		path    string
		token   string
		body    any
		headers []string
		status  int
		field   string // a field the problem's errors must name
		detail  string // a text the problem's detail must hold
	}{
		{"200 read", "GET", "/v1/standards", learnerToken, nil, nil, 200, "", ""},
		{"400 unknown field", "POST", l + "/evidence", teacherToken, `{"standardId":"math-6-rp-1","componentId":"c2","level":3,"source":"teacher","grade":"A"}`, nil, 400, "grade", ""},
		{"400 wrong type", "POST", l + "/evidence", teacherToken, `{"standardId":"math-6-rp-1","componentId":"c2","level":"three","source":"teacher"}`, nil, 400, "level", ""},
		{"400 trailing data", "POST", l + "/evidence", teacherToken, `{"standardId":"math-6-rp-1","componentId":"c2","level":3,"source":"teacher"} {}`, nil, 400, "", "exactly one JSON object"},
		{"400 missing field", "POST", l + "/evidence", teacherToken, `{"standardId":"math-6-rp-1","componentId":"c2","source":"teacher"}`, nil, 400, "level", ""},
		{"400 bad enum", "POST", l + "/evidence", teacherToken, `{"standardId":"math-6-rp-1","componentId":"c2","level":3,"source":"rumour"}`, nil, 400, "source", ""},
		{"400 empty body", "POST", l + "/evidence", teacherToken, ``, nil, 400, "", "empty"},
		{"400 bad If-Match", "POST", l + "/evidence", teacherToken, evidence("c2", 3, "teacher"), []string{"If-Match", "seven"}, 400, "If-Match", ""},
		{"400 bad asOf", "GET", l + "/mastery?asOf=yesterday", teacherToken, nil, nil, 400, "asOf", ""},
		{"400 bad path id", "GET", "/v1/standards/a%20b", teacherToken, nil, nil, 400, "standardId", ""},
		{"400 bad evidence id", "POST", l + "/evidence/not-a-uuid/retraction", teacherToken, obj{"reason": "x"}, nil, 400, "evidenceId", ""},
		{"400 bad limit", "GET", "/v1/events?limit=99999", auditorToken, nil, nil, 400, "limit", ""},
		{"401 no token", "GET", l + "/mastery", "", nil, nil, 401, "", "bearer"},
		{"401 unknown token", "GET", l + "/mastery", "nobody-knows-this-token", nil, nil, 401, "", "not known"},
		{"403 wrong role", "POST", l + "/summative-attempts", learnerToken, obj{"standardId": "math-6-rp-1", "level": 3}, nil, 403, "", "learner may not"},
		{"404 another school's learner", "GET", l + "/mastery", otherTeacher, nil, nil, 404, "", "no learner \"l-0001\" at school \"south\""},
		{"403 other learner", "GET", l + "/mastery", otherLearner, nil, nil, 403, "", "l-0002"},
		{"403 researcher on a learner", "GET", l + "/events", researcherToken, nil, nil, 403, "", ""},
		{"404 unknown learner", "GET", "/v1/learners/l-9999/mastery", auditorToken, nil, nil, 404, "", "l-9999"},
		{"404 unknown standard", "GET", "/v1/standards/nope", auditorToken, nil, nil, 404, "", "nope"},
		{"404 no profile", "GET", l + "/profile", auditorToken, nil, nil, 404, "", "no profile"},
		{"404 erase an unknown learner", "DELETE", "/v1/learners/l-9999/personal-data", adminToken, nil, nil, 404, "", ""},
		{"400 erasure reason not a code", "DELETE", l + "/personal-data", adminToken, obj{"reason": "Ana's mother asked"}, nil, 400, "reason", ""},
		{"404 unknown evidence", "POST", l + "/evidence/" + uuid.NewString() + "/retraction", teacherToken, obj{"reason": "x"}, nil, 404, "", "evidence"},
		{"404 unknown route", "GET", "/v1/nothing", auditorToken, nil, nil, 404, "", ""},
		{"405 wrong method", "DELETE", "/v1/standards", adminToken, nil, nil, 405, "", "DELETE"},
		{"409 stale If-Match", "POST", l + "/evidence", teacherToken, evidence("c2", 3, "teacher"), []string{"If-Match", fmt.Sprintf(`"%d"`, int(rev)-1)}, 409, "", ""},
		{"409 id exists", "POST", "/v1/schools", adminToken, obj{"schoolId": "north", "name": "Again"}, nil, 409, "", "already exists"},
		{"409 eventId reused", "POST", l + "/evidence", teacherToken, obj{"eventId": ev.json(t)["eventId"], "standardId": "math-6-rp-1", "componentId": "c2", "level": 3, "source": "teacher"}, nil, 409, "", ""},
		{"413 too large", "POST", l + "/evidence", teacherToken, `{"note":"` + strings.Repeat("x", 1<<20) + `"}`, nil, 413, "", ""},
		{"422 missing components", "POST", l + "/agreements", teacherToken, obj{"standardId": "math-6-rp-1", "learnerConfirmed": true}, nil, 422, "", "c2"},
		{"422 unknown standard in body", "POST", l + "/evidence", teacherToken, obj{"standardId": "nope", "componentId": "c1", "level": 3, "source": "teacher"}, nil, 422, "", "nope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := a.lastPosition()
			r := a.do(c.method, c.path, c.token, c.body, c.headers...)
			if r.status != c.status {
				t.Fatalf("%s %s: %d, want %d\n%s", c.method, c.path, r.status, c.status, r.body)
			}
			if c.status < 400 {
				return
			}
			if wrote := a.eventsAfter(before); len(wrote) != 0 {
				t.Errorf("a refused request wrote %d events", len(wrote))
			}
			if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("Content-Type %q, want application/problem+json", ct)
			}
			var p struct {
				Status    int
				Detail    string
				RequestID string
				Errors    []struct{ Field, Message string }
			}
			if err := json.Unmarshal(r.body, &p); err != nil {
				t.Fatal(err)
			}
			if p.Status != c.status || p.RequestID == "" || p.RequestID != r.header.Get("X-Request-Id") {
				t.Errorf("problem status %d, request id %q (header %q)", p.Status, p.RequestID, r.header.Get("X-Request-Id"))
			}
			if c.field != "" {
				found := false
				for _, e := range p.Errors {
					found = found || e.Field == c.field
				}
				if !found {
					t.Errorf("errors %+v do not name %q", p.Errors, c.field)
				}
			}
			if c.detail != "" && !strings.Contains(strings.ToLower(p.Detail), strings.ToLower(c.detail)) {
				t.Errorf("detail %q does not mention %q", p.Detail, c.detail)
			}
		})
	}

	t.Run("409 carries the current revision", func(t *testing.T) {
		r := a.must(409, "POST", l+"/evidence", teacherToken, evidence("c2", 3, "teacher"), "If-Match", `"0"`)
		cur := r.json(t)["currentRevision"]
		latest := a.must(200, "GET", l+"/events", auditorToken, nil).header.Get("ETag")
		if fmt.Sprintf(`"%v"`, cur) != latest {
			t.Errorf("currentRevision %v, ETag %s", cur, latest)
		}
	})
}

// Each role against each route: allowed calls never answer 401 or 403,
// forbidden ones always answer 403 and write nothing.
func TestRolesAgainstRoutes(t *testing.T) {
	onEveryStore(t, rolesAgainstRoutes)
}

func rolesAgainstRoutes(t *testing.T, a *api) {
	a.school()
	ev := a.must(201, "POST", "/v1/learners/l-0001/evidence", teacherToken, evidence("c1", 3, "teacher")).json(t)["eventId"].(string)
	a.must(201, "POST", "/v1/learners/l-0001/goals", teacherToken, obj{"goalId": "g1", "specific": "s", "measurable": "m", "achievable": "a",
		"relevant": "r", "targetDate": "2026-10-15", "evaluate": "e", "review": "r", "standardIds": []string{"math-6-rp-1"}})
	a.must(201, "POST", "/v1/learners/l-0001/plans", teacherToken, obj{"planId": "p1", "goalId": "g1", "plan": "p", "learn": "l", "check": "c", "adjust": "a"})

	const l = "/v1/learners/l-0001"
	routes := []struct {
		method, path string
		body         any
		allowed      string // the tokens that pass roles and scope
	}{
		{"POST", "/v1/standards", obj{"standardId": "x"}, "admin"},
		{"GET", "/v1/standards", nil, "admin teacher other learner learner2 auditor researcher"},
		{"GET", "/v1/standards/math-6-rp-1", nil, "admin teacher other learner learner2 auditor researcher"},
		{"POST", "/v1/standards/math-6-rp-1/revisions", obj{}, "admin"},
		{"POST", "/v1/standards/math-6-rp-1/retirement", obj{}, "admin"},
		{"POST", "/v1/schools", obj{}, "admin"},
		{"POST", "/v1/schools/north/learners", obj{}, "admin"},
		{"POST", "/v1/schools/north/efficacy-surveys", obj{}, "admin"},
		{"GET", "/v1/schools/north/efficacy", nil, "admin teacher auditor researcher"},
		{"POST", l + "/withdrawal", obj{}, "admin"},
		{"POST", l + "/pre-assessments", obj{}, "teacher"},
		{"POST", l + "/evidence", obj{}, "teacher learner"},
		{"POST", l + "/evidence/" + ev + "/retraction", obj{}, "teacher"},
		{"POST", l + "/feedback", obj{}, "teacher"},
		{"POST", l + "/goals", obj{}, "teacher learner"},
		{"POST", l + "/goals/g1/evaluation", obj{}, "teacher learner"},
		{"POST", l + "/goals/g1/review", obj{}, "teacher learner"},
		{"POST", l + "/plans", obj{}, "teacher learner"},
		{"POST", l + "/plans/p1/adjustments", obj{}, "teacher learner"},
		{"PUT", l + "/profile", obj{}, "teacher learner"},
		{"DELETE", l + "/personal-data", obj{}, "admin"},
		{"POST", l + "/readiness-requests", obj{}, "teacher learner"},
		{"POST", l + "/agreements", obj{}, "teacher"},
		{"POST", l + "/summative-attempts", obj{}, "teacher"},
		{"GET", l + "/mastery", nil, "admin teacher learner auditor"},
		{"GET", l + "/mastery/math-6-rp-1", nil, "admin teacher learner auditor"},
		{"GET", l + "/standards/math-6-rp-1/replay", nil, "admin teacher learner auditor"},
		{"GET", l + "/transcript", nil, "admin teacher learner auditor"},
		{"GET", l + "/events", nil, "admin teacher learner auditor"},
		{"GET", l + "/profile", nil, "admin teacher learner auditor"},
		{"GET", "/v1/events", nil, "admin auditor researcher"},
	}
	tokens := map[string]string{"admin": adminToken, "teacher": teacherToken, "other": otherTeacher, "learner": learnerToken,
		"learner2": otherLearner, "auditor": auditorToken, "researcher": researcherToken}
	for _, rt := range routes {
		for who, token := range tokens {
			t.Run(fmt.Sprintf("%s %s as %s", rt.method, rt.path, who), func(t *testing.T) {
				before := a.lastPosition()
				r := a.do(rt.method, rt.path, token, rt.body)
				allowed, teachers := false, false
				for _, w := range strings.Fields(rt.allowed) {
					allowed = allowed || w == who
					teachers = teachers || w == "teacher"
				}
				// A teacher of another school may not learn that the
				// learner exists: a route teachers may call answers 404
				// there, as for a learner who does not exist.
				refused := http.StatusForbidden
				if who == "other" && teachers && strings.HasPrefix(rt.path, l) {
					refused = http.StatusNotFound
				}
				switch {
				case allowed && (r.status == http.StatusUnauthorized || r.status == http.StatusForbidden):
					t.Fatalf("allowed, but answered %d: %s", r.status, r.body)
				case !allowed && r.status != refused:
					t.Fatalf("refused, but answered %d, want %d: %s", r.status, refused, r.body)
				case !allowed && a.lastPosition() != before:
					t.Fatal("a forbidden request wrote")
				}
			})
		}
	}
}

// 64 concurrent writes on one learner: every one answered 201, none lost or
// doubled.
func TestConcurrentWritesOnOneLearner(t *testing.T) {
	onEveryStore(t, concurrentWritesOnOneLearner)
}

func concurrentWritesOnOneLearner(t *testing.T, a *api) {
	a.school()
	const n = 64
	var wg sync.WaitGroup
	ids := make(chan string, n)
	for i := range n {
		wg.Go(func() {
			r := a.do("POST", "/v1/learners/l-0001/evidence", teacherToken, evidence([]string{"c1", "c2", "c3"}[i%3], 1+i%4, "peer"))
			if r.status != 201 {
				t.Errorf("write %d: %d %s", i, r.status, r.body)
				return
			}
			var w struct{ EventID string }
			json.Unmarshal(r.body, &w)
			ids <- w.EventID
		})
	}
	wg.Wait()
	close(ids)
	evs := a.must(200, "GET", "/v1/learners/l-0001/events", auditorToken, nil).json(t)["events"].([]any)
	stored := map[string]int{}
	for _, e := range evs {
		stored[e.(obj)["eventId"].(string)]++
	}
	got := 0
	for id := range ids {
		got++
		if stored[id] != 1 {
			t.Errorf("event %s stored %d times", id, stored[id])
		}
	}
	if got != n || len(evs) != n+1 {
		t.Fatalf("%d writes acknowledged, stream holds %d events; want %d and %d", got, len(evs), n, n+1)
	}
}

// A retried write with the same eventId answers the original 201 body and
// appends nothing.
func TestRetriedWriteAnswersTheOriginal(t *testing.T) {
	onEveryStore(t, retriedWriteAnswersTheOriginal)
}

func retriedWriteAnswersTheOriginal(t *testing.T, a *api) {
	a.school()
	body := evidence("c2", 3, "teacher")
	body["eventId"] = uuid.NewString()
	first := a.must(201, "POST", "/v1/learners/l-0001/evidence", teacherToken, body)
	pos := a.lastPosition()
	again := a.must(201, "POST", "/v1/learners/l-0001/evidence", teacherToken, body)
	if !bytes.Equal(first.body, again.body) {
		t.Fatalf("retry answered\n%s\nwant\n%s", again.body, first.body)
	}
	if a.lastPosition() != pos {
		t.Fatal("the retry appended")
	}
}

// The researcher's feed replaces every learner id with a stable keyed
// pseudonym and leaves the profile out; the auditor's is raw.
func TestResearchFeedIsPseudonymised(t *testing.T) {
	onEveryStore(t, researchFeedIsPseudonymised)
}

func researchFeedIsPseudonymised(t *testing.T, a *api) {
	a.school()
	a.must(201, "POST", "/v1/learners/l-0001/evidence", learnerToken, evidence("c1", 3, "self"))
	a.must(201, "PUT", "/v1/learners/l-0001/profile", learnerToken, obj{"interests": []string{"robots"}, "learningPreferences": []string{"visual"}, "displayName": "Ana"})

	raw := a.must(200, "GET", "/v1/events", auditorToken, nil)
	if !bytes.Contains(raw.body, []byte("l-0001")) || !bytes.Contains(raw.body, []byte("LearnerProfileUpdated")) {
		t.Fatalf("the auditor's feed is not raw:\n%s", raw.body)
	}
	feed := a.must(200, "GET", "/v1/events", researcherToken, nil)
	if ct := feed.header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("Content-Type %q", ct)
	}
	for _, leak := range []string{"l-0001", "l-0002", "LearnerProfileUpdated", "robots", "Ana"} {
		if bytes.Contains(feed.body, []byte(leak)) {
			t.Errorf("the research feed holds %q", leak)
		}
	}
	var streams []string
	sc := bufio.NewScanner(bytes.NewReader(feed.body))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var e struct{ Stream string }
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		streams = append(streams, e.Stream)
	}
	again := a.must(200, "GET", "/v1/events", researcherToken, nil)
	if !bytes.Equal(feed.body, again.body) {
		t.Error("pseudonyms are not stable between reads")
	}
	pseudo := 0
	for _, s := range streams {
		if strings.HasPrefix(s, "learner-p-") {
			pseudo++
		}
	}
	if pseudo == 0 {
		t.Fatalf("no pseudonymised learner stream in %v", streams)
	}
	// A page starts after the position given and ends at its last event's,
	// whatever the store's positions look like.
	evs := a.eventsAfter(0)
	page := a.must(200, "GET", fmt.Sprintf("/v1/events?after=%d&limit=2", evs[1].Position), auditorToken, nil)
	if n, last := bytes.Count(page.body, []byte("\n")), page.header.Get("Ledger-Last-Position"); n != 2 || last != fmt.Sprint(evs[3].Position) {
		t.Errorf("page after the 2nd event, limit 2: %d lines, last position %s, want 2 and %d", n, last, evs[3].Position)
	}
}
