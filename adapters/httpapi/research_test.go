package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// researchLines parses a research feed page.
func researchLines(t *testing.T, body []byte) []struct {
	Type   string
	Stream string
	Data   map[string]any
} {
	t.Helper()
	var out []struct {
		Type   string
		Stream string
		Data   map[string]any
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var e struct {
			Type   string
			Stream string
			Data   map[string]any
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// Free text stays out of the research feed until an admin shares the
// school's; then learner ids in it are pseudonyms. The efficacy report a
// researcher reads names the learner of a win by the feed's pseudonym.
func TestResearchSharingOverHTTP(t *testing.T) {
	onEveryStore(t, researchSharingOverHTTP)
}

func researchSharingOverHTTP(t *testing.T, a *api) {
	a.school()
	const l = "/v1/learners/l-0001"
	peer := evidence("c1", 3, "peer")
	peer["assessor"], peer["note"] = "l-0002", "Jamie and l-0002 compared tables."
	a.must(201, "POST", l+"/evidence", teacherToken, peer)
	a.must(201, "POST", l+"/evidence", teacherToken, evidence("c2", 3, "teacher"))
	a.must(201, "POST", l+"/evidence", teacherToken, evidence("c3", 3, "teacher"))
	a.must(201, "POST", l+"/agreements", teacherToken, obj{"standardId": "math-6-rp-1", "learnerConfirmed": true, "note": "Jamie is ready"})
	a.must(201, "POST", l+"/summative-attempts", teacherToken, obj{"standardId": "math-6-rp-1", "level": 3})

	// Refused settings write nothing.
	before := a.lastPosition()
	a.must(403, "PUT", "/v1/schools/north/research-sharing", teacherToken, obj{"includeFreeText": true})
	if p := a.must(400, "PUT", "/v1/schools/north/research-sharing", adminToken, obj{}); !bytes.Contains(p.body, []byte("includeFreeText")) {
		t.Errorf("a setting without includeFreeText: %s, want the field named", p.body)
	}
	a.must(400, "PUT", "/v1/schools/north/research-sharing", adminToken, obj{"includeFreeText": "yes"})
	a.must(404, "PUT", "/v1/schools/nowhere/research-sharing", adminToken, obj{"includeFreeText": true})
	if a.lastPosition() != before {
		t.Fatal("a refused setting appended")
	}

	feed := a.must(200, "GET", "/v1/events", researcherToken, nil)
	for _, leak := range []string{"l-0001", "l-0002", "Jamie", `"salt"`} {
		if bytes.Contains(feed.body, []byte(leak)) {
			t.Errorf("by default the research feed holds %q", leak)
		}
	}
	// Join: the peer assessor is l-0002's pseudonym, as in l-0002's
	// enrolment.
	pseudonyms := map[string]string{} // the enrolment's learnerId → its stream's id
	var assessor any
	for _, e := range researchLines(t, feed.body) {
		if e.Type == "LearnerEnrolled" {
			id, _ := e.Data["learnerId"].(string)
			pseudonyms[id] = strings.TrimPrefix(e.Stream, "learner-")
		}
		if e.Type == "EvidenceRecorded" && e.Data["source"] == "peer" {
			assessor = e.Data["assessor"]
		}
	}
	if len(pseudonyms) != 2 {
		t.Fatalf("enrolments in the research feed: %v", pseudonyms)
	}
	var p1, p2 string
	for id := range pseudonyms {
		if id != pseudonyms[id] {
			t.Errorf("enrolment of %s in stream of %s", id, pseudonyms[id])
		}
		if p1 == "" {
			p1 = id
		} else {
			p2 = id
		}
	}
	if assessor != p1 && assessor != p2 || !strings.HasPrefix(assessor.(string), "p-") {
		t.Errorf("peer assessor %v, want a learner's pseudonym of %v", assessor, pseudonyms)
	}

	a.must(201, "PUT", "/v1/schools/north/research-sharing", adminToken, obj{"includeFreeText": true})
	shared := a.must(200, "GET", "/v1/events", researcherToken, nil)
	if bytes.Contains(shared.body, []byte("l-0001")) || bytes.Contains(shared.body, []byte("l-0002")) {
		t.Errorf("the shared free text holds a raw learner id:\n%s", shared.body)
	}
	if want := "Jamie and " + assessor.(string) + " compared tables."; !bytes.Contains(shared.body, []byte(want)) {
		t.Errorf("the shared feed lacks the note %q", want)
	}

	// Efficacy: the researcher's wins name the feed's pseudonym, the
	// teacher's the learner.
	eff := a.must(200, "GET", "/v1/schools/north/efficacy?winsLimit=100", researcherToken, nil)
	if bytes.Contains(eff.body, []byte("l-0001")) {
		t.Errorf("the researcher's efficacy report holds l-0001: %s", eff.body)
	}
	var report struct {
		Wins []struct{ LearnerID string }
	}
	if err := json.Unmarshal(eff.body, &report); err != nil {
		t.Fatal(err)
	}
	if len(report.Wins) != 1 || (report.Wins[0].LearnerID != p1 && report.Wins[0].LearnerID != p2) || report.Wins[0].LearnerID == assessor {
		t.Errorf("researcher's wins %+v, want l-0001's pseudonym (feed pseudonyms %v, l-0002's %v)", report.Wins, pseudonyms, assessor)
	}
	if raw := a.must(200, "GET", "/v1/schools/north/efficacy?winsLimit=100", teacherToken, nil); !bytes.Contains(raw.body, []byte(`"learnerId":"l-0001"`)) {
		t.Errorf("the teacher's efficacy report is not raw: %s", raw.body)
	}
}
