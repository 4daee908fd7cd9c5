package domain

import (
	"errors"
	"testing"
)

// A roster import records the names a school's information system holds as
// an admin; researchers and auditors still may not write a profile.
func TestUpdateProfileRoles(t *testing.T) {
	f := newFixture(t, "c1")
	for _, a := range []Actor{admin, {Role: RoleTeacher, Name: "T"}, {Role: RoleLearner, Name: learnerID}} {
		if _, err := (UpdateProfile{Meta: f.meta(a), Profile: Profile{DisplayName: "Sam"}}).Decide(f.l, f.now); err != nil {
			t.Errorf("%s: %v", a.Role, err)
		}
	}
	for _, role := range []string{RoleAuditor, RoleResearcher} {
		_, err := UpdateProfile{Meta: f.meta(Actor{Role: role, Name: "x"}), Profile: Profile{DisplayName: "Sam"}}.Decide(f.l, f.now)
		var rule *RuleError
		if !errors.As(err, &rule) || rule.Rule != RuleRoleNotPermitted {
			t.Errorf("%s: got %v, want %s", role, err, RuleRoleNotPermitted)
		}
	}
}
