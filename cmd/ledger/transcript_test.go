package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/masteryledger/ledger/adapters/credential"
	"github.com/masteryledger/ledger/adapters/web"
	"github.com/masteryledger/ledger/adapters/web/browsertest"
)

// learnerLink is a learner's link on the school page.
var learnerLink = regexp.MustCompile(`<a href="/learners/(l-\d+)">`)

// TestDemoTranscripts serves the demo's data as serve runs it and checks
// every demo learner's transcript: its OB 3.0 file is the API's and
// verifies with the log's key (serve hands the pages the API's credentials),
// and, in Chromium, the page prints on one sheet of A4 and of Letter.
func TestDemoTranscripts(t *testing.T) {
	dir, tokens := demoCopy(t)
	auditor := tokens["auditor"]
	if auditor == "" {
		t.Fatalf("the demo printed no auditor token: %v", tokens)
	}
	base, _ := startServe(t, "--data", dir)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string, h http.Header) (int, http.Header, string) {
		t.Helper()
		req, err := http.NewRequest("GET", base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header = h
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Header, string(b)
	}
	resp, err := client.PostForm(base+"/session", map[string][]string{"token": {auditor}})
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
		t.Fatalf("the auditor's sign-in: %s", resp.Status)
	}
	cookie := http.Header{"Cookie": {web.CookieName + "=" + session}}
	_, _, school := get("/schools/north", cookie)
	var learners []string
	for _, m := range learnerLink.FindAllStringSubmatch(school, -1) {
		learners = append(learners, m[1])
	}
	if len(learners) < 30 {
		t.Fatalf("the school page links %d learners, want the demo's 30", len(learners))
	}

	// The demo's guide learner has met standards; the file is the API's.
	const l = "/learners/l-0001"
	_, _, key := get("/v1/log/key", nil)
	// A checkpoint asked for now covers every event, so both issues use it.
	if code, _, body := get("/v1/log/checkpoint", http.Header{"Authorization": {"Bearer " + auditor}}); code != 200 {
		t.Fatalf("checkpoint: %d %s", code, body)
	}
	code, h, file := get(l+"/transcript.ob3.json", cookie)
	if code != 200 || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("the credentials file: %d %q", code, h.Get("Content-Disposition"))
	}
	_, _, api := get("/v1"+l+"/transcript?format=ob3", http.Header{"Authorization": {"Bearer " + auditor}})
	if file != api {
		t.Error("the page's credentials file is not the API's")
	}
	verified, err := credential.VerifyTranscript([]byte(file), strings.TrimSpace(key))
	if err != nil || len(verified) == 0 {
		t.Fatalf("the demo learner's credentials: %d verified, %v", len(verified), err)
	}

	browser := browsertest.New(t)
	ctx := browsertest.NewSession(browser, t)
	browsertest.Navigate(ctx, t, base+"/")
	browsertest.Do(ctx, t,
		chromedp.SendKeys(chromedp.ID("token"), auditor),
		chromedp.Click(chromedp.CSS(`form[action="/session"] button`)),
		chromedp.WaitVisible(chromedp.CSS("p.who")))
	for _, id := range learners {
		browsertest.Navigate(ctx, t, base+"/learners/"+id+"/transcript")
		browsertest.WaitFor(ctx, t, `document.querySelector("h1") !== null && document.querySelector("h1").textContent.startsWith("Transcript of learner `+id+`")`)
		browsertest.OnePage(ctx, t, "the transcript of "+id)
	}
}
