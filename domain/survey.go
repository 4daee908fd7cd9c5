package domain

import (
	"fmt"
	"slices"
	"time"
)

// Survey instruments as data (DOMAIN.md, "The school's cycle"): an admin
// publishes an instrument, opens a round of it with the number invited, and
// each response names the instrument and version it answers. The efficacy
// report scores reverse-keyed items, gives subscale means and the response
// rate per round, and never pools two instruments or two versions
// (docs/metrics.md, "Survey instruments").

// Bounds of an instrument.
const (
	// MaxSurveyItemTextLen bounds an item's wording: a hundred items of
	// the longest wording stay well under MaxEventDataSize.
	MaxSurveyItemTextLen = 1000
	// MaxScalePoints bounds an instrument's scale (an 11-point scale,
	// 0 to 10, is the widest in common use).
	MaxScalePoints = 11
	// MaxScaleMin bounds an instrument's lowest point (scales start at 0
	// or 1 in practice), so that no score passes 20.
	MaxScaleMin = 10
	// MaxInvited bounds a round's invited count.
	MaxInvited = 1_000_000
)

// SurveySubscale is one subscale of an instrument: the dimension its items
// measure together.
type SurveySubscale struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// InstrumentItem is one item of an instrument as published.
type InstrumentItem struct {
	ItemID string `json:"itemId"`
	// Text is the item's wording as respondents read it: catalog, the
	// school's, about no one.
	Text     string `json:"text"`
	Subscale string `json:"subscale"`
	// ReverseKeyed: agreeing with the item speaks against efficacy, so
	// its score s counts as ScaleMin + ScaleMax − s.
	ReverseKeyed bool `json:"reverseKeyed"`
}

// SurveyInstrumentPublished is one version of a survey instrument of the
// school (school stream, admin). Versions of an id are 1, 2, … in order; a
// version, once published, never changes: a changed wording, scale or
// keying is the next version.
type SurveyInstrumentPublished struct {
	InstrumentID string     `json:"instrumentId"`
	Version      int        `json:"version"`
	Title        string     `json:"title"`
	Respondent   Respondent `json:"respondent"`
	ScaleMin     int        `json:"scaleMin"`
	ScaleMax     int        `json:"scaleMax"`
	// Subscales in the order the report lists them; every item names
	// one, and every one has an item.
	Subscales []SurveySubscale `json:"subscales"`
	Items     []InstrumentItem `json:"items"`
	// Source cites where the instrument comes from, if anywhere.
	Source string `json:"source,omitempty"`
}

// Item returns the item of the instrument with id itemID.
func (e SurveyInstrumentPublished) Item(itemID string) (InstrumentItem, bool) {
	for _, it := range e.Items {
		if it.ItemID == itemID {
			return it, true
		}
	}
	return InstrumentItem{}, false
}

// SurveyRoundOpened opens a survey round of one instrument version (school
// stream, admin): the responses that name the round answer that version,
// and Invited, the number of people asked to answer, is the response
// rate's denominator. Respondent is the instrument's, recorded so that the
// round reads without the instrument.
type SurveyRoundOpened struct {
	RoundID           string     `json:"roundId"`
	InstrumentID      string     `json:"instrumentId"`
	InstrumentVersion int        `json:"instrumentVersion"`
	Respondent        Respondent `json:"respondent"`
	Invited           int        `json:"invited"`
	// Cohort, if set, is the cohort invited; the round's responses
	// belong to it.
	Cohort string `json:"cohort,omitempty"`
}

func (SurveyInstrumentPublished) EventType() string { return TypeSurveyInstrumentPublished }
func (SurveyRoundOpened) EventType() string         { return TypeSurveyRoundOpened }

// Rule codes of survey instruments and rounds.
const (
	// RuleInstrumentVersionPublished: the instrument already has this
	// version; a change is the next version.
	RuleInstrumentVersionPublished = "instrument-version-published"
	// RuleInstrumentVersionGap: a version skips one (versions are 1, 2, …).
	RuleInstrumentVersionGap = "instrument-version-gap"
	// RuleUnknownInstrument: no such instrument version is published.
	RuleUnknownInstrument = "unknown-instrument"
	// RuleRoundExists: the round id is taken, by a round opened or by
	// responses recorded without an instrument.
	RuleRoundExists = "round-exists"
	// RuleUnknownRound: a response naming an instrument names a round
	// that was never opened.
	RuleUnknownRound = "unknown-round"
	// RuleRoundOtherInstrument: a response's instrument or version is not
	// its round's, or a response without instrument names a round opened
	// for one.
	RuleRoundOtherInstrument = "round-other-instrument"
	// RuleRoundOtherCohort: a response's cohort is not its round's.
	RuleRoundOtherCohort = "round-other-cohort"
	// RuleRespondentMismatch: a response's respondent is not its
	// instrument's.
	RuleRespondentMismatch = "respondent-mismatch"
	// RuleUnknownSurveyItem: a response answers an item its instrument
	// version does not have.
	RuleUnknownSurveyItem = "unknown-survey-item"
	// RuleScoreOffScale: a score outside the instrument's scale.
	RuleScoreOffScale = "score-off-scale"
	// RuleRoundFull: the round has as many responses as it invited
	// people, so a response rate never passes 1.
	RuleRoundFull = "round-full"
)

