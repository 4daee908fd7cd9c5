package domain

import (
	"errors"
	"strings"
	"testing"
)

// appendSchool folds e into the fixture's school as its next event.
func (f *fixture) appendSchool(m Meta, e Event) {
	f.t.Helper()
	prev := RecordedEvent{Revision: f.school.Version - 1}
	f.ok(f.school.Apply(recorded(f.t, SchoolStream(schoolID), &prev, f.position(), f.now, m, e)))
}

// instrumentCmd is version v of a two-subscale, 1-to-6 staff instrument
// with one reverse-keyed item.
func instrumentCmd(m Meta, v int) PublishSurveyInstrument {
	return PublishSurveyInstrument{Meta: m, InstrumentID: "staff-ce", Version: v, Title: "Staff efficacy", Respondent: RespondentStaff,
		ScaleMin: 1, ScaleMax: 6,
		Subscales: []SurveySubscale{{ID: "gc", Name: "Group competence"}, {ID: "ta", Name: "Task analysis"}},
		Items: []InstrumentItem{
			{ItemID: "gc1", Text: "Together we can teach every learner here.", Subscale: "gc"},
			{ItemID: "gc2", Text: "We give up on hard cases.", Subscale: "gc", ReverseKeyed: true},
			{ItemID: "ta1", Text: "Our learners have what they need at home.", Subscale: "ta"},
		}}
}

// publishInstrument publishes version v and opens round r1 of it for 10
// staff, as the admin.
func (f *fixture) publishInstrument(v int) {
	f.t.Helper()
	m := f.meta(admin)
	ev, err := instrumentCmd(m, v).Decide(f.school, f.now)
	f.ok(err)
	f.appendSchool(m, ev)
}

func TestPublishSurveyInstrument(t *testing.T) {
	f := newFixture(t, "c1")
	_, err := instrumentCmd(f.meta(teacher), 1).Decide(f.school, f.now)
	wantRule(t, err, RuleRoleNotPermitted)
	if _, err := instrumentCmd(f.meta(admin), 1).Decide(&SchoolState{}, f.now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unregistered school: %v", err)
	}
	_, err = instrumentCmd(f.meta(admin), 2).Decide(f.school, f.now)
	wantRule(t, err, RuleInstrumentVersionGap, "next is 1")

	f.publishInstrument(1)
	if inst, ok := f.school.Instrument("staff-ce", 1); !ok || inst.ScaleMax != 6 || !inst.Items[1].ReverseKeyed {
		t.Fatalf("instrument = %+v, %v", inst, ok)
	}
	// The same version again, same content or not, is refused: a change
	// is the next version.
	_, err = instrumentCmd(f.meta(admin), 1).Decide(f.school, f.now)
	wantRule(t, err, RuleInstrumentVersionPublished, "version 2")
	f.publishInstrument(2)
	if len(f.school.Instruments["staff-ce"]) != 2 {
		t.Errorf("versions = %d", len(f.school.Instruments["staff-ce"]))
	}
}

func TestPublishSurveyInstrumentValidation(t *testing.T) {
	m := Meta{OccurredAt: t0, Actor: admin}
	c := instrumentCmd(m, 0)
	c.InstrumentID = "a b"
	c.Title = ""
	c.Respondent = "parent"
	c.ScaleMin, c.ScaleMax = 1, 12
	c.Subscales = append(c.Subscales, SurveySubscale{ID: "gc", Name: ""}, SurveySubscale{ID: "empty", Name: "No items"})
	c.Items = append(c.Items, InstrumentItem{ItemID: "gc1", Text: strings.Repeat("x", MaxSurveyItemTextLen+1), Subscale: "zz"})
	wantFields(t, c.Validate(t0), "instrumentId", "version", "title", "respondent", "scaleMax",
		"subscales[2].id", "subscales[2].name", "subscales[3].id",
		"items[3].itemId", "items[3].text", "items[3].subscale")

	c = instrumentCmd(m, 1)
	c.ScaleMin, c.ScaleMax = 3, 3
	c.Subscales, c.Items = nil, nil
	wantFields(t, c.Validate(t0), "scaleMax", "subscales", "items")
}

