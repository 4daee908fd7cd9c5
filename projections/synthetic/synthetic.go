// Package synthetic writes realistic, valid learner histories into a store,
// fast, for benchmarks and load tests: standards, one school, and learners
// who go through improvement cycles (evidence from every source, goals and
// plans, agreements, not-yet attempts followed by plan adjustments, met
// standards; with Options.NeverMet and Options.Late, also standards never
// met and standards met only on a second goal). A second Populate on the
// same store adds another school whose learners share the standards already
// published. Every event is decided by the domain's own decisions, so the
// histories are ones the ledger could hold.
package synthetic

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
)

// Options shape a population. Zero fields take the defaults.
type Options struct {
	Learners         int    // default 100
	EventsPerLearner int    // about this many events per learner; default 100
	Standards        int    // default 4, three components each
	School           string // default "north"
	SchoolName       string // default "North Middle School"
	// FirstLearner numbers the learners from here, so that a second
	// population (another school) in the same store takes other ids.
	FirstLearner int
	Seed         uint64    // the same seed gives the same histories
	Start        time.Time // occurredAt of the first event; default 2026-09-01
	Concurrency  int       // appenders in parallel; default 16
	// NeverMet is the share, 0 to 1, of each learner's standards that the
	// learner never meets: a goal, a plan and evidence mostly below
	// proficient, then practice, and never an agreement. Late is the share
	// met only on the learner's second visit to the standard, after a first
	// round of evidence below proficient and a plan adjustment. The rest
	// are met on the first visit. Zero for both (the default) meets every
	// standard on its first visit; research needs both outcomes, or the
	// agreement between a policy and the official rule says nothing.
	NeverMet, Late float64
}

// Stats is what a population holds.
type Stats struct {
	Events   int
	Learners []string
	Standard []string
}

var (
	admin   = domain.Actor{Role: domain.RoleAdmin, Name: "Office"}
	teacher = domain.Actor{Role: domain.RoleTeacher, Name: "Ms Rivera"}
)

// Populate writes the standards, the school and every learner's history to
// store. Each learner's history is one append, so a population of a million
// events takes a few thousand group commits.
func Populate(ctx context.Context, store domain.EventStore, o Options) (Stats, error) {
	if o.Learners <= 0 {
		o.Learners = 100
	}
	if o.EventsPerLearner <= 0 {
		o.EventsPerLearner = 100
	}
	if o.Standards <= 0 {
		o.Standards = 4
	}
	if o.School == "" {
		o.School = "north"
	}
	if o.SchoolName == "" {
		o.SchoolName = "North Middle School"
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if !(o.NeverMet >= 0 && o.Late >= 0 && o.NeverMet+o.Late <= 1) {
		return Stats{}, fmt.Errorf("synthetic: NeverMet %g and Late %g must be shares that add up to at most 1", o.NeverMet, o.Late)
	}
	var st Stats
	stds := make([]*domain.StandardState, o.Standards)
	for i := range stds {
		id := fmt.Sprintf("std-%d", i)
		// A population added to a store that holds the standards decides
		// against them as stored.
		prior, err := store.ReadStream(ctx, domain.StandardStream(id), 0, 0)
		if err != nil {
			return st, err
		}
		if len(prior) > 0 {
			stds[i] = &domain.StandardState{}
			for _, rec := range prior {
				if err := stds[i].Apply(rec); err != nil {
					return st, err
				}
			}
			st.Standard = append(st.Standard, id)
			continue
		}
		st.Events++
		c := domain.PublishStandard{Meta: domain.Meta{Actor: admin}, StandardID: id, Framework: "CCSS-M", Code: fmt.Sprintf("6.RP.A.%d", i+1),
			Title: fmt.Sprintf("Ratios %d", i+1), Statement: "Understand ratio concepts and use ratio language.",
			Components: []domain.Component{{ID: "c1", Statement: "Describe a ratio"}, {ID: "c2", Statement: "Use ratio language"}, {ID: "c3", Statement: "Solve ratio problems"}}}
		ev, err := c.Decide(o.Start)
		if err != nil {
			return st, err
		}
		rec, err := appendOne(ctx, store, domain.StandardStream(id), c.Meta, ev, o.Start)
		if err != nil {
			return st, err
		}
		stds[i] = &domain.StandardState{}
		if err := stds[i].Apply(rec); err != nil {
			return st, err
		}
		st.Standard = append(st.Standard, id)
	}
	reg := domain.RegisterSchool{Meta: domain.Meta{Actor: admin}, SchoolID: o.School, Name: o.SchoolName}
	ev, err := reg.Decide(o.Start)
	if err != nil {
		return st, err
	}
	if _, err := appendOne(ctx, store, domain.SchoolStream(o.School), reg.Meta, ev, o.Start); err != nil {
		return st, err
	}
	st.Events++

	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		next     = make(chan int)
	)
	for range o.Concurrency {
		wg.Go(func() {
			for i := range next {
				id := fmt.Sprintf("l-%05d", o.FirstLearner+i)
				evs, err := history(id, o, stds, rand.New(rand.NewPCG(o.Seed, uint64(o.FirstLearner+i))))
				if err == nil {
					_, err = store.Append(ctx, domain.LearnerStream(id), domain.NoStream{}, evs...)
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("learner %s: %w", id, err)
				}
				st.Events += len(evs)
				st.Learners = append(st.Learners, id)
				mu.Unlock()
			}
		})
	}
	for i := range o.Learners {
		next <- i
	}
	close(next)
	wg.Wait()
	return st, firstErr
}