// PublishSurveyInstrument publishes one version of a survey instrument at
// the school it is decided against.
type PublishSurveyInstrument struct {
	Meta
	InstrumentID string           `json:"instrumentId"`
	Version      int              `json:"version"`
	Title        string           `json:"title"`
	Respondent   Respondent       `json:"respondent"`
	ScaleMin     int              `json:"scaleMin"`
	ScaleMax     int              `json:"scaleMax"`
	Subscales    []SurveySubscale `json:"subscales"`
	Items        []InstrumentItem `json:"items"`
	Source       string           `json:"source,omitempty"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c PublishSurveyInstrument) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("instrumentId", c.InstrumentID)
	if c.Version < 1 {
		v.add("version", "must be 1 or more")
	}
	v.text("title", c.Title, MaxNameLen)
	v.respondent(c.Respondent)
	switch {
	case c.ScaleMin < 0 || c.ScaleMin > MaxScaleMin:
		v.add("scaleMin", "must be 0 to %d", MaxScaleMin)
	case c.ScaleMax <= c.ScaleMin:
		v.add("scaleMax", "must be more than scaleMin")
	case c.ScaleMax-c.ScaleMin+1 > MaxScalePoints:
		v.add("scaleMax", "gives more than %d scale points", MaxScalePoints)
	}
	used := map[string]bool{}
	for _, it := range c.Items {
		used[it.Subscale] = true
	}
	subscales := map[string]bool{}
	switch {
	case len(c.Subscales) == 0:
		v.add("subscales", "must list at least one subscale")
	case len(c.Subscales) > MaxListLen:
		v.add("subscales", "must have at most %d entries", MaxListLen)
	default:
		for i, s := range c.Subscales {
			f := fmt.Sprintf("subscales[%d]", i)
			v.id(f+".id", s.ID)
			if subscales[s.ID] {
				v.add(f+".id", "repeats %q", s.ID)
			}
			subscales[s.ID] = true
			v.text(f+".name", s.Name, MaxNameLen)
			if !used[s.ID] {
				v.add(f+".id", "has no item")
			}
		}
	}
	switch {
	case len(c.Items) == 0:
		v.add("items", "must list at least one item")
	case len(c.Items) > MaxListLen:
		v.add("items", "must have at most %d entries", MaxListLen)
	default:
		seen := make(map[string]bool, len(c.Items))
		for i, it := range c.Items {
			f := fmt.Sprintf("items[%d]", i)
			v.id(f+".itemId", it.ItemID)
			if seen[it.ItemID] {
				v.add(f+".itemId", "repeats %q", it.ItemID)
			}
			seen[it.ItemID] = true
			v.text(f+".text", it.Text, MaxSurveyItemTextLen)
			if !subscales[it.Subscale] {
				v.add(f+".subscale", "names no subscale of the instrument")
			}
		}
	}
	v.optionalText("source", c.Source, MaxTextLen)
	return v.err()
}

func (v *validator) respondent(r Respondent) {
	switch r {
	case RespondentStaff, RespondentLearner:
	case "":
		v.add("respondent", "is required")
	default:
		v.add("respondent", "must be staff or learner")
	}
}

// Decide turns the command into the next version of an instrument of school.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is an admin, an error wrapping
// ErrNotFound if the school is not registered, and *RuleError
// RuleInstrumentVersionPublished or RuleInstrumentVersionGap unless Version
// is the one after the instrument's latest. A retried command (the same
// event id) gets the first event back from the service; a second event
// with the same content would only repeat it, so it is refused too.
func (c PublishSurveyInstrument) Decide(school *SchoolState, now time.Time) (SurveyInstrumentPublished, error) {
	if err := c.Validate(now); err != nil {
		return SurveyInstrumentPublished{}, err
	}
	if err := requireRole(c.Actor, "publish a survey instrument", RoleAdmin); err != nil {
		return SurveyInstrumentPublished{}, err
	}
	if !school.Registered() {
		return SurveyInstrumentPublished{}, fmt.Errorf("school is not registered: %w", ErrNotFound)
	}
	latest := len(school.Instruments[c.InstrumentID])
	switch {
	case c.Version <= latest:
		return SurveyInstrumentPublished{}, ruleErr(RuleInstrumentVersionPublished,
			"survey instrument %q already has version %d; a change is version %d", c.InstrumentID, c.Version, latest+1)
	case c.Version > latest+1:
		return SurveyInstrumentPublished{}, ruleErr(RuleInstrumentVersionGap,
			"survey instrument %q has %d versions; the next is %d, not %d", c.InstrumentID, latest, latest+1, c.Version)
	}
	return SurveyInstrumentPublished{
		InstrumentID: c.InstrumentID,
		Version:      c.Version,
		Title:        c.Title,
		Respondent:   c.Respondent,
		ScaleMin:     c.ScaleMin,
		ScaleMax:     c.ScaleMax,
		Subscales:    slices.Clone(c.Subscales),
		Items:        slices.Clone(c.Items),
		Source:       c.Source,
	}, nil
}

// OpenSurveyRound opens a round of one instrument version with the number
// of people invited to answer it.
type OpenSurveyRound struct {
	Meta
	RoundID           string `json:"roundId"`
	InstrumentID      string `json:"instrumentId"`
	InstrumentVersion int    `json:"instrumentVersion"`
	Invited           int    `json:"invited"`
	Cohort            string `json:"cohort,omitempty"`
}

// Validate checks the command's fields without state. Returns
// *ValidationError (ErrInvalid) naming every malformed field.
func (c OpenSurveyRound) Validate(now time.Time) error {
	var v validator
	v.meta(c.Meta, now)
	v.id("roundId", c.RoundID)
	v.id("instrumentId", c.InstrumentID)
	if c.InstrumentVersion < 1 {
		v.add("instrumentVersion", "must be 1 or more")
	}
	if c.Invited < 1 || c.Invited > MaxInvited {
		v.add("invited", "must be 1 to %d", MaxInvited)
	}
	v.optionalID("cohort", c.Cohort)
	return v.err()
}

// Decide turns the command into a round of school.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is an admin, an error wrapping
// ErrNotFound if the school is not registered, *RuleError
// RuleUnknownInstrument if the instrument version is not published, and
// *RuleError RuleRoundExists if the round id is taken.
func (c OpenSurveyRound) Decide(school *SchoolState, now time.Time) (SurveyRoundOpened, error) {
	if err := c.Validate(now); err != nil {
		return SurveyRoundOpened{}, err
	}
	if err := requireRole(c.Actor, "open a survey round", RoleAdmin); err != nil {
		return SurveyRoundOpened{}, err
	}
	if !school.Registered() {
		return SurveyRoundOpened{}, fmt.Errorf("school is not registered: %w", ErrNotFound)
	}
	inst, ok := school.Instrument(c.InstrumentID, c.InstrumentVersion)
	if !ok {
		return SurveyRoundOpened{}, ruleErr(RuleUnknownInstrument, "survey instrument %q has no version %d", c.InstrumentID, c.InstrumentVersion)
	}
	if err := school.roundFree(c.RoundID); err != nil {
		return SurveyRoundOpened{}, err
	}
	return SurveyRoundOpened{
		RoundID:           c.RoundID,
		InstrumentID:      c.InstrumentID,
		InstrumentVersion: c.InstrumentVersion,
		Respondent:        inst.Respondent,
		Invited:           c.Invited,
		Cohort:            c.Cohort,
	}, nil
}

// Instrument returns version version of instrument id.
func (s *SchoolState) Instrument(id string, version int) (SurveyInstrumentPublished, bool) {
	vs := s.Instruments[id]
	if version < 1 || version > len(vs) {
		return SurveyInstrumentPublished{}, false
	}
	return vs[version-1], true
}

// roundFree returns *RuleError RuleRoundExists if round id is taken.
func (s *SchoolState) roundFree(id string) error {
	if _, ok := s.SurveyRounds[id]; ok {
		return ruleErr(RuleRoundExists, "survey round %q is already open", id)
	}
	if s.Rounds[id] > 0 {
		return ruleErr(RuleRoundExists, "survey round %q already has responses recorded without an instrument", id)
	}
	return nil
}

// decideInstrumentResponse checks a response against its round and
// instrument and completes the event with the instrument's scale and the
// round's cohort. Called only when the response names an instrument.
func (c RecordEfficacySurvey) decideInstrumentResponse(school *SchoolState) (EfficacySurveyRecorded, error) {
	inst, ok := school.Instrument(c.InstrumentID, c.InstrumentVersion)
	if !ok {
		return EfficacySurveyRecorded{}, ruleErr(RuleUnknownInstrument, "survey instrument %q has no version %d", c.InstrumentID, c.InstrumentVersion)
	}
	round, ok := school.SurveyRounds[c.RoundID]
	if !ok {
		return EfficacySurveyRecorded{}, ruleErr(RuleUnknownRound, "survey round %q is not open; open it for instrument %q version %d first",
			c.RoundID, c.InstrumentID, c.InstrumentVersion)
	}
	if round.InstrumentID != c.InstrumentID || round.InstrumentVersion != c.InstrumentVersion {
		return EfficacySurveyRecorded{}, ruleErr(RuleRoundOtherInstrument, "survey round %q is of instrument %q version %d, not %q version %d",
			c.RoundID, round.InstrumentID, round.InstrumentVersion, c.InstrumentID, c.InstrumentVersion)
	}
	if school.Rounds[c.RoundID] >= round.Invited {
		return EfficacySurveyRecorded{}, ruleErr(RuleRoundFull, "survey round %q invited %d and has %d responses", c.RoundID, round.Invited, school.Rounds[c.RoundID])
	}
	if c.Respondent != inst.Respondent {
		return EfficacySurveyRecorded{}, ruleErr(RuleRespondentMismatch, "survey instrument %q is answered by %s, not %s",
			c.InstrumentID, inst.Respondent, c.Respondent)
	}
	cohort := c.Cohort
	switch {
	case round.Cohort == "":
	case cohort == "":
		cohort = round.Cohort
	case cohort != round.Cohort:
		return EfficacySurveyRecorded{}, ruleErr(RuleRoundOtherCohort, "survey round %q invited cohort %q, not %q", c.RoundID, round.Cohort, cohort)
	}
	for _, it := range c.Items {
		if _, ok := inst.Item(it.ItemID); !ok {
			return EfficacySurveyRecorded{}, ruleErr(RuleUnknownSurveyItem, "survey instrument %q version %d has no item %q",
				c.InstrumentID, c.InstrumentVersion, it.ItemID)
		}
		if it.Score < inst.ScaleMin || it.Score > inst.ScaleMax {
			return EfficacySurveyRecorded{}, ruleErr(RuleScoreOffScale, "item %q scored %d, off the instrument's scale %d to %d",
				it.ItemID, it.Score, inst.ScaleMin, inst.ScaleMax)
		}
	}
	return EfficacySurveyRecorded{
		RoundID:           c.RoundID,
		Respondent:        c.Respondent,
		Cohort:            cohort,
		ScaleMin:          inst.ScaleMin,
		ScaleMax:          inst.ScaleMax,
		Items:             slices.Clone(c.Items),
		InstrumentID:      c.InstrumentID,
		InstrumentVersion: c.InstrumentVersion,
	}, nil
}

// applySurvey folds the survey events of the school's stream; the caller
// has checked the registration.
func (s *SchoolState) applySurvey(e RecordedEvent, ev Event) error {
	switch ev := ev.(type) {
	case SurveyInstrumentPublished:
		if ev.Version != len(s.Instruments[ev.InstrumentID])+1 {
			return foldErr(e, "survey instrument %q version %d after %d versions", ev.InstrumentID, ev.Version, len(s.Instruments[ev.InstrumentID]))
		}
		if s.Instruments == nil {
			s.Instruments = make(map[string][]SurveyInstrumentPublished)
		}
		s.Instruments[ev.InstrumentID] = append(s.Instruments[ev.InstrumentID], ev)
	case SurveyRoundOpened:
		if _, ok := s.Instrument(ev.InstrumentID, ev.InstrumentVersion); !ok {
			return foldErr(e, "survey round %q of instrument %q version %d, not published", ev.RoundID, ev.InstrumentID, ev.InstrumentVersion)
		}
		if err := s.roundFree(ev.RoundID); err != nil {
			return foldErr(e, "%v", err)
		}
		if s.SurveyRounds == nil {
			s.SurveyRounds = make(map[string]SurveyRoundOpened)
		}
		s.SurveyRounds[ev.RoundID] = ev
	case EfficacySurveyRecorded:
		if r, opened := s.SurveyRounds[ev.RoundID]; opened != (ev.InstrumentID != "") ||
			(opened && (r.InstrumentID != ev.InstrumentID || r.InstrumentVersion != ev.InstrumentVersion)) {
			return foldErr(e, "survey response to round %q names instrument %q version %d, not the round's", ev.RoundID, ev.InstrumentID, ev.InstrumentVersion)
		}
		if s.Rounds == nil {
			s.Rounds = make(map[string]int)
		}
		s.Rounds[ev.RoundID]++
	}
	return nil
}
