package httpapi_test

import (
	"fmt"
	"slices"
	"testing"
)

// The mastery answer lists at most evidenceLimit evidence ids per
// component, the most recent, with the count of them all and a link to
// the pages of the whole list; following the pages gives every current
// piece once, in stream order, a retracted one left out.
func TestMasteryEvidenceIsPaged(t *testing.T) {
	a := newAPI(t, stores[0])
	a.school()
	const l = "/v1/learners/l-0001"
	var ids []string
	for i := range 7 {
		ids = append(ids, a.must(201, "POST", l+"/evidence", teacherToken, evidence("c2", 2+i%2, "teacher")).json(t)["eventId"].(string))
	}
	a.must(201, "POST", l+"/evidence", teacherToken, evidence("c1", 3, "self"))
	a.must(201, "POST", l+"/evidence/"+ids[5]+"/retraction", teacherToken, obj{"reason": "wrong rubric"})
	current := slices.Delete(slices.Clone(ids), 5, 6)

	component := func(m obj, id string) obj {
		for _, c := range m["components"].([]any) {
			if c.(obj)["id"] == id {
				return c.(obj)
			}
		}
		t.Fatalf("no component %s in %v", id, m)
		return nil
	}
	strs := func(v any) []string {
		var out []string
		for _, x := range v.([]any) {
			out = append(out, x.(string))
		}
		return out
	}

	// The default limit (100) lists them all, as before: no link.
	c2 := component(a.must(200, "GET", l+"/mastery/math-6-rp-1", teacherToken, nil).json(t), "c2")
	if got := strs(c2["evidenceIds"]); !slices.Equal(got, current) || c2["evidenceCount"] != float64(6) || c2["evidenceMore"] != nil || c2["proficientCount"] != float64(2) {
		t.Errorf("c2 with the default limit: %v, want ids %v, count 6, 2 proficient (levels 3 of 1 and 3; 5 retracted), no link", c2, current)
	}
	c1 := component(a.must(200, "GET", l+"/mastery/math-6-rp-1", teacherToken, nil).json(t), "c1")
	if c1["covered"] != true || c1["selfOnly"] != true || c1["evidenceCount"] != float64(1) {
		t.Errorf("c1: %v", c1)
	}

	// A limit of 2: the two most recent, the count of all, a link.
	c2 = component(a.must(200, "GET", l+"/mastery/math-6-rp-1?evidenceLimit=2", teacherToken, nil).json(t), "c2")
	more, _ := c2["evidenceMore"].(string)
	if got := strs(c2["evidenceIds"]); !slices.Equal(got, current[4:]) || c2["evidenceCount"] != float64(6) || more == "" || c2["level"] != float64(3) {
		t.Fatalf("c2 with evidenceLimit=2: %v, want ids %v, count 6 and a link", c2, current[4:])
	}
	all := a.must(200, "GET", l+"/mastery?evidenceLimit=0", teacherToken, nil).json(t)
	if c := component(all["standards"].([]any)[0].(obj), "c2"); len(c["evidenceIds"].([]any)) != 0 || c["evidenceMore"] == nil {
		t.Errorf("every standard, evidenceLimit=0: %v", c)
	}

	// Following the link three at a time gives the whole list.
	var paged []string
	next := more + "&limit=3"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("the pages never end")
		}
		p := a.must(200, "GET", next, learnerToken, nil).json(t)
		for _, e := range p["evidence"].([]any) {
			if e.(obj)["componentId"] != "c2" {
				t.Errorf("a piece of another component: %v", e)
			}
			paged = append(paged, e.(obj)["evidenceId"].(string))
		}
		next, _ = p["next"].(string)
	}
	if !slices.Equal(paged, current) {
		t.Errorf("paged %v, want %v", paged, current)
	}
	// Every component of the standard: the c1 piece comes last.
	p := a.must(200, "GET", l+"/standards/math-6-rp-1/evidence", auditorToken, nil).json(t)
	if n := len(p["evidence"].([]any)); n != 7 || p["next"] != nil {
		t.Errorf("the whole standard: %d pieces, next %v", n, p["next"])
	}

	for _, c := range []struct {
		path  string
		token string
		want  int
	}{
		{l + "/mastery/math-6-rp-1?evidenceLimit=1001", teacherToken, 400},
		{l + "/mastery?evidenceLimit=x", teacherToken, 400},
		{l + "/standards/math-6-rp-1/evidence?limit=0", teacherToken, 400},
		{l + "/standards/math-6-rp-1/evidence?limit=1001", teacherToken, 400},
		{l + "/standards/math-6-rp-1/evidence?after=-1", teacherToken, 400},
		{l + "/standards/math-6-rp-1/evidence?componentId=..", teacherToken, 400},
		{l + "/standards/math-6-rp-1/evidence?componentId=c9", teacherToken, 404},
		{l + "/standards/no-such/evidence", teacherToken, 404},
		{l + "/standards/math-6-rp-1/evidence", otherLearner, 403},
		{l + "/standards/math-6-rp-1/evidence", otherTeacher, 404},
		{"/v1/learners/l-9999/standards/math-6-rp-1/evidence", teacherToken, 404},
	} {
		t.Run(fmt.Sprintf("%s as %.8s", c.path, c.token), func(t *testing.T) { a.must(c.want, "GET", c.path, c.token, nil) })
	}
}
