package service_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
)

var (
	admin   = domain.Actor{Role: domain.RoleAdmin, Name: "Office"}
	teacher = domain.Actor{Role: domain.RoleTeacher, Name: "Ms Rivera"}
	learner = domain.Actor{Role: domain.RoleLearner, Name: "l-0001"}
	t0      = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
)

// fixture is a service on a fresh embedded store with a clock that moves
// only when told.
type fixture struct {
	store *sqlite.Store
	svc   *service.Service
	mu    sync.Mutex
	now   time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{now: t0}
	store, err := sqlite.Open(context.Background(), t.TempDir(), &sqlite.Options{Now: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f.store = store
	f.svc = service.New(store, &service.Options{Now: f.clock})
	return f
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// must fails the test on a refused command: must(t)(svc.X(...)).
func must(t *testing.T) func(domain.RecordedEvent, error) domain.RecordedEvent {
	return func(rec domain.RecordedEvent, err error) domain.RecordedEvent {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
}

func meta(a domain.Actor) domain.Meta { return domain.Meta{Actor: a} }

func level(n int) *int { return &n }

// school publishes a two-component standard, registers a school and enrolls
// learner l-0001.
func (f *fixture) school(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	must(t)(f.svc.PublishStandard(ctx, domain.PublishStandard{Meta: meta(admin), StandardID: "math-6-rp-1", Framework: "CCSS-M", Code: "6.RP.A.1",
		Title: "Ratios", Statement: "Understand ratio concepts and use ratio language.",
		Components: []domain.Component{{ID: "c1", Statement: "Describe a ratio"}, {ID: "c2", Statement: "Use ratio language"}}}))
	must(t)(f.svc.RegisterSchool(ctx, domain.RegisterSchool{Meta: meta(admin), SchoolID: "north", Name: "North Middle School"}))
	must(t)(f.svc.EnrollLearner(ctx, "north", domain.EnrollLearner{Meta: meta(admin), LearnerID: "l-0001", Cohort: "grade-6"}))
}

func (f *fixture) evidence(t *testing.T, component string, lvl int) domain.RecordedEvent {
	t.Helper()
	return must(t)(f.svc.RecordEvidence(t.Context(), "l-0001", domain.RecordEvidence{Meta: meta(teacher), StandardID: "math-6-rp-1",
		ComponentID: component, Level: level(lvl), Source: domain.Source("teacher")}, nil))
}

func TestCreatingAnExistingIDIsAConflict(t *testing.T) {
	f := newFixture(t)
	f.school(t)
	ctx := t.Context()
	_, err := f.svc.RegisterSchool(ctx, domain.RegisterSchool{Meta: meta(admin), SchoolID: "north", Name: "Other"})
	if !errors.Is(err, domain.ErrConflict) {
		t.Errorf("register an existing school: got %v, want ErrConflict", err)
	}
	_, err = f.svc.EnrollLearner(ctx, "north", domain.EnrollLearner{Meta: meta(admin), LearnerID: "l-0001", Cohort: "grade-7"})
	if !errors.Is(err, domain.ErrConflict) {
		t.Errorf("enroll an enrolled learner: got %v, want ErrConflict", err)
	}
	_, err = f.svc.EnrollLearner(ctx, "south", domain.EnrollLearner{Meta: meta(admin), LearnerID: "l-0002", Cohort: "grade-7"})
	if !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("enroll at an unknown school: got %v, want ErrNotFound", err)
	}
}

func TestRetriedCommandAnswersTheOriginal(t *testing.T) {
	f := newFixture(t)
	f.school(t)
	ctx := t.Context()
	id := uuid.New()
	cmd := domain.RecordEvidence{Meta: domain.Meta{EventID: id, Actor: teacher}, StandardID: "math-6-rp-1", ComponentID: "c1", Level: level(3), Source: "teacher"}
	first := must(t)(f.svc.RecordEvidence(ctx, "l-0001", cmd, nil))
	f.evidence(t, "c2", 2) // the record moves on
	f.advance(time.Hour)
	again := must(t)(f.svc.RecordEvidence(ctx, "l-0001", cmd, nil))
	if again.ID != first.ID || again.Position != first.Position || again.Hash != first.Hash {
		t.Fatalf("retry answered %+v, want the original %+v", again, first)
	}
	evs, _ := f.store.ReadStream(ctx, domain.LearnerStream("l-0001"), 0, 0)
	if len(evs) != 3 {
		t.Fatalf("stream holds %d events after a retry, want 3", len(evs))
	}

	// The same id for another command is refused.
	other := cmd
	other.Level = level(4)
	_, err := f.svc.RecordEvidence(ctx, "l-0001", other, nil)
	var idErr *domain.EventIDConflictError
	if !errors.As(err, &idErr) {
		t.Fatalf("same id, other content: got %v, want EventIDConflictError", err)
	}

	// A retried agreement is answered, not refused as "agreement open".
	f.evidence(t, "c2", 3)
	agree := domain.AgreeReadiness{Meta: domain.Meta{EventID: uuid.New(), Actor: teacher}, StandardID: "math-6-rp-1", LearnerConfirmed: true}
	a1 := must(t)(f.svc.AgreeReadiness(ctx, "l-0001", agree, nil))
	a2 := must(t)(f.svc.AgreeReadiness(ctx, "l-0001", agree, nil))
	if a1.ID != a2.ID || a1.Position != a2.Position {
		t.Fatalf("retried agreement answered %v, want %v", a2.Position, a1.Position)
	}
}

func TestIfMatchGuardsTheStream(t *testing.T) {
	f := newFixture(t)
	f.school(t)
	ctx := t.Context()
	rec := f.evidence(t, "c1", 3)
	stale := rec.Revision - 1
	_, err := f.svc.RecordEvidence(ctx, "l-0001", domain.RecordEvidence{Meta: meta(teacher), StandardID: "math-6-rp-1", ComponentID: "c2", Level: level(3), Source: "teacher"}, &stale)
	var wrong *domain.WrongExpectedRevisionError
	if !errors.As(err, &wrong) || wrong.Actual != int64(rec.Revision) {
		t.Fatalf("stale If-Match: got %v, want WrongExpectedRevisionError with actual %d", err, rec.Revision)
	}
	// If-Match on a learner who does not exist is a 404, not a stale 409.
	zero := uint64(0)
	_, err = f.svc.RecordEvidence(ctx, "l-9999", domain.RecordEvidence{Meta: meta(teacher), StandardID: "math-6-rp-1", ComponentID: "c2", Level: level(3), Source: "teacher"}, &zero)
	if !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("If-Match on an unknown learner: got %v, want ErrNotFound", err)
	}
	current := rec.Revision
	next := must(t)(f.svc.RecordEvidence(ctx, "l-0001", domain.RecordEvidence{Meta: meta(teacher), StandardID: "math-6-rp-1", ComponentID: "c2", Level: level(3), Source: "teacher"}, &current))
	if next.Revision != current+1 {
		t.Fatalf("revision %d, want %d", next.Revision, current+1)
	}
}

// Two valid concurrent commands on one learner both succeed; contention
// alone is never an error.
func TestConcurrentCommandsOnOneLearnerAllSucceed(t *testing.T) {
	f := newFixture(t)
	f.school(t)
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			comp := []string{"c1", "c2"}[i%2]
			_, err := f.svc.RecordEvidence(context.Background(), "l-0001", domain.RecordEvidence{Meta: meta(teacher), StandardID: "math-6-rp-1", ComponentID: comp, Level: level(2), Source: "peer"}, nil)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent evidence: %v", err)
		}
	}
	evs, err := f.store.ReadStream(t.Context(), domain.LearnerStream("l-0001"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != n+1 {
		t.Fatalf("stream holds %d events, want %d", len(evs), n+1)
	}
}

// Two services (as on two nodes) race two summative attempts for one
// agreement: exactly one is recorded, the other is refused by the rule.
func TestRacingAttemptsConsumeOneAgreementOnce(t *testing.T) {
	f := newFixture(t)
	f.school(t)
	ctx := t.Context()
	f.evidence(t, "c1", 3)
	f.evidence(t, "c2", 3)
	must(t)(f.svc.AgreeReadiness(ctx, "l-0001", domain.AgreeReadiness{Meta: meta(teacher), StandardID: "math-6-rp-1", LearnerConfirmed: true}, nil))

	nodes := []*service.Service{f.svc, service.New(f.store, &service.Options{Now: f.clock})}
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i, svc := range nodes {
		wg.Go(func() {
			_, errs[i] = svc.RecordSummativeAttempt(context.Background(), "l-0001", domain.RecordSummativeAttempt{Meta: meta(teacher), StandardID: "math-6-rp-1", Level: level(2)}, nil)
		})
	}
	wg.Wait()
	ok, refused := 0, 0
	for _, err := range errs {
		var rule *domain.RuleError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &rule):
			refused++
		default:
			t.Fatalf("racing attempt: unexpected error %v", err)
		}
	}
	if ok != 1 || refused != 1 {
		t.Fatalf("racing attempts: %d recorded and %d refused, want 1 and 1 (%v)", ok, refused, errs)
	}
}

