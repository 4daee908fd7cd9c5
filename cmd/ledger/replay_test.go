package main

import (
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/sqlite"
	"github.com/masteryledger/ledger/domain"
)

func TestReplayPrintsTheClaimsTrail(t *testing.T) {
	dir, _ := demoData(t)
	var out strings.Builder
	if err := run(t.Context(), []string{"replay", "--data", dir, "l-0001", "math-6-rp-1"}, noEnv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if !strings.HasPrefix(lines[0], `l-0001 on math-6-rp-1: CCSS-M 6.RP.A.1 "Ratios"`) {
		t.Errorf("first line %q", lines[0])
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "status: met (revision 1) on 2026-") || !strings.Contains(last, "2 summative attempts") {
		t.Errorf("status line %q", last)
	}
	header := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "POS ") })
	if header < 0 || strings.Join(strings.Fields(lines[header]), " ") != "POS REV RECORDED OCCURRED TYPE ACTOR SUMMARY HASH" {
		t.Fatalf("no table header in\n%s", out.String())
	}

	// Each row: position, revision, times, type, actor, summary, and the
	// prefix of the stored hash.
	store := openStore(t, dir)
	stored, err := store.ReadStream(t.Context(), domain.LearnerStream("l-0001"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	byPos := map[string]domain.RecordedEvent{}
	for _, e := range stored {
		byPos[itoaU(e.Position)] = e
	}
	var types []string
	for _, l := range lines[header+1:] {
		if l == "" {
			break
		}
		f := strings.Fields(l)
		e, ok := byPos[f[0]]
		if !ok || f[1] != itoaU(e.Revision) || f[4] != e.Type || !strings.HasPrefix(e.Hash, f[len(f)-1]) || f[3] != tableTime(e.OccurredAt) {
			t.Errorf("row %q does not match the stored event %+v", l, e)
		}
		types = append(types, f[4])
	}
	want := []string{"PreAssessmentRecorded", "EvidenceRecorded", "EvidenceRecorded", "EvidenceRetracted", "FeedbackGiven", "GoalSet", "PlanDrafted",
		"EvidenceRecorded", "EvidenceRecorded", "EvidenceRecorded", "ReadinessAgreed", "SummativeAttemptRecorded",
		"FeedbackGiven", "PlanAdjusted", "GoalEvaluated", "EvidenceRecorded", "ReadinessAgreed", "SummativeAttemptRecorded", "GoalEvaluated", "GoalReviewed"}
	if !slices.Equal(types, want) {
		t.Errorf("replay types\n%v\nwant\n%v", types, want)
	}
	for _, s := range []string{"c2 at 2 from technology", "c3 at 4 from authentic-audience", "level 2 (proficient 3): not yet", "level 3 (proficient 3): meets", "from self", "from expert"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("the table does not show %q", s)
		}
	}
	store.Close()

	// Flags may follow the arguments, and the data directory may come from
	// the environment.
	env := func(name string) string {
		if name == "LEDGER_DATA" {
			return dir
		}
		return ""
	}
	for _, args := range [][]string{{"replay", "l-0001", "math-6-rp-1", "--data", dir}, {"replay", "l-0001", "math-6-rp-1"}} {
		var again strings.Builder
		if err := run(t.Context(), args, env, &again, io.Discard); err != nil || again.String() != out.String() {
			t.Errorf("replay %q: %v, output differs: %v", args, err, again.String() != out.String())
		}
	}
}

func itoaU(n uint64) string { return strconv.FormatUint(n, 10) }

func TestReplayOfAnUnknownClaim(t *testing.T) {
	dir, _ := demoData(t)
	for _, args := range [][]string{{"l-9999", "math-6-rp-1"}, {"l-0001", "math-9-zz-9"}} {
		err := run(t.Context(), append([]string{"replay", "--data", dir}, args...), noEnv, io.Discard, io.Discard)
		if !errors.Is(err, domain.ErrNotFound) || exitCode(err) != 1 {
			t.Errorf("replay %v: got %v, want not found (exit 1)", args, err)
		}
	}
}

func TestToolsWhileAServerRuns(t *testing.T) {
	dir, _ := demoData(t)
	_, stop := startServe(t, "--data", dir)
	defer stop()
	err := run(t.Context(), []string{"replay", "--data", dir, "l-0001", "math-6-rp-1"}, noEnv, io.Discard, io.Discard)
	if !errors.Is(err, sqlite.ErrLocked) || !strings.Contains(err.Error(), "stop the server, or ask it over HTTP: GET /v1/learners/l-0001/standards/math-6-rp-1/replay") {
		t.Errorf("replay while serving: got %v", err)
	}
	err = run(t.Context(), []string{"export", "--data", dir}, noEnv, io.Discard, io.Discard)
	if !errors.Is(err, sqlite.ErrLocked) || !strings.Contains(err.Error(), "GET /v1/events") {
		t.Errorf("export while serving: got %v", err)
	}
	err = run(t.Context(), []string{"demo", "--data", dir}, noEnv, io.Discard, io.Discard)
	if !errors.Is(err, sqlite.ErrLocked) {
		t.Errorf("demo while serving: got %v", err)
	}
}

