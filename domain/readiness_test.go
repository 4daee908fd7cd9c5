package domain

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"
)

func requestCmd(m Meta, evidence ...uuid.UUID) RequestReadiness {
	return RequestReadiness{Meta: m, StandardID: stdID, EvidenceIDs: evidence}
}

// openRequestIDs lists the ids of the open requests the mastery view shows.
func openRequestIDs(f *fixture) []uuid.UUID {
	var ids []uuid.UUID
	for _, r := range f.mastery().OpenRequests {
		ids = append(ids, r.ID)
	}
	return ids
}

// The learner's request to be assessed: who may make it, on what, citing
// what.
func TestReadinessRequest(t *testing.T) {
	runRuleCases(t, []string{"c1", "c2"}, []ruleCase{
		{
			name:  "the learner asks, citing current evidence of the standard",
			setup: func(f *fixture) { f.evidence("c1", 3); f.evidenceBy(learnerAct, "c2", 3, SourceSelf) },
			decide: func(f *fixture, m Meta) (Event, error) {
				m.Actor = learnerAct
				return requestCmd(m, uid(4), uid(5)).Decide(f.l, f.std, f.now)
			},
			check: func(t *testing.T, f *fixture, e Event) {
				assertEqual[Event](t, e, ReadinessRequested{StandardID: stdID, StandardRevision: 1, EvidenceIDs: []uuid.UUID{uid(4), uid(5)}})
				m := f.mastery()
				if len(m.OpenRequests) != 1 {
					t.Fatalf("open requests = %+v, want one", m.OpenRequests)
				}
				r := m.OpenRequests[0]
				last := f.events[len(f.events)-1]
				if r.ID != last.ID || !slices.Equal(r.EvidenceIDs, []uuid.UUID{uid(4), uid(5)}) ||
					r.StandardRevision != 1 || !r.OccurredAt.Equal(last.OccurredAt) || !r.RecordedAt.Equal(last.RecordedAt) {
					t.Errorf("open request = %+v", r)
				}
				if m.Status != StatusInProgress {
					t.Errorf("status = %s: a request is not an agreement", m.Status)
				}
			},
		},
		{
			name:  "a teacher asks on the learner's behalf",
			setup: func(f *fixture) { f.evidence("c1", 2) },
			decide: func(f *fixture, m Meta) (Event, error) {
				return requestCmd(m, uid(4)).Decide(f.l, f.std, f.now)
			},
			check: func(t *testing.T, f *fixture, _ Event) {
				if rs := f.mastery().OpenRequests; len(rs) != 1 || rs[0].RequestedBy != teacher {
					t.Errorf("open requests = %+v", rs)
				}
			},
		},
		{
			name: "a second request while one is open is allowed; both stay open",
			setup: func(f *fixture) {
				f.evidence("c1", 3)
				f.request(learnerAct, uid(4))
				f.evidence("c2", 3)
			},
			decide: func(f *fixture, m Meta) (Event, error) {
				m.Actor = learnerAct
				return requestCmd(m, uid(4), uid(6)).Decide(f.l, f.std, f.now)
			},
			check: func(t *testing.T, f *fixture, _ Event) {
				if got := openRequestIDs(f); !slices.Equal(got, []uuid.UUID{uid(5), f.events[len(f.events)-1].ID}) {
					t.Errorf("open requests = %v", got)
				}
			},
		},
		{
			name:  "an admin may not ask",
			setup: func(f *fixture) { f.evidence("c1", 3) },
			decide: func(f *fixture, m Meta) (Event, error) {
				m.Actor = admin
				return requestCmd(m, uid(4)).Decide(f.l, f.std, f.now)
			},
			rule: RuleRoleNotPermitted,
		},
		{
			name:  "an auditor may not ask",
			setup: func(f *fixture) { f.evidence("c1", 3) },
			decide: func(f *fixture, m Meta) (Event, error) {
				m.Actor = auditor
				return requestCmd(m, uid(4)).Decide(f.l, f.std, f.now)
			},
			rule: RuleRoleNotPermitted,
		},
		{
			name:  "a withdrawn learner",
			setup: func(f *fixture) { f.evidence("c1", 3); f.withdraw() },
			decide: func(f *fixture, m Meta) (Event, error) {
				return requestCmd(m, uid(4)).Decide(f.l, f.std, f.now)
			},
			rule: RuleLearnerWithdrawn,
		},
		{
			name:  "an unknown standard",
			setup: func(f *fixture) { f.evidence("c1", 3) },
			decide: func(f *fixture, m Meta) (Event, error) {
				c := requestCmd(m, uid(4))
				c.StandardID = "sci-7-1"
				return c.Decide(f.l, nil, f.now)
			},
			rule:  RuleUnknownStandard,
			parts: []string{`"sci-7-1"`},
		},
		{
			name:  "a retired standard",
			setup: func(f *fixture) { f.evidence("c1", 3); f.retire() },
			decide: func(f *fixture, m Meta) (Event, error) {
				return requestCmd(m, uid(4)).Decide(f.l, f.std, f.now)
			},
			rule:  RuleStandardRetired,
			parts: []string{stdID, "readiness requests"},
		},
		{
			name:  "after the standard is met",
			setup: func(f *fixture) { f.evidence("c1", 3); f.evidence("c2", 3); f.agree(); f.attempt(3) },
			decide: func(f *fixture, m Meta) (Event, error) {
				return requestCmd(m, uid(4)).Decide(f.l, f.std, f.now)
			},
			rule:  RuleAlreadyMet,
			parts: []string{stdID, uid(7).String()},
		},
		{
			name:  "while an agreement is open",
			setup: func(f *fixture) { f.evidence("c1", 3); f.evidence("c2", 3); f.agree() },
			decide: func(f *fixture, m Meta) (Event, error) {
				return requestCmd(m, uid(4)).Decide(f.l, f.std, f.now)
			},
			rule:  RuleAgreementOpen,
			parts: []string{uid(6).String()},
		},
		{
			name: "after a not-yet attempt, a new request is allowed",
			setup: func(f *fixture) {
				f.evidence("c1", 3)
				f.evidence("c2", 3)
				f.agree()
				f.attempt(2)
			},
			decide: func(f *fixture, m Meta) (Event, error) {
				return requestCmd(m, uid(4)).Decide(f.l, f.std, f.now)
			},
		},
		{
			name:  "evidence that is not in the record",
			setup: func(f *fixture) { f.evidence("c1", 3) },
			decide: func(f *fixture, m Meta) (Event, error) {
				return requestCmd(m, uid(4), uid(99)).Decide(f.l, f.std, f.now)
			},
			rule:  RuleUnknownEvidence,
			parts: []string{uid(99).String()},
		},
		{
			name:  "retracted evidence",
			setup: func(f *fixture) { f.evidence("c1", 3); f.retract(uid(4)) },
			decide: func(f *fixture, m Meta) (Event, error) {
				return requestCmd(m, uid(4)).Decide(f.l, f.std, f.now)
			},
			rule:  RuleEvidenceRetracted,
			parts: []string{uid(4).String(), uid(5).String()},
		},
		{
			name: "evidence of another standard",
			setup: func(f *fixture) {
				m := f.meta(teacher)
				f.appendLearner(m, EvidenceRecorded{StandardID: "sci-7-1", StandardRevision: 1, ComponentID: "c1", Level: 3, Source: SourceTeacher})
			},
			decide: func(f *fixture, m Meta) (Event, error) {
				return requestCmd(m, uid(4)).Decide(f.l, f.std, f.now)
			},
			rule:  RuleEvidenceOtherStandard,
			parts: []string{`"sci-7-1"`, `"` + stdID + `"`},
		},
	})
}

