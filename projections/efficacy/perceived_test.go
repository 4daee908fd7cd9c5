package efficacy_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/efficacy"
)

// demoInstrument is version v of a 1-to-6 staff instrument of two
// subscales, two items each: gc1, gc2 (group competence), ta1, ta2 (task
// analysis). In version 1 gc2 and ta2 are reverse-keyed; in version 2 only
// gc2 is.
func demoInstrument(v int) domain.SurveyInstrumentPublished {
	return domain.SurveyInstrumentPublished{InstrumentID: "staff-ce", Version: v, Title: "Staff efficacy", Respondent: domain.RespondentStaff,
		ScaleMin: 1, ScaleMax: 6,
		Subscales: []domain.SurveySubscale{{ID: "gc", Name: "Group competence"}, {ID: "ta", Name: "Task analysis"}},
		Items: []domain.InstrumentItem{
			{ItemID: "gc1", Text: "Together we can teach every learner here.", Subscale: "gc"},
			{ItemID: "gc2", Text: "We give up on the hardest cases.", Subscale: "gc", ReverseKeyed: true},
			{ItemID: "ta1", Text: "Our learners come ready to learn.", Subscale: "ta"},
			{ItemID: "ta2", Text: "The pressures outside school undo our work.", Subscale: "ta", ReverseKeyed: v == 1},
		}}
}

func (hs *history) instrument(school string, e domain.SurveyInstrumentPublished) {
	hs.t.Helper()
	hs.add(domain.SchoolStream(school), day(-1), admin, e)
}

func (hs *history) openRound(school, round, instrument string, version, invited int, cohort string, at time.Time) {
	hs.t.Helper()
	hs.add(domain.SchoolStream(school), at, admin, domain.SurveyRoundOpened{RoundID: round, InstrumentID: instrument,
		InstrumentVersion: version, Respondent: domain.RespondentStaff, Invited: invited, Cohort: cohort})
}

// answer records one response to a round of staff-ce: the scores of gc1,
// gc2, ta1, ta2 in that order, 0 for an item left unanswered.
func (hs *history) answer(school, round, instrument string, version int, cohort string, at time.Time, scores ...int) {
	hs.t.Helper()
	var items []domain.SurveyItem
	for i, s := range scores {
		if s != 0 {
			items = append(items, domain.SurveyItem{ItemID: []string{"gc1", "gc2", "ta1", "ta2"}[i], Score: s})
		}
	}
	hs.add(domain.SchoolStream(school), at, admin, domain.EfficacySurveyRecorded{RoundID: round, Respondent: domain.RespondentStaff,
		Cohort: cohort, ScaleMin: 1, ScaleMax: 6, Items: items, InstrumentID: instrument, InstrumentVersion: version})
}

// instrumentHistory: school north, no learners; a response without
// instrument (round old), round r1 of staff-ce version 1 (4 invited),
// round r2 of version 2 (2 invited), and round r3 of version 1 for
// grade-6 (5 invited) that nobody answered.
func instrumentHistory(t *testing.T) *history {
	hs := newHistory(t)
	hs.school("north")
	hs.survey("north", "old", domain.RespondentStaff, "", day(0), 4)
	hs.instrument("north", demoInstrument(1))
	hs.openRound("north", "r1", "staff-ce", 1, 4, "", day(1))
	hs.answer("north", "r1", "staff-ce", 1, "", day(2), 6, 1, 5, 2)
	hs.answer("north", "r1", "staff-ce", 1, "", day(3), 4, 3, 2, 0)
	hs.answer("north", "r1", "staff-ce", 1, "grade-6", day(3), 0, 0, 3, 6)
	hs.instrument("north", demoInstrument(2))
	hs.openRound("north", "r2", "staff-ce", 2, 2, "", day(5))
	hs.answer("north", "r2", "staff-ce", 2, "", day(6), 5, 5, 5, 5)
	hs.openRound("north", "r3", "staff-ce", 1, 5, "grade-6", day(7))
	return hs
}

