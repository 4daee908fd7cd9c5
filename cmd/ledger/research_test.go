package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/efficacy"
)

// researchLine is a line of the research feed or export, as a researcher
// reads it.
type researchLine struct {
	ID         uuid.UUID       `json:"eventId"`
	Type       string          `json:"type"`
	Stream     string          `json:"stream"`
	Revision   uint64          `json:"revision"`
	Position   uint64          `json:"position"`
	RecordedAt time.Time       `json:"recordedAt"`
	OccurredAt time.Time       `json:"occurredAt"`
	Actor      domain.Actor    `json:"actor"`
	Salt       string          `json:"salt"`
	PrevHash   string          `json:"prevHash"`
	Hash       string          `json:"hash"`
	Data       json.RawMessage `json:"data"`
}

func parseCopies(t *testing.T, body []byte) []researchLine {
	t.Helper()
	var out []researchLine
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var c researchLine
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("a research line does not parse: %v\n%s", err, sc.Bytes())
		}
		out = append(out, c)
	}
	return out
}

// researcherView is everything a researcher can read of a running ledger.
type researcherView struct {
	answers [][]byte       // every body, as read
	feed    []researchLine // the feed's events
	wins    []string       // the wins' learnerIds, every school
	proofs  map[uuid.UUID]string
}

func get(t *testing.T, url, token string) (http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%s", url, resp.StatusCode, err, body)
	}
	return resp.Header, body
}

// collect reads, with the researcher's token and the public routes, every
// page of the feed, every school's efficacy report with the most wins, the
// standards, the log's checkpoint and the inclusion proof of every event in
// the feed.
func collect(t *testing.T, url, token string, schools []string) researcherView {
	t.Helper()
	rv := researcherView{proofs: make(map[uuid.UUID]string)}
	after := "0"
	for {
		h, body := get(t, url+"/v1/events?limit=500&after="+after, token)
		rv.answers = append(rv.answers, body)
		rv.feed = append(rv.feed, parseCopies(t, body)...)
		last := h.Get("Ledger-Last-Position")
		if last == after {
			break
		}
		after = last
	}
	for _, s := range schools {
		_, body := get(t, fmt.Sprintf("%s/v1/schools/%s/efficacy?winsLimit=%d", url, s, efficacy.MaxWinsLimit), token)
		rv.answers = append(rv.answers, body)
		var r struct{ Wins []struct{ LearnerID string } }
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		for _, w := range r.Wins {
			rv.wins = append(rv.wins, w.LearnerID)
		}
	}
	_, body := get(t, url+"/v1/standards", token)
	rv.answers = append(rv.answers, body)
	_, body = get(t, url+"/v1/log/checkpoint", "")
	rv.answers = append(rv.answers, body)
	for _, c := range rv.feed {
		_, body := get(t, url+"/v1/log/proof/inclusion?eventId="+c.ID.String(), "")
		rv.answers = append(rv.answers, body)
		var p struct{ EventHash string }
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		rv.proofs[c.ID] = p.EventHash
	}
	return rv
}

