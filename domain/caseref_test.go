package domain_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
)

// The CASE fields are optional: a standard written by hand encodes to the
// bytes it had before they existed, so stored events keep their hashes.
func TestStandardEventsWithoutCaseKeepTheirBytes(t *testing.T) {
	meta := domain.Meta{EventID: uuid.MustParse("7f3c2a8e-4b1d-4c6e-9a0f-2d5e8b1c3a47")}
	for _, ev := range []domain.Event{
		domain.StandardPublished{StandardID: "s", Framework: "F", Code: "C", Title: "T", Statement: "S",
			Components: []domain.Component{{ID: "c1", Statement: "one"}}, Scale: domain.DefaultScale()},
		domain.StandardRevised{StandardID: "s", StandardRevision: 2, Statement: "S", Components: []domain.Component{{ID: "c1", Statement: "one"}}},
	} {
		data, err := domain.NewEventData(meta, ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{`"case"`, `"caseIdentifier"`, `"caseUri"`} {
			if strings.Contains(string(data.Data), key) {
				t.Errorf("%s without a CASE source encodes %s: %s", ev.EventType(), key, data.Data)
			}
		}
	}
}
