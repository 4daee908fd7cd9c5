package access_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

// directory is a school's roll: learner id → school.
type directory map[string]string

func (d directory) Learner(id string) (projections.Learner, error) {
	school, ok := d[id]
	if !ok {
		return projections.Learner{}, fmt.Errorf("learner %q: %w", id, domain.ErrNotFound)
	}
	return projections.Learner{ID: id, SchoolID: school}, nil
}

// TestRulesFollowTheRoles checks the shared rules against DOMAIN.md's
// roles: who reads a learner's record, a school's roster, a school's
// figures, and who writes.
func TestRulesFollowTheRoles(t *testing.T) {
	all := []string{domain.RoleAdmin, domain.RoleTeacher, domain.RoleLearner, domain.RoleAuditor, domain.RoleResearcher}
	want := map[access.Rule][]string{
		access.LearnerRecord:    {domain.RoleAdmin, domain.RoleTeacher, domain.RoleLearner, domain.RoleAuditor},
		access.SchoolRoster:     {domain.RoleAdmin, domain.RoleTeacher, domain.RoleAuditor},
		access.LearnerResearch:  {domain.RoleAdmin, domain.RoleTeacher, domain.RoleAuditor},
		access.SchoolFigures:    {domain.RoleAdmin, domain.RoleTeacher, domain.RoleAuditor, domain.RoleResearcher},
		access.Feed:             {domain.RoleAdmin, domain.RoleAuditor, domain.RoleResearcher},
		access.TeacherOfLearner: {domain.RoleTeacher},
		access.TeacherOrLearner: {domain.RoleTeacher, domain.RoleLearner},
		access.AdminOnly:        {domain.RoleAdmin},
		access.SchoolStaff:      {domain.RoleAdmin, domain.RoleTeacher},
		access.Anyone:           all,
	}
	for rule, roles := range want {
		for _, role := range all {
			allowed := false
			for _, r := range roles {
				allowed = allowed || r == role
			}
			if rule.Allows(role) != allowed {
				t.Errorf("rule %b: Allows(%s) = %v, want %v", rule, role, !allowed, allowed)
			}
		}
		if rule.Allows("janitor") {
			t.Errorf("rule %b admits an unknown role", rule)
		}
	}
}

// TestAuthorizeScopes: a learner reads themself only (403), a teacher
// their school's learners, and another school's learner is the 404 of one
// who does not exist; a teacher acts for their own school only (403); a
// malformed id is an *InvalidIDError.
func TestAuthorizeScopes(t *testing.T) {
	dir := directory{"l-1": "north", "l-9": "south"}
	teacher := access.Principal{Role: domain.RoleTeacher, School: "north"}
	learner := access.Principal{Role: domain.RoleLearner, Learner: "l-1"}
	admin := access.Principal{Role: domain.RoleAdmin}
	researcher := access.Principal{Role: domain.RoleResearcher}
	cases := []struct {
		name string
		p    access.Principal
		rule access.Rule
		vars map[string]string
		want error // nil, ErrForbidden, ErrNotFound, or an *InvalidIDError
	}{
		{"teacher, own learner", teacher, access.LearnerRecord, map[string]string{"learnerId": "l-1"}, nil},
		{"teacher, other school's learner", teacher, access.LearnerRecord, map[string]string{"learnerId": "l-9"}, domain.ErrNotFound},
		{"teacher, no such learner", teacher, access.LearnerRecord, map[string]string{"learnerId": "l-5"}, domain.ErrNotFound},
		{"learner, self", learner, access.LearnerRecord, map[string]string{"learnerId": "l-1"}, nil},
		{"learner, another", learner, access.LearnerRecord, map[string]string{"learnerId": "l-9"}, access.ErrForbidden},
		{"admin, any learner", admin, access.LearnerRecord, map[string]string{"learnerId": "l-9"}, nil},
		{"researcher, a learner", researcher, access.LearnerRecord, map[string]string{"learnerId": "l-1"}, access.ErrForbidden},
		{"teacher, own school", teacher, access.SchoolRoster, map[string]string{"schoolId": "north"}, nil},
		{"teacher, other school", teacher, access.SchoolRoster, map[string]string{"schoolId": "south"}, access.ErrForbidden},
		{"researcher, a roster", researcher, access.SchoolRoster, map[string]string{"schoolId": "north"}, access.ErrForbidden},
		{"researcher, figures", researcher, access.SchoolFigures, map[string]string{"schoolId": "north"}, nil},
		{"teacher, policies of own learner", teacher, access.LearnerResearch, map[string]string{"learnerId": "l-1"}, nil},
		{"teacher, policies of other school's learner", teacher, access.LearnerResearch, map[string]string{"learnerId": "l-9"}, domain.ErrNotFound},
		{"learner, own policies", learner, access.LearnerResearch, map[string]string{"learnerId": "l-1"}, access.ErrForbidden},
		{"malformed learner id", admin, access.LearnerRecord, map[string]string{"learnerId": "a b"}, &access.InvalidIDError{}},
	}
	for _, c := range cases {
		err := access.Authorize(c.p, c.rule, "GET /x", c.vars, dir)
		var bad *access.InvalidIDError
		switch want := c.want.(type) {
		case nil:
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		case *access.InvalidIDError:
			if !errors.As(err, &bad) {
				t.Errorf("%s: %v, want an invalid id", c.name, err)
			}
		default:
			if !errors.Is(err, want) {
				t.Errorf("%s: %v, want %v", c.name, err, want)
			}
		}
	}
}