func TestRefusedCommandWritesNothing(t *testing.T) {
	f := newFixture(t)
	f.school(t)
	before := f.store.LastPosition()
	evidence := func(learner, component string, lvl *int) error {
		_, err := f.svc.RecordEvidence(t.Context(), learner, domain.RecordEvidence{Meta: meta(teacher), StandardID: "math-6-rp-1", ComponentID: component, Level: lvl, Source: "teacher"}, nil)
		return err
	}
	cases := []struct {
		name string
		run  func() error
		want error
	}{
		{"premature agreement", func() error {
			_, err := f.svc.AgreeReadiness(t.Context(), "l-0001", domain.AgreeReadiness{Meta: meta(teacher), StandardID: "math-6-rp-1", LearnerConfirmed: true}, nil)
			return err
		}, domain.ErrRuleBroken},
		{"unknown component", func() error { return evidence("l-0001", "c9", level(3)) }, domain.ErrRuleBroken},
		{"missing level", func() error { return evidence("l-0001", "c1", nil) }, domain.ErrInvalid},
		{"unknown learner", func() error { return evidence("l-9999", "c1", level(3)) }, domain.ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.run(); !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
			if after := f.store.LastPosition(); after != before {
				t.Fatalf("a refused command moved the log from %d to %d", before, after)
			}
		})
	}
}

