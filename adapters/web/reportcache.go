package web

import (
	"errors"
	"sync"

	"github.com/masteryledger/ledger/projections/efficacy"
)

// reportCache keeps the efficacy reports the efficacy page read, per school
// and query, each with the school's version (efficacy.SchoolVersion) it was
// read at. The report of a large school costs the projection a walk over
// every learner of it, far more than drawing the page; it changes only
// when an event of that school, its learners or a standard is applied, so
// a report is kept until that version moves. Reads of one school and
// query at one version share a single computation: concurrent requests
// wait for the first instead of each walking the school. The cache holds
// at most max reports and drops the one used least recently beyond that.
// Reports handed out are shared and must not be changed.
type reportCache struct {
	max int

	mu      sync.Mutex
	tick    uint64
	entries map[reportKey]*reportEntry
}

// reportKey is a school and a query. The times are kept as instants, so
// that two ways of writing one instant are one entry.
type reportKey struct {
	school, cohort, period string
	from, to               int64 // UnixNano; 0 for none
	fromSet, toSet         bool
	winsLimit              int
}

func keyOf(school string, q efficacy.Query) reportKey {
	k := reportKey{school: school, cohort: q.Cohort, period: q.Period, winsLimit: q.WinsLimit,
		fromSet: !q.From.IsZero(), toSet: !q.To.IsZero()}
	if k.fromSet {
		k.from = q.From.UnixNano()
	}
	if k.toSet {
		k.to = q.To.UnixNano()
	}
	return k
}

type reportEntry struct {
	version uint64
	used    uint64
	// done is closed once report and err are set.
	done   chan struct{}
	report efficacy.Report
	err    error
}

func newReportCache(max int) *reportCache {
	return &reportCache{max: max, entries: make(map[reportKey]*reportEntry)}
}

// get returns the report of school and q at version, reading it with read
// if no report of that version is kept or being read. version must be
// read before read runs, so that a report is never kept under a version
// newer than the events it includes. An error is not kept.
func (c *reportCache) get(school string, q efficacy.Query, version uint64, read func() (efficacy.Report, error)) (efficacy.Report, error) {
	k := keyOf(school, q)
	c.mu.Lock()
	c.tick++
	if e := c.entries[k]; e != nil && e.version == version {
		e.used = c.tick
		c.mu.Unlock()
		<-e.done
		return e.report, e.err
	}
	e := &reportEntry{version: version, used: c.tick, done: make(chan struct{})}
	// A reader that read an older version than the entry kept (its
	// request started before the last event) reads for itself and keeps
	// nothing, rather than replace a newer report with an older one.
	keep := true
	if old := c.entries[k]; old != nil && old.version > version {
		keep = false
	}
	if keep {
		if _, ok := c.entries[k]; !ok && len(c.entries) >= c.max {
			c.evictLocked()
		}
		c.entries[k] = e
	}
	c.mu.Unlock()

	// Deferred, so that a read that panics neither leaves its waiters
	// waiting nor stays in the cache.
	e.err = errReportUnread
	defer func() {
		close(e.done)
		if e.err != nil && keep {
			c.mu.Lock()
			if c.entries[k] == e {
				delete(c.entries, k)
			}
			c.mu.Unlock()
		}
	}()
	e.report, e.err = read()
	return e.report, e.err
}

// errReportUnread is what the requests waiting on a read that panicked get.
var errReportUnread = errors.New("efficacy page: the report could not be read")

// evictLocked drops the entry used least recently. A scan is enough: the
// cache is small, and it runs only when a new key arrives at a full cache.
func (c *reportCache) evictLocked() {
	var (
		oldest reportKey
		used   uint64
		found  bool
	)
	for k, e := range c.entries {
		if !found || e.used < used {
			oldest, used, found = k, e.used, true
		}
	}
	if found {
		delete(c.entries, oldest)
	}
}

// len is the number of reports kept or being read.
func (c *reportCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
