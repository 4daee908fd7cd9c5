package httpapi

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/masteryledger/ledger/domain"
)

// A full disk is a 503 that says so, whether the store says it
// (ErrStorageFull) or the operating system does (a key file that could not
// be written): not a 500, and not the generic "busy".
func TestFullDiskIsA503ThatSaysSo(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("append to learner-l-1: store data: %w: database or disk is full (13)", domain.ErrStorageFull),
		fmt.Errorf("seal profile: %w", &os.PathError{Op: "write", Path: "keys/x", Err: syscall.ENOSPC}),
	} {
		p, internal := problemFor(err)
		if internal || p.Status != http.StatusServiceUnavailable || p.Type != "urn:mastery-ledger:problem:storage-full" {
			t.Errorf("%v: status %d, type %s, internal %v; want 503 storage-full", err, p.Status, p.Type, internal)
		}
		if !strings.Contains(p.Detail, "disk") || !strings.Contains(p.Detail, "full") || !strings.Contains(p.Detail, "nothing was written") {
			t.Errorf("detail %q does not say the disk is full and nothing was written", p.Detail)
		}
	}
}
