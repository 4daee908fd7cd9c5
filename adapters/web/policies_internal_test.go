package web

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/masteryledger/ledger/domain"
)

// TestNumberNeverContradicts: a value is shown to two decimals unless
// that would put it on the other side of proficient, so a sentence never
// reads "3, which is below proficient (3)".
func TestNumberNeverContradicts(t *testing.T) {
	var s scaleWords
	for _, c := range []struct {
		v, ref float64
		want   string
	}{
		{3.3, 3, "3.3"},
		{3.416666666667, 3, "3.42"},
		{2.75, 3, "2.75"},
		{3, 3, "3"},
		{2.999, 3, "2.999"},
		{94.9999, 95, "94.9999"},
	} {
		if got := s.number(c.v, c.ref); got != c.want {
			t.Errorf("number(%v, %v) = %q, want %q", c.v, c.ref, got, c.want)
		}
	}
}

// TestStatusOfUnavailable: credentials that cannot be issued for now (no
// log, or the log behind) are the 503 page, not a 500 with a log line.
func TestStatusOfUnavailable(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("issue: %w", domain.ErrUnavailable),
		fmt.Errorf("issue: %w", context.DeadlineExceeded),
	} {
		if status, _, internal := statusOf(err); status != http.StatusServiceUnavailable || internal {
			t.Errorf("statusOf(%v) = %d, internal %v; want 503", err, status, internal)
		}
	}
}
