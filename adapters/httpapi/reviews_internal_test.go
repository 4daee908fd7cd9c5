package httpapi

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/review"
)

// positionReader serves ReadAll from a list of events in global order and
// fails a test that reads a whole stream.
type positionReader struct {
	t   *testing.T
	evs []domain.RecordedEvent
}

func (r positionReader) ReadStream(context.Context, string, uint64, int) ([]domain.RecordedEvent, error) {
	r.t.Error("the replay of a review read a whole stream")
	return nil, nil
}

func (r positionReader) ReadAll(_ context.Context, after uint64, limit int) ([]domain.RecordedEvent, error) {
	var out []domain.RecordedEvent
	for _, e := range r.evs {
		if e.Position > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

// TestReviewEventsOfReadsTwoEvents: a review's replay reads its start and
// its conclusion at the positions the read model holds, however long the
// school's stream, and refuses positions that hold another event.
func TestReviewEventsOfReadsTwoEvents(t *testing.T) {
	at := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	actor := domain.Actor{Role: domain.RoleTeacher, Name: "T"}
	var evs []domain.RecordedEvent
	add := func(e domain.Event) {
		data, err := domain.NewEventData(domain.Meta{EventID: uuid.New(), OccurredAt: at, Actor: actor}, e)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, domain.RecordedEvent{ID: data.ID, Type: data.Type, Stream: domain.SchoolStream("north"), Revision: uint64(len(evs)),
			Position: uint64(len(evs) + 1), OccurredAt: at, RecordedAt: at, Actor: actor, Data: data.Data})
	}
	add(domain.SchoolRegistered{SchoolID: "north", Name: "North"})
	start := func(id string) {
		add(domain.PracticeReviewStarted{ReviewID: id, Practice: "p", IntendedResult: "r", StandardIDs: []string{"s1"},
			Scope: domain.ReviewScope{Cohorts: []string{"g6"}}, StartDate: "2026-09-01", ReviewDate: "2026-09-20"})
	}
	start("r1")
	for i := range 50 {
		start("other-" + string(rune('a'+i%26)) + string(rune('a'+i/26)))
	}
	add(domain.PracticeReviewConcluded{ReviewID: "r1", Decision: domain.ReviewKeep, Figures: domain.ReviewFigures{Figures: []domain.ReviewFigure{}}})
	p := review.New()
	for _, e := range evs {
		if err := p.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	rv, ok := p.Review("north", "r1")
	if !ok {
		t.Fatal("no review r1")
	}
	got, err := ReviewEventsOf(t.Context(), positionReader{t, evs}, rv)
	if err != nil || len(got) != 2 || got[0].ID != evs[1].ID || got[1].ID != evs[len(evs)-1].ID {
		t.Fatalf("replay of r1: %v, %v; want its start and its conclusion", got, err)
	}
	// A read model that puts r1 where another review's start is.
	rv.StartedPosition = 3
	if _, err := ReviewEventsOf(t.Context(), positionReader{t, evs}, rv); err == nil {
		t.Error("an event of another review was taken for r1's")
	}
}
