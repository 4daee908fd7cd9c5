package domain

import (
	"fmt"
	"slices"
	"time"
)

// SchoolState is a school folded from its stream. The zero value is a school
// not yet registered.
type SchoolState struct {
	ID   string
	Name string
	// Rounds counts the survey responses recorded per round id.
	Rounds map[string]int
	// Instruments are the school's survey instruments by id, version v
	// at index v-1; SurveyRounds its rounds opened, by round id.
	Instruments  map[string][]SurveyInstrumentPublished
	SurveyRounds map[string]SurveyRoundOpened
	// IncludeFreeText is the latest ResearchSharingSet: whether the
	// research copy holds the free text of the school's learners' events.
	IncludeFreeText bool
	// Statements counts the xAPI statements of the school's stream: those
	// whose actor is no enrolled learner.
	Statements int
	// Alignments are the school's xAPI activity alignments by activity
	// id, in the order recorded; Agents its agent links by XAPIAgent.Key.
	Alignments map[string][]XAPIActivityAligned
	Agents     map[string]string
	// Reviews are the school's practice reviews by id.
	Reviews map[string]*PracticeReview
	// Version is the number of events applied; see Expected.
	Version uint64
}

// Registered reports whether the school exists.
func (s *SchoolState) Registered() bool { return s != nil && s.ID != "" }

// Expected is the expected revision for appending the next event to the
// school's stream, given the events applied so far.
func (s *SchoolState) Expected() ExpectedRevision { return expectedAfter(s.Version) }

// Apply folds the next event of the school's stream into s.
//
// Returns *FoldError, leaving s unchanged, if e is not the next revision of
// the stream, belongs to another stream, is not a school event, or comes
// before the registration.
func (s *SchoolState) Apply(e RecordedEvent) error {
	if e.Revision != s.Version {
		return foldErr(e, "revision %d where %d was due", e.Revision, s.Version)
	}
	ev, err := DecodeEvent(e)
	if err != nil {
		return foldErr(e, "%v", err)
	}
	if s.ID != "" && e.Stream != SchoolStream(s.ID) {
		return foldErr(e, "event of stream %s folded into school %s", e.Stream, s.ID)
	}
	switch ev := ev.(type) {
	case SchoolRegistered:
		if s.Registered() {
			return foldErr(e, "school %s is already registered", s.ID)
		}
		if e.Stream != SchoolStream(ev.SchoolID) {
			return foldErr(e, "SchoolRegistered for %s in stream %s", ev.SchoolID, e.Stream)
		}
		s.ID, s.Name = ev.SchoolID, ev.Name
	case EfficacySurveyRecorded, SurveyInstrumentPublished, SurveyRoundOpened:
		if !s.Registered() {
			return foldErr(e, "%s before the school's registration", e.Type)
		}
		if err := s.applySurvey(e, ev); err != nil {
			return err
		}
	case ResearchSharingSet:
		if !s.Registered() {
			return foldErr(e, "research sharing set before the school's registration")
		}
		s.IncludeFreeText = ev.IncludeFreeText
	case StatementRecorded, XAPIActivityAligned, XAPIAgentLinked, XAPIDocumentPut, XAPIDocumentDeleted:
		if !s.Registered() {
			return foldErr(e, "%s before the school's registration", e.Type)
		}
		s.applyXAPI(ev)
	case PracticeReviewStarted, PracticeReviewConcluded:
		if !s.Registered() {
			return foldErr(e, "%s before the school's registration", e.Type)
		}
		if err := s.applyReview(e, ev); err != nil {
			return err
		}
	default:
		return foldErr(e, "%s is not an event of a school's stream", e.Type)
	}
	s.Version++
	return nil
}

