package storetest

import (
	"testing"

	"github.com/masteryledger/ledger/domain"
)

// Options says which optional promises the store under test makes.
type Options struct {
	// DensePositions: global positions run 1, 2, 3, … with no gap, so the
	// suite checks exact positions. The embedded store promises it; the
	// EventStoreDB adapter's positions only grow strictly, which is checked
	// either way.
	DensePositions bool
}

// Run runs every conformance test against stores made by open. open is called
// once per subtest and must return a fresh, empty store; the store is closed
// by open's own t.Cleanup. Run expects dense positions; see RunWithOptions.
func Run(t *testing.T, open func(t *testing.T) domain.EventStore) {
	t.Helper()
	RunWithOptions(t, open, Options{DensePositions: true})
}

// RunWithOptions is Run for a store that makes only the promises opts names.
// Subtests whose cases only read share one store per subtest.
func RunWithOptions(t *testing.T, open func(t *testing.T) domain.EventStore, opts Options) {
	t.Helper()
	s := &suite{open: open, opts: opts}
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"ExpectedRevision", s.testExpectedRevision},
		{"Recorded", s.testRecorded},
		{"IdempotentRetry", s.testIdempotentRetry},
		{"EventIDConflict", s.testEventIDConflict},
		{"Validation", s.testValidation},
		{"SizeLimit", s.testSizeLimit},
		{"ReadStream", s.testReadStream},
		{"ReadAll", s.testReadAll},
		{"Subscribe", s.testSubscribe},
		{"Context", s.testContext},
		{"HashChain", s.testHashChain},
		{"Salts", s.testSalts},
		{"Races", s.testRaces},
		{"TailingReader", s.testTailingReader},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

// suite carries the factory and options through the tests.
type suite struct {
	open func(t *testing.T) domain.EventStore
	opts Options
}