func appendOne(ctx context.Context, store domain.EventStore, stream string, m domain.Meta, ev domain.Event, at time.Time) (domain.RecordedEvent, error) {
	m.EventID, m.OccurredAt = uuid.New(), at
	data, err := domain.NewEventData(m, ev)
	if err != nil {
		return domain.RecordedEvent{}, err
	}
	recs, err := store.Append(ctx, stream, domain.NoStream{}, data)
	if err != nil {
		return domain.RecordedEvent{}, err
	}
	return recs[0], nil
}

// learnerHistory decides one learner's events against a local fold.
type learnerHistory struct {
	id    string
	state domain.LearnerState
	rng   *rand.Rand
	at    time.Time
	out   []domain.EventData
}

// record decides nothing itself: it packs an event decided elsewhere, folds
// it locally so the next decision sees it, and returns its id.
func (h *learnerHistory) record(actor domain.Actor, ev domain.Event, err error) (uuid.UUID, error) {
	if err != nil {
		return uuid.Nil, err
	}
	h.at = h.at.Add(time.Duration(30+h.rng.IntN(600)) * time.Minute)
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], h.rng.Uint64())
	binary.BigEndian.PutUint64(raw[8:], h.rng.Uint64())
	id, _ := uuid.FromBytes(raw[:])
	id[6] = (id[6] & 0x0f) | 0x40 // version 4
	id[8] = (id[8] & 0x3f) | 0x80 // RFC 4122 variant
	data, err := domain.NewEventData(domain.Meta{EventID: id, OccurredAt: h.at, Actor: actor}, ev)
	if err != nil {
		return uuid.Nil, err
	}
	rec := domain.RecordedEvent{ID: id, Type: data.Type, Stream: domain.LearnerStream(h.id), Revision: uint64(len(h.out)),
		OccurredAt: h.at, RecordedAt: h.at, Actor: actor, Data: data.Data}
	if err := h.state.Apply(rec); err != nil {
		return uuid.Nil, err
	}
	h.out = append(h.out, data)
	return id, nil
}

var sources = []domain.Source{"technology", "peer", "teacher", "expert", "authentic-audience", "self"}

// outcome is how a learner's history with one standard goes.
type outcome int

const (
	metFirstVisit outcome = iota
	metLate
	neverMet
)

// outcome draws a pair's outcome. With both shares zero it draws nothing,
// so a population made without them is the same, event for event, as one
// made before they existed.
func (o Options) outcome(rng *rand.Rand) outcome {
	if o.NeverMet == 0 && o.Late == 0 {
		return metFirstVisit
	}
	switch u := rng.Float64(); {
	case u < o.NeverMet:
		return neverMet
	case u < o.NeverMet+o.Late:
		return metLate
	}
	return metFirstVisit
}

var components = []string{"c1", "c2", "c3"}

// evidence records one score by a source chosen at random (a learner's own
// for self-assessment).
func (h *learnerHistory) evidence(std *domain.StandardState, comp string, lvl int, at time.Time) error {
	src := sources[h.rng.IntN(len(sources))]
	actor := teacher
	if src == "self" {
		actor = domain.Actor{Role: domain.RoleLearner, Name: h.id}
	}
	c := domain.RecordEvidence{Meta: domain.Meta{Actor: actor, OccurredAt: at}, StandardID: std.ID, ComponentID: comp, Level: &lvl, Source: src}
	ev, err := c.Decide(&h.state, std, at)
	_, err = h.record(actor, ev, err)
	return err
}

