package projections_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/efficacy"
)

var (
	admin   = domain.Actor{Role: domain.RoleAdmin, Name: "Office"}
	teacher = domain.Actor{Role: domain.RoleTeacher, Name: "Ms Rivera"}
)

// world is a service on a fresh embedded store, a clock the test moves, and
// a view following the store live.
type world struct {
	store  *sqlite.Store
	svc    *service.Service
	view   *projections.View
	eff    *efficacy.Projection
	engine *projections.Engine

	mu  sync.Mutex
	now time.Time
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{now: time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)}
	store, err := sqlite.Open(context.Background(), t.TempDir(), &sqlite.Options{Now: w.clock})
	if err != nil {
		t.Fatal(err)
	}
	w.store = store
	w.svc = service.New(store, &service.Options{Now: w.clock})
	w.view = projections.NewView(store)
	w.eff = efficacy.New()
	w.engine = projections.NewEngine(store, projections.Models{w.view, w.eff}, 0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.engine.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("engine stopped with %v", err)
		}
		store.Close()
	})
	return w
}

func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *world) advance(d time.Duration) {
	w.mu.Lock()
	w.now = w.now.Add(d)
	w.mu.Unlock()
}

// caughtUp waits until the live view has applied everything stored.
func (w *world) caughtUp(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := w.engine.WaitFor(ctx, w.store.LastPosition()); err != nil {
		t.Fatal(err)
	}
}

func lvl(n int) *int { return &n }

