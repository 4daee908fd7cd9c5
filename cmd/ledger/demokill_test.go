package main

import (
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/sqlite"
)

// startDemoChild runs `ledger demo --data data` in a child process.
func startDemoChild(t *testing.T, data string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$")
	cmd.Env = append(os.Environ(), serveChildEnv+"="+strings.Join([]string{"demo", "--data", data}, "\x1f"))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

// killMidway kills the demo child once some store under root (the data
// directory or the demo's temporary one) holds 64 KiB of committed events
// in its write-ahead log: well into the school, well before its end.
func killMidway(t *testing.T, cmd *exec.Cmd, root string) {
	t.Helper()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case err := <-exited:
			t.Fatalf("the demo ended (%v) before it could be killed part-way", err)
		case <-deadline:
			t.Fatal("the demo wrote no events within 60s")
		case <-tick.C:
		}
		grown := false
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && d.Name() == sqlite.FileName+"-wal" {
				if fi, err := d.Info(); err == nil && fi.Size() > 64<<10 {
					grown = true
				}
			}
			return nil
		})
		if grown {
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
}

// A demo killed part-way leaves no half-made school: a new data directory
// does not appear at all, and the demo run again builds the whole school
// and clears what the killed one left.
func TestKilledDemoLeavesNothingHalfMade(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	killMidway(t, startDemoChild(t, data), root)
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("after a demo killed part-way, %s exists (%v): a half-made school; it holds %d events", data, err, countIfAny(t, data))
	}

	if err := run(t.Context(), []string{"demo", "--data", data}, noEnv, io.Discard, io.Discard); err != nil {
		t.Fatalf("the demo run again: %v", err)
	}
	checkWholeSchool(t, root, data)
}

// In an existing data directory (here one with a tokens file), a demo
// killed part-way leaves no event and the tokens file as it was.
func TestKilledDemoInAnExistingDirectoryLeavesNoEvents(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	path, _, err := httpapi.EnsureAdminTokens(data)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	killMidway(t, startDemoChild(t, data), root)
	if n := countIfAny(t, data); n != 0 {
		t.Fatalf("after a demo killed part-way, %s holds %d events: a half-made school", data, n)
	}
	if now, _ := os.ReadFile(path); string(now) != string(tokens) {
		t.Error("a killed demo changed the tokens file")
	}

	if err := run(t.Context(), []string{"demo", "--data", data}, noEnv, io.Discard, io.Discard); err != nil {
		t.Fatalf("the demo run again: %v", err)
	}
	checkWholeSchool(t, root, data)
}

// countIfAny is the number of events in data's store, 0 if it has none.
func countIfAny(t *testing.T, data string) int {
	t.Helper()
	if _, err := os.Stat(filepath.Join(data, sqlite.FileName)); err != nil {
		return 0
	}
	return countEvents(t, data)
}

// checkWholeSchool checks that data holds the whole demo school, that it
// verifies, and that no temporary directory of the demo is left under root.
func checkWholeSchool(t *testing.T, root, data string) {
	t.Helper()
	full, _ := demoData(t)
	if got, want := countEvents(t, data), countEvents(t, full); got != want {
		t.Errorf("the demo run again wrote %d events, want the whole school's %d", got, want)
	}
	var out strings.Builder
	if err := run(t.Context(), []string{"verify", "--data", data}, noEnv, &out, io.Discard); err != nil {
		t.Errorf("verify after the demo run again: %v", err)
	}
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".demo-") {
			t.Errorf("%s is left behind", path)
		}
		return nil
	})
}