func TestReadinessRequestValidation(t *testing.T) {
	m := Meta{EventID: uid(1), OccurredAt: t0, Actor: learnerAct}
	wantFields(t, requestCmd(m).Validate(t0), "evidenceIds")
	wantFields(t, requestCmd(m, uid(3), uid(3)).Validate(t0), "evidenceIds[1]")
	wantFields(t, requestCmd(m, uuid.Nil).Validate(t0), "evidenceIds[0]")
	c := requestCmd(m, uid(3))
	c.StandardID = "not an id"
	wantFields(t, c.Validate(t0), "standardId")
	wantFields(t, requestCmd(m, uid(3)).Validate(t0))

	// The learner must be enrolled: the stream is the subject.
	f := newFixture(t, "c1")
	_, err := requestCmd(m, uid(3)).Decide(&LearnerState{}, f.std, t0)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("unenrolled learner: got %v, want ErrNotFound", err)
	}
}

// An agreement may name the request it answers; it closes every open
// request on its standard.
func TestAgreementAnswersRequest(t *testing.T) {
	covered := func(f *fixture) { f.evidence("c1", 3); f.evidence("c2", 3) }
	runRuleCases(t, []string{"c1", "c2"}, []ruleCase{
		{
			name: "naming the open request closes it and every other open one",
			setup: func(f *fixture) {
				covered(f)
				f.request(learnerAct, uid(4))
				f.request(learnerAct, uid(4), uid(5))
			},
			decide: func(f *fixture, m Meta) (Event, error) {
				c := agreeCmd(m)
				c.RequestID = uid(7)
				return c.Decide(f.l, f.std, f.now)
			},
			check: func(t *testing.T, f *fixture, e Event) {
				if got := e.(ReadinessAgreed).RequestID; got != uid(7) {
					t.Errorf("requestId = %s, want %s", got, uid(7))
				}
				m := f.mastery()
				if len(m.OpenRequests) != 0 || m.OpenRequests == nil {
					t.Errorf("open requests after the agreement = %#v, want an empty list", m.OpenRequests)
				}
				if m.OpenAgreement == nil || m.OpenAgreement.RequestID != uid(7) {
					t.Errorf("open agreement = %+v, want one answering %s", m.OpenAgreement, uid(7))
				}
				agreement := f.events[len(f.events)-1].ID
				for _, id := range []uuid.UUID{uid(6), uid(7)} {
					if r := f.l.Requests[id]; r.Open() || r.ClosedBy != agreement {
						t.Errorf("request %s closed by %s, want %s", id, r.ClosedBy, agreement)
					}
				}
			},
		},
		{
			name:  "an agreement that names no request closes the open ones too",
			setup: func(f *fixture) { covered(f); f.request(learnerAct, uid(4)) },
			decide: func(f *fixture, m Meta) (Event, error) {
				return agreeCmd(m).Decide(f.l, f.std, f.now)
			},
			check: func(t *testing.T, f *fixture, e Event) {
				if got := e.(ReadinessAgreed).RequestID; got != uuid.Nil {
					t.Errorf("requestId = %s, want none", got)
				}
				if got := openRequestIDs(f); len(got) != 0 {
					t.Errorf("open requests = %v, want none", got)
				}
			},
		},
		{
			name:  "an unknown request",
			setup: covered,
			decide: func(f *fixture, m Meta) (Event, error) {
				c := agreeCmd(m)
				c.RequestID = uid(99)
				return c.Decide(f.l, f.std, f.now)
			},
			rule:  RuleUnknownRequest,
			parts: []string{uid(99).String()},
		},
		{
			name: "a request on another standard",
			setup: func(f *fixture) {
				covered(f)
				m := f.meta(learnerAct)
				f.appendLearner(m, ReadinessRequested{StandardID: "sci-7-1", StandardRevision: 1, EvidenceIDs: []uuid.UUID{}})
			},
			decide: func(f *fixture, m Meta) (Event, error) {
				c := agreeCmd(m)
				c.RequestID = uid(6)
				return c.Decide(f.l, f.std, f.now)
			},
			rule:  RuleRequestOtherStandard,
			parts: []string{uid(6).String(), `"sci-7-1"`},
		},
		{
			name: "a request an earlier agreement answered",
			setup: func(f *fixture) {
				covered(f)
				f.request(learnerAct, uid(4))
				f.agreeTo(uid(6))
				f.attempt(2)
			},
			decide: func(f *fixture, m Meta) (Event, error) {
				c := agreeCmd(m)
				c.RequestID = uid(6)
				return c.Decide(f.l, f.std, f.now)
			},
			rule:  RuleRequestClosed,
			parts: []string{uid(6).String(), uid(7).String()},
		},
		{
			name: "naming a request does not lift the other rules",
			setup: func(f *fixture) {
				f.evidence("c1", 3)
				f.request(learnerAct, uid(4))
			},
			decide: func(f *fixture, m Meta) (Event, error) {
				c := agreeCmd(m)
				c.RequestID = uid(5)
				return c.Decide(f.l, f.std, f.now)
			},
			rule:    RuleMissingComponents,
			missing: []string{"c2"},
		},
	})
}

