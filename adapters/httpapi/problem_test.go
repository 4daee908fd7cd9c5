package httpapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

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

// retryLater is a store error that knows when a retry can succeed, as the
// EventStoreDB adapter's ClaimBusyError does.
type retryLater time.Duration

func (e retryLater) Error() string             { return "busy for now" }
func (e retryLater) Unwrap() error             { return domain.ErrUnavailable }
func (e retryLater) RetryAfter() time.Duration { return time.Duration(e) }

// A 503 whose error knows when to retry carries Retry-After, in whole
// seconds rounded up; other errors carry none.
func TestRetryAfter(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("append: %w", retryLater(29*time.Second+time.Millisecond)), "30"},
		{retryLater(time.Millisecond), "1"},
		{retryLater(0), "1"},
		{fmt.Errorf("append: %w", domain.ErrUnavailable), ""},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		writeError(w, httptest.NewRequest(http.MethodPost, "/v1/standards", nil), tt.err)
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != tt.want {
			t.Errorf("%v: status %d, Retry-After %q; want 503, %q", tt.err, w.Code, w.Header().Get("Retry-After"), tt.want)
		}
	}
}
