package httpapi_test

import (
	"strings"
	"testing"
)

// A teacher asking about a learner of another school hears exactly what
// they would about a learner who does not exist, on reads and writes
// alike, so that learner ids cannot be probed across schools.
func TestTeacherCannotTellAnotherSchoolsLearnerFromNoOne(t *testing.T) {
	a := newAPI(t, stores[0])
	a.school() // l-0001 is at north; otherTeacher teaches at south
	for _, c := range []struct {
		method, route string
		body          any
	}{
		{"GET", "/mastery", nil},
		{"GET", "/events", nil},
		{"POST", "/evidence", evidence("c1", 3, "teacher")},
	} {
		before := a.lastPosition()
		exists := a.do(c.method, "/v1/learners/l-0001"+c.route, otherTeacher, c.body)
		none := a.do(c.method, "/v1/learners/l-9999"+c.route, otherTeacher, c.body)
		if a.lastPosition() != before {
			t.Fatalf("%s %s: a refused write was stored", c.method, c.route)
		}
		if exists.status != 404 || none.status != 404 {
			t.Errorf("%s %s: another school's learner %d, no learner %d; want 404 for both", c.method, c.route, exists.status, none.status)
			continue
		}
		e, n := exists.json(t), none.json(t)
		for _, k := range []string{"type", "title", "detail"} {
			ev := strings.ReplaceAll(e[k].(string), "l-0001", "ID")
			nv := strings.ReplaceAll(n[k].(string), "l-9999", "ID")
			if ev != nv {
				t.Errorf("%s %s: %s differs: %q for another school's learner, %q for no one", c.method, c.route, k, e[k], n[k])
			}
		}
	}
}
