// Package access is the one table of who may open what, shared by the JSON
// API (adapters/httpapi) and the pages (adapters/web): the roles each route
// admits, and which part of its path a teacher's or a learner's token must
// match. A page reads with the same rule as the API route it shows, so a
// page is never a way around a 403.
//
// The package does no I/O of its own: Authorize asks a Directory which
// school a learner is enrolled at.
package access

import (
	"errors"
	"fmt"
	"strings"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

// ErrForbidden is wrapped by every refusal of a role or scope: the caller
// is known but may not do what it asked (403).
var ErrForbidden = errors.New("forbidden")

// InvalidIDError is a path id that is not an id at all (the API answers
// 400; a page answers 404).
type InvalidIDError struct {
	Field   string
	Message string
}

func (e *InvalidIDError) Error() string { return e.Field + ": " + e.Message }

// Principal is who a request comes from.
type Principal struct {
	Role    string
	Name    string
	School  string
	Learner string
}

// Actor is the principal as events record it. A learner is recorded by
// learner id, never by a display name, so that the event log holds no
// learner's name and the research feed can pseudonymise the actor.
func (p Principal) Actor() domain.Actor {
	if p.Role == domain.RoleLearner {
		return domain.Actor{Role: p.Role, Name: p.Learner}
	}
	return domain.Actor{Role: p.Role, Name: p.Name}
}

// Rule is who may open a route: a set of roles and, at most, one scope. It
// is a set of bits so that the rules below are constants, shared by both
// adapters, that nothing can change at run time.
type Rule uint16

// Roles, as bits of a Rule.
const (
	Admins Rule = 1 << iota
	Teachers
	Learners
	Auditors
	Researchers
	// Tools are learning tools that send xAPI statements (adapters/xapi).
	Tools

	// ScopeLearner: the path's {learnerId} must be the learner's own id,
	// or a learner of the teacher's school. Other roles are not scoped.
	ScopeLearner
	// ScopeSchool: the path's {schoolId} must be the teacher's school.
	ScopeSchool
)

// The rules of the routes (DOMAIN.md, "Roles" and "Pages"). The API's
// routes (adapters/httpapi/routes.go) and the pages (adapters/web/routes.go)
// name these; a new route picks the rule of what it reads or writes.
const (
	Anyone = Admins | Teachers | Learners | Auditors | Researchers
	// AdminOnly writes standards, schools and enrolment.
	AdminOnly = Admins
	// AdminOfSchool acts on a school (enrolment, surveys, sharing).
	AdminOfSchool = Admins | ScopeSchool
	// AdminOfLearner acts on a learner (withdrawal, erasure).
	AdminOfLearner = Admins | ScopeLearner
	// TeacherOfLearner writes what only a teacher may about a learner of
	// their school.
	TeacherOfLearner = Teachers | ScopeLearner
	// TeacherOrLearner writes what a teacher may about their school's
	// learners and a learner about themself.
	TeacherOrLearner = Teachers | Learners | ScopeLearner
	// LearnerRecord reads a learner's record: admins and auditors any,
	// teachers their school's learners, learners their own.
	LearnerRecord = Admins | Auditors | Teachers | Learners | ScopeLearner
	// LearnerResearch reads the research policies replayed over a
	// learner's evidence: admins and auditors any learner, teachers their
	// school's. Not the learner: the official rule is their record, the
	// alternatives are a view for the adults who study the rule
	// (DOMAIN.md, "Pages").
	LearnerResearch = Admins | Auditors | Teachers | ScopeLearner
	// SchoolFigures reads a school's aggregates: admins, auditors and
	// researchers any school, teachers their own.
	SchoolFigures = Admins | Auditors | Researchers | Teachers | ScopeSchool
	// SchoolStaff writes what a school's staff decide together (practice
	// reviews): its teachers and admins. The reviews are read under
	// SchoolFigures: the staff, auditors and researchers.
	SchoolStaff = Admins | Teachers | ScopeSchool
	// SchoolRoster reads a school's learners by name and standing: admins
	// and auditors any school, teachers their own. Researchers see
	// aggregates only.
	SchoolRoster = Admins | Auditors | Teachers | ScopeSchool
	// Feed reads the global feed.
	Feed = Admins | Auditors | Researchers
	// XAPITools reads and writes the xAPI statement resource: tools only,
	// each within its own school (the resource scopes by the token's
	// school, not by a path). No other route admits a tool.
	XAPITools = Tools
)

// Allows reports whether the rule admits the role at all, before any scope.
func (r Rule) Allows(role string) bool {
	b, ok := roleOf(role)
	return ok && r&b != 0
}

// roleOf is the bit of a role; ok is false for a role the ledger does not
// know, which no rule admits.
func roleOf(role string) (Rule, bool) {
	switch role {
	case domain.RoleAdmin:
		return Admins, true
	case domain.RoleTeacher:
		return Teachers, true
	case domain.RoleLearner:
		return Learners, true
	case domain.RoleAuditor:
		return Auditors, true
	case domain.RoleResearcher:
		return Researchers, true
	case domain.RoleTool:
		return Tools, true
	}
	return 0, false
}

// Directory tells which school a learner is enrolled at; projections.View
// is one. Learner returns an error wrapping domain.ErrNotFound for a
// learner who is not enrolled.
type Directory interface {
	Learner(id string) (projections.Learner, error)
}

// Authorize checks that p may do what (e.g. "GET /v1/learners/{learnerId}")
// under rule, given the path's variables. Returns an error wrapping
// ErrForbidden for a role or scope refused; an *InvalidIDError for a path
// id that is malformed; and an error wrapping domain.ErrNotFound when a
// teacher asks about a learner of another school, as for a learner who
// does not exist, so that a teacher cannot probe which learner ids other
// schools hold.
func Authorize(p Principal, rule Rule, what string, vars map[string]string, dir Directory) error {
	if !rule.Allows(p.Role) {
		article := "a"
		if p.Role != "" && strings.ContainsAny(p.Role[:1], "aeiou") {
			article = "an"
		}
		return forbidden("%s %s may not call %s", article, p.Role, what)
	}
	switch {
	case rule&ScopeLearner != 0:
		id := vars["learnerId"]
		if err := CheckID("learnerId", id); err != nil {
			return err
		}
		switch p.Role {
		case domain.RoleLearner:
			if id != p.Learner {
				return forbidden("a learner's token speaks for learner %q only", p.Learner)
			}
		case domain.RoleTeacher:
			// 404 rather than 403: for a teacher, the learners of other
			// schools are not there, and an unknown id in the path is a
			// 404 for every other role too.
			l, err := dir.Learner(id)
			if errors.Is(err, domain.ErrNotFound) || (err == nil && l.SchoolID != p.School) {
				return fmt.Errorf("no learner %q at school %q: %w", id, p.School, domain.ErrNotFound)
			}
			if err != nil {
				return err
			}
		}
	case rule&ScopeSchool != 0:
		id := vars["schoolId"]
		if err := CheckID("schoolId", id); err != nil {
			return err
		}
		if p.Role == domain.RoleTeacher && id != p.School {
			return forbidden("a teacher of school %q may not act for school %q", p.School, id)
		}
	}
	return nil
}

// CheckID returns an *InvalidIDError unless id is an id (DOMAIN.md: ids in
// paths are [A-Za-z0-9._-]{1,64}).
func CheckID(field, id string) error {
	if !domain.ValidID(id) {
		return &InvalidIDError{Field: field, Message: "must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-'"}
	}
	return nil
}

func forbidden(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrForbidden}, args...)...)
}
