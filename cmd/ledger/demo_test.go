package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/keystore"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

// The package's tests share one demo data directory: writing the school
// takes a few seconds, more under the race detector. Tests that use it run
// one after the other (none is parallel), since one process at a time may
// open a store.
var shared struct {
	once  sync.Once
	root  string
	dir   string
	guide string
	err   error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.root != "" {
		os.RemoveAll(shared.root)
	}
	os.Exit(code)
}

// demoData returns the shared demo's data directory and the guide it printed.
func demoData(t *testing.T) (dir, guide string) {
	t.Helper()
	shared.once.Do(func() {
		if shared.root, shared.err = os.MkdirTemp("", "ledger-demo-"); shared.err != nil {
			return
		}
		shared.dir = filepath.Join(shared.root, "data")
		var out strings.Builder
		shared.err = run(context.Background(), []string{"demo", "--data", shared.dir}, noEnv, &out, io.Discard)
		shared.guide = out.String()
	})
	if shared.err != nil {
		t.Fatalf("demo: %v", shared.err)
	}
	return shared.dir, shared.guide
}

// openStore opens the store in dir until the test ends.
func openStore(t *testing.T, dir string) *sqlite.Store {
	t.Helper()
	store, err := sqlite.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

func readAllEvents(t *testing.T, store domain.EventStore) []domain.RecordedEvent {
	t.Helper()
	evs, err := store.ReadAll(t.Context(), 0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func rebuiltView(t *testing.T, store *sqlite.Store) *projections.View {
	t.Helper()
	view := projections.NewView(store)
	if _, err := projections.Rebuild(t.Context(), store, view); err != nil {
		t.Fatal(err)
	}
	return view
}

func TestDemoFillsAFreshDataDirectory(t *testing.T) {
	dir, guide := demoData(t)
	ctx := t.Context()
	r, err := verifyDataDir(ctx, dir, storeConfig{}, "", nil)
	if err != nil {
		t.Fatalf("the demo's store does not verify: %v", err)
	}
	store := openStore(t, dir)
	if want := "(" + strconv.FormatUint(r.events, 10) + " events,"; !strings.Contains(guide, want) {
		t.Errorf("the guide does not say %q:\n%s", want, guide)
	}

	evs := readAllEvents(t, store)
	types := map[string]int{}
	sources := map[domain.Source]bool{}
	var learners []string
	for _, e := range evs {
		types[e.Type]++
		switch e.Type {
		case domain.TypeLearnerEnrolled:
			var ev domain.LearnerEnrolled
			if err := json.Unmarshal(e.Data, &ev); err != nil {
				t.Fatal(err)
			}
			learners = append(learners, ev.LearnerID)
		case domain.TypeEvidenceRecorded:
			var ev domain.EvidenceRecorded
			if err := json.Unmarshal(e.Data, &ev); err != nil {
				t.Fatal(err)
			}
			sources[ev.Source] = true
		}
	}
	if len(learners) != demoLearners || !slices.Contains(learners, "l-0001") || !slices.Contains(learners, "l-0030") {
		t.Errorf("enrolled %d learners %v, want l-0001 to l-0030", len(learners), learners)
	}
	for _, s := range []domain.Source{domain.SourceTechnology, domain.SourcePeer, domain.SourceTeacher, domain.SourceExpert, domain.SourceAuthenticAudience, domain.SourceSelf} {
		if !sources[s] {
			t.Errorf("no evidence from source %s", s)
		}
	}
	for _, typ := range []string{domain.TypeStandardPublished, domain.TypeSchoolRegistered, domain.TypePreAssessmentRecorded, domain.TypeEvidenceRetracted,
		domain.TypeFeedbackGiven, domain.TypeGoalSet, domain.TypePlanDrafted, domain.TypePlanAdjusted, domain.TypeGoalEvaluated, domain.TypeGoalReviewed,
		domain.TypeLearnerProfileUpdated, domain.TypeReadinessAgreed, domain.TypeSummativeAttemptRecorded, domain.TypeEfficacySurveyRecorded} {
		if types[typ] == 0 {
			t.Errorf("no %s event", typ)
		}
	}
	// The demo's own instrument: one version, one round, its responses
	// naming it, reverse-keyed items in both subscales.
	if types[domain.TypeSurveyInstrumentPublished] != 1 || types[domain.TypeSurveyRoundOpened] != 1 || types[domain.TypeEfficacySurveyRecorded] != 36 {
		t.Errorf("survey events: %d instruments, %d rounds opened, %d responses; want 1, 1 and 2×15 + 6",
			types[domain.TypeSurveyInstrumentPublished], types[domain.TypeSurveyRoundOpened], types[domain.TypeEfficacySurveyRecorded])
	}
	for _, e := range evs {
		if e.Type != domain.TypeSurveyInstrumentPublished {
			continue
		}
		var ev domain.SurveyInstrumentPublished
		if err := json.Unmarshal(e.Data, &ev); err != nil {
			t.Fatal(err)
		}
		reversed := map[string]bool{}
		for _, it := range ev.Items {
			if it.ReverseKeyed {
				reversed[it.Subscale] = true
			}
		}
		if len(ev.Subscales) != 2 || len(reversed) != 2 {
			t.Errorf("demo instrument: %d subscales, reverse-keyed items in %d; want 2 and 2", len(ev.Subscales), len(reversed))
		}
	}
	// The practice reviews: two started, one concluded (demoReviews).
	if types[domain.TypePracticeReviewStarted] != 2 || types[domain.TypePracticeReviewConcluded] != 1 {
		t.Errorf("practice review events: %d started, %d concluded; want 2 and 1",
			types[domain.TypePracticeReviewStarted], types[domain.TypePracticeReviewConcluded])
	}
	if !strings.Contains(guide, "  2 practice reviews, 1 concluded (") {
		t.Errorf("the guide does not count the practice reviews:\n%s", guide)
	}
	if c := types[domain.TypeStandardPublished]; c < 3 || c > 4 {
		t.Errorf("%d standards, want 3 or 4", c)
	}

	// Profiles are stored sealed, as a served ledger stores them, and open
	// under the keys in the data directory.
	sealer := demoSealer(t, dir)
	for _, e := range evs {
		if e.Type != domain.TypeLearnerProfileUpdated {
			continue
		}
		if !strings.HasPrefix(string(e.Data), `{"sealed":{"alg":"A256GCM",`) || strings.Contains(string(e.Data), "Fractions") {
			t.Fatalf("profile %s is not sealed: %s", e.ID, e.Data)
		}
		if p, err := sealer.Open(ctx, e); err != nil || !slices.Contains(demoNames, p.DisplayName) {
			t.Fatalf("profile %s opens as %+v, %v", e.ID, p, err)
		}
	}

	// Improvement cycles: effort turning into proficiency, and learners
	// still on their way.
	persisted := persistedClaims(t, evs)
	view := rebuiltView(t, store)
	var notMet int
	for _, l := range learners {
		for _, std := range view.Standards() {
			m, err := view.StandardMastery(ctx, l, std.StandardID, nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.Status != domain.StatusMet {
				notMet++
			}
		}
	}
	if len(persisted) == 0 || !persisted["l-0001 math-6-rp-1"] || notMet == 0 {
		t.Errorf("claims met after a not-yet attempt and a plan adjustment: %v; %d claims not met: want some of each", persisted, notMet)
	}

	// The tokens file: one token per role, readable by its owner only.
	path := filepath.Join(dir, "tokens.json")
	if _, err := httpapi.LoadTokens(path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("tokens file mode %v, want 0600", fi.Mode().Perm())
	}
	creds := readCreds(t, path)
	roles := map[string]httpapi.Entry{}
	for _, c := range creds {
		roles[c.Role] = c
	}
	if len(creds) != 5 || len(roles) != 5 {
		t.Fatalf("tokens file: %+v, want one token for each of the 5 roles", creds)
	}
	if c := roles[domain.RoleTeacher]; c.School != "north" || c.Name != "Ms Rivera" {
		t.Errorf("teacher token: %+v", c)
	}
	if c := roles[domain.RoleLearner]; c.Learner != "l-0001" {
		t.Errorf("learner token: %+v", c)
	}

	// The guide: the tokens as export lines, the serve command, curls on a
	// claim that is met.
	exports := regexp.MustCompile(`(?m)^export ([A-Z]+)_TOKEN=([0-9a-f]{64})  # `).FindAllStringSubmatch(guide, -1)
	if len(exports) != 5 {
		t.Fatalf("the guide has %d export lines, want 5:\n%s", len(exports), guide)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range exports {
		if c, d := roles[strings.ToLower(m[1])], sha256.Sum256([]byte(m[2])); c.SHA256 != hex.EncodeToString(d[:]) {
			t.Errorf("export %s_TOKEN is not the %s token of the tokens file", m[1], strings.ToLower(m[1]))
		}
		if strings.Contains(string(file), m[2]) {
			t.Errorf("the tokens file holds the %s token in plain text", strings.ToLower(m[1]))
		}
	}
	if !strings.Contains(guide, "go run ./cmd/ledger serve --data "+dir+"\n") || !strings.Contains(guide, "go run ./cmd/ledger verify --data "+dir+"\n") {
		t.Errorf("the guide lacks the serve or verify command:\n%s", guide)
	}
	curl := regexp.MustCompile(`curl -s -H "Authorization: Bearer \$([A-Z]+)_TOKEN" http://127\.0\.0\.1:8080/v1/learners/([A-Za-z0-9._-]+)/standards/([A-Za-z0-9._-]+)/replay`).FindStringSubmatch(guide)
	if curl == nil {
		t.Fatalf("no replay curl in the guide:\n%s", guide)
	}
	m, err := view.StandardMastery(ctx, curl[2], curl[3], nil)
	if err != nil || m.Status != domain.StatusMet {
		t.Fatalf("the guide's claim %s on %s: %v, status %q, want met", curl[2], curl[3], err, m.Status)
	}
	for _, path := range []string{"/v1/learners/" + curl[2] + "/mastery", "/v1/learners/" + curl[2] + "/transcript", "/v1/schools/north/efficacy"} {
		if !strings.Contains(guide, path+"\n") {
			t.Errorf("the guide has no curl of %s", path)
		}
	}
}

// persistedClaims returns the claims ("learner standard") met after a
// not-yet attempt followed by a plan adjustment of a goal that lists the
// standard.
func persistedClaims(t *testing.T, evs []domain.RecordedEvent) map[string]bool {
	t.Helper()
	goals := map[string][]string{} // learner goal -> standards
	stage := map[string]int{}      // claim -> 1 after a not-yet, 2 after an adjustment too
	out := map[string]bool{}
	for _, e := range evs {
		_, learner, _ := domain.ParseStream(e.Stream)
		switch e.Type {
		case domain.TypeGoalSet:
			var g domain.GoalSet
			if err := json.Unmarshal(e.Data, &g); err != nil {
				t.Fatal(err)
			}
			goals[learner+" "+g.GoalID] = g.StandardIDs
		case domain.TypePlanAdjusted:
			var a domain.PlanAdjusted
			if err := json.Unmarshal(e.Data, &a); err != nil {
				t.Fatal(err)
			}
			for _, std := range goals[learner+" "+a.GoalID] {
				if claim := learner + " " + std; stage[claim] == 1 {
					stage[claim] = 2
				}
			}
		case domain.TypeSummativeAttemptRecorded:
			var a domain.SummativeAttemptRecorded
			if err := json.Unmarshal(e.Data, &a); err != nil {
				t.Fatal(err)
			}
			claim := learner + " " + a.StandardID
			switch {
			case !a.Meets && stage[claim] == 0:
				stage[claim] = 1
			case a.Meets && stage[claim] == 2:
				out[claim] = true
			}
		}
	}
	return out
}

func readCreds(t *testing.T, path string) []httpapi.Entry {
	t.Helper()
	entries, plain, err := httpapi.ReadTokenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if plain > 0 {
		t.Errorf("%s keeps %d tokens in plain text", path, plain)
	}
	return entries
}

func TestDemoRefusesADataDirectoryWithEvents(t *testing.T) {
	dir, _ := demoData(t)
	tokens, err := os.ReadFile(filepath.Join(dir, "tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	before := countEvents(t, dir)

	var out strings.Builder
	err = run(t.Context(), []string{"demo", "--data", dir}, noEnv, &out, io.Discard)
	if err == nil || errors.Is(err, errUsage) || exitCode(err) != 1 || !strings.Contains(err.Error(), "already holds") {
		t.Fatalf("demo on a data directory with events: got %v, want a refusal (exit 1) saying it already holds events", err)
	}
	if out.Len() != 0 {
		t.Errorf("a refused demo printed %q", out.String())
	}
	if after := countEvents(t, dir); after != before {
		t.Errorf("a refused demo changed the store: %d events, then %d", before, after)
	}
	if now, _ := os.ReadFile(filepath.Join(dir, "tokens.json")); string(now) != string(tokens) {
		t.Error("a refused demo rewrote the tokens file")
	}
}

func countEvents(t *testing.T, dir string) int {
	t.Helper()
	store, err := sqlite.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	return int(store.LastPosition())
}

// Every run writes the same content, whatever the number of learners and
// the order their concurrent appends took; a tokens file already there keeps
// its entries.
func TestDemoContentIsFixedAndKeepsExistingTokens(t *testing.T) {
	full, _ := demoData(t)
	small := t.TempDir()
	path, _, err := httpapi.EnsureAdminTokens(small)
	if err != nil {
		t.Fatal(err)
	}
	before := readCreds(t, path)
	if err := fillDemo(t.Context(), small, 1, io.Discard); err != nil {
		t.Fatal(err)
	}
	a, b := streamContents(t, small), streamContents(t, full)
	if len(a) != 1+len(demoStandards)+1 {
		t.Errorf("%d streams, want 1 learner, %d standards and the school", len(a), len(demoStandards))
	}
	// The practice reviews name the learners the run wrote and record
	// figures computed from their terms, so they differ with the number
	// of learners: the school's stream is compared without them, and both
	// runs start and conclude the same reviews.
	for _, run := range []map[string][]string{a, b} {
		school := domain.SchoolStream(demoSchool)
		var kept, reviews []string
		for _, line := range run[school] {
			if typ, _, _ := strings.Cut(line, " "); strings.HasPrefix(typ, "PracticeReview") {
				reviews = append(reviews, typ)
				continue
			}
			kept = append(kept, line)
		}
		run[school] = kept
		if want := []string{domain.TypePracticeReviewStarted, domain.TypePracticeReviewStarted, domain.TypePracticeReviewConcluded}; !slices.Equal(reviews, want) {
			t.Errorf("practice review events %v, want %v", reviews, want)
		}
	}
	for stream, evs := range a {
		if !slices.Equal(evs, b[stream]) {
			t.Errorf("stream %s differs between two runs:\n%s\n---\n%s", stream, strings.Join(evs, "\n"), strings.Join(b[stream], "\n"))
		}
	}

	after := readCreds(t, path)
	if len(after) != len(before)+5 || after[0].ID != before[0].ID || after[0].SHA256 != before[0].SHA256 {
		t.Errorf("tokens file after the demo: %+v, want the existing %+v and 5 more", after, before)
	}
	if _, err := httpapi.LoadTokens(path); err != nil {
		t.Error(err)
	}
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// demoSealer opens the profiles of the data directory dir.
func demoSealer(t *testing.T, dir string) *keystore.Sealer {
	t.Helper()
	keys, err := keystore.Open(keysDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	return keystore.NewSealer(keys)
}

// streamContents lists each stream's events without what differs from run
// to run: ids, recording times, positions and hashes, and the sealing of a
// profile (each data directory has its own keys), which is opened.
func streamContents(t *testing.T, dir string) map[string][]string {
	t.Helper()
	store, err := sqlite.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sealer := demoSealer(t, dir)
	out := map[string][]string{}
	for _, e := range readAllEvents(t, store) {
		data := string(e.Data)
		if e.Type == domain.TypeLearnerProfileUpdated {
			p, err := sealer.Open(t.Context(), e)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			data = "opened " + string(raw)
		}
		line := strings.Join([]string{e.Type, domain.FormatTime(e.OccurredAt), e.Actor.Role, e.Actor.Name, uuidRE.ReplaceAllString(data, "<id>")}, " ")
		out[e.Stream] = append(out[e.Stream], line)
	}
	return out
}

func TestNewCommandsUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"demo", "extra"}, {"demo", "--nope"},
		{"replay"}, {"replay", "l-0001"}, {"replay", "l-0001", "math-6-rp-1", "extra"}, {"replay", "--nope", "l-0001", "math-6-rp-1"},
		{"export", "extra"}, {"export", "--nope"},
	} {
		err := run(context.Background(), args, noEnv, io.Discard, io.Discard)
		if !errors.Is(err, errUsage) || exitCode(err) != 2 {
			t.Errorf("run %q: got %v, want a usage error (exit 2)", args, err)
		}
	}
	env := func(name string) string {
		if name == "LEDGER_PSEUDONYMISE" {
			return "perhaps"
		}
		return ""
	}
	if err := run(context.Background(), []string{"export"}, env, io.Discard, io.Discard); !errors.Is(err, errUsage) {
		t.Errorf("export with LEDGER_PSEUDONYMISE=perhaps: got %v, want a usage error", err)
	}
}

// replay and export read a ledger; they do not make one where there is none.
func TestToolsNeedALedger(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"replay", "--data", dir, "l-0001", "math-6-rp-1"}, {"export", "--data", dir}} {
		err := run(t.Context(), args, noEnv, io.Discard, io.Discard)
		if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "holds no ledger") {
			t.Errorf("%s on an empty directory: got %v, want an error saying it holds no ledger", args[0], err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err == nil {
		t.Error("a tool created a store in an empty directory")
	}
}

// demoCopy is a copy of the demo's data directory for one test, and the
// demo's tokens by role, as its export lines show them once (the tokens
// file keeps digests only).
func demoCopy(t *testing.T) (dir string, tokens map[string]string) {
	t.Helper()
	shared, guide := demoData(t)
	dir = filepath.Join(t.TempDir(), "data")
	if err := os.CopyFS(dir, os.DirFS(shared)); err != nil {
		t.Fatal(err)
	}
	tokens = map[string]string{}
	for _, m := range exportLine.FindAllStringSubmatch(guide, -1) {
		tokens[strings.ToLower(strings.TrimSuffix(m[1], "_TOKEN"))] = m[2]
	}
	return dir, tokens
}
