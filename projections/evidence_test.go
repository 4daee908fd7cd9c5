package projections_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

// summaryOf is what a MasterySummary must say, derived from the domain's
// own mastery view (the reference) and the evidence levels: the same
// standing, each component's evidence counted and its ids cut to the most
// recent limit.
func summaryOf(m domain.Mastery, levels map[uuid.UUID]int, proficient, limit int) projections.MasterySummary {
	s := projections.MasterySummary{LearnerID: m.LearnerID, StandardID: m.StandardID, Status: m.Status, Components: []projections.ComponentSummary{},
		OpenAgreement: m.OpenAgreement, OpenRequests: m.OpenRequests, Attempts: m.Attempts, StandardRevision: m.StandardRevision,
		MetAt: m.MetAt, RecordedAt: m.RecordedAt}
	for _, c := range m.Components {
		cs := projections.ComponentSummary{ID: c.ID, Covered: c.Covered, Level: c.Level, EvidenceIDs: c.EvidenceIDs[max(0, len(c.EvidenceIDs)-limit):],
			EvidenceCount: len(c.EvidenceIDs), PreAssessed: c.PreAssessed, SelfOnly: c.SelfOnly}
		for _, id := range c.EvidenceIDs {
			if levels[id] >= proficient {
				cs.ProficientCount++
			}
		}
		s.Components = append(s.Components, cs)
	}
	return s
}

