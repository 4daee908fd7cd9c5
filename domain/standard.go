package domain

import (
	"fmt"
	"slices"
	"time"
)

// StandardState is a standard folded from its stream. The zero value is a
// standard not yet published; Apply the stream's events in order, or any
// prefix of them for the standard as it was then.
type StandardState struct {
	ID        string
	Framework string
	Code      string
	Title     string
	// Statement and Components are the current revision's.
	Statement  string
	Components []Component
	Scale      Scale
	// Revision is the current revision's number, from 1; 0 means not
	// published.
	Revision int
	Retired  bool
	// Revisions holds every revision, Revisions[n-1] being revision n, so
	// that a claim can show what the revision it met asked for.
	Revisions []StandardRevision
	// Case is the CASE item the current revision was imported from; nil
	// for a standard written by hand.
	Case *CaseRef
	// Version is the number of events applied; see Expected.
	Version uint64
}

// StandardRevision is what one revision of a standard asked for.
type StandardRevision struct {
	Revision   int         `json:"standardRevision"`
	Statement  string      `json:"statement"`
	Components []Component `json:"components"`
}

// Published reports whether the standard exists.
func (s *StandardState) Published() bool { return s != nil && s.Revision > 0 }

// Component returns the current revision's component id.
func (s *StandardState) Component(id string) (Component, bool) {
	for _, c := range s.Components {
		if c.ID == id {
			return c, true
		}
	}
	return Component{}, false
}

// ComponentsAt returns the components of revision rev, or nil if there is no
// such revision.
func (s *StandardState) ComponentsAt(rev int) []Component {
	if rev < 1 || rev > len(s.Revisions) {
		return nil
	}
	return s.Revisions[rev-1].Components
}

// Expected is the expected revision for appending the next event to the
// standard's stream, given the events applied so far.
func (s *StandardState) Expected() ExpectedRevision { return expectedAfter(s.Version) }

func expectedAfter(version uint64) ExpectedRevision {
	if version == 0 {
		return NoStream{}
	}
	return Revision(version - 1)
}

// Apply folds the next event of the standard's stream into s.
//
// Returns *FoldError, leaving s unchanged, if e is not the next revision of
// the stream, belongs to another stream, is not a standard event, or does not
// follow from what came before (a revision before publication, a revision
// number out of sequence).
func (s *StandardState) Apply(e RecordedEvent) error {
	if e.Revision != s.Version {
		return foldErr(e, "revision %d where %d was due", e.Revision, s.Version)
	}
	ev, err := DecodeEvent(e)
	if err != nil {
		return foldErr(e, "%v", err)
	}
	if s.ID != "" && e.Stream != StandardStream(s.ID) {
		return foldErr(e, "event of stream %s folded into standard %s", e.Stream, s.ID)
	}
	switch ev := ev.(type) {
	case StandardPublished:
		if s.Published() {
			return foldErr(e, "standard %s is already published", s.ID)
		}
		if e.Stream != StandardStream(ev.StandardID) {
			return foldErr(e, "StandardPublished for %s in stream %s", ev.StandardID, e.Stream)
		}
		s.ID, s.Framework, s.Code, s.Title = ev.StandardID, ev.Framework, ev.Code, ev.Title
		s.Scale = ev.Scale
		s.Case = cloneCaseRef(ev.Case)
		s.addRevision(1, ev.Statement, ev.Components)
	case StandardRevised:
		if !s.Published() {
			return foldErr(e, "revision of a standard not published")
		}
		if ev.StandardRevision != s.Revision+1 {
			return foldErr(e, "standard revision %d follows %d", ev.StandardRevision, s.Revision)
		}
		if ev.Case != nil {
			s.Case = cloneCaseRef(ev.Case)
		}
		s.addRevision(ev.StandardRevision, ev.Statement, ev.Components)
	case StandardRetired:
		if !s.Published() {
			return foldErr(e, "retirement of a standard not published")
		}
		s.Retired = true
	default:
		return foldErr(e, "%s is not an event of a standard's stream", e.Type)
	}
	s.Version++
	return nil
}

// cloneCaseRef copies r, so that a state shares nothing with the event it
// was folded from.
func cloneCaseRef(r *CaseRef) *CaseRef {
	if r == nil {
		return nil
	}
	c := *r
	return &c
}