func history(id string, o Options, stds []*domain.StandardState, rng *rand.Rand) ([]domain.EventData, error) {
	h := &learnerHistory{id: id, rng: rng, at: o.Start.Add(time.Duration(rng.IntN(24*60)) * time.Minute)}
	meta := func(a domain.Actor) domain.Meta { return domain.Meta{Actor: a, OccurredAt: h.at} }
	enroll := domain.EnrollLearner{Meta: meta(admin), LearnerID: id, Cohort: fmt.Sprintf("grade-%d", 6+rng.IntN(2))}
	school := &domain.SchoolState{ID: o.School, Name: o.SchoolName, Version: 1}
	ev, err := enroll.Decide(school, h.at)
	if _, err := h.record(admin, ev, err); err != nil {
		return nil, err
	}
	level := func(n int) *int { return &n }
	outcomes := make(map[string]outcome, len(stds))
	visits := make(map[string]int, len(stds))
	ceilings := make(map[string]int, len(stds)) // a never-met pair's highest practice score
	for cycle := 0; len(h.out) < o.EventsPerLearner; cycle++ {
		std := stds[cycle%len(stds)]
		out, seen := outcomes[std.ID]
		if !seen {
			out = o.outcome(rng)
			outcomes[std.ID] = out
			if out == neverMet {
				ceilings[std.ID] = 2 + rng.IntN(2)
			}
		}
		visits[std.ID]++
		if out == neverMet && visits[std.ID] > 1 {
			// Practice that never gets there: one score, from 1 up to the
			// pair's ceiling. Half the pairs reach proficient now and then,
			// so that a lenient policy (highest) calls mastered what the
			// official rule never met; the other half never score above 2.
			if err := h.evidence(std, components[rng.IntN(len(components))], 1+rng.IntN(ceilings[std.ID]), h.at); err != nil {
				return nil, err
			}
			continue
		}
		if p := h.state.Progress(std.ID); p != nil && p.Met != nil {
			// Met standards stay met: keep adding evidence, as schools do.
			c := domain.RecordEvidence{Meta: meta(teacher), StandardID: std.ID, ComponentID: "c1", Level: level(4), Source: "teacher"}
			ev, err := c.Decide(&h.state, std, h.at)
			if _, err := h.record(teacher, ev, err); err != nil {
				return nil, err
			}
			continue
		}
		goal := fmt.Sprintf("g%d", cycle)
		g := domain.SetGoal{Meta: meta(teacher), GoalID: goal, Specific: "Solve ratio word problems", Measurable: "3 of 3 correct", Achievable: "with tape diagrams",
			Relevant: "science lab", TargetDate: "2026-12-01", Evaluate: "weekly check", Review: "after the summative", StandardIDs: []string{std.ID}}
		gev, err := g.Decide(&h.state, map[string]*domain.StandardState{std.ID: std}, h.at)
		if _, err := h.record(teacher, gev, err); err != nil {
			return nil, err
		}
		plan := fmt.Sprintf("p%d", cycle)
		pl := domain.DraftPlan{Meta: meta(teacher), PlanID: plan, GoalID: goal, Plan: "unit 3", Learn: "practice set", Check: "rubric row 3", Adjust: "peer tutor"}
		pev, err := pl.Decide(&h.state, h.at)
		if _, err := h.record(teacher, pev, err); err != nil {
			return nil, err
		}
		if out == neverMet || (out == metLate && visits[std.ID] == 1) {
			// Not ready: evidence below proficient on every component, no
			// agreement, and the plan changes.
			for _, comp := range components {
				for range 1 + rng.IntN(2) {
					if err := h.evidence(std, comp, 1+rng.IntN(2), h.at); err != nil {
						return nil, err
					}
				}
			}
			adj := domain.AdjustPlan{Meta: meta(teacher), PlanID: plan, Change: "reteach with worked examples", Reason: "the evidence is not yet at proficient"}
			jev, err := adj.Decide(&h.state, h.at)
			if _, err := h.record(teacher, jev, err); err != nil {
				return nil, err
			}
			continue
		}
		for _, comp := range components {
			for range 1 + rng.IntN(3) {
				src := sources[rng.IntN(len(sources))]
				actor := teacher
				if src == "self" {
					actor = domain.Actor{Role: domain.RoleLearner, Name: id}
				}
				c := domain.RecordEvidence{Meta: meta(actor), StandardID: std.ID, ComponentID: comp, Level: level(2 + rng.IntN(3)), Source: src}
				ev, err := c.Decide(&h.state, std, h.at)
				if _, err := h.record(actor, ev, err); err != nil {
					return nil, err
				}
			}
			// Make sure the component is covered before the agreement.
			c := domain.RecordEvidence{Meta: meta(teacher), StandardID: std.ID, ComponentID: comp, Level: level(3), Source: "teacher"}
			ev, err := c.Decide(&h.state, std, h.at)
			if _, err := h.record(teacher, ev, err); err != nil {
				return nil, err
			}
		}
		for attempt := 0; ; attempt++ {
			a := domain.AgreeReadiness{Meta: meta(teacher), StandardID: std.ID, LearnerConfirmed: true}
			aev, err := a.Decide(&h.state, std, h.at)
			if _, err := h.record(teacher, aev, err); err != nil {
				return nil, err
			}
			lvl := 3 + rng.IntN(2)
			if attempt == 0 && rng.IntN(3) == 0 {
				lvl = 2 // not yet
			}
			s := domain.RecordSummativeAttempt{Meta: meta(teacher), StandardID: std.ID, Level: level(lvl)}
			sev, err := s.Decide(&h.state, std, h.at)
			if _, err := h.record(teacher, sev, err); err != nil {
				return nil, err
			}
			if lvl >= std.Scale.Proficient {
				break
			}
			adj := domain.AdjustPlan{Meta: meta(teacher), PlanID: plan, Change: "peer tutoring twice a week", Reason: "the summative did not meet"}
			jev, err := adj.Decide(&h.state, h.at)
			if _, err := h.record(teacher, jev, err); err != nil {
				return nil, err
			}
		}
	}
	return h.out, nil
}
