package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/adapters/esdb"
	"github.com/masteryledger/ledger/adapters/esdb/esdbfake"
	"github.com/masteryledger/ledger/domain"
)

// TestStaleClaimOverHTTP: on EventStoreDB, a write whose eventId an append
// that never completed claimed elsewhere is answered 503 with Retry-After
// (the seconds until the claim may be taken over), and once the claim is
// that old, the same write is stored.
func TestStaleClaimOverHTTP(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 9, 14, 9, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	a := newAPI(t, storeKind{"eventstoredb-fake", func(t *testing.T, _ string) eventStore {
		fake := esdbfake.StartTB(t, &esdbfake.Options{MaxAppendSize: 8 << 20, Now: clock})
		s, err := esdb.Open(t.Context(), fake.URL(), &esdb.Options{Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}})
	a.school()

	// An append that claims the id and then fails.
	id := uuid.New()
	_, err := a.store.Append(context.Background(), "learner-elsewhere", domain.Revision(5),
		domain.EventData{ID: id, Type: "EvidenceRecorded", Actor: domain.Actor{Role: "teacher", Name: "Ms Rivera"}, Data: json.RawMessage(`{}`)})
	var wrong *domain.WrongExpectedRevisionError
	if !errors.As(err, &wrong) {
		t.Fatalf("the failing append: %v", err)
	}

	body := evidence("c1", 3, "teacher")
	body["eventId"] = id.String()
	now.Add(int64(10 * time.Second))
	r := a.must(503, "POST", "/v1/learners/l-0001/evidence", teacherToken, body)
	if got := r.header.Get("Retry-After"); got != "20" {
		t.Errorf("Retry-After %q, want 20 (the default claim timeout of 30 s less the claim's age)", got)
	}
	now.Add(int64(20 * time.Second))
	stored := a.must(201, "POST", "/v1/learners/l-0001/evidence", teacherToken, body).json(t)
	if stored["eventId"] != id.String() {
		t.Errorf("stored %v, want event %s", stored["eventId"], id)
	}
}
