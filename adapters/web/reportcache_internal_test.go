package web

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/masteryledger/ledger/projections/efficacy"
)

// TestReportCache: a report is read once per school, query and version; a
// new version reads it again; an older version than the one kept never
// replaces it; an error is not kept; the cache holds at most its bound,
// dropping the report used least recently.
func TestReportCache(t *testing.T) {
	c := newReportCache(2)
	reads := 0
	read := func(school string, n int) func() (efficacy.Report, error) {
		return func() (efficacy.Report, error) {
			reads++
			return efficacy.Report{SchoolID: school, Position: uint64(n)}, nil
		}
	}
	get := func(school string, q efficacy.Query, version uint64, n int) uint64 {
		t.Helper()
		r, err := c.get(school, q, version, read(school, n))
		if err != nil {
			t.Fatal(err)
		}
		return r.Position
	}
	all := efficacy.Query{}
	if got := get("north", all, 5, 1); got != 1 || reads != 1 {
		t.Fatalf("first read: report %d, %d reads", got, reads)
	}
	if got := get("north", all, 5, 2); got != 1 || reads != 1 {
		t.Errorf("same version: report %d, %d reads; want the one kept", got, reads)
	}
	if got := get("north", all, 6, 3); got != 3 || reads != 2 {
		t.Errorf("new version: report %d, %d reads; want a new read", got, reads)
	}
	// A request that read the version before the last event: its own
	// read, and the newer report stays.
	if got := get("north", all, 5, 4); got != 4 {
		t.Errorf("older version: report %d, want its own read", got)
	}
	if got := get("north", all, 6, 5); got != 3 {
		t.Errorf("after an older version's read: report %d, want 3 kept", got)
	}
	// One instant written two ways is one query.
	at := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	week := efficacy.Query{Period: "week", From: at}
	get("north", week, 6, 6)
	n := reads
	if got := get("north", efficacy.Query{Period: "week", From: at.In(time.FixedZone("x", 3600))}, 6, 7); got != 6 || reads != n {
		t.Errorf("the same instant in another zone: report %d, %d reads more", got, reads-n)
	}
	// A third key drops the one used least recently (all, used before
	// week).
	get("south", all, 1, 8)
	if c.len() != 2 {
		t.Errorf("%d reports kept; the bound is 2", c.len())
	}
	n = reads
	get("north", week, 6, 9)
	get("north", all, 6, 10)
	if reads != n+1 {
		t.Errorf("%d reads for the week kept and the dropped whole school; want 1", reads-n)
	}

	// An error is given, not kept.
	boom := errors.New("boom")
	if _, err := c.get("east", all, 1, func() (efficacy.Report, error) { return efficacy.Report{}, boom }); !errors.Is(err, boom) {
		t.Errorf("error: %v", err)
	}
	if got := get("east", all, 1, 11); got != 11 {
		t.Errorf("after an error: report %d, want a new read", got)
	}
}

// TestReportCacheShared: requests for one report at one version wait for a
// single read instead of each reading.
func TestReportCacheShared(t *testing.T) {
	c := newReportCache(4)
	var reads atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{})
	read := func() (efficacy.Report, error) {
		if reads.Add(1) == 1 {
			close(started)
		}
		<-release
		return efficacy.Report{SchoolID: "north"}, nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := c.get("north", efficacy.Query{}, 1, read)
		errs <- err
	}()
	<-started
	for range 7 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.get("north", efficacy.Query{}, 1, read)
			if err == nil && r.SchoolID != "north" {
				err = errors.New("another report")
			}
			errs <- err
		}()
	}
	time.Sleep(20 * time.Millisecond) // let the others reach the wait
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := reads.Load(); n != 1 {
		t.Errorf("%d reads for 8 requests of one report", n)
	}
}