// currentEvidence is the reference of an EvidencePage: the learner's
// stream folded directly, the current evidence of the standard in stream
// order with the revision of its event.
func currentEvidence(t *testing.T, w *world, learner, standard string) ([]projections.EvidenceItem, map[uuid.UUID]int) {
	t.Helper()
	evs, err := w.store.ReadStream(t.Context(), domain.LearnerStream(learner), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	l := &domain.LearnerState{}
	revision := map[uuid.UUID]uint64{}
	levels := map[uuid.UUID]int{}
	for _, e := range evs {
		if err := l.Apply(e); err != nil {
			t.Fatal(err)
		}
		revision[e.ID] = e.Revision
	}
	out := []projections.EvidenceItem{}
	for _, e := range l.Evidence {
		levels[e.ID] = e.Level
	}
	if p := l.Progress(standard); p != nil {
		for _, e := range p.Evidence {
			if e.Current() {
				out = append(out, projections.EvidenceItem{EvidenceID: e.ID, Revision: revision[e.ID], ComponentID: e.ComponentID,
					StandardRevision: e.StandardRevision, Level: e.Level, Source: e.Source, StatementID: e.StatementID,
					OccurredAt: e.OccurredAt, RecordedAt: e.RecordedAt})
			}
		}
	}
	return out, levels
}

// pageAll reads every page of EvidencePage, limit pieces at a time.
func pageAll(t *testing.T, v *projections.View, learner, standard, component string, limit int) []projections.EvidenceItem {
	t.Helper()
	out := []projections.EvidenceItem{}
	var after uint64
	for range 10_000 {
		p, err := v.EvidencePage(learner, standard, component, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Evidence) > limit {
			t.Fatalf("a page of %d pieces, limit %d", len(p.Evidence), limit)
		}
		out = append(out, p.Evidence...)
		if !p.More {
			return out
		}
		after = p.Evidence[len(p.Evidence)-1].Revision
	}
	t.Fatal("EvidencePage never ends")
	return nil
}

// The property: for random valid histories (retractions, pre-assessments,
// self-assessed evidence, agreements), the bounded summary says what the
// domain's full mastery view says, with the evidence ids cut to the most
// recent limit; and paging EvidencePage gives the standard's current
// evidence, whole and per component, as a direct fold of the stream does.
func TestMasterySummaryAgreesWithMastery(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			w := newWorld(t)
			start := w.clock()
			learners, standards := randomHistory(t, w, rng, 300)
			end := w.clock()
			w.caughtUp(t)
			rebuilt := projections.NewView(w.store)
			if _, err := projections.Rebuild(t.Context(), w.store, rebuilt); err != nil {
				t.Fatal(err)
			}
			pieces := 0
			for _, l := range learners {
				for _, std := range standards {
					s, err := w.view.Standard(std)
					if err != nil {
						t.Fatal(err)
					}
					full, err := w.view.StandardMastery(t.Context(), l, std, nil)
					if err != nil {
						t.Fatal(err)
					}
					want, levels := currentEvidence(t, w, l, std)
					pieces += len(want)
					for _, limit := range []int{0, 1, 3, projections.MaxEvidenceLimit} {
						for name, v := range map[string]*projections.View{"live": w.view, "rebuilt": rebuilt} {
							got, err := v.MasterySummary(t.Context(), l, std, nil, limit)
							if err != nil {
								t.Fatal(err)
							}
							if g, w := asJSON(t, got), asJSON(t, summaryOf(full, levels, s.Scale.Proficient, limit)); g != w {
								t.Fatalf("%s view, learner %s, %s, limit %d:\nsummary %s\nwant    %s", name, l, std, limit, g, w)
							}
						}
					}
					for _, limit := range []int{1, 2, 7} {
						if got := pageAll(t, w.view, l, std, "", limit); asJSON(t, got) != asJSON(t, want) {
							t.Fatalf("learner %s, %s, pages of %d:\n%s\nwant %s", l, std, limit, asJSON(t, got), asJSON(t, want))
						}
						for _, c := range full.Components {
							var wantC []projections.EvidenceItem
							for _, it := range want {
								if it.ComponentID == c.ID {
									wantC = append(wantC, it)
								}
							}
							got := pageAll(t, w.view, l, std, c.ID, limit)
							if len(got) != len(wantC) || (len(got) > 0 && asJSON(t, got) != asJSON(t, wantC)) {
								t.Fatalf("learner %s, %s, component %s, pages of %d:\n%s\nwant %s", l, std, c.ID, limit, asJSON(t, got), asJSON(t, wantC))
							}
						}
					}
					for range 3 {
						asOf := start.Add(time.Duration(rng.Int64N(int64(end.Sub(start)))))
						full, err := w.view.StandardMastery(t.Context(), l, std, &asOf)
						if errors.Is(err, domain.ErrNotFound) {
							continue
						} else if err != nil {
							t.Fatal(err)
						}
						got, err := w.view.MasterySummary(t.Context(), l, std, &asOf, 2)
						if err != nil {
							t.Fatal(err)
						}
						if g, w := asJSON(t, got), asJSON(t, summaryOf(full, levels, s.Scale.Proficient, 2)); g != w {
							t.Fatalf("learner %s, %s, as of %s:\nsummary %s\nwant    %s", l, std, asOf, g, w)
						}
					}
				}
				all, err := w.view.MasterySummaries(t.Context(), l, nil, 3)
				if err != nil {
					t.Fatal(err)
				}
				full, err := w.view.Mastery(t.Context(), l, nil)
				if err != nil {
					t.Fatal(err)
				}
				if len(all.Standards) != len(full.Standards) {
					t.Fatalf("learner %s: %d summaries, %d standards in the mastery view", l, len(all.Standards), len(full.Standards))
				}
				for i, m := range full.Standards {
					s, _ := w.view.Standard(m.StandardID)
					_, levels := currentEvidence(t, w, l, m.StandardID)
					if g, w := asJSON(t, all.Standards[i]), asJSON(t, summaryOf(m, levels, s.Scale.Proficient, 3)); g != w {
						t.Fatalf("learner %s, every standard, %s:\nsummary %s\nwant    %s", l, m.StandardID, g, w)
					}
				}
			}
			if pieces == 0 {
				t.Fatal("the history holds no current evidence: the test checks nothing")
			}
			t.Logf("%d current pieces of evidence compared", pieces)
		})
	}
}

func TestEvidencePageNotFound(t *testing.T) {
	w := newWorld(t)
	learners, standards := randomHistory(t, w, rand.New(rand.NewPCG(1, 1)), 20)
	w.caughtUp(t)
	for _, c := range []struct{ learner, standard, component string }{
		{"nobody", standards[0], ""},
		{learners[0], "no-such-standard", ""},
		{learners[0], standards[0], "no-such-component"},
	} {
		if _, err := w.view.EvidencePage(c.learner, c.standard, c.component, 0, 10); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%+v: %v, want ErrNotFound", c, err)
		}
	}
	if p, err := w.view.EvidencePage(learners[0], standards[0], "c1", 0, 10); err != nil || p.Evidence == nil || slices.ContainsFunc(p.Evidence, func(e projections.EvidenceItem) bool { return e.ComponentID != "c1" }) {
		t.Errorf("component c1: %+v, %v", p, err)
	}
}