func TestInstrumentRounds(t *testing.T) {
	p := instrumentHistory(t).project()
	type im = efficacy.ItemMean
	type sm = efficacy.SubscaleMean
	v1 := &efficacy.SurveyInstrumentRef{InstrumentID: "staff-ce", Version: 1, Title: "Staff efficacy"}
	v2 := &efficacy.SurveyInstrumentRef{InstrumentID: "staff-ce", Version: 2, Title: "Staff efficacy"}
	n := func(i int) *int { return &i }
	// No learners: every round's measured side is empty.
	none := func(at time.Time) efficacy.Measured { return efficacy.Measured{AsOf: at} }
	old := efficacy.SurveyRound{RoundID: "old", AsOf: day(0), Responses: 1, Subscales: []sm{},
		Groups:   []efficacy.SurveyGroup{{"staff", 1, 5, 1, []im{{"q1", 1, 4, false}}, f(4)}},
		Measured: none(day(0))}
	// r1, version 1, 1 to 6: a reverse-keyed score s counts 7 − s.
	//   response A (day 2): gc1 6, gc2 1→6, ta1 5, ta2 2→5: gc 6, ta 5, all 22/4 = 5.5
	//   response B (day 3): gc1 4, gc2 3→4, ta1 2, ta2 —:   gc 4, ta 2, all 10/3
	//   response C (day 3, grade-6): ta1 3, ta2 6→1:        gc —, ta 2, all 4/2 = 2
	// Subscale means are means of response means over the responses that
	// answered the subscale: gc (6+4)/2 = 5 over 2; ta (5+2+2)/3 = 3 over 3.
	// Items: gc1 (6+4)/2 = 5, gc2 (6+4)/2 = 5, ta1 (5+2+3)/3 = 3.333…,
	// ta2 (5+1)/2 = 3. Overall (5.5 + 10/3 + 2)/3 = 3.6111…
	// Response rate 3/4.
	r1 := efficacy.SurveyRound{RoundID: "r1", AsOf: day(3), Instrument: v1, Invited: n(4), Responses: 3, ResponseRate: f(0.75),
		Groups: []efficacy.SurveyGroup{{"staff", 1, 6, 3,
			[]im{{"gc1", 2, 5, false}, {"gc2", 2, 5, true}, {"ta1", 3, 3.333333333333, false}, {"ta2", 2, 3, true}}, f(3.611111111111)}},
		Subscales: []sm{{"gc", "Group competence", 2, 2, f(5)}, {"ta", "Task analysis", 2, 3, f(3)}},
		Measured:  none(day(3))}
	// r2, version 2 (ta2 no longer reverse-keyed), never pooled with r1:
	// 5, 5→2, 5, 5: gc (5+2)/2 = 3.5, ta 5, all 17/4 = 4.25; rate 1/2.
	r2 := efficacy.SurveyRound{RoundID: "r2", AsOf: day(6), Instrument: v2, Invited: n(2), Responses: 1, ResponseRate: f(0.5),
		Groups: []efficacy.SurveyGroup{{"staff", 1, 6, 1,
			[]im{{"gc1", 1, 5, false}, {"gc2", 1, 2, true}, {"ta1", 1, 5, false}, {"ta2", 1, 5, false}}, f(4.25)}},
		Subscales: []sm{{"gc", "Group competence", 2, 1, f(3.5)}, {"ta", "Task analysis", 2, 1, f(5)}},
		Measured:  none(day(6))}
	// r3: opened, unanswered: 0 of 5, as of its opening.
	r3 := efficacy.SurveyRound{RoundID: "r3", AsOf: day(7), Instrument: v1, Invited: n(5), Responses: 0, ResponseRate: f(0),
		Groups:    []efficacy.SurveyGroup{},
		Subscales: []sm{{"gc", "Group competence", 2, 0, nil}, {"ta", "Task analysis", 2, 0, nil}},
		Measured:  none(day(7))}
	// grade-6 only: r1 keeps response C, whose rate is unknown (r1 invited
	// the whole staff, not grade-6 alone): ta 2 over 1, gc none; r3 is
	// grade-6's own round.
	r1g6 := efficacy.SurveyRound{RoundID: "r1", AsOf: day(3), Instrument: v1, Invited: n(4), Responses: 1,
		Groups:    []efficacy.SurveyGroup{{"staff", 1, 6, 1, []im{{"ta1", 1, 3, false}, {"ta2", 1, 1, true}}, f(2)}},
		Subscales: []sm{{"gc", "Group competence", 2, 0, nil}, {"ta", "Task analysis", 2, 1, f(2)}},
		Measured:  none(day(3))}

	for _, c := range []struct {
		name string
		q    Query
		want []efficacy.SurveyRound
	}{
		{"all", Query{}, []efficacy.SurveyRound{old, r1, r2, r3}},
		{"grade-6", Query{Cohort: "grade-6"}, []efficacy.SurveyRound{r1g6, r3}},
		// r1 was opened and answered before the window: not listed.
		{"window", Query{From: day(4)}, []efficacy.SurveyRound{r2, r3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := report(t, p, "north", c.q).Perceived
			if toJSON(t, got) != toJSON(t, c.want) {
				t.Errorf("perceived =\n %s\nwant\n %s", toJSON(t, got), toJSON(t, c.want))
			}
		})
	}

	ins, err := p.Instruments("north")
	if err != nil || len(ins) != 2 || ins[0].Version != 1 || ins[1].Version != 2 || !ins[0].Items[3].ReverseKeyed {
		t.Errorf("instruments = %+v, %v", ins, err)
	}
	if _, err := p.Instrument("north", "other"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("unknown instrument: %v", err)
	}
	if _, err := p.Instruments("west"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("unknown school: %v", err)
	}
}