func TestOpenSurveyRound(t *testing.T) {
	f := newFixture(t, "c1")
	open := func(round string, v int) (SurveyRoundOpened, error) {
		return OpenSurveyRound{Meta: f.meta(admin), RoundID: round, InstrumentID: "staff-ce", InstrumentVersion: v, Invited: 10}.Decide(f.school, f.now)
	}
	_, err := open("r1", 1)
	wantRule(t, err, RuleUnknownInstrument)
	f.publishInstrument(1)
	_, err = OpenSurveyRound{Meta: f.meta(teacher), RoundID: "r1", InstrumentID: "staff-ce", InstrumentVersion: 1, Invited: 10}.Decide(f.school, f.now)
	wantRule(t, err, RuleRoleNotPermitted)

	ev, err := open("r1", 1)
	f.ok(err)
	if ev.Respondent != RespondentStaff || ev.Invited != 10 {
		t.Errorf("round = %+v", ev)
	}
	f.appendSchool(f.meta(admin), ev)
	_, err = open("r1", 1)
	wantRule(t, err, RuleRoundExists, "already open")

	// A round id already used by responses without instrument is taken.
	m := f.meta(admin)
	old, err := RecordEfficacySurvey{Meta: m, RoundID: "old", Respondent: RespondentStaff, Items: []SurveyItem{{ItemID: "q1", Score: 3}}}.Decide(f.school, f.now)
	f.ok(err)
	f.appendSchool(m, old)
	_, err = open("old", 1)
	wantRule(t, err, RuleRoundExists, "without an instrument")

	wantFields(t, OpenSurveyRound{Meta: Meta{OccurredAt: t0, Actor: admin}, Cohort: "a b"}.Validate(t0),
		"roundId", "instrumentId", "instrumentVersion", "invited", "cohort")
}

// A response naming an instrument answers that version's items, on its
// scale, in a round of that version: never a mix.
func TestInstrumentResponses(t *testing.T) {
	f := newFixture(t, "c1")
	f.publishInstrument(1)
	f.publishInstrument(2)
	for _, r := range []OpenSurveyRound{
		{RoundID: "r1", InstrumentID: "staff-ce", InstrumentVersion: 1, Invited: 10},
		{RoundID: "r2", InstrumentID: "staff-ce", InstrumentVersion: 2, Invited: 8, Cohort: "grade-6"},
		{RoundID: "one", InstrumentID: "staff-ce", InstrumentVersion: 1, Invited: 1},
	} {
		r.Meta = f.meta(admin)
		ev, err := r.Decide(f.school, f.now)
		f.ok(err)
		f.appendSchool(r.Meta, ev)
	}
	answer := func(mod func(*RecordEfficacySurvey)) (EfficacySurveyRecorded, error) {
		c := RecordEfficacySurvey{Meta: f.meta(admin), RoundID: "r1", Respondent: RespondentStaff,
			Items: []SurveyItem{{ItemID: "gc1", Score: 6}, {ItemID: "gc2", Score: 1}}, InstrumentID: "staff-ce", InstrumentVersion: 1}
		if mod != nil {
			mod(&c)
		}
		return c.Decide(f.school, f.now)
	}

	ev, err := answer(nil)
	f.ok(err)
	// Score 6 is off the ledger's own 1-to-5 Likert scale but on the
	// instrument's; the event records the instrument's scale.
	if ev.ScaleMin != 1 || ev.ScaleMax != 6 || ev.InstrumentID != "staff-ce" || ev.InstrumentVersion != 1 {
		t.Errorf("response = %+v", ev)
	}
	f.appendSchool(f.meta(admin), ev)
	one, err := answer(func(c *RecordEfficacySurvey) { c.RoundID = "one" })
	f.ok(err)
	f.appendSchool(f.meta(admin), one)
	if f.school.Rounds["r1"] != 1 {
		t.Errorf("rounds = %v", f.school.Rounds)
	}
	ev, err = answer(func(c *RecordEfficacySurvey) { c.RoundID = "r2"; c.InstrumentVersion = 2 })
	f.ok(err)
	if ev.Cohort != "grade-6" {
		t.Errorf("a response to a cohort's round takes its cohort: %+v", ev)
	}

	for _, tc := range []struct {
		name, rule string
		mod        func(*RecordEfficacySurvey)
	}{
		{"unknown version", RuleUnknownInstrument, func(c *RecordEfficacySurvey) { c.InstrumentVersion = 3 }},
		{"unknown instrument", RuleUnknownInstrument, func(c *RecordEfficacySurvey) { c.InstrumentID = "other" }},
		{"round not open", RuleUnknownRound, func(c *RecordEfficacySurvey) { c.RoundID = "r9" }},
		{"version of another round", RuleRoundOtherInstrument, func(c *RecordEfficacySurvey) { c.InstrumentVersion = 2 }},
		{"no instrument in an instrument's round", RuleRoundOtherInstrument, func(c *RecordEfficacySurvey) {
			c.InstrumentID, c.InstrumentVersion = "", 0
			c.Items = []SurveyItem{{ItemID: "q1", Score: 3}}
		}},
		{"learner answers a staff instrument", RuleRespondentMismatch, func(c *RecordEfficacySurvey) { c.Respondent = RespondentLearner }},
		{"other cohort", RuleRoundOtherCohort, func(c *RecordEfficacySurvey) { c.RoundID, c.InstrumentVersion, c.Cohort = "r2", 2, "grade-7" }},
		{"item of no instrument", RuleUnknownSurveyItem, func(c *RecordEfficacySurvey) { c.Items = []SurveyItem{{ItemID: "q1", Score: 3}} }},
		{"score above the scale", RuleScoreOffScale, func(c *RecordEfficacySurvey) { c.Items = []SurveyItem{{ItemID: "ta1", Score: 7}} }},
		{"score below the scale", RuleScoreOffScale, func(c *RecordEfficacySurvey) { c.Items = []SurveyItem{{ItemID: "ta1", Score: 0}} }},
		{"more responses than invited", RuleRoundFull, func(c *RecordEfficacySurvey) { c.RoundID = "one" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := answer(tc.mod)
			wantRule(t, err, tc.rule)
		})
	}

	m := Meta{OccurredAt: t0, Actor: admin}
	wantFields(t, RecordEfficacySurvey{Meta: m, RoundID: "r1", Respondent: RespondentStaff, Items: []SurveyItem{{ItemID: "q1", Score: 3}},
		InstrumentVersion: 1}.Validate(t0), "instrumentVersion")
	wantFields(t, RecordEfficacySurvey{Meta: m, RoundID: "r1", Respondent: RespondentStaff, Items: []SurveyItem{{ItemID: "q1", Score: 9}},
		InstrumentID: "a b"}.Validate(t0), "instrumentId", "instrumentVersion")
}

