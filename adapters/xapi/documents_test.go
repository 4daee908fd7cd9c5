package xapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/adapters/xapi"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
	"github.com/masteryledger/ledger/projections"
)

const (
	samAgent   = `{"mbox":"mailto:sam@example.org"}`
	otherAgent = `{"account":{"homePage":"https://tool.example","name":"u-99"}}`
	activityA  = "https://tool.example/activities/a1"
)

// docAnswer is a document resource's answer.
type docAnswer struct {
	status int
	header http.Header
	body   []byte
}

// doc sends a request to a document resource as token; headers are
// name, value pairs. Content-Type is application/json for a body unless
// headers set it.
func (l *lrs) doc(token, method, path string, q url.Values, body string, headers ...string) docAnswer {
	l.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, l.url+path+"?"+q.Encode(), rd)
	req.SetBasicAuth("any-user", token)
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := l.client.Do(req)
	if err != nil {
		l.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return docAnswer{status: resp.StatusCode, header: resp.Header, body: out}
}

// want fails the test unless the answer has status.
func (a docAnswer) want(t *testing.T, status int) docAnswer {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
	return a
}

func jsonOf(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return v
}

func equalJSON(t *testing.T, raw []byte, want string) {
	t.Helper()
	got, _ := json.Marshal(jsonOf(t, raw))
	w, _ := json.Marshal(jsonOf(t, []byte(want)))
	if !bytes.Equal(got, w) {
		t.Errorf("document %s, want %s", got, w)
	}
}

// resources are the three document resources with one set's keys and
// the parameter naming a document.
var resources = []struct {
	name, path, idParam string
	keys                url.Values
}{
	{"state", "/xapi/activities/state", "stateId", url.Values{"activityId": {activityA}, "agent": {samAgent},
		"registration": {"6f1d3c2e-0000-4000-8000-0000000000aa"}}},
	{"activity profile", "/xapi/activities/profile", "profileId", url.Values{"activityId": {activityA}}},
	{"agent profile", "/xapi/agents/profile", "profileId", url.Values{"agent": {otherAgent}}},
}