// A request's line cites its evidence, and an agreement's names the request
// it answers, by the ids' first 8 digits, as the table shows them.
func TestEventSummaryOfARequestAndItsAgreement(t *testing.T) {
	reqID := uuid.MustParse("11111111-0000-4000-8000-000000000001")
	evID := uuid.MustParse("22222222-0000-4000-8000-000000000002")
	agrID := uuid.MustParse("33333333-0000-4000-8000-000000000003")
	req := eventSummary(domain.RecordedEvent{ID: reqID}, domain.ReadinessRequested{StandardID: "s", StandardRevision: 1, EvidenceIDs: []uuid.UUID{evID}})
	if req != "request 11111111: asks to be assessed, citing 22222222" {
		t.Errorf("request: %q", req)
	}
	agr := eventSummary(domain.RecordedEvent{ID: agrID}, domain.ReadinessAgreed{StandardID: "s", RequestID: reqID,
		Components: []domain.AgreedComponent{{ID: "c1", EvidenceIDs: []uuid.UUID{evID}}}})
	if agr != "agreement 33333333: c1 22222222; answers request 11111111" {
		t.Errorf("agreement: %q", agr)
	}
}

// TestReplayOfAPracticeReview: `replay --school --review` lists the
// review's events with their positions and hash prefixes, and the
// figures its conclusion recorded; an open review shows its figures now.
func TestReplayOfAPracticeReview(t *testing.T) {
	dir, _ := demoData(t)
	var out strings.Builder
	if err := run(t.Context(), []string{"replay", "--data", dir, "--school", demoSchool, "--review", demoReviewFeedback}, noEnv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	store := openStore(t, dir)
	evs, err := httpapi.ReviewEvents(t.Context(), store, demoSchool, demoReviewFeedback)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	header := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "POS ") })
	if header < 0 || len(lines) < header+1+len(evs) {
		t.Fatalf("no table of events in\n%s", out.String())
	}
	for i, e := range evs {
		f := strings.Fields(lines[header+1+i])
		if f[0] != itoaU(e.Position) || f[4] != e.Type || !strings.HasPrefix(e.Hash, f[len(f)-1]) || len(f[len(f)-1]) != 12 {
			t.Errorf("row %q does not match the stored event at %d (%s, %s)", lines[header+1+i], e.Position, e.Type, e.Hash)
		}
	}
	var concluded domain.PracticeReviewConcluded
	if err := json.Unmarshal(evs[len(evs)-1].Data, &concluded); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "decision: adjust\n") ||
		!strings.Contains(out.String(), "figures the conclusion recorded, as of position "+itoaU(concluded.Figures.AsOfPosition)+":\n") {
		t.Errorf("no decision or recorded figures in\n%s", out.String())
	}
	for _, f := range concluded.Figures.Figures {
		row := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, f.Name+" ") })
		want := []string{f.Name, figureValue(f.ScopeBefore), figureValue(f.ScopeDuring), figureValue(f.ComparisonBefore), figureValue(f.ComparisonDuring),
			figureValue(f.Difference), "[" + figureValue(f.Low) + ",", figureValue(f.High) + "]"}
		if row < 0 || !slices.Equal(strings.Fields(lines[row]), want) {
			t.Errorf("figure %s: row %q, want the recorded %v", f.Name, lines[max(row, 0)], want)
		}
	}
	store.Close()

	var open strings.Builder
	if err := run(t.Context(), []string{"replay", "--data", dir, "--school", demoSchool, "--review", demoReviewOwnCycle}, noEnv, &open, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(open.String(), "decision: open, to be looked at on 2026-11-27\n") || !strings.Contains(open.String(), "figures now, as of position ") {
		t.Errorf("open review:\n%s", open.String())
	}

	err = run(t.Context(), []string{"replay", "--data", dir, "--school", demoSchool, "--review", "no-such-review"}, noEnv, io.Discard, io.Discard)
	if !errors.Is(err, domain.ErrNotFound) || exitCode(err) != 1 {
		t.Errorf("replay of an unknown review: got %v, want not found (exit 1)", err)
	}
	for _, args := range [][]string{{"--review", demoReviewFeedback}, {"--school", demoSchool}, {"--school", demoSchool, "--review", demoReviewFeedback, "l-0001"}} {
		err := run(t.Context(), append([]string{"replay", "--data", dir}, args...), noEnv, io.Discard, io.Discard)
		if !errors.Is(err, errUsage) || exitCode(err) != 2 {
			t.Errorf("replay %q: got %v, want a usage error (exit 2)", args, err)
		}
	}
}