func (s *StandardState) addRevision(rev int, statement string, components []Component) {
	components = slices.Clone(components)
	s.Statement, s.Components, s.Revision = statement, components, rev
	s.Revisions = append(s.Revisions, StandardRevision{Revision: rev, Statement: statement, Components: components})
}

// Decide turns the command into revision 1 of a new standard.
//
// Whether the id is taken is not checked here: the caller appends with
// expected revision NoStream, and the store answers *WrongExpectedRevisionError
// (ErrConflict, HTTP 409) if the standard exists.
//
// Returns *ValidationError (ErrInvalid) for a malformed field and *RuleError
// RuleRoleNotPermitted unless the actor is an admin.
func (c PublishStandard) Decide(now time.Time) (StandardPublished, error) {
	if err := c.Validate(now); err != nil {
		return StandardPublished{}, err
	}
	if err := requireRole(c.Actor, "publish a standard", RoleAdmin); err != nil {
		return StandardPublished{}, err
	}
	scale := DefaultScale()
	if c.Scale != nil {
		scale = Scale{Levels: slices.Clone(c.Scale.Levels), Proficient: c.Scale.Proficient}
	}
	return StandardPublished{
		StandardID: c.StandardID,
		Framework:  c.Framework,
		Code:       c.Code,
		Title:      c.Title,
		Statement:  c.Statement,
		Components: slices.Clone(c.Components),
		Scale:      scale,
		Case:       cloneCaseRef(c.Case),
	}, nil
}

// Decide turns the command into the next revision of std.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is an admin, an error wrapping
// ErrNotFound if std is not published, and *RuleError RuleStandardRetired if
// it is retired.
func (c ReviseStandard) Decide(std *StandardState, now time.Time) (StandardRevised, error) {
	if err := c.Validate(now); err != nil {
		return StandardRevised{}, err
	}
	if err := requireRole(c.Actor, "revise a standard", RoleAdmin); err != nil {
		return StandardRevised{}, err
	}
	if !std.Published() {
		return StandardRevised{}, fmt.Errorf("standard is not published: %w", ErrNotFound)
	}
	if std.Retired {
		return StandardRevised{}, ruleErr(RuleStandardRetired, "standard %q is retired and can no longer be revised", std.ID)
	}
	return StandardRevised{
		StandardID:       std.ID,
		StandardRevision: std.Revision + 1,
		Statement:        c.Statement,
		Components:       slices.Clone(c.Components),
		Reason:           c.Reason,
		Case:             cloneCaseRef(c.Case),
	}, nil
}

// Decide turns the command into the retirement of std.
//
// Returns *ValidationError (ErrInvalid) for a malformed field, *RuleError
// RuleRoleNotPermitted unless the actor is an admin, an error wrapping
// ErrNotFound if std is not published, and *RuleError RuleStandardRetired if
// it is already retired.
func (c RetireStandard) Decide(std *StandardState, now time.Time) (StandardRetired, error) {
	if err := c.Validate(now); err != nil {
		return StandardRetired{}, err
	}
	if err := requireRole(c.Actor, "retire a standard", RoleAdmin); err != nil {
		return StandardRetired{}, err
	}
	if !std.Published() {
		return StandardRetired{}, fmt.Errorf("standard is not published: %w", ErrNotFound)
	}
	if std.Retired {
		return StandardRetired{}, ruleErr(RuleStandardRetired, "standard %q is already retired", std.ID)
	}
	return StandardRetired{StandardID: std.ID, Reason: c.Reason}, nil
}

// requireRole refuses an actor whose role is not among roles. "what" names
// the write in the message.
func requireRole(a Actor, what string, roles ...string) error {
	if slices.Contains(roles, a.Role) {
		return nil
	}
	if len(roles) == 1 && roles[0] == RoleTeacher {
		return ruleErr(RuleNotATeacher, "only a teacher may %s; the actor %q has the role %s", what, a.Name, a.Role)
	}
	return ruleErr(RuleRoleNotPermitted, "the role %s may not %s; only %s may", a.Role, what, joinOr(roles))
}

func joinOr(s []string) string {
	switch len(s) {
	case 0:
		return "nobody"
	case 1:
		return s[0]
	}
	out := ""
	for i, x := range s {
		switch {
		case i == 0:
		case i == len(s)-1:
			out += " or "
		default:
			out += ", "
		}
		out += x
	}
	return out
}
