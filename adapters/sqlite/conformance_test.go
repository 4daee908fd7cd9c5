package sqlite_test

import (
	"testing"

	"github.com/masteryledger/ledger/adapters/storetest"
	"github.com/masteryledger/ledger/domain"
)

// The embedded store passes the conformance suite every store passes, with
// dense positions.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) domain.EventStore {
		return mustOpen(t, t.TempDir(), nil)
	})
}