func with(q url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// TestDocumentLifecycle walks each resource through PUT, GET, POST's
// merge, the ids with since, and DELETE, and checks that every write is
// an event that stays in the log.
func TestDocumentLifecycle(t *testing.T) {
	for _, rc := range resources {
		t.Run(rc.name, func(t *testing.T) {
			l := startLRS(t)
			l.school()
			start := time.Now().Add(-time.Second)
			one := with(rc.keys, rc.idParam, "bookmark")
			l.doc(toolToken, "PUT", rc.path, one, `{"page":3,"font":"large"}`).want(t, http.StatusNoContent)
			got := l.doc(toolToken, "GET", rc.path, one, "").want(t, http.StatusOK)
			equalJSON(t, got.body, `{"page":3,"font":"large"}`)
			etag := got.header.Get("ETag")
			if len(etag) < 3 || etag[0] != '"' || etag[len(etag)-1] != '"' {
				t.Errorf("ETag %q is not quoted", etag)
			}
			if ct := got.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if _, err := http.ParseTime(got.header.Get("Last-Modified")); err != nil {
				t.Errorf("Last-Modified %q: %v", got.header.Get("Last-Modified"), err)
			}
			if got.header.Get("X-Experience-API-Version") != "2.0.0" {
				t.Errorf("no version header")
			}
			// HEAD answers as GET, without a body.
			head := l.doc(toolToken, "HEAD", rc.path, one, "").want(t, http.StatusOK)
			if len(head.body) != 0 || head.header.Get("ETag") != etag {
				t.Errorf("HEAD: body %q, ETag %q", head.body, head.header.Get("ETag"))
			}

			// POST merges one level deep: page replaced, font kept, a new key added.
			l.doc(toolToken, "POST", rc.path, one, `{"page":4,"notes":{"a":1}}`).want(t, http.StatusNoContent)
			got = l.doc(toolToken, "GET", rc.path, one, "").want(t, http.StatusOK)
			equalJSON(t, got.body, `{"page":4,"font":"large","notes":{"a":1}}`)
			if got.header.Get("ETag") == etag {
				t.Errorf("the ETag did not change with the content")
			}
			// POST of a new document stores it as sent; a document of another type too.
			l.doc(toolToken, "POST", rc.path, with(rc.keys, rc.idParam, "second"), `{"x":1}`).want(t, http.StatusNoContent)
			l.doc(toolToken, "PUT", rc.path, with(rc.keys, rc.idParam, "note.txt"), "plain words", "Content-Type", "text/plain").want(t, http.StatusNoContent)
			txt := l.doc(toolToken, "GET", rc.path, with(rc.keys, rc.idParam, "note.txt"), "").want(t, http.StatusOK)
			if string(txt.body) != "plain words" || txt.header.Get("Content-Type") != "text/plain" {
				t.Errorf("text document %q, %q", txt.body, txt.header.Get("Content-Type"))
			}

			// The ids, all and since.
			ids := func(q url.Values) []string {
				var out []string
				if err := json.Unmarshal(l.doc(toolToken, "GET", rc.path, q, "").want(t, http.StatusOK).body, &out); err != nil {
					t.Fatal(err)
				}
				return out
			}
			if got := ids(rc.keys); !slices.Equal(got, []string{"bookmark", "note.txt", "second"}) {
				t.Errorf("ids %v", got)
			}
			if got := ids(with(rc.keys, "since", start.UTC().Format(time.RFC3339Nano))); len(got) != 3 {
				t.Errorf("ids since before the writes: %v", got)
			}
			if got := ids(with(rc.keys, "since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano))); len(got) != 0 {
				t.Errorf("ids since an hour ahead: %v", got)
			}

			// DELETE one: gone from reads, kept in the log.
			l.doc(toolToken, "DELETE", rc.path, one, "").want(t, http.StatusNoContent)
			l.doc(toolToken, "GET", rc.path, one, "").want(t, http.StatusNotFound)
			if got := ids(rc.keys); !slices.Equal(got, []string{"note.txt", "second"}) {
				t.Errorf("ids after the delete %v", got)
			}
			puts, dels := 0, 0
			for _, stream := range []string{domain.SchoolStream("north"), domain.LearnerStream("l-0001")} {
				puts += len(ofType[domain.XAPIDocumentPut](l, stream))
				dels += len(ofType[domain.XAPIDocumentDeleted](l, stream))
			}
			if puts != 4 || dels != 1 {
				t.Errorf("the log holds %d writes and %d tombstones, want 4 and 1", puts, dels)
			}
			if rc.name == "state" {
				// DELETE without stateId deletes the set's documents.
				l.doc(toolToken, "DELETE", rc.path, rc.keys, "").want(t, http.StatusNoContent)
				if got := ids(rc.keys); len(got) != 0 {
					t.Errorf("ids after deleting all: %v", got)
				}
			} else {
				l.doc(toolToken, "DELETE", rc.path, rc.keys, "").want(t, http.StatusBadRequest)
			}
		})
	}
}

// TestDocumentConcurrency checks If-Match and If-None-Match (412) and a
// PUT over an existing document without either (409): each refusal
// writes nothing.
func TestDocumentConcurrency(t *testing.T) {
	for _, rc := range resources {
		t.Run(rc.name, func(t *testing.T) {
			l := startLRS(t)
			l.school()
			one := with(rc.keys, rc.idParam, "d")
			missing := with(rc.keys, rc.idParam, "missing")
			l.doc(toolToken, "PUT", rc.path, one, `{"v":1}`).want(t, http.StatusNoContent)
			etag := l.doc(toolToken, "GET", rc.path, one, "").want(t, http.StatusOK).header.Get("ETag")
			before := l.lastPosition()
			for _, c := range []struct {
				name, method string
				q            url.Values
				headers      []string
				want         int
			}{
				{"PUT over an existing document without a header", "PUT", one, nil, http.StatusConflict},
				{"PUT with a wrong If-Match", "PUT", one, []string{"If-Match", `"1234"`}, http.StatusPreconditionFailed},
				{"POST with a wrong If-Match", "POST", one, []string{"If-Match", `"1234"`}, http.StatusPreconditionFailed},
				{"DELETE with a wrong If-Match", "DELETE", one, []string{"If-Match", `"1234"`}, http.StatusPreconditionFailed},
				{"PUT with If-None-Match * on an existing document", "PUT", one, []string{"If-None-Match", "*"}, http.StatusPreconditionFailed},
				{"PUT with If-Match on a missing document", "PUT", missing, []string{"If-Match", etag}, http.StatusPreconditionFailed},
				{"PUT with If-Match * on a missing document", "PUT", missing, []string{"If-Match", "*"}, http.StatusPreconditionFailed},
			} {
				body := `{"v":2}`
				if c.method == "DELETE" {
					body = ""
				}
				a := l.doc(toolToken, c.method, rc.path, c.q, body, c.headers...)
				if a.status != c.want {
					t.Errorf("%s: status %d, want %d: %s", c.name, a.status, c.want, a.body)
				}
				if len(a.body) == 0 {
					t.Errorf("%s: the refusal says nothing", c.name)
				}
			}
			if after := l.lastPosition(); after != before {
				t.Errorf("refused requests wrote events: position %d, then %d", before, after)
			}
			equalJSON(t, l.doc(toolToken, "GET", rc.path, one, "").want(t, http.StatusOK).body, `{"v":1}`)
			// The right ETag replaces; If-None-Match * creates a new one.
			l.doc(toolToken, "PUT", rc.path, one, `{"v":2}`, "If-Match", etag).want(t, http.StatusNoContent)
			equalJSON(t, l.doc(toolToken, "GET", rc.path, one, "").want(t, http.StatusOK).body, `{"v":2}`)
			l.doc(toolToken, "PUT", rc.path, missing, `{"n":1}`, "If-None-Match", "*").want(t, http.StatusNoContent)
			etag = l.doc(toolToken, "GET", rc.path, one, "").want(t, http.StatusOK).header.Get("ETag")
			l.doc(toolToken, "POST", rc.path, one, `{"w":1}`, "If-Match", "W/"+etag).want(t, http.StatusNoContent)
			etag = l.doc(toolToken, "GET", rc.path, one, "").want(t, http.StatusOK).header.Get("ETag")
			l.doc(toolToken, "DELETE", rc.path, one, "", "If-Match", etag).want(t, http.StatusNoContent)
			l.doc(toolToken, "GET", rc.path, one, "").want(t, http.StatusNotFound)
		})
	}
}

// TestDocumentBadRequests checks the 400s: each writes nothing.
func TestDocumentBadRequests(t *testing.T) {
	l := startLRS(t)
	l.school()
	state := "/xapi/activities/state"
	keys := url.Values{"activityId": {activityA}, "agent": {samAgent}, "stateId": {"s"}}
	l.doc(toolToken, "PUT", state, with(keys, "stateId", "json"), `{"a":1}`).want(t, http.StatusNoContent)
	l.doc(toolToken, "PUT", state, with(keys, "stateId", "text"), `words`, "Content-Type", "text/plain").want(t, http.StatusNoContent)
	without := func(k string) url.Values { q := with(keys); q.Del(k); return q }
	before := l.lastPosition()
	for _, c := range []struct {
		name, method, path string
		q                  url.Values
		body               string
		headers            []string
	}{
		{"no activityId", "PUT", state, without("activityId"), `{}`, nil},
		{"activityId not an IRI", "PUT", state, with(keys, "activityId", "not an iri"), `{}`, nil},
		{"no agent", "POST", state, without("agent"), `{}`, nil},
		{"agent not JSON", "PUT", state, with(keys, "agent", "sam"), `{}`, nil},
		{"agent a Group", "PUT", state, with(keys, "agent", `{"objectType":"Group","member":[]}`), `{}`, nil},
		{"agent true", "GET", state, with(keys, "agent", "true"), "", nil},
		{"registration not a UUID", "PUT", state, with(keys, "registration", "r1"), `{}`, nil},
		{"no stateId on PUT", "PUT", state, without("stateId"), `{}`, nil},
		{"no stateId on POST", "POST", state, without("stateId"), `{}`, nil},
		{"since not a timestamp", "GET", state, with(without("stateId"), "since", "not a timestamp"), "", nil},
		{"an unknown parameter", "PUT", state, with(keys, "profileId", "p"), `{}`, nil},
		{"POST of JSON that is not an object", "POST", state, keys, `[1,2]`, nil},
		{"POST of JSON that does not parse", "POST", state, keys, `{"a":`, nil},
		{"POST of JSON onto a text document", "POST", state, with(keys, "stateId", "text"), `{"b":1}`, nil},
		{"POST of text onto a JSON document", "POST", state, with(keys, "stateId", "json"), `more words`, []string{"Content-Type", "text/plain"}},
		{"no version header", "PUT", state, keys, `{}`, []string{"X-Experience-API-Version", ""}},
		{"activity profile without activityId", "PUT", "/xapi/activities/profile", url.Values{"profileId": {"p"}}, `{}`, nil},
		{"activity profile without profileId", "PUT", "/xapi/activities/profile", url.Values{"activityId": {activityA}}, `{}`, nil},
		{"agent profile without agent", "PUT", "/xapi/agents/profile", url.Values{"profileId": {"p"}}, `{}`, nil},
		{"agent profile with an activityId", "PUT", "/xapi/agents/profile", url.Values{"agent": {samAgent}, "profileId": {"p"}, "activityId": {activityA}}, `{}`, nil},
	} {
		a := l.doc(toolToken, c.method, c.path, c.q, c.body, c.headers...)
		if a.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400: %s", c.name, a.status, a.body)
		}
		if a.header.Get("X-Experience-API-Version") != "2.0.0" {
			t.Errorf("%s: no version header on the answer", c.name)
		}
	}
	// A document larger than an event holds is a 413.
	big := `{"a":"` + strings.Repeat("x", 2<<20) + `"}`
	l.doc(toolToken, "PUT", state, with(keys, "stateId", "big"), big).want(t, http.StatusRequestEntityTooLarge)
	if after := l.lastPosition(); after != before {
		t.Errorf("bad requests wrote events: position %d, then %d", before, after)
	}
}

// TestDocumentScopeAndStreams checks that a tool sees only its school's
// documents, that no other role uses the resources, and that a document
// about a linked learner goes to the learner's stream, every other to the
// school's.
func TestDocumentScopeAndStreams(t *testing.T) {
	l := startLRS(t)
	l.school()
	state := "/xapi/activities/state"
	sam := url.Values{"activityId": {activityA}, "agent": {samAgent}, "stateId": {"s"}}
	other := with(sam, "agent", otherAgent)
	l.doc(toolToken, "PUT", state, sam, `{"north":1}`).want(t, http.StatusNoContent)
	l.doc(toolToken, "PUT", state, other, `{"north":2}`).want(t, http.StatusNoContent)
	l.doc(toolToken, "PUT", "/xapi/activities/profile", url.Values{"activityId": {activityA}, "profileId": {"p"}}, `{"north":3}`).want(t, http.StatusNoContent)

	if n := len(ofType[domain.XAPIDocumentPut](l, domain.LearnerStream("l-0001"))); n != 1 {
		t.Errorf("the linked learner's stream holds %d documents, want 1", n)
	}
	if n := len(ofType[domain.XAPIDocumentPut](l, domain.SchoolStream("north"))); n != 2 {
		t.Errorf("the school's stream holds %d documents, want 2", n)
	}

	// South's tool sees none of north's documents, and its own PUT on the
	// same keys is a new document, not a conflict.
	l.doc(southTool, "GET", state, sam, "").want(t, http.StatusNotFound)
	sam.Del("stateId")
	if ids := l.doc(southTool, "GET", state, sam, "").want(t, http.StatusOK).body; string(ids) != "[]" {
		t.Errorf("south lists north's ids: %s", ids)
	}
	sam.Set("stateId", "s")
	l.doc(southTool, "DELETE", state, sam, "").want(t, http.StatusNoContent)
	l.doc(southTool, "PUT", state, sam, `{"south":1}`).want(t, http.StatusNoContent)
	equalJSON(t, l.doc(toolToken, "GET", state, sam, "").want(t, http.StatusOK).body, `{"north":1}`)
	equalJSON(t, l.doc(southTool, "GET", state, sam, "").want(t, http.StatusOK).body, `{"south":1}`)

	// A teacher is no tool.
	l.doc(teacherToken, "GET", state, sam, "").want(t, http.StatusForbidden)
}

// TestDocumentConcurrentWriters sends one ETag with 16 PUTs at once:
// exactly one replaces the document, the others are 412.
func TestDocumentConcurrentWriters(t *testing.T) {
	l := startLRS(t)
	l.school()
	state := "/xapi/activities/state"
	q := url.Values{"activityId": {activityA}, "agent": {samAgent}, "stateId": {"s"}}
	l.doc(toolToken, "PUT", state, q, `{"v":0}`).want(t, http.StatusNoContent)
	etag := l.doc(toolToken, "GET", state, q, "").want(t, http.StatusOK).header.Get("ETag")
	const writers = 16
	statuses := make(chan int, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("PUT", l.url+state+"?"+q.Encode(), strings.NewReader(fmt.Sprintf(`{"v":%d}`, i+1)))
			req.SetBasicAuth("any-user", toolToken)
			req.Header.Set("X-Experience-API-Version", "2.0.0")
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("If-Match", etag)
			resp, err := l.client.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[http.StatusNoContent] != 1 || count[http.StatusPreconditionFailed] != writers-1 {
		t.Errorf("answers %v: want one 204 and %d 412", count, writers-1)
	}
	if n := len(ofType[domain.XAPIDocumentPut](l, domain.LearnerStream("l-0001"))); n != 2 {
		t.Errorf("the log holds %d writes, want 2", n)
	}
}

// TestDocumentsRebuiltFromTheLog starts a new index over the log and
// reads the same documents as the running ledger: they are the events'
// fold, nothing else.
func TestDocumentsRebuiltFromTheLog(t *testing.T) {
	l := startLRS(t)
	l.school()
	state := "/xapi/activities/state"
	keys := url.Values{"activityId": {activityA}, "agent": {otherAgent}}
	l.doc(toolToken, "PUT", state, with(keys, "stateId", "a"), `{"a":1}`).want(t, http.StatusNoContent)
	l.doc(toolToken, "POST", state, with(keys, "stateId", "a"), `{"b":2}`).want(t, http.StatusNoContent)
	l.doc(toolToken, "PUT", state, with(keys, "stateId", "b"), `{"b":1}`).want(t, http.StatusNoContent)
	l.doc(toolToken, "DELETE", state, with(keys, "stateId", "b"), "").want(t, http.StatusNoContent)
	live := l.doc(toolToken, "GET", state, with(keys, "stateId", "a"), "").want(t, http.StatusOK)

	index := xapi.NewIndex()
	engine := projections.NewEngine(l.store, projections.Models{index}, 0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- engine.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("projection engine: %v", err)
		}
	}()
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := engine.WaitFor(wctx, l.lastPosition()); err != nil {
		t.Fatal(err)
	}
	res := xapi.New(xapi.Config{Service: service.New(l.store, nil), Index: index, Projection: engine})
	tool := access.Principal{Role: domain.RoleTool, School: "north", Name: "Quiz tool"}
	get := func(q url.Values) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", state+"?"+q.Encode(), nil)
		r.Header.Set("X-Experience-API-Version", "2.0.0")
		w := httptest.NewRecorder()
		if err := res.State(w, r, tool); err != nil {
			t.Fatal(err)
		}
		return w
	}
	if ids := get(keys); ids.Code != http.StatusOK || strings.TrimSpace(ids.Body.String()) != `["a"]` {
		t.Errorf("rebuilt ids: %d %s", ids.Code, ids.Body)
	}
	a := get(with(keys, "stateId", "a"))
	if a.Code != http.StatusOK || !bytes.Equal(a.Body.Bytes(), live.body) || a.Header().Get("ETag") != live.header.Get("ETag") {
		t.Errorf("rebuilt document %d %s %s, live %s %s", a.Code, a.Body, a.Header().Get("ETag"), live.body, live.header.Get("ETag"))
	}
	equalJSON(t, a.Body.Bytes(), `{"a":1,"b":2}`)
	if b := get(with(keys, "stateId", "b")); b.Code != http.StatusNotFound {
		t.Errorf("the deleted document answers %d", b.Code)
	}
}

