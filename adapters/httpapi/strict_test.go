package httpapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/domain"
)

// Bodies are strict: what encoding/json would quietly accept is refused,
// naming the field.
func TestDecodeIsStrict(t *testing.T) {
	cases := []struct {
		name, body, field string
	}{
		{"case-folded key", `{"STANDARDID":"s1","componentId":"c1","level":3,"source":"teacher"}`, "STANDARDID"},
		{"key given twice", `{"standardId":"s1","standardId":"s2","componentId":"c1","level":3,"source":"teacher"}`, "standardId"},
		{"nested case-folded key", `{"standardId":"s1","componentId":"c1","level":3,"source":"teacher","artifact":{"URI":"https://x","sha256":"` + strings.Repeat("a", 64) + `","mediaType":"text/plain"}}`, "artifact.URI"},
		{"unknown field", `{"standardId":"s1","grade":"A"}`, "grade"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var cmd domain.RecordEvidence
			err := decodeJSON(strings.NewReader(c.body), &cmd)
			var bad *badRequest
			if !errors.As(err, &bad) || bad.Field != c.field {
				t.Fatalf("got %v, want a 400 naming %q", err, c.field)
			}
		})
	}
	var ok domain.UpdateProfile
	if err := decodeJSON(strings.NewReader(`{"eventId":"7f3c2a8e-4b1d-4c6e-9a0f-2d5e8b1c3a47","interests":["robots"],"learningPreferences":[]}`), &ok); err != nil {
		t.Fatalf("a valid body with embedded fields: %v", err)
	}
}
