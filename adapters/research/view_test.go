package research_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/efficacy"
)

var (
	t0       = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	teacher  = domain.Actor{Role: domain.RoleTeacher, Name: "Ms Rivera"}
	admin    = domain.Actor{Role: domain.RoleAdmin, Name: "Ada Admin"}
	salt     = strings.Repeat("5a", domain.SaltLen/2)
	freeText = "Jamie and l-0003 checked units (l-0002)."
)

func uid(n byte) uuid.UUID { return uuid.UUID{15: n} }

func pseudonymizer(t *testing.T) *research.Pseudonymizer {
	t.Helper()
	p, err := research.NewPseudonymizer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// record makes e a stored event of stream, hashed v2 with a salt or v1
// without.
func record(t *testing.T, stream string, actor domain.Actor, e domain.Event, salted bool) domain.RecordedEvent {
	t.Helper()
	d, err := domain.NewEventData(domain.Meta{EventID: uid(9), OccurredAt: t0, Actor: actor}, e)
	if err != nil {
		t.Fatal(err)
	}
	r := domain.RecordedEvent{ID: d.ID, Type: d.Type, Stream: stream, Revision: 3, Position: 40, RecordedAt: t0,
		OccurredAt: t0, Actor: actor, PrevHash: strings.Repeat("1", 64), Data: d.Data}
	if salted {
		r.Salt = salt
	}
	r.Hash = domain.EventHash(r)
	return r
}

// view returns a View that has applied the enrolment of l-0001 and l-0002
// at north and l-0003 at south, and north's setting if include is set.
func view(t *testing.T, include *bool) *research.View {
	t.Helper()
	v := research.NewView(pseudonymizer(t))
	for _, l := range []struct{ id, school string }{{"l-0001", "north"}, {"l-0002", "north"}, {"l-0003", "south"}} {
		e := record(t, domain.LearnerStream(l.id), admin, domain.LearnerEnrolled{LearnerID: l.id, SchoolID: l.school, Cohort: "grade-6"}, true)
		if err := v.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	if include != nil {
		e := record(t, domain.SchoolStream("north"), admin, domain.ResearchSharingSet{IncludeFreeText: *include}, true)
		if err := v.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	return v
}

type sample struct {
	stream string
	actor  domain.Actor
	ev     domain.Event
	// text are the free-text members of ev's data.
	text []string
	// ids are members that are not free text and must stay.
	ids []string
}

// samples holds one event of every type researchers may read, every field
// set, learner ids and a name in every free-text field.
func samples() []sample {
	art := &domain.Artifact{URI: "https://files.example/l-0001/ratio.pdf", SHA256: strings.Repeat("ab", 32), MediaType: "application/pdf"}
	std, l1, school := domain.StandardStream("math-6-rp-1"), domain.LearnerStream("l-0001"), domain.SchoolStream("north")
	learnerActor := domain.Actor{Role: domain.RoleLearner, Name: "l-0001"}
	comps := []domain.Component{{ID: "c1", Statement: "Describe a ratio"}}
	return []sample{
		{std, admin, domain.StandardPublished{StandardID: "math-6-rp-1", Framework: "CCSS-M", Code: "6.RP.A.1", Title: "Ratios",
			Statement: "Understand ratios.", Components: comps, Scale: domain.DefaultScale()}, nil,
			[]string{"standardId", "framework", "code", "title", "statement", "components", "scale"}},
		{std, admin, domain.StandardRevised{StandardID: "math-6-rp-1", StandardRevision: 2, Statement: "s", Components: comps, Reason: "update"}, nil,
			[]string{"standardId", "standardRevision", "statement", "components", "reason"}},
		{std, admin, domain.StandardRetired{StandardID: "math-6-rp-1", Reason: "replaced"}, nil, []string{"standardId", "reason"}},
		{school, admin, domain.SchoolRegistered{SchoolID: "north", Name: "North Middle School"}, nil, []string{"schoolId", "name"}},
		{school, admin, domain.ResearchSharingSet{IncludeFreeText: true}, nil, []string{"includeFreeText"}},
		{school, admin, domain.EfficacySurveyRecorded{RoundID: "r1", Respondent: domain.RespondentStaff, Cohort: "grade-6", ScaleMin: 1, ScaleMax: 5,
			Items: []domain.SurveyItem{{ItemID: "q1", Score: 4}}}, nil, []string{"roundId", "respondent", "cohort", "scaleMin", "scaleMax", "items"}},
		{l1, admin, domain.LearnerEnrolled{LearnerID: "l-0001", SchoolID: "north", Cohort: "grade-6"}, nil, []string{"learnerId", "schoolId", "cohort"}},
		{l1, admin, domain.LearnerWithdrawn{Reason: freeText}, []string{"reason"}, nil},
		{l1, teacher, domain.PreAssessmentRecorded{StandardID: "math-6-rp-1", StandardRevision: 1, Demonstrated: []string{"c1"}, Note: freeText},
			[]string{"note"}, []string{"standardId", "standardRevision", "demonstrated"}},
		{l1, teacher, domain.EvidenceRecorded{StandardID: "math-6-rp-1", StandardRevision: 1, ComponentID: "c1", Level: 3, Source: domain.SourcePeer,
			Assessor: "l-0003", Artifact: art, Note: freeText}, []string{"note"},
			[]string{"standardId", "standardRevision", "componentId", "level", "source", "assessor", "artifact"}},
		{l1, teacher, domain.EvidenceRecorded{StandardID: "math-6-rp-1", StandardRevision: 1, ComponentID: "c1", Level: 3, Source: domain.SourceExpert,
			Assessor: "Jamie's uncle, a chef"}, []string{"assessor"}, []string{"standardId", "level", "source"}},
		{l1, teacher, domain.EvidenceRetracted{EvidenceID: uid(4), StandardID: "math-6-rp-1", ComponentID: "c1", Reason: freeText},
			[]string{"reason"}, []string{"evidenceId", "standardId", "componentId"}},
		{l1, teacher, domain.FeedbackGiven{StandardID: "math-6-rp-1", EvidenceIDs: []uuid.UUID{uid(4)}, Strengths: freeText, NextSteps: freeText, Causes: freeText},
			[]string{"strengths", "nextSteps", "causes"}, []string{"standardId", "evidenceIds"}},
		{l1, learnerActor, domain.GoalSet{GoalID: "g1", Specific: freeText, Measurable: freeText, Achievable: freeText, Relevant: freeText,
			TargetDate: "2026-10-15", Evaluate: freeText, Review: freeText, StandardIDs: []string{"math-6-rp-1"}},
			[]string{"specific", "measurable", "achievable", "relevant", "evaluate", "review"}, []string{"goalId", "targetDate", "standardIds"}},
		{l1, learnerActor, domain.PlanDrafted{PlanID: "p1", GoalID: "g1", Plan: freeText, Learn: freeText, Check: freeText, Adjust: freeText},
			[]string{"plan", "learn", "check", "adjust"}, []string{"planId", "goalId"}},
		{l1, teacher, domain.PlanAdjusted{PlanID: "p1", GoalID: "g1", Change: freeText, Reason: freeText}, []string{"change", "reason"}, []string{"planId", "goalId"}},
		{l1, teacher, domain.GoalEvaluated{GoalID: "g1", Result: domain.GoalNotYet, EvidenceIDs: []uuid.UUID{uid(4)}, Note: freeText},
			[]string{"note"}, []string{"goalId", "result", "evidenceIds"}},
		{l1, learnerActor, domain.GoalReviewed{GoalID: "g1", Reflection: freeText, NextGoal: freeText}, []string{"reflection", "nextGoal"}, []string{"goalId"}},
		{l1, teacher, domain.ReadinessAgreed{StandardID: "math-6-rp-1", StandardRevision: 1, Teacher: "Ms Rivera", LearnerConfirmed: true, Note: freeText,
			RequestID: uid(5), Components: []domain.AgreedComponent{{ID: "c1", EvidenceIDs: []uuid.UUID{uid(4)}}}},
			[]string{"note"}, []string{"standardId", "standardRevision", "components", "teacher", "learnerConfirmed", "requestId"}},
		{l1, teacher, domain.SummativeAttemptRecorded{StandardID: "math-6-rp-1", StandardRevision: 1, AgreementID: uid(6), Level: 3, Proficient: 3,
			Meets: true, Assessor: "Mr Okafor", Artifact: art, Note: freeText}, []string{"assessor", "note"},
			[]string{"standardId", "standardRevision", "agreementId", "level", "proficient", "meets", "artifact"}},
		{l1, admin, domain.LearnerPersonalDataErased{Reason: domain.ErasureLearnerRequest}, nil, []string{"reason"}},
		{l1, learnerActor, domain.ReadinessRequested{StandardID: "math-6-rp-1", StandardRevision: 1, EvidenceIDs: []uuid.UUID{uid(4)}, Note: freeText},
			[]string{"note"}, []string{"standardId", "standardRevision", "evidenceIds"}},
		{l1, tool, statementSample(), nil, []string{"statementId", "schoolId"}},
		{school, admin, domain.XAPIActivityAligned{ActivityID: "https://tool.example/a/1", StandardID: "math-6-rp-1", ComponentID: "c1",
			CutScores: []domain.CutScore{{Level: 1, MinScaled: 0}}}, nil, []string{"activityId", "standardId", "componentId", "cutScores"}},
		{school, admin, domain.XAPIAgentLinked{Agent: domain.XAPIAgent{Mbox: "mailto:jamie@example.org"}, LearnerID: "l-0001"}, nil, []string{"learnerId"}},
		{l1, tool, domain.XAPIDocumentPut{SchoolID: "north", Kind: domain.XAPIDocumentState, ActivityID: "https://tool.example/a/1",
			Agent: "mbox:mailto:jamie@example.org", DocumentID: "bookmark", ContentType: "text/plain", Content: []byte(freeText)},
			nil, []string{"schoolId", "kind"}},
		{school, tool, domain.XAPIDocumentDeleted{SchoolID: "north", Kind: domain.XAPIDocumentAgentProfile, Agent: "mbox:mailto:jamie@example.org",
			DocumentID: "prefs"}, nil, []string{"schoolId", "kind"}},
		{l1, learnerActor, domain.CredentialIssued{CredentialID: uid(7), StandardID: "math-6-rp-1", StandardRevision: 1, AttemptID: uid(8), Alg: "ES256",
			JWTSHA256: strings.Repeat("ab", 32), CheckpointSize: 9, CheckpointRoot: "cm9vdA==", StatusListIndex: 8, JWT: "e30.e30.c2ln"}, nil,
			[]string{"standardId", "standardRevision", "attemptId", "alg", "checkpointSize", "checkpointRoot", "statusListIndex"}},
		{l1, admin, domain.CredentialRevoked{CredentialID: uid(7), StandardID: "math-6-rp-1", Reason: freeText}, []string{"reason"}, []string{"standardId"}},
		// Samples index 9 and 13 above by position: new ones go here.
		{school, admin, domain.EfficacySurveyRecorded{RoundID: "r2", Respondent: domain.RespondentStaff, ScaleMin: 1, ScaleMax: 6,
			Items: []domain.SurveyItem{{ItemID: "gc1", Score: 6}}, InstrumentID: "staff-ce", InstrumentVersion: 1}, nil,
			[]string{"roundId", "respondent", "scaleMin", "scaleMax", "items", "instrumentId", "instrumentVersion"}},
		// An instrument's wording is the school's catalog, kept.
		{school, admin, domain.SurveyInstrumentPublished{InstrumentID: "staff-ce", Version: 1, Title: "Staff efficacy", Respondent: domain.RespondentStaff,
			ScaleMin: 1, ScaleMax: 6, Subscales: []domain.SurveySubscale{{ID: "gc", Name: "Group competence"}},
			Items:  []domain.InstrumentItem{{ItemID: "gc1", Text: "Together we reach every learner.", Subscale: "gc", ReverseKeyed: true}},
			Source: "the school's own items"}, nil,
			[]string{"instrumentId", "version", "title", "respondent", "scaleMin", "scaleMax", "subscales", "items", "source"}},
		{school, admin, domain.SurveyRoundOpened{RoundID: "r2", InstrumentID: "staff-ce", InstrumentVersion: 1, Respondent: domain.RespondentStaff,
			Invited: 12, Cohort: "grade-6"}, nil, []string{"roundId", "instrumentId", "instrumentVersion", "respondent", "invited", "cohort"}},
		{school, teacher, reviewStartedSample(), []string{"practice", "intendedResult"},
			[]string{"reviewId", "standardIds", "scope", "comparison", "startDate", "reviewDate"}},
		{school, teacher, domain.PracticeReviewConcluded{ReviewID: "r1", Decision: domain.ReviewAdjust, Learned: freeText,
			Figures: domain.ReviewFigures{AsOfPosition: 9, ScopeLearners: 2, Resamples: 2000, Level: 0.95,
				Figures: []domain.ReviewFigure{{Name: "evidence-level", Observational: true}}}},
			[]string{"learned"}, []string{"reviewId", "decision", "figures"}},
	}
}

// reviewStartedSample names learners in its scope and comparison.
func reviewStartedSample() domain.PracticeReviewStarted {
	return domain.PracticeReviewStarted{ReviewID: "r1", Practice: freeText, IntendedResult: freeText, StandardIDs: []string{"math-6-rp-1"},
		Scope:      domain.ReviewScope{Cohorts: []string{"grade-6"}, LearnerIDs: []string{"l-0001"}},
		Comparison: &domain.ReviewScope{Cohorts: []string{}, LearnerIDs: []string{"l-0002"}}, StartDate: "2026-09-01", ReviewDate: "2026-10-01"}
}

// A practice review's copy names its learners by pseudonym, and holds
// the staff's words only from a school that shares free text.
func TestPracticeReviewCopy(t *testing.T) {
	p := pseudonymizer(t)
	yes := true
	for _, include := range []*bool{nil, &yes} {
		c, keep, err := view(t, include).Copy(record(t, domain.SchoolStream("north"), teacher, reviewStartedSample(), true))
		if err != nil || !keep {
			t.Fatalf("copy: keep %v, %v", keep, err)
		}
		data := dataOf(t, c)
		scope, _ := data["scope"].(map[string]any)
		cmp, _ := data["comparison"].(map[string]any)
		if ids, _ := scope["learnerIds"].([]any); len(ids) != 1 || ids[0] != p.Learner("l-0001") {
			t.Errorf("scope %v: want l-0001's pseudonym", scope)
		}
		if ids, _ := cmp["learnerIds"].([]any); len(ids) != 1 || ids[0] != p.Learner("l-0002") {
			t.Errorf("comparison %v: want l-0002's pseudonym", cmp)
		}
		practice, shared := data["practice"].(string)
		switch {
		case include == nil && shared:
			t.Errorf("the practice is shared though the school does not share free text: %s", c.Data)
		case include != nil && (!shared || strings.Contains(practice, "l-000")):
			t.Errorf("shared practice %q: want it, with learner ids pseudonymised", practice)
		}
	}
}

var tool = domain.Actor{Role: domain.RoleTool, Name: "Quiz tool"}

// statementSample is a statement full of personal data: its actor's name,
// e-mail and account, and an attachment.
func statementSample() domain.StatementRecorded {
	return domain.StatementRecorded{StatementID: "fd41c918-b88b-4b20-a0a5-a4c32391aaa0", SchoolID: "north",
		Statement: json.RawMessage(`{"id":"fd41c918-b88b-4b20-a0a5-a4c32391aaa0","actor":{"name":"Jamie","mbox":"mailto:jamie@example.org",` +
			`"account":{"homePage":"https://tool.example","name":"l-0001"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/passed"},"object":{"id":"https://tool.example/a/1"}}`),
		Attachments: []domain.StatementAttachment{{SHA2: "ab", ContentType: "text/plain", Content: []byte("Jamie's essay")}}}
}

// A statement, its attachments and an agent link never reach the copy,
// even from a school that shares free text.
func TestCopyNeverHoldsAStatementOrAnAgent(t *testing.T) {
	yes := true
	v := view(t, &yes)
	for _, s := range []struct {
		stream string
		ev     domain.Event
	}{
		{domain.LearnerStream("l-0001"), statementSample()},
		{domain.SchoolStream("north"), domain.XAPIAgentLinked{Agent: domain.XAPIAgent{Mbox: "mailto:jamie@example.org"}, LearnerID: "l-0001"}},
	} {
		actor := tool
		if s.ev.EventType() == domain.TypeXAPIAgentLinked {
			actor = admin
		}
		c, keep, err := v.Copy(record(t, s.stream, actor, s.ev, true))
		if err != nil || !keep {
			t.Fatalf("copy: keep %v, %v", keep, err)
		}
		raw, _ := json.Marshal(c)
		for _, leak := range []string{"Jamie", "jamie@", "l-0001", "tool.example", "mbox", "attachments", `"statement"`} {
			if strings.Contains(string(raw), leak) {
				t.Errorf("%s copy holds %q: %s", s.ev.EventType(), leak, raw)
			}
		}
	}
}

func dataOf(t *testing.T, c research.Event) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(c.Data, &m); err != nil {
		t.Fatalf("copy's data %s: %v", c.Data, err)
	}
	return m
}

func TestEveryTypeIsSampled(t *testing.T) {
	var types []string
	for _, s := range samples() {
		if !slices.Contains(types, s.ev.EventType()) {
			types = append(types, s.ev.EventType())
		}
	}
	types = append(types, domain.TypeLearnerProfileUpdated)
	slices.Sort(types)
	if !slices.Equal(types, domain.EventTypes()) {
		t.Errorf("samples cover %v, the catalog is %v: decide the new type's fields in rules.go and sample it here", types, domain.EventTypes())
	}
}

// By default the copy of every event holds no raw learner id, no free text,
// no salt, and every id, level and date it had.
func TestCopyLeavesOutIDsAndFreeTextByDefault(t *testing.T) {
	p := pseudonymizer(t)
	for _, include := range []*bool{nil, new(bool)} { // never set, and set to false
		v := view(t, include)
		for _, s := range samples() {
			t.Run(s.ev.EventType(), func(t *testing.T) {
				c, keep, err := v.Copy(record(t, s.stream, s.actor, s.ev, true))
				if err != nil || !keep {
					t.Fatalf("copy: keep %v, %v", keep, err)
				}
				raw, _ := json.Marshal(c)
				for _, id := range []string{"l-0001", "l-0002", "l-0003"} {
					if strings.Contains(string(raw), id) {
						t.Errorf("the copy holds learner id %s: %s", id, raw)
					}
				}
				if strings.Contains(string(raw), "Jamie") || strings.Contains(string(raw), salt) || strings.Contains(string(raw), `"salt"`) {
					t.Errorf("the copy holds free text or the salt: %s", raw)
				}
				data := dataOf(t, c)
				for _, f := range s.text {
					if _, ok := data[f]; ok {
						t.Errorf("free-text %s is in the copy: %s", f, c.Data)
					}
				}
				for _, f := range s.ids {
					if _, ok := data[f]; !ok {
						t.Errorf("%s is left out of the copy: %s", f, c.Data)
					}
				}
				if c.Hash == "" || c.PrevHash == "" {
					t.Errorf("a salted event's copy lost its hashes: %s", raw)
				}
				if cat, id, _ := domain.ParseStream(c.Stream); cat == domain.LearnerCategory && id != p.Learner("l-0001") {
					t.Errorf("stream %s, want the pseudonym's", c.Stream)
				}
			})
		}
	}
	// Named pieces of the copy: the peer assessor's pseudonym, the
	// artifact without its address, the learner actor's pseudonym.
	v := view(t, nil)
	c, _, _ := v.Copy(record(t, domain.LearnerStream("l-0001"), teacher, samples()[9].ev, true))
	data := dataOf(t, c)
	if data["assessor"] != p.Learner("l-0003") {
		t.Errorf("peer assessor l-0003 became %v, want its pseudonym", data["assessor"])
	}
	if a, _ := data["artifact"].(map[string]any); a["uri"] != nil || a["sha256"] == nil {
		t.Errorf("artifact %v: want the hash without the address", a)
	}
	c, _, _ = v.Copy(record(t, domain.LearnerStream("l-0001"), domain.Actor{Role: domain.RoleLearner, Name: "l-0001"}, samples()[13].ev, true))
	if c.Actor.Name != p.Learner("l-0001") {
		t.Errorf("learner actor %q, want the pseudonym", c.Actor.Name)
	}
}

// A readiness request's copy keeps what a researcher measures (which
// standard, which evidence, when, asked by a learner or a teacher) and
// pseudonymises the learner who asked; the learner's note follows the
// school's setting.
func TestReadinessRequestCopy(t *testing.T) {
	p := pseudonymizer(t)
	learnerActor := domain.Actor{Role: domain.RoleLearner, Name: "l-0001"}
	req := domain.ReadinessRequested{StandardID: "math-6-rp-1", StandardRevision: 1, EvidenceIDs: []uuid.UUID{uid(4), uid(5)}, Note: freeText}
	e := record(t, domain.LearnerStream("l-0001"), learnerActor, req, true)
	yes := true
	for _, include := range []*bool{nil, &yes} {
		c, keep, err := view(t, include).Copy(e)
		if err != nil || !keep {
			t.Fatalf("copy: keep %v, %v", keep, err)
		}
		if c.Actor.Role != domain.RoleLearner || c.Actor.Name != p.Learner("l-0001") {
			t.Errorf("actor %+v, want the learner's pseudonym", c.Actor)
		}
		if !c.OccurredAt.Equal(e.OccurredAt) || !c.RecordedAt.Equal(e.RecordedAt) {
			t.Errorf("dates %v %v, want the event's", c.OccurredAt, c.RecordedAt)
		}
		data := dataOf(t, c)
		ids, _ := data["evidenceIds"].([]any)
		if data["standardId"] != "math-6-rp-1" || len(ids) != 2 || ids[0] != uid(4).String() || ids[1] != uid(5).String() {
			t.Errorf("data %s: want the standard and both evidence ids", c.Data)
		}
		note, shared := data["note"].(string)
		switch {
		case include == nil && shared:
			t.Errorf("the note is shared though the school does not share free text: %s", c.Data)
		case include != nil && (!shared || strings.Contains(note, "l-000")):
			t.Errorf("shared note %q: want it, with learner ids pseudonymised", note)
		}
	}
}

// With the school's setting on, free text is shared with every learner id
// in it replaced by its pseudonym; another school's setting is its own.
func TestCopyIncludesFreeTextWhenTheSchoolShares(t *testing.T) {
	p := pseudonymizer(t)
	yes := true
	v := view(t, &yes)
	want := "Jamie and " + p.Learner("l-0003") + " checked units (" + p.Learner("l-0002") + ")."
	for _, s := range samples() {
		if len(s.text) == 0 {
			continue
		}
		t.Run(s.ev.EventType(), func(t *testing.T) {
			c, _, err := v.Copy(record(t, s.stream, s.actor, s.ev, true))
			if err != nil {
				t.Fatal(err)
			}
			data := dataOf(t, c)
			for _, f := range s.text {
				got, ok := data[f].(string)
				if !ok {
					t.Errorf("free-text %s is left out though the school shares it: %s", f, c.Data)
				} else if got != want && !strings.Contains(got, "Jamie") && got != "Mr Okafor" {
					t.Errorf("%s = %q, want %q", f, got, want)
				}
				if strings.Contains(got, "l-000") {
					t.Errorf("%s holds a raw learner id: %q", f, got)
				}
			}
		})
	}
	// The same event in the stream of a learner at south, which does not
	// share: no free text.
	c, _, _ := v.Copy(record(t, domain.LearnerStream("l-0003"), teacher, domain.GoalReviewed{GoalID: "g1", Reflection: freeText}, true))
	if _, ok := dataOf(t, c)["reflection"]; ok {
		t.Errorf("north's setting shares south's free text: %s", c.Data)
	}
	// Turned off again, the latest setting wins.
	off := record(t, domain.SchoolStream("north"), admin, domain.ResearchSharingSet{IncludeFreeText: false}, true)
	if err := v.Apply(off); err != nil {
		t.Fatal(err)
	}
	c, _, _ = v.Copy(record(t, domain.LearnerStream("l-0001"), teacher, domain.GoalReviewed{GoalID: "g1", Reflection: freeText}, true))
	if _, ok := dataOf(t, c)["reflection"]; ok || v.SharesFreeText("north") {
		t.Errorf("after turning sharing off: %s", c.Data)
	}
}

// Token edges: a learner id is replaced as a whole token, wherever it sits
// in a string, and not inside a longer token.
func TestTokensAreReplacedWhole(t *testing.T) {
	p := pseudonymizer(t)
	yes := true
	v := view(t, &yes)
	for in, want := range map[string]string{
		"l-0001":                         p.Learner("l-0001"),
		"see l-0002.":                    "see " + p.Learner("l-0002") + ".",
		"https://x.example/l-0001/a.pdf": "https://x.example/" + p.Learner("l-0001") + "/a.pdf",
		"stream learner-l-0002, ok":      "stream learner-" + p.Learner("l-0002") + ", ok",
		"l-00012 and xl-0001":            "l-00012 and xl-0001",
		"(l-0003)":                       "(" + p.Learner("l-0003") + ")",
	} {
		c, _, err := v.Copy(record(t, domain.LearnerStream("l-0001"), teacher, domain.GoalReviewed{GoalID: "g1", Reflection: in}, true))
		if err != nil {
			t.Fatal(err)
		}
		if got := dataOf(t, c)["reflection"]; got != want {
			t.Errorf("%q became %q, want %q", in, got, want)
		}
	}
}

// A member the allowlist does not name is left out, and a profile update
// is never copied.
func TestUnknownFieldsAndPersonalEventsStayPrivate(t *testing.T) {
	v := view(t, nil)
	e := record(t, domain.LearnerStream("l-0001"), teacher, domain.GoalReviewed{GoalID: "g1"}, true)
	e.Data = json.RawMessage(`{"goalId":"g1","reflection":"","mood":"sad","nested":{"learnerId":"l-0001"}}`)
	c, _, err := v.Copy(e)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(c.Data); got != `{"goalId":"g1"}` {
		t.Errorf("copy data %s, want only the allowed goalId", got)
	}
	e.Type = "SomethingNew"
	if c, _, _ = v.Copy(e); string(c.Data) != `{}` {
		t.Errorf("an unknown type's copy holds %s, want {}", c.Data)
	}
	profile := record(t, domain.LearnerStream("l-0001"), teacher, domain.LearnerProfileUpdated{Personal: &domain.Profile{DisplayName: "Sam"}}, true)
	if _, keep, err := v.Copy(profile); keep || err != nil {
		t.Errorf("a profile update is copied: keep %v, %v", keep, err)
	}
	e.Data = json.RawMessage(`[1]`)
	if _, _, err := v.Copy(e); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("data that is no object: %v, want ErrInvalid", err)
	}
}

// An event recorded before salts loses its hash and prevHash: both can be
// recomputed from the copy. A salted event keeps them, and no candidate id
// recomputes its hash without the salt.
func TestHashesOfUnsaltedEventsAreLeftOut(t *testing.T) {
	v := view(t, nil)
	for _, salted := range []bool{false, true} {
		e := record(t, domain.LearnerStream("l-0001"), teacher, domain.GoalEvaluated{GoalID: "g1", Result: domain.GoalMet, EvidenceIDs: []uuid.UUID{}}, salted)
		c, _, err := v.Copy(e)
		if err != nil {
			t.Fatal(err)
		}
		if !salted && (c.Hash != "" || c.PrevHash != "") {
			t.Errorf("an unsalted event's copy keeps hash %q, prevHash %q", c.Hash, c.PrevHash)
		}
		if salted && (c.Hash != e.Hash || c.PrevHash != e.PrevHash) {
			t.Errorf("a salted event's copy has hash %q, prevHash %q; want the event's", c.Hash, c.PrevHash)
		}
		// Recomputed from the copy with the original data and the true
		// id: still no match without the salt.
		guess := domain.RecordedEvent{ID: c.ID, Type: c.Type, Stream: domain.LearnerStream("l-0001"), Revision: c.Revision,
			RecordedAt: c.RecordedAt, OccurredAt: c.OccurredAt, Actor: teacher, PrevHash: e.PrevHash, Data: e.Data}
		if salted && domain.EventHash(guess) == c.Hash {
			t.Error("a salted hash recomputes without the salt")
		}
	}
}

// The efficacy report's wins name learners by pseudonym only; the figures
// are unchanged.
func TestEfficacyWinsArePseudonymised(t *testing.T) {
	p := pseudonymizer(t)
	v := view(t, nil)
	r := efficacy.Report{SchoolID: "north", Wins: []efficacy.Win{
		{LearnerID: "l-0001", Cohort: "grade-6", StandardID: "math-6-rp-1", AttemptID: uid(1), AgreementID: uid(2), MetAt: t0, RecordedAt: t0},
		{LearnerID: "l-0002", Cohort: "grade-6", StandardID: "math-6-rp-1", AttemptID: uid(3), AgreementID: uid(4), MetAt: t0, RecordedAt: t0},
	}}
	r.Enrolled.Learners = 2
	raw, err := v.Efficacy(r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "l-000") {
		t.Errorf("the research report holds a raw learner id: %s", raw)
	}
	var got efficacy.Report
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Wins) != 2 || got.Wins[0].LearnerID != p.Learner("l-0001") || got.Wins[1].LearnerID != p.Learner("l-0002") ||
		got.Wins[0].AttemptID != uid(1) || got.Enrolled.Learners != 2 || got.SchoolID != "north" {
		t.Errorf("research report %s", raw)
	}
}

// The View refuses an enrolment outside its learner's stream.
func TestViewRefusesAMisplacedEnrolment(t *testing.T) {
	v := research.NewView(pseudonymizer(t))
	e := record(t, domain.LearnerStream("l-0009"), admin, domain.LearnerEnrolled{LearnerID: "l-0001", SchoolID: "north", Cohort: "g"}, true)
	if err := v.Apply(e); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("enrolment of l-0001 in l-0009's stream: %v, want ErrInvalid", err)
	}
}
