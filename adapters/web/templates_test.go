package web

import (
	"bytes"
	"net/url"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/adapters/web/chart"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/review"
)

// TestTemplatesParse parses every template, as New does, and checks the
// page table names only templates that exist.
func TestTemplatesParse(t *testing.T) {
	tm, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"error", "home", "learner", "school", "efficacy"} {
		if _, ok := tm.byName[name]; !ok {
			t.Errorf("no template %q", name)
		}
	}
	s := &Server{}
	for _, p := range s.pages() {
		if _, ok := tm.byName[p.template]; !ok {
			t.Errorf("page %s names template %q, which does not exist", p.path, p.template)
		}
	}
}

// TestTemplatesExecute renders every template with data of its page's
// shape, so a field a template names and its page lacks fails here, not
// in front of a user.
func TestTemplatesExecute(t *testing.T) {
	tm, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	level := 3
	when := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	p := &access.Principal{Role: domain.RoleTeacher, Name: "Ms Rivera", School: "north"}
	pages := map[string]any{
		"error": errorPage{Status: 404, Title: "Not Found", Message: "no such page", RequestID: "r1"},
		"home":  homePage{Links: []homeLink{{Label: "Learners by cohort", Href: "/schools/north", About: "North"}}},
		"learner": learnerPage{
			Learner: projections.Learner{ID: "l-0001", SchoolID: "north", Cohort: "grade-6"},
			Standards: []standardRow{{ID: "s1", Code: "6.RP.A.1", Title: "Ratios", Status: domain.StatusReady, Covered: 1, Total: 2,
				Components: []componentRow{{ID: "c1", Covered: true, Level: &level}},
				Latest:     &projections.EvidenceRecord{ComponentID: "c1", Level: 3, Source: domain.SourceTeacher, OccurredAt: when}}},
			Goals: []projections.GoalRecord{{ID: "g1", Specific: "ratios", Result: domain.GoalNotYet,
				Plans: []projections.PlanRecord{{ID: "p1", Adjustments: []domain.PlanAdjusted{{Change: "more practice", Reason: "not yet"}}}}}},
			Reviewed:    2,
			Agency:      &chart.Figure{ID: "learner-agency", Title: "Agency", SVG: "<svg></svg>", Table: chart.Table{Caption: "Agency"}},
			AgencyTotal: "Over all time, 1 of 2 steps (50.0%) were recorded by the learner, 1 by staff.",
		},
		"transcript": transcriptPage{LearnerID: "l-0001", Cohort: "grade-6", SchoolName: "North", Download: "/learners/l-0001/transcript.ob3.json",
			Standards: []transcriptRow{{ID: "s1", Code: "6.RP.A.1", Title: "Ratios", Revision: 1, MetAt: when, Level: 3, LevelLabel: "Proficient",
				Evidence: []evidenceItem{{ComponentID: "c1", Level: 3, OccurredAt: when}}, PreAssessed: []string{"c2"}}}},
		"policies": policiesPage{LearnerID: "l-0001", StandardID: "s1", Code: "6.RP.A.1", Title: "Ratios", Proficient: "3 (Proficient)", Scores: 2,
			Rows: []policyRow{{Name: "Official rule", Value: "3 (Proficient)", Met: true, Params: "proficient = 3, revision 1",
				Evidence: []evidenceItem{{ComponentID: "c1", Level: 3, OccurredAt: when}}, Also: "the summative attempt of 1 September 2026", Sentence: "Official rule: met."},
				{Name: "Latest", Value: "none", Params: "none", Sentence: "Latest: no evidence: not yet."}}},
		"school": schoolPage{ID: "north", Name: "North", Standards: []projections.Standard{{StandardID: "s1", Code: "6.RP.A.1"}},
			Cohorts: []string{"grade-6", "grade-7"}, Cohort: "grade-6",
			Learners: []learnerRow{{ID: "l-0001", Statuses: []domain.Status{domain.StatusMet}}, {ID: "l-0003", Withdrawn: true, Statuses: []domain.Status{domain.StatusNotStarted}}},
			Ready:    []readyRow{{LearnerID: "l-0001", StandardID: "s1", Code: "6.RP.A.1"}},
			Agency:   &chart.Figure{ID: "school-agency", Title: "Agency", SVG: "<svg></svg>", Table: chart.Table{Caption: "Agency"}}},
		"efficacy": efficacyPage{ID: "north", Name: "North", Scope: "All cohorts, by month, all time.",
			Filters: efficacyFilters{Cohort: "grade-6", Period: "week", WinsLimit: "20", Cohorts: []string{"grade-6", "grade-7"}},
			Errors:  []filterError{{Field: "from", Label: "From", Message: "not a date"}},
			Sections: []figureSection{{ID: "outcomes", Heading: "Outcomes", Intro: "i",
				Charts: []chart.Figure{{ID: "efficacy-growth", Title: "Growth", SVG: "<svg></svg>", Table: chart.Table{Caption: "Growth"}}}}},
			Wins: []winRow{{Met: "m", Standard: "s", LearnerID: "l-0001", Cohort: "grade-6", How: "h", Trail: "/t"}, {How: "h"}}},
		"trail": trailPage{LearnerID: "l-0001", Standard: projections.Standard{StandardID: "s1", Code: "6.RP.A.1"}, Status: domain.StatusMet,
			Rows: []trailRow{{ID: "e1", Words: "Evidence recorded", Details: []string{"Note: n"}, Occurred: when, Recorded: when, Mark: "met", MarkWords: "met",
				Retracts: "e0", RetractsOnPage: true, Retracted: true, Hash: "0123456789abcdef"}}},
		"verify": nil,
		"reviews": reviewsPage{ID: "north", Name: "North", Researcher: true, Staff: true, Reviews: []reviewView{{
			Read: review.Read{Review: review.Review{SchoolID: "north", PracticeReviewStarted: domain.PracticeReviewStarted{ReviewID: "r1",
				StandardIDs: []string{"s1"}, StartDate: "2026-09-01", ReviewDate: "2026-10-01"},
				Conclusion: &review.Conclusion{Decision: domain.ReviewKeep, ConcludedAt: when}}, FiguresOf: "conclusion"},
			Scope: "cohort grade-6", Comparison: "none", AsOf: "as of today",
			Rows: []figureRow{{Label: "Mean evidence level", ScopeBefore: "2", ScopeDuring: "3", ComparisonBefore: "no data", ComparisonDuring: "no data",
				Difference: "1", Interval: "0.5 to 1.5"}}}}},
		"admin": adminPage{Standards: []projections.Standard{{StandardID: "s1", Code: "6.RP.A.1"}}, Schools: []projections.SchoolRecord{{ID: "north", Name: "North"}}, Forms: true},
	}
	std := projections.Standard{StandardID: "s1", Code: "6.RP.A.1", Title: "Ratios", Components: []domain.Component{{ID: "c1", Statement: "Describe"}},
		Scale: domain.DefaultScale()}
	ev := evidenceChoice{ID: "e1", Standard: "6.RP.A.1", ComponentID: "c1", Level: 3, LevelWords: "3 (Proficient)", Source: domain.SourceSelf, Occurred: when}
	sf := standardForm{LearnerID: "l-0001", Standard: std, Status: domain.StatusInProgress, Levels: std.Scale.Levels, Proficient: "3 (Proficient)",
		Teacher: true, Sources: []domain.Source{domain.SourceTeacher}, Components: []coverRow{{ID: "c1", Covered: true, PreAssessed: true, Evidence: []evidenceChoice{ev}},
			{ID: "c2"}}, Missing: []string{"c2"}, Open: &domain.Agreement{OccurredAt: when}, Attempts: 2, Evidence: []evidenceChoice{ev}, Retracting: &ev, TrailPath: "/t"}
	goal := projections.GoalRecord{ID: "g1", Specific: "ratios", Result: domain.GoalMet}
	lf := learnerForm{LearnerID: "l-0001", Standards: []projections.Standard{std}, Goals: []projections.GoalRecord{goal}, Goal: &goal,
		Plan: &projections.PlanRecord{ID: "p1", Adjustments: []domain.PlanAdjusted{{}}}, Evidence: []evidenceChoice{ev}}
	af := adminForm{Standard: &std, School: &projections.SchoolRecord{ID: "north", Name: "North"}}
	// Every form with an error on each of its controls and one on none,
	// as a refusal shows it.
	for _, f := range (&Server{}).forms() {
		var data any
		switch f.template {
		case "form-goal", "form-evaluation", "form-review", "form-plan", "form-adjustment", "form-profile", "form-withdrawal":
			data = lf
		case "form-publish", "form-revision", "form-retirement", "form-register", "form-enrol":
			data = af
		case "form-practice-review", "form-conclusion":
			data = reviewForm{School: projections.SchoolRecord{ID: "north", Name: "North"}, Standards: []projections.Standard{std},
				Cohorts: []string{"grade-6"}, Review: &reviewView{Read: review.Read{Review: review.Review{PracticeReviewStarted: domain.PracticeReviewStarted{ReviewID: "r1"}}},
					Rows: []figureRow{{Label: "Mean evidence level"}}}}
		default:
			data = sf
		}
		page := formPage{Action: "/x", EventID: "id", Data: data, values: url.Values{"level": {"3"}}}
		for _, fl := range f.fields {
			page.Errors = append(page.Errors, formError{Control: fl.name, Label: fl.label, Message: "is wrong", Rule: "some-rule"})
		}
		page.Errors = append(page.Errors, formError{Message: "no field"})
		pages[f.template] = page
	}
	for name := range tm.byName {
		page, ok := pages[name]
		if !ok {
			t.Errorf("template %q has no sample data in this test", name)
			continue
		}
		for _, who := range []*access.Principal{nil, p} {
			var buf bytes.Buffer
			if err := tm.execute(&buf, name, layoutData{Principal: who, CSRF: "c", Page: page}); err != nil {
				t.Errorf("template %q: %v", name, err)
			}
		}
	}
}
