package httpapi_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rosterZip zips the files of a sample set under adapters/oneroster/testdata,
// plus extra files (name → content), stored without compression.
func rosterZip(t *testing.T, sample string, extra map[string][]byte) []byte {
	t.Helper()
	dir := filepath.Join("..", "oneroster", "testdata", sample)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = raw
	}
	for name, raw := range extra {
		files[name] = raw
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, raw := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// postZip posts a zip to the import route.
func (a *api) postZip(query, token string, body []byte) reply {
	a.t.Helper()
	return a.do("POST", "/v1/imports/oneroster"+query, token, string(body), "Content-Type", "application/zip")
}

func ids(t *testing.T, rep map[string]any, key string) []string {
	t.Helper()
	l, ok := rep[key].(map[string]any)
	if !ok {
		t.Fatalf("report has no %q: %v", key, rep)
	}
	var out []string
	for _, id := range l["ids"].([]any) {
		out = append(out, id.(string))
	}
	if int(l["count"].(float64)) != len(out) {
		t.Errorf("%s: count %v, %d ids", key, l["count"], len(out))
	}
	return out
}

func TestImportOneRosterOverHTTP(t *testing.T) {
	onEveryStore(t, func(t *testing.T, a *api) {
		// Over the 1 MiB of a command: the route takes archives up to
		// 64 MiB; a file the manifest does not name is not read.
		set := rosterZip(t, "catalyst-1.2-delta", map[string][]byte{"padding.bin": bytes.Repeat([]byte("0123456789abcdef"), 1<<17)})
		if len(set) < 2<<20 {
			t.Fatalf("the set is %d bytes", len(set))
		}
		a.must(401, "POST", "/v1/imports/oneroster", "", string(set))
		for _, tok := range []string{teacherToken, learnerToken, auditorToken, researcherToken} {
			if r := a.postZip("", tok, set); r.status != 403 {
				t.Errorf("token %s: %d, want 403", tok, r.status)
			}
		}

		before := a.lastPosition()
		dry := a.postZip("?dryRun=true&profiles=true", adminToken, set)
		if dry.status != 200 {
			t.Fatalf("dry run: %d %s", dry.status, dry.body)
		}
		rep := dry.json(t)
		if rep["dryRun"] != true || fmt.Sprint(ids(t, rep, "registered")) != "[ORG_1]" || fmt.Sprint(ids(t, rep, "enrolled")) != "[USER_0]" {
			t.Errorf("dry run: %s", dry.body)
		}
		if a.lastPosition() != before {
			t.Fatal("the dry run wrote")
		}

		r := a.postZip("?profiles=true", adminToken, set)
		if r.status != 201 {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		rep = r.json(t)
		if fmt.Sprint(ids(t, rep, "registered")) != "[ORG_1]" || fmt.Sprint(ids(t, rep, "enrolled")) != "[USER_0]" || fmt.Sprint(ids(t, rep, "profiles")) != "[USER_0]" {
			t.Errorf("import: %s", r.body)
		}
		after := a.lastPosition()
		// Read your writes: the learner is there as the answer comes.
		a.must(200, "GET", "/v1/learners/USER_0/mastery", adminToken, nil)
		if p := a.must(200, "GET", "/v1/learners/USER_0/profile", adminToken, nil).json(t); p["personal"].(map[string]any)["displayName"] != "Bruce Wayne" {
			t.Errorf("profile %v", p)
		}

		again := a.postZip("?profiles=true&withdrawMissing=true", adminToken, set)
		if again.status != 200 || a.lastPosition() != after {
			t.Fatalf("the same set again: %d %s, and it wrote", again.status, again.body)
		}
		if rep := again.json(t); fmt.Sprint(ids(t, rep, "unchanged")) != "[USER_0]" || len(ids(t, rep, "enrolled")) != 0 || len(ids(t, rep, "profiles")) != 0 {
			t.Errorf("again: %s", again.body)
		}

		// Nothing personal of the set in the log, the feed or the research
		// copy: the name is in the sealed profile only.
		personal := []string{"Bruce", "Wayne", "brucewayne", "bruce.wayne", "Batman"}
		for _, tok := range []string{adminToken, researcherToken} {
			feed := a.must(200, "GET", "/v1/events", tok, nil)
			for _, v := range personal {
				if bytes.Contains(feed.body, []byte(v)) {
					t.Errorf("the feed (%s) holds %q", tok, v)
				}
			}
		}
		for _, e := range a.eventsAfter(0) {
			for _, v := range personal {
				if bytes.Contains(e.Data, []byte(v)) || strings.Contains(e.Actor.Name, v) {
					t.Errorf("%s %s holds %q", e.Type, e.Stream, v)
				}
			}
		}
	})
}

func TestImportOneRosterRefusesBadSets(t *testing.T) {
	onEveryStore(t, func(t *testing.T, a *api) {
		before := a.lastPosition()
		for _, tc := range []struct {
			name   string
			body   []byte
			query  string
			status int
			field  string
		}{
			{"wrong date format", rosterZip(t, "catalyst-1.2-full", nil), "", 400, "users.csv:2:3"},
			{"student at an unknown school", rosterZip(t, "catalyst-1.1-full", nil), "", 400, "users.csv:3:5"},
			{"missing column", rosterZip(t, "catalyst-1.2-delta", map[string][]byte{"roles.csv": []byte("sourcedId,userSourcedId\nr1,USER_0\n")}), "", 400, "roles.csv:1:roleType"},
			{"not a zip", []byte("sourcedId,name\n"), "", 400, ""},
			{"empty", nil, "", 400, ""},
			{"bad flag", rosterZip(t, "catalyst-1.2-delta", nil), "?dryRun=perhaps", 400, "dryRun"},
			{"too many entries", rosterZip(t, "catalyst-1.2-delta", manyFiles(300)), "", 413, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := a.postZip(tc.query, adminToken, tc.body)
				if r.status != tc.status || r.header.Get("Content-Type") != "application/problem+json" {
					t.Fatalf("%d %s, want %d problem+json", r.status, r.body, tc.status)
				}
				if tc.field != "" {
					errs, _ := r.json(t)["errors"].([]any)
					if len(errs) != 1 || errs[0].(map[string]any)["field"] != tc.field {
						t.Errorf("errors %v, want the field %s", errs, tc.field)
					}
				}
			})
		}
		if a.lastPosition() != before {
			t.Error("a refused set wrote")
		}
	})
}

func manyFiles(n int) map[string][]byte {
	out := map[string][]byte{}
	for i := range n {
		out[fmt.Sprintf("extra-%03d.txt", i)] = []byte("x")
	}
	return out
}

// A body declared over 64 MiB is a 413 before a byte of it is read.
func TestImportOneRosterDeclaredTooLarge(t *testing.T) {
	a := newAPI(t, stores[0])
	u, err := url.Parse(a.url)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /v1/imports/oneroster HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/zip\r\nContent-Length: %d\r\n\r\nPK",
		u.Host, adminToken, 64<<20+1)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("got %s, want 413", resp.Status)
	}
}