// TestDocumentsHiddenAfterErasure erases a linked learner's personal data:
// the documents their stream held are no longer answered (the events stay),
// and a later write starts afresh rather than merging into them.
func TestDocumentsHiddenAfterErasure(t *testing.T) {
	l := startLRS(t)
	l.school()
	state := "/xapi/activities/state"
	sam := url.Values{"activityId": {activityA}, "agent": {samAgent}, "stateId": {"s"}}
	profile := url.Values{"agent": {samAgent}, "profileId": {"prefs"}}
	l.doc(toolToken, "PUT", state, sam, `{"a":1}`).want(t, http.StatusNoContent)
	l.doc(toolToken, "PUT", "/xapi/agents/profile", profile, `{"font":"large"}`).want(t, http.StatusNoContent)
	other := url.Values{"activityId": {activityA}, "agent": {otherAgent}, "stateId": {"s"}}
	l.doc(toolToken, "PUT", state, other, `{"o":1}`).want(t, http.StatusNoContent)

	admin := domain.Meta{Actor: domain.Actor{Role: domain.RoleAdmin, Name: "Ada Admin"}}
	if _, err := service.New(l.store, nil).ErasePersonalData(context.Background(), "l-0001",
		domain.ErasePersonalData{Meta: admin, Reason: domain.ErasureLearnerRequest}, nil); err != nil {
		t.Fatal(err)
	}
	// A write waits for the index, which then has applied the erasure too.
	l.doc(toolToken, "PUT", "/xapi/activities/profile", url.Values{"activityId": {activityA}, "profileId": {"p"}}, `{}`).want(t, http.StatusNoContent)

	l.doc(toolToken, "GET", state, sam, "").want(t, http.StatusNotFound)
	l.doc(toolToken, "GET", "/xapi/agents/profile", profile, "").want(t, http.StatusNotFound)
	equalJSON(t, l.doc(toolToken, "GET", state, other, "").want(t, http.StatusOK).body, `{"o":1}`)
	ids := with(sam)
	ids.Del("stateId")
	if got := l.doc(toolToken, "GET", state, ids, "").want(t, http.StatusOK).body; string(got) != "[]" {
		t.Errorf("ids after the erasure: %s", got)
	}
	l.doc(toolToken, "POST", state, sam, `{"b":2}`).want(t, http.StatusNoContent)
	equalJSON(t, l.doc(toolToken, "GET", state, sam, "").want(t, http.StatusOK).body, `{"b":2}`)
	if n := len(ofType[domain.XAPIDocumentPut](l, domain.LearnerStream("l-0001"))); n != 3 {
		t.Errorf("the learner's stream holds %d document writes, want 3 (the erasure hides, the log keeps)", n)
	}
}
