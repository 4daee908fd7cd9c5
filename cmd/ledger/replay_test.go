package main

import (
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
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