// The open requests follow the stream, so any prefix folds to the requests
// open then: the "as of" view.
func TestOpenRequestsAsOf(t *testing.T) {
	f := newFixture(t, "c1")
	f.evidence("c1", 3)                 // event 2
	r1 := f.request(learnerAct, uid(4)) // event 3
	f.agreeTo(r1)                       // event 4
	f.attempt(2)                        // event 5
	r2 := f.request(teacher, uid(4))    // event 6
	if rs := f.mastery().OpenRequests; len(rs) != 1 || rs[0].RequestedBy != teacher || f.l.Requests[r1].RequestedBy != learnerAct {
		t.Errorf("requested by: open %+v, first %+v", rs, f.l.Requests[r1])
	}
	for n, want := range map[int][]uuid.UUID{2: nil, 3: {r1}, 4: nil, 5: nil, 6: {r2}} {
		var got []uuid.UUID
		for _, r := range foldLearner(t, f.events[:n]).Mastery(f.std).OpenRequests {
			got = append(got, r.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("as of event %d: open requests %v, want %v", n, got, want)
		}
	}
	if got := f.l.StandardsOf(ReadinessRequested{StandardID: stdID}); !slices.Equal(got, []string{stdID}) {
		t.Errorf("a request concerns %v, want its standard", got)
	}
}

// A fold refuses an agreement that answers a request that is closed or of
// another standard, and a request id recorded twice.
func TestRequestFoldRefuses(t *testing.T) {
	f := newFixture(t, "c1")
	f.evidence("c1", 3)
	req := f.request(learnerAct, uid(4))
	f.agreeTo(req)
	f.attempt(2)
	next := func(id uuid.UUID, e Event) RecordedEvent {
		prev := f.events[len(f.events)-1]
		return recorded(t, LearnerStream(learnerID), &prev, 99, t0, Meta{EventID: id, Actor: teacher}, e)
	}
	agreement := ReadinessAgreed{StandardID: stdID, StandardRevision: 1, Teacher: "Ms Rivera", LearnerConfirmed: true,
		RequestID: req, Components: []AgreedComponent{{ID: "c1", EvidenceIDs: []uuid.UUID{uid(4)}}}}
	for name, e := range map[string]RecordedEvent{
		"answers a closed request": next(uid(70), agreement),
		"request recorded twice":   next(req, ReadinessRequested{StandardID: stdID, StandardRevision: 1, EvidenceIDs: []uuid.UUID{uid(4)}}),
	} {
		t.Run(name, func(t *testing.T) {
			s := foldLearner(t, f.events)
			var fe *FoldError
			if err := s.Apply(e); !errors.As(err, &fe) {
				t.Fatalf("got %v, want *FoldError", err)
			}
			if s.Version != uint64(len(f.events)) || len(s.Progress(stdID).Agreements) != 1 {
				t.Errorf("state changed by a refused event")
			}
		})
	}
}