// A service trusts its cached state without reading the store, but never
// refuses on it: here node B's cache misses node A's evidence, and B's
// agreement, refused on the cached state, is decided again on the caught-up
// state and recorded.
func TestRefusalIsNeverDecidedOnAStaleCache(t *testing.T) {
	f := newFixture(t)
	f.school(t)
	ctx := t.Context()
	a, b := f.svc, service.New(f.store, &service.Options{Now: f.clock})
	must(t)(b.RecordEvidence(ctx, "l-0001", domain.RecordEvidence{Meta: meta(teacher), StandardID: "math-6-rp-1", ComponentID: "c1", Level: level(3), Source: "teacher"}, nil))
	must(t)(a.RecordEvidence(ctx, "l-0001", domain.RecordEvidence{Meta: meta(teacher), StandardID: "math-6-rp-1", ComponentID: "c2", Level: level(3), Source: "teacher"}, nil))
	rec := must(t)(b.AgreeReadiness(ctx, "l-0001", domain.AgreeReadiness{Meta: meta(teacher), StandardID: "math-6-rp-1", LearnerConfirmed: true}, nil))
	if rec.Revision != 3 {
		t.Fatalf("agreement at revision %d, want 3 (after both pieces of evidence)", rec.Revision)
	}
	// And a stale If-Match is judged on the caught-up stream.
	cur := rec.Revision
	must(t)(a.RecordEvidence(ctx, "l-0001", domain.RecordEvidence{Meta: meta(teacher), StandardID: "math-6-rp-1", ComponentID: "c1", Level: level(4), Source: "peer"}, &cur))
}

// TestAStandardChangedElsewhereIsSeen: service a has the standard cached;
// service b, over the same store, retires it; a's next evidence on it is
// refused, though a asked the store no query about the standard's stream
// when it had not changed.
func TestAStandardChangedElsewhereIsSeen(t *testing.T) {
	f := newFixture(t)
	f.school(t)
	ctx := t.Context()
	a, b := f.svc, service.New(f.store, &service.Options{Now: f.clock})
	f.evidence(t, "c1", 2) // a caches the standard
	if v, ok := f.store.StreamVersion(domain.StandardStream("math-6-rp-1")); !ok || v != 1 {
		t.Fatalf("the store knows the standard's version as %d, %v; want 1, true", v, ok)
	}
	must(t)(b.RetireStandard(ctx, "math-6-rp-1", domain.RetireStandard{Meta: meta(admin), Reason: "replaced"}, nil))
	_, err := a.RecordEvidence(ctx, "l-0001", domain.RecordEvidence{Meta: meta(teacher), StandardID: "math-6-rp-1", ComponentID: "c2", Level: level(3), Source: "teacher"}, nil)
	var rule *domain.RuleError
	if !errors.As(err, &rule) || rule.Rule != domain.RuleStandardRetired {
		t.Fatalf("evidence on a standard retired by another service: %v, want %s", err, domain.RuleStandardRetired)
	}
}
