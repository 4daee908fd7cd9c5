package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
)

func noEnv(string) string { return "" }

// startServe runs `ledger serve` on a loopback port and returns its base URL
// and a function that stops it and returns run's error.
func startServe(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), noEnv, pw, io.Discard)
		pw.CloseWithError(err)
		errc <- err
	}()
	br := bufio.NewReader(pr)
	var url string
	for url == "" {
		line, err := br.ReadString('\n')
		if err != nil {
			cancel()
			t.Fatalf("serve did not start: %v (%v)", err, <-errc)
		}
		if rest, ok := strings.CutPrefix(line, "ledger: serving on "); ok {
			url = strings.Fields(rest)[0]
		}
	}
	go io.Copy(io.Discard, br)
	stop := func() error { cancel(); return <-errc }
	t.Cleanup(func() { cancel() })
	return url, stop
}

func TestServeAnswersHealthzAndStopsCleanly(t *testing.T) {
	url, stop := startServe(t, "--data", t.TempDir())
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: %s", resp.Status)
	}
	resp, err = http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, name := range []string{"ledger_log_leaves 0", "ledger_log_lag_events 0", "ledger_projection_lag_events 0"} {
		if !strings.Contains(string(body), "\n"+name+"\n") {
			t.Errorf("/metrics lacks %q", name)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v after cancel, want nil", err)
	}
}

func TestServeRefusesADataDirectoryInUse(t *testing.T) {
	dir := t.TempDir()
	_, stop := startServe(t, "--data", dir)
	defer stop()
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, noEnv, io.Discard, io.Discard)
	if !errors.Is(err, sqlite.ErrLocked) {
		t.Fatalf("second serve on the same data: got %v, want ErrLocked", err)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"serve", "--nope"}, {"serve", "--store", "other"}, {"verify", "extra"}} {
		err := run(context.Background(), args, noEnv, io.Discard, io.Discard)
		if !errors.Is(err, errUsage) || exitCode(err) != 2 {
			t.Errorf("run %q: got %v, want a usage error (exit 2)", args, err)
		}
	}
}

func TestVerifyNamesTheFirstAlteredEvent(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var recs []domain.RecordedEvent
	for i := range 4 {
		r, err := store.Append(ctx, "learner-a", domain.Any{}, domain.EventData{ID: uuid.New(), Type: "EvidenceRecorded", Data: []byte(`{"level":3}`)})
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		recs = append(recs, r...)
	}
	store.Close()

	var out strings.Builder
	if err := run(ctx, []string{"verify", "--data", dir}, noEnv, &out, io.Discard); err != nil {
		t.Fatalf("verify an intact store: %v", err)
	}
	if !strings.Contains(out.String(), "4 events in 1 streams") {
		t.Errorf("verify printed %q", out.String())
	}

	// An insider with disk access edits one level.
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE events SET data = '{"level":4}' WHERE event_id = ?`, recs[2].ID.String()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	err = run(ctx, []string{"verify", "--data", dir}, noEnv, io.Discard, io.Discard)
	var chainErr *domain.ChainError
	if !errors.As(err, &chainErr) || chainErr.EventID != recs[2].ID.String() || exitCode(err) != 1 {
		t.Fatalf("verify a tampered store: got %v, want a ChainError naming %s", err, recs[2].ID)
	}
}
