package sqlite_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
)

const crashChildEnv = "LEDGER_CRASH_CHILD_DIR"

// crashBatch is how many events each of the child's appends carries, so the
// test also sees that an append is all or nothing.
const crashBatch = 3

// TestCrashChild is the child of TestCrashKeepsAcknowledgedEvents: it
// appends as fast as it can and prints each acknowledged append.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestCrashKeepsAcknowledgedEvents")
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	var out sync.Mutex
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			stream := fmt.Sprintf("learner-%d", w)
			evs, err := s.ReadStream(ctx, stream, 0, 0)
			if err != nil {
				fmt.Fprintln(os.Stderr, "child:", err)
				os.Exit(3)
			}
			var expected domain.ExpectedRevision = domain.NoStream{}
			if len(evs) > 0 {
				expected = domain.Revision(evs[len(evs)-1].Revision)
			}
			for {
				batch := make([]domain.EventData, crashBatch)
				group := uuid.NewString()
				for i := range batch {
					data, _ := json.Marshal(map[string]any{"group": group, "i": i, "pad": strings.Repeat("x", 400)})
					batch[i] = domain.EventData{ID: uuid.New(), Type: "EvidenceRecorded", Actor: domain.Actor{Role: "teacher", Name: "t"}, Data: data}
				}
				recs, err := s.Append(ctx, stream, expected, batch...)
				if err != nil {
					fmt.Fprintln(os.Stderr, "child:", err)
					os.Exit(3)
				}
				expected = domain.Revision(recs[len(recs)-1].Revision)
				var line strings.Builder
				for _, r := range recs {
					fmt.Fprintf(&line, "%s %s %d\n", r.ID, r.Stream, r.Revision)
				}
				out.Lock()
				os.Stdout.WriteString(line.String())
				out.Unlock()
			}
		})
	}
	wg.Wait()
}

type ack struct {
	stream   string
	revision uint64
}

// TestCrashKeepsAcknowledgedEvents kills a child that appends as fast as it
// can at random moments, reopens the store, and checks that every
// acknowledged event is there exactly once, in order, with verifying chains,
// and that no append is half there.
func TestCrashKeepsAcknowledgedEvents(t *testing.T) {
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("this is the child")
	}
	dir := t.TempDir()
	rounds := 6
	if testing.Short() {
		rounds = 2
	}
	acked := make(map[string]ack)
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), 7))
	for round := range rounds {
		// Kill after a random number of acknowledgements rather than a
		// random time: the moment still falls anywhere in the write cycle,
		// and the test needs no sleep.
		killAfter := 30 + rng.IntN(600)
		n := runAndKill(t, dir, killAfter, acked)
		t.Logf("round %d: killed after %d acknowledged events", round, n)
		verifyAfterCrash(t, dir, acked)
	}
}

func runAndKill(t *testing.T, dir string, killAfter int, acked map[string]ack) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	n := 0
	killed := false
	for sc.Scan() {
		var id, stream string
		var rev uint64
		if _, err := fmt.Sscanf(sc.Text(), "%s %s %d", &id, &stream, &rev); err != nil {
			continue // a line cut by the kill was never a whole acknowledgement
		}
		acked[id] = ack{stream: stream, revision: rev}
		n++
		if n >= killAfter && !killed {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child stopped by itself after %d acknowledgements: %v\n%s", n, err, stderr.String())
	}
	return n
}

func verifyAfterCrash(t *testing.T, dir string, acked map[string]ack) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		t.Fatalf("reopen after crash: %v", err)
	}
	defer s.Close()
	evs, err := s.ReadAll(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	v := domain.ChainVerifier{Dense: true}
	stored := make(map[string]domain.RecordedEvent, len(evs))
	groups := make(map[string]int)
	for _, e := range evs {
		if err := v.Next(e); err != nil {
			t.Fatalf("chain after crash: %v", err)
		}
		if _, dup := stored[e.ID.String()]; dup {
			t.Fatalf("event %s stored twice", e.ID)
		}
		stored[e.ID.String()] = e
		var d struct{ Group string }
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Fatal(err)
		}
		groups[d.Group]++
	}
	for id, a := range acked {
		e, ok := stored[id]
		if !ok {
			t.Fatalf("acknowledged event %s (%s@%d) is missing after the crash", id, a.stream, a.revision)
		}
		if e.Stream != a.stream || e.Revision != a.revision {
			t.Fatalf("acknowledged event %s was %s@%d, is now %s@%d", id, a.stream, a.revision, e.Stream, e.Revision)
		}
	}
	for g, n := range groups {
		if n != crashBatch {
			t.Fatalf("append %s is half there: %d of %d events", g, n, crashBatch)
		}
	}
}