// randomHistory drives the service with n random commands over a few
// learners and standards. Commands the rules refuse are part of the fun:
// they must write nothing.
func randomHistory(t *testing.T, w *world, rng *rand.Rand, n int) (learners, standards []string) {
	t.Helper()
	ctx := t.Context()
	for i := range 3 {
		id := fmt.Sprintf("std-%d", i)
		comps := []domain.Component{{ID: "c1", Statement: "one"}, {ID: "c2", Statement: "two"}, {ID: "c3", Statement: "three"}}[:2+i%2]
		if _, err := w.svc.PublishStandard(ctx, domain.PublishStandard{Meta: domain.Meta{Actor: admin}, StandardID: id, Framework: "F", Code: "C." + id, Title: "T " + id, Statement: "S", Components: comps}); err != nil {
			t.Fatal(err)
		}
		standards = append(standards, id)
	}
	if _, err := w.svc.RegisterSchool(ctx, domain.RegisterSchool{Meta: domain.Meta{Actor: admin}, SchoolID: "north", Name: "North"}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		id := fmt.Sprintf("l-%d", i)
		if _, err := w.svc.EnrollLearner(ctx, "north", domain.EnrollLearner{Meta: domain.Meta{Actor: admin}, LearnerID: id, Cohort: "grade-6"}); err != nil {
			t.Fatal(err)
		}
		learners = append(learners, id)
	}
	var evidence []struct {
		learner string
		id      uuid.UUID
	}
	goals := map[string][]string{}
	plans := map[string][]string{}
	requests := map[string][]uuid.UUID{} // "learner standard" → request ids
	for i := range n {
		w.advance(time.Duration(1+rng.IntN(120)) * time.Minute)
		// Each learner works on one standard at a time, so that cycles get
		// as far as agreements and attempts.
		li := rng.IntN(len(learners))
		l := learners[li]
		std := standards[(li+i/40)%len(standards)]
		m := domain.Meta{Actor: teacher}
		if rng.IntN(4) == 0 {
			m.OccurredAt = w.clock().Add(-time.Duration(rng.IntN(48)) * time.Hour)
		}
		var err error
		var rec domain.RecordedEvent
		switch k := rng.IntN(100); {
		case k < 40:
			rec, err = w.svc.RecordEvidence(ctx, l, domain.RecordEvidence{Meta: m, StandardID: std, ComponentID: fmt.Sprintf("c%d", 1+rng.IntN(3)), Level: lvl(2 + rng.IntN(3)), Source: []domain.Source{"teacher", "peer", "self", "technology"}[rng.IntN(4)]}, nil)
			if err == nil {
				evidence = append(evidence, struct {
					learner string
					id      uuid.UUID
				}{l, rec.ID})
			}
		case k < 47 && len(evidence) > 0:
			e := evidence[rng.IntN(len(evidence))]
			_, err = w.svc.RetractEvidence(ctx, e.learner, domain.RetractEvidence{Meta: m, EvidenceID: e.id, Reason: "wrong rubric"}, nil)
		case k < 52:
			_, err = w.svc.RecordPreAssessment(ctx, l, domain.RecordPreAssessment{Meta: m, StandardID: std, Demonstrated: []string{"c1"}}, nil)
		case k < 60:
			// Half the agreements name the learner's latest request on
			// the standard, which may be closed already: then refused.
			c := domain.AgreeReadiness{Meta: m, StandardID: std, LearnerConfirmed: true}
			if r := requests[l+" "+std]; len(r) > 0 && rng.IntN(2) == 0 {
				c.RequestID = r[len(r)-1]
			}
			_, err = w.svc.AgreeReadiness(ctx, l, c, nil)
		case k < 65 && len(evidence) > 0:
			// Evidence of any learner and standard: citing another's is
			// refused, as it must be.
			e := evidence[rng.IntN(len(evidence))]
			rec, err = w.svc.RequestReadiness(ctx, l, domain.RequestReadiness{Meta: m, StandardID: std, EvidenceIDs: []uuid.UUID{e.id}}, nil)
			if err == nil {
				requests[l+" "+std] = append(requests[l+" "+std], rec.ID)
			}
		case k < 78:
			_, err = w.svc.RecordSummativeAttempt(ctx, l, domain.RecordSummativeAttempt{Meta: m, StandardID: std, Level: lvl(2 + rng.IntN(3))}, nil)
		case k < 84:
			g := fmt.Sprintf("g%d", i)
			_, err = w.svc.SetGoal(ctx, l, domain.SetGoal{Meta: m, GoalID: g, Specific: "s", Measurable: "m", Achievable: "a", Relevant: "r", TargetDate: "2026-12-01", Evaluate: "e", Review: "r", StandardIDs: []string{std}}, nil)
			if err == nil {
				goals[l] = append(goals[l], g)
			}
		case k < 90 && len(goals[l]) > 0:
			p := fmt.Sprintf("p%d", i)
			_, err = w.svc.DraftPlan(ctx, l, domain.DraftPlan{Meta: m, PlanID: p, GoalID: goals[l][rng.IntN(len(goals[l]))], Plan: "p", Learn: "l", Check: "c", Adjust: "a"}, nil)
			if err == nil {
				plans[l] = append(plans[l], p)
			}
		case k < 96 && len(plans[l]) > 0:
			_, err = w.svc.AdjustPlan(ctx, l, domain.AdjustPlan{Meta: m, PlanID: plans[l][rng.IntN(len(plans[l]))], Change: "more practice", Reason: "not yet"}, nil)
		default:
			_, err = w.svc.GiveFeedback(ctx, l, domain.GiveFeedback{Meta: m, StandardID: std, EvidenceIDs: []uuid.UUID{}, Strengths: "s", NextSteps: "n", Causes: "c"}, nil)
		}
		var rule *domain.RuleError
		if err != nil && !errors.As(err, &rule) {
			t.Fatalf("command %d: %v", i, err)
		}
	}
	return learners, standards
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// foldLearner is the reference: the learner's stream folded directly, up to
// asOf when given, against the standards folded the same way.
func foldLearner(t *testing.T, store domain.EventStore, learner string, standards []string, asOf *time.Time) []domain.Mastery {
	t.Helper()
	ctx := t.Context()
	fold := func(stream string, apply func(domain.RecordedEvent) error) {
		evs, err := store.ReadStream(ctx, stream, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if asOf != nil && e.RecordedAt.After(*asOf) {
				return
			}
			if err := apply(e); err != nil {
				t.Fatal(err)
			}
		}
	}
	l := &domain.LearnerState{}
	fold(domain.LearnerStream(learner), l.Apply)
	out := []domain.Mastery{}
	for _, id := range standards {
		s := &domain.StandardState{}
		fold(domain.StandardStream(id), s.Apply)
		if s.Published() && !(s.Retired && l.Progress(id) == nil) {
			out = append(out, l.Mastery(s))
		}
	}
	return out
}

// The property: for random valid histories, the view that followed the
// live feed, a view rebuilt from position 0, and a direct fold of each
// learner's stream agree — now and as of random moments in the past.
func TestIncrementalEqualsRebuildEqualsFold(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 42))
			w := newWorld(t)
			start := w.clock()
			learners, standards := randomHistory(t, w, rng, 200)
			end := w.clock()
			w.caughtUp(t)

			rebuilt := projections.NewView(w.store)
			last, err := projections.Rebuild(t.Context(), w.store, rebuilt)
			if err != nil {
				t.Fatal(err)
			}
			if last != w.store.LastPosition() {
				t.Fatalf("rebuild reached %d, store holds %d", last, w.store.LastPosition())
			}
			met := 0
			for _, l := range learners {
				live, err := w.view.Mastery(t.Context(), l, nil)
				if err != nil {
					t.Fatal(err)
				}
				again, err := rebuilt.Mastery(t.Context(), l, nil)
				if err != nil {
					t.Fatal(err)
				}
				want := asJSON(t, projections.LearnerMastery{LearnerID: l, Standards: foldLearner(t, w.store, l, standards, nil)})
				if got := asJSON(t, live); got != want {
					t.Fatalf("learner %s: live view\n%s\nfold\n%s", l, got, want)
				}
				if got := asJSON(t, again); got != want {
					t.Fatalf("learner %s: rebuilt view\n%s\nfold\n%s", l, got, want)
				}
				lt, _ := w.view.Transcript(l)
				rt, _ := rebuilt.Transcript(l)
				if asJSON(t, lt) != asJSON(t, rt) {
					t.Fatalf("learner %s: transcripts differ:\n%s\n%s", l, asJSON(t, lt), asJSON(t, rt))
				}
				met += len(lt.Standards)
				for range 5 {
					asOf := start.Add(time.Duration(rng.Int64N(int64(end.Sub(start)))))
					got, err := w.view.Mastery(t.Context(), l, &asOf)
					if err != nil {
						t.Fatal(err)
					}
					want := asJSON(t, projections.LearnerMastery{LearnerID: l, Standards: foldLearner(t, w.store, l, standards, &asOf)})
					if asJSON(t, got) != want {
						t.Fatalf("learner %s as of %s:\nview %s\nfold %s", l, asOf, asJSON(t, got), want)
					}
				}
			}
			t.Logf("%d events, %d standards met", last, met)
		})
	}
}
