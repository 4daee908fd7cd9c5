package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/web"
	"github.com/masteryledger/ledger/domain"
)

// The quick start's last step: serve on the demo's data, open the port in
// a browser and sign in with a token the demo printed. The pages share the
// API's port: each role's home page links its pages, and they show the
// demo school.
func TestServeShowsPagesOnTheAPIPort(t *testing.T) {
	dir, tokens := demoCopy(t)
	base, stop := startServe(t, "--data", dir)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path, session string) (int, string) {
		t.Helper()
		req, err := http.NewRequest("GET", base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.AddCookie(&http.Cookie{Name: web.CookieName, Value: session})
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	if code, body := get("/", ""); code != 200 || !strings.Contains(body, `name="token"`) {
		t.Fatalf("sign-in form: %d %s", code, body)
	}
	cases := []struct {
		role, link, page string
		shows            []string
		hides            []string
	}{
		{domain.RoleLearner, `href="/learners/l-0001"`, "/learners/l-0001", []string{"6.RP.A.1", "met"}, nil},
		{domain.RoleTeacher, `href="/schools/north"`, "/schools/north", []string{"North Middle School", `<a href="/learners/l-0030">`}, nil},
		{domain.RoleAuditor, `href="/schools/north"`, "/learners/l-0002", []string{"Learner l-0002"}, nil},
		{domain.RoleTeacher, `href="/schools/north/efficacy"`, "/schools/north/efficacy", []string{"Collective efficacy", "<svg", "<td>l-00"}, nil},
		{domain.RoleResearcher, `href="/schools/north/efficacy"`, "/schools/north/efficacy", []string{"Collective efficacy", "<svg", "research pseudonyms", "<td>p-"}, []string{"l-00"}},
	}
	for _, c := range cases {
		resp, err := client.PostForm(base+"/session", url.Values{"token": {tokens[c.role]}})
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
		if resp.StatusCode != http.StatusSeeOther || session == "" {
			t.Fatalf("%s signs in: %s", c.role, resp.Status)
		}
		if code, body := get("/", session); code != 200 || !strings.Contains(body, c.link) {
			t.Errorf("%s's home page: %d, want a link %s", c.role, code, c.link)
		}
		code, body := get(c.page, session)
		if code != 200 {
			t.Errorf("%s on %s: %d", c.role, c.page, code)
		}
		for _, s := range c.shows {
			if !strings.Contains(body, s) {
				t.Errorf("%s on %s: no %q", c.role, c.page, s)
			}
		}
		for _, s := range c.hides {
			if strings.Contains(body, s) {
				t.Errorf("%s on %s: shows %q", c.role, c.page, s)
			}
		}
	}
	// The API still answers on its paths.
	if code, _ := call(t, "GET", base+"/v1/learners/l-0001/mastery", tokens[domain.RoleLearner], nil); code != 200 {
		t.Errorf("the API beside the pages: %d", code)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