// A stream that mixes instruments, versions or rounds is refused, and the
// model is left as it was.
func TestInstrumentStreamsThatMix(t *testing.T) {
	hs := instrumentHistory(t)
	p := hs.project()
	before := toJSON(t, report(t, p, "north", Query{}))
	next := uint64(len(hs.events) + 1)
	ev := func(e domain.Event) domain.RecordedEvent {
		d, err := domain.NewEventData(domain.Meta{}, e)
		if err != nil {
			t.Fatal(err)
		}
		return domain.RecordedEvent{ID: uid(900), Type: e.EventType(), Stream: domain.SchoolStream("north"), Position: next,
			RecordedAt: day(9), OccurredAt: day(9), Actor: admin, Data: json.RawMessage(d.Data)}
	}
	answer := func(round string, v int, item string) domain.EfficacySurveyRecorded {
		return domain.EfficacySurveyRecorded{RoundID: round, Respondent: domain.RespondentStaff, ScaleMin: 1, ScaleMax: 6,
			Items: []domain.SurveyItem{{ItemID: item, Score: 3}}, InstrumentID: "staff-ce", InstrumentVersion: v}
	}
	for name, e := range map[string]domain.RecordedEvent{
		"version skipped":                 ev(demoInstrument(4)),
		"round of an unpublished version": ev(domain.SurveyRoundOpened{RoundID: "r9", InstrumentID: "staff-ce", InstrumentVersion: 3, Invited: 1}),
		"round opened twice":              ev(domain.SurveyRoundOpened{RoundID: "r1", InstrumentID: "staff-ce", InstrumentVersion: 1, Invited: 1}),
		"round on a bare round's id":      ev(domain.SurveyRoundOpened{RoundID: "old", InstrumentID: "staff-ce", InstrumentVersion: 1, Invited: 1}),
		"response of another version":     ev(answer("r1", 2, "gc1")),
		"response to no round":            ev(answer("r9", 1, "gc1")),
		"item of no instrument":           ev(answer("r1", 1, "q1")),
		"bare response to a round":        ev(domain.EfficacySurveyRecorded{RoundID: "r1", Respondent: domain.RespondentStaff, ScaleMin: 1, ScaleMax: 5, Items: []domain.SurveyItem{}}),
		"instrument before registration": {ID: uid(900), Type: domain.TypeSurveyInstrumentPublished, Stream: domain.SchoolStream("west"), Position: next,
			Data: ev(demoInstrument(1)).Data},
	} {
		t.Run(name, func(t *testing.T) {
			if err := p.Apply(e); err == nil {
				t.Fatal("accepted")
			}
			if after := toJSON(t, report(t, p, "north", Query{})); after != before {
				t.Errorf("report changed:\n%s\n%s", before, after)
			}
		})
	}
}
