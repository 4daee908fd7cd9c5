package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/httpapi"
)

const serveChildEnv = "LEDGER_TEST_SERVE_CHILD"

// TestServeChild is the child process of the process tests: it runs
// `ledger serve` as main does, with the arguments in the environment.
func TestServeChild(t *testing.T) {
	args := os.Getenv(serveChildEnv)
	if args == "" {
		t.Skip("runs only as the child of the process tests")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, strings.Split(args, "\x1f"), os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ledger:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// child is a `ledger serve` process.
type child struct {
	cmd *exec.Cmd
	url string
}

func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$")
	cmd.Env = append(os.Environ(), serveChildEnv+"="+strings.Join(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), "\x1f"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	br := bufio.NewReader(out)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("the server did not start: %v", err)
		}
		if rest, ok := strings.CutPrefix(line, "ledger: serving on "); ok {
			go io.Copy(io.Discard, br)
			return &child{cmd: cmd, url: strings.Fields(rest)[0]}
		}
	}
}

func call(t *testing.T, method, url, token string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func writeTokens(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "test-tokens.json")
	raw, _ := json.Marshal([]httpapi.Credential{
		{Token: "admin-token-for-tests", Role: "admin", Name: "Office"},
		{Token: "teacher-token-for-tests", Role: "teacher", School: "north", Name: "Ms Rivera"},
	})
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// setUpSchool publishes a standard and enrolls a learner through the API.
func setUpSchool(t *testing.T, url string) {
	t.Helper()
	for _, c := range []struct {
		path string
		body any
	}{
		{"/v1/standards", map[string]any{"standardId": "s1", "framework": "F", "code": "S.1", "title": "T", "statement": "S",
			"components": []map[string]string{{"id": "c1", "statement": "one"}}}},
		{"/v1/schools", map[string]any{"schoolId": "north", "name": "North"}},
		{"/v1/schools/north/learners", map[string]any{"learnerId": "l-1", "cohort": "g6"}},
	} {
		if status, body := call(t, "POST", url+c.path, "admin-token-for-tests", c.body); status != 201 {
			t.Fatalf("POST %s: %d %s", c.path, status, body)
		}
	}
}

// A SIGKILL loses no acknowledged write: after a restart every 201 is in
// the learner's stream and the mastery is what it was.
func TestSIGKILLLosesNoAcknowledgedWrite(t *testing.T) {
	dir := t.TempDir()
	tokens := writeTokens(t, dir)
	c := startChild(t, "--data", dir, "--tokens", tokens)
	setUpSchool(t, c.url)
	for _, step := range []struct {
		path string
		body any
	}{
		{"/evidence", map[string]any{"standardId": "s1", "componentId": "c1", "level": 3, "source": "teacher"}},
		{"/agreements", map[string]any{"standardId": "s1", "learnerConfirmed": true}},
		{"/summative-attempts", map[string]any{"standardId": "s1", "level": 4}},
	} {
		if status, body := call(t, "POST", c.url+"/v1/learners/l-1"+step.path, "teacher-token-for-tests", step.body); status != 201 {
			t.Fatalf("POST %s: %d %s", step.path, status, body)
		}
	}
	claim := func(url string) string {
		t.Helper()
		status, body := call(t, "GET", url+"/v1/learners/l-1/mastery/s1", "teacher-token-for-tests", nil)
		var m struct {
			Status, MetAt, RecordedAt string
			Attempts                  []any
		}
		if err := json.Unmarshal(body, &m); status != 200 || err != nil {
			t.Fatalf("GET mastery: %d %s", status, body)
		}
		return fmt.Sprintf("%s met at %s recorded %s after %d attempts", m.Status, m.MetAt, m.RecordedAt, len(m.Attempts))
	}
	before := claim(c.url)

	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				status, body := call(t, "POST", c.url+"/v1/learners/l-1/evidence", "teacher-token-for-tests",
					map[string]any{"standardId": "s1", "componentId": "c1", "level": 1 + (w+i)%4, "source": "peer"})
				if status != 201 {
					return // the server is gone
				}
				var res struct{ EventID string }
				json.Unmarshal(body, &res)
				mu.Lock()
				acked = append(acked, res.EventID)
				n := len(acked)
				mu.Unlock()
				if n == 200 {
					c.cmd.Process.Signal(syscall.SIGKILL)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	c.cmd.Wait()

	c2 := startChild(t, "--data", dir, "--tokens", tokens)
	status, body := call(t, "GET", c2.url+"/v1/learners/l-1/events", "teacher-token-for-tests", nil)
	if status != 200 {
		t.Fatalf("after restart: %d %s", status, body)
	}
	var stream struct{ Events []struct{ EventID string } }
	json.Unmarshal(body, &stream)
	stored := map[string]int{}
	for _, e := range stream.Events {
		stored[e.EventID]++
	}
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 200 {
		t.Fatalf("only %d writes acknowledged before the kill", len(acked))
	}
	for _, id := range acked {
		if stored[id] != 1 {
			t.Fatalf("acknowledged event %s is stored %d times after SIGKILL and restart", id, stored[id])
		}
	}
	if after := claim(c2.url); after != before || !strings.HasPrefix(after, "met") {
		t.Fatalf("the claim before the kill: %s; after the restart: %s", before, after)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"verify", "--data", dir}, noEnv, &out, io.Discard); err == nil {
		t.Fatal("verify opened a data directory a running server holds")
	}
	c2.cmd.Process.Signal(syscall.SIGTERM)
	if err := c2.cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM the server exited with %v", err)
	}
	if err := run(context.Background(), []string{"verify", "--data", dir}, noEnv, &out, io.Discard); err != nil {
		t.Fatalf("verify after the crash and restart: %v", err)
	}
}

// SIGTERM drains: requests in flight when it arrives are answered, the
// process exits 0 within the 10 s budget, and what it acknowledged is
// stored.
func TestSIGTERMDrainsAndExits(t *testing.T) {
	dir := t.TempDir()
	tokens := writeTokens(t, dir)
	c := startChild(t, "--data", dir, "--tokens", tokens)
	setUpSchool(t, c.url)

	results := make(chan int, 64)
	started := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			started <- struct{}{}
			status, _ := call(t, "POST", c.url+"/v1/learners/l-1/evidence", "teacher-token-for-tests",
				map[string]any{"standardId": "s1", "componentId": "c1", "level": 3, "source": "teacher"})
			results <- status
		})
	}
	for range 16 {
		<-started
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not exit within 15 s of SIGTERM")
	}
	wg.Wait()
	close(results)
	acked := 0
	for s := range results {
		switch s {
		case 201:
			acked++
		case 0: // refused at the door: the listener was closed
		default:
			t.Errorf("a request in flight at SIGTERM answered %d", s)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"verify", "--data", dir}, noEnv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	// 3 set-up events plus every acknowledged evidence.
	if !strings.Contains(out.String(), fmt.Sprintf("%d events", 3+acked)) {
		t.Fatalf("verify says %q; %d evidence writes were acknowledged", out.String(), acked)
	}
}