// TestResearcherCannotReidentify plays the attacker over the demo school:
// a researcher collects everything they can read (the feed, every school's
// efficacy report, the standards, the public log's checkpoint and an
// inclusion proof for every event, the research export), with free text
// left out and then shared, and tries to map a pseudonym back to a learner.
func TestResearcherCannotReidentify(t *testing.T) {
	dir, tokens := demoCopy(t)

	// What the ledger knows: every enrolled learner and every school.
	store := openStore(t, dir)
	var learners, schools []string
	for _, e := range readAllEvents(t, store) {
		switch e.Type {
		case domain.TypeLearnerEnrolled:
			_, id, _ := domain.ParseStream(e.Stream)
			learners = append(learners, id)
		case domain.TypeSchoolRegistered:
			_, id, _ := domain.ParseStream(e.Stream)
			schools = append(schools, id)
		}
	}
	store.Close()
	if len(learners) < 30 || len(schools) == 0 {
		t.Fatalf("the demo enrolled %d learners at %v", len(learners), schools)
	}

	url, stop := startServe(t, "--data", dir)
	// Bait: a teacher types other learners' ids where free text and a
	// peer's name go, and into an artifact's address.
	bait := map[string]any{"standardId": "math-6-rp-1", "componentId": "c1", "level": 3, "source": "peer",
		"assessor": learners[2], "note": fmt.Sprintf("Checked with %s and %s.", learners[2], learners[3]),
		"artifact": map[string]any{"uri": "https://files.example/" + learners[1] + "/table.pdf", "sha256": strings.Repeat("ab", 32), "mediaType": "application/pdf"}}
	if code, body := call(t, "POST", url+"/v1/learners/"+learners[1]+"/evidence", tokens[domain.RoleTeacher], bait); code != http.StatusCreated {
		t.Fatalf("bait evidence: %d %s", code, body)
	}
	views := []researcherView{collect(t, url, tokens[domain.RoleResearcher], schools)}
	for _, s := range schools {
		if code, body := call(t, "PUT", url+"/v1/schools/"+s+"/research-sharing", tokens[domain.RoleAdmin], map[string]any{"includeFreeText": true}); code != http.StatusCreated {
			t.Fatalf("share free text of %s: %d %s", s, code, body)
		}
	}
	views = append(views, collect(t, url, tokens[domain.RoleResearcher], schools))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	var export strings.Builder
	if err := run(t.Context(), []string{"export", "--data", dir, "--pseudonymise"}, noEnv, &export, io.Discard); err != nil {
		t.Fatal(err)
	}
	exported := parseCopies(t, []byte(export.String()))
	if !strings.Contains(export.String(), "Checked with ") {
		t.Error("the export leaves out the free text the school shares: the bait is not in the copy")
	}

	var everything [][]byte
	for _, v := range views {
		everything = append(everything, v.answers...)
	}
	everything = append(everything, []byte(export.String()))

	t.Run("no raw learner id anywhere", func(t *testing.T) {
		for _, id := range learners {
			for _, body := range everything {
				if i := bytes.Index(body, []byte(id)); i >= 0 {
					t.Errorf("a researcher reads learner id %s: …%s…", id, body[max(0, i-80):min(len(body), i+80)])
					break
				}
			}
		}
	})

	t.Run("pseudonyms join only with each other", func(t *testing.T) {
		streams := map[string]bool{}
		raw := map[string]bool{}
		for _, id := range learners {
			raw[id] = true
		}
		for _, v := range views {
			for _, c := range v.feed {
				cat, id, _ := domain.ParseStream(c.Stream)
				if cat != domain.LearnerCategory {
					continue
				}
				if raw[id] || !strings.HasPrefix(id, "p-") {
					t.Fatalf("stream %s is not pseudonymous", c.Stream)
				}
				streams[id] = true
				if c.Type == domain.TypeLearnerEnrolled {
					var d struct{ LearnerID string }
					if err := json.Unmarshal(c.Data, &d); err != nil || d.LearnerID != id {
						t.Errorf("the enrolment in %s names %q", c.Stream, d.LearnerID)
					}
				}
				if c.Actor.Role == domain.RoleLearner && c.Actor.Name != id {
					t.Errorf("a learner's event in %s has actor %q", c.Stream, c.Actor.Name)
				}
			}
		}
		if len(streams) != len(learners) {
			t.Errorf("%d pseudonymous streams for %d learners", len(streams), len(learners))
		}
		// The bait's peer assessor is a learner's pseudonym.
		peers := 0
		for _, v := range views {
			for _, c := range v.feed {
				var d struct{ Source, Assessor string }
				if c.Type != domain.TypeEvidenceRecorded || json.Unmarshal(c.Data, &d) != nil || !strings.HasPrefix(d.Assessor, "p-") {
					continue
				}
				peers++
				if !streams[d.Assessor] {
					t.Errorf("assessor %s is no stream's pseudonym", d.Assessor)
				}
			}
		}
		if peers == 0 {
			t.Error("no peer assessor is pseudonymised: the bait is not in the feed")
		}
		for _, v := range views {
			if len(v.wins) == 0 {
				t.Fatal("no wins to join")
			}
			for _, w := range v.wins {
				if raw[w] || !streams[w] {
					t.Errorf("win names %q: not a pseudonym of the feed", w)
				}
			}
		}
		for _, c := range exported {
			if cat, id, _ := domain.ParseStream(c.Stream); cat == domain.LearnerCategory && !streams[id] {
				t.Errorf("the export's stream %s is not the feed's", c.Stream)
			}
		}
	})

	t.Run("no salt in the copy", func(t *testing.T) {
		for _, c := range append(views[1].feed, exported...) {
			if c.Salt != "" {
				t.Fatalf("event %s's copy holds its salt", c.ID)
			}
		}
	})

	t.Run("dictionary of ids finds no stream", func(t *testing.T) {
		found := dictionaryAttack(t, views[1], 10_000)
		if len(found) > 0 {
			t.Errorf("the dictionary l-0000…l-9999 re-identified %d of the research copy's pseudonymous streams: %v", len(found), found)
		}
	})
}

