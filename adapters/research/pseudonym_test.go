package research_test

import (
	"sync"
	"testing"

	"github.com/masteryledger/ledger/adapters/research"
)

// The research key is made once per data directory: processes that start
// at once, and every later start, pseudonymise a learner alike.
func TestPseudonymKeyIsMadeOnce(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			p, err := research.LoadPseudonymizer(dir)
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = p.Learner("l-0001")
		})
	}
	wg.Wait()
	again, err := research.LoadPseudonymizer(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := again.Learner("l-0001")
	for i, g := range got {
		if g != want {
			t.Errorf("loader %d pseudonymises l-0001 as %q, a later start as %q", i, g, want)
		}
	}
}