// A response stored before instruments existed keeps its bytes, and so its
// hash: the new members are left out when empty.
func TestSurveyResponseWithoutInstrumentKeepsItsBytes(t *testing.T) {
	const stored = `{"roundId":"2026-spring","respondent":"staff","cohort":"grade-6","scaleMin":1,"scaleMax":5,"items":[{"itemId":"q1","score":4}]}`
	ev, err := DecodeEvent(RecordedEvent{Type: TypeEfficacySurveyRecorded, Data: []byte(stored)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := EncodeJSON(ev)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != stored {
		t.Errorf("re-encoded\n%s\nstored\n%s", got, stored)
	}
	m := Meta{EventID: uid(1), OccurredAt: t0, Actor: admin}
	r := recorded(t, SchoolStream(schoolID), nil, 1, t0, m, ev)
	if string(r.Data) != stored {
		t.Errorf("recorded data %s", r.Data)
	}
}

// A stream that mixes what the decisions keep apart does not fold.
func TestSchoolFoldRefusesMixedSurveys(t *testing.T) {
	f := newFixture(t, "c1")
	f.publishInstrument(1)
	m := f.meta(admin)
	round := SurveyRoundOpened{RoundID: "r1", InstrumentID: "staff-ce", InstrumentVersion: 1, Respondent: RespondentStaff, Invited: 3}
	f.appendSchool(m, round)
	for name, e := range map[string]Event{
		"version skipped":           SurveyInstrumentPublished{InstrumentID: "staff-ce", Version: 3},
		"round of no instrument":    SurveyRoundOpened{RoundID: "r2", InstrumentID: "other", InstrumentVersion: 1, Invited: 1},
		"round opened twice":        round,
		"response of no round":      EfficacySurveyRecorded{RoundID: "r9", InstrumentID: "staff-ce", InstrumentVersion: 1},
		"response of other version": EfficacySurveyRecorded{RoundID: "r1", InstrumentID: "staff-ce", InstrumentVersion: 2},
		"bare response to a round":  EfficacySurveyRecorded{RoundID: "r1"},
	} {
		t.Run(name, func(t *testing.T) {
			prev := RecordedEvent{Revision: f.school.Version - 1}
			err := f.school.Apply(recorded(t, SchoolStream(schoolID), &prev, 99, t0, m, e))
			var fe *FoldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want *FoldError", err)
			}
		})
	}
}