// Decide turns the command into a school's registration.
//
// Whether the id is taken is not checked here: the caller appends with
// expected revision NoStream, and the store answers *WrongExpectedRevisionError
// (ErrConflict, HTTP 409) if the school exists.
//
// Returns *ValidationError (ErrInvalid) for a malformed field and *RuleError
// RuleRoleNotPermitted unless the actor is an admin.
func (c RegisterSchool) Decide(now time.Time) (SchoolRegistered, error) {
	if err := c.Validate(now); err != nil {
		return SchoolRegistered{}, err
	}
	if err := requireRole(c.Actor, "register a school", RoleAdmin); err != nil {
		return SchoolRegistered{}, err
	}
	return SchoolRegistered{SchoolID: c.SchoolID, Name: c.Name}, nil
}

// Decide turns the command into one anonymous survey response of school.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is an admin, and an error wrapping
// ErrNotFound if the school is not registered. A response that names an
// instrument answers that version's items on its scale, in a round opened
// for that version (RuleUnknownInstrument, RuleUnknownRound,
// RuleRoundOtherInstrument, RuleRoundFull, RuleRespondentMismatch, RuleRoundOtherCohort,
// RuleUnknownSurveyItem, RuleScoreOffScale); one that names none may not
// name a round opened for an instrument (RuleRoundOtherInstrument).
func (c RecordEfficacySurvey) Decide(school *SchoolState, now time.Time) (EfficacySurveyRecorded, error) {
	if err := c.Validate(now); err != nil {
		return EfficacySurveyRecorded{}, err
	}
	if err := requireRole(c.Actor, "record a survey response", RoleAdmin); err != nil {
		return EfficacySurveyRecorded{}, err
	}
	if !school.Registered() {
		return EfficacySurveyRecorded{}, fmt.Errorf("school is not registered: %w", ErrNotFound)
	}
	if c.InstrumentID != "" {
		return c.decideInstrumentResponse(school)
	}
	if r, ok := school.SurveyRounds[c.RoundID]; ok {
		return EfficacySurveyRecorded{}, ruleErr(RuleRoundOtherInstrument, "survey round %q is of instrument %q version %d: name them",
			c.RoundID, r.InstrumentID, r.InstrumentVersion)
	}
	return EfficacySurveyRecorded{
		RoundID:    c.RoundID,
		Respondent: c.Respondent,
		Cohort:     c.Cohort,
		ScaleMin:   LikertMin,
		ScaleMax:   LikertMax,
		Items:      slices.Clone(c.Items),
	}, nil
}

// Decide turns the command into the first event of a new learner's stream,
// enrolled in school.
//
// Whether the learner id is taken is not checked here: the caller appends to
// LearnerStream(c.LearnerID) with expected revision NoStream, and the store
// answers *WrongExpectedRevisionError (ErrConflict, HTTP 409) if the learner
// exists, withdrawn or not.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is an admin, and an error wrapping
// ErrNotFound if the school is not registered.
func (c EnrollLearner) Decide(school *SchoolState, now time.Time) (LearnerEnrolled, error) {
	if err := c.Validate(now); err != nil {
		return LearnerEnrolled{}, err
	}
	if err := requireRole(c.Actor, "enroll a learner", RoleAdmin); err != nil {
		return LearnerEnrolled{}, err
	}
	if !school.Registered() {
		return LearnerEnrolled{}, fmt.Errorf("school is not registered: %w", ErrNotFound)
	}
	return LearnerEnrolled{LearnerID: c.LearnerID, SchoolID: school.ID, Cohort: c.Cohort}, nil
}

// Decide turns the command into the school's research sharing setting.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is an admin, and an error wrapping
// ErrNotFound if the school is not registered.
func (c SetResearchSharing) Decide(school *SchoolState, now time.Time) (ResearchSharingSet, error) {
	if err := c.Validate(now); err != nil {
		return ResearchSharingSet{}, err
	}
	if err := requireRole(c.Actor, "set what the research copy shares", RoleAdmin); err != nil {
		return ResearchSharingSet{}, err
	}
	if !school.Registered() {
		return ResearchSharingSet{}, fmt.Errorf("school is not registered: %w", ErrNotFound)
	}
	return ResearchSharingSet{IncludeFreeText: *c.IncludeFreeText}, nil
}