// dictionaryAttack tries every id l-0000 … l-(n-1) as the learner behind
// each pseudonymous stream of the feed: it rebuilds the stream's first two
// events with the candidate in the pseudonym's place (the stream name, a
// learner actor, the data in the catalog's canonical encoding), with every
// other input from the copy and the prevHash from the log's proof of the
// previous event, and compares the hash with the copy's and the log's. It
// returns pseudonym → id for every stream it re-identified.
func dictionaryAttack(t *testing.T, rv researcherView, n int) map[string]string {
	t.Helper()
	byStream := map[string][]researchLine{}
	for _, c := range rv.feed {
		if cat, id, _ := domain.ParseStream(c.Stream); cat == domain.LearnerCategory && c.Revision < 2 {
			byStream[id] = append(byStream[id], c)
		}
	}
	prevOf := func(pseudo string, c researchLine) string {
		if c.Revision == 0 {
			return domain.ZeroHash
		}
		if c.PrevHash != "" {
			return c.PrevHash
		}
		for _, p := range byStream[pseudo] {
			if p.Revision == c.Revision-1 {
				return rv.proofs[p.ID]
			}
		}
		return ""
	}
	found := map[string]string{}
	for pseudo, evs := range byStream {
		for _, c := range evs {
			targets := map[string]bool{rv.proofs[c.ID]: true}
			if c.Hash != "" {
				targets[c.Hash] = true
			}
			prev := prevOf(pseudo, c)
			for i := range n {
				cand := "l-" + fmt.Sprintf("%04d", i)
				guess := domain.RecordedEvent{ID: c.ID, Type: c.Type, Stream: domain.LearnerStream(cand), Revision: c.Revision,
					RecordedAt: c.RecordedAt, OccurredAt: c.OccurredAt, Actor: c.Actor, PrevHash: prev,
					Data: canonical(bytes.ReplaceAll(c.Data, []byte(pseudo), []byte(cand)), c.Type)}
				if guess.Actor.Role == domain.RoleLearner {
					guess.Actor.Name = cand
				}
				if targets[domain.EventHash(guess)] {
					found[pseudo] = cand
					break
				}
			}
			if found[pseudo] != "" {
				break
			}
		}
	}
	return found
}

// canonical re-encodes data as a decision of the catalog would have, so the
// attacker does not depend on the copy's member order.
func canonical(data []byte, typ string) []byte {
	ev, err := domain.DecodeEvent(domain.RecordedEvent{Type: typ, Data: data})
	if err != nil {
		return data
	}
	out, err := domain.EncodeJSON(ev)
	if err != nil {
		return data
	}
	return out
}

func TestMedianDays(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want string
	}{
		{nil, ""},
		{[]float64{3.5}, "3.5"},
		{[]float64{2, 9, 4}, "4"},
		// (12 + 12.816) / 2 is 12.408000000000001 in binary arithmetic.
		{[]float64{12.816, 12}, "12.408"},
		{[]float64{1.001, 1.002}, "1.0015"},
	} {
		if got := numCell(median(tc.in)); got != tc.want {
			t.Errorf("median(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
