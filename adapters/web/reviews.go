package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"
	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections/review"
)

// reviewsPage is what templates/pages/reviews.html shows: the school's
// practice reviews, newest last, each with its figures and its decision.
type reviewsPage struct {
	ID, Name string
	// Researcher: learners are named by their research pseudonyms, and
	// the staff's words are shown only if the school shares free text.
	Researcher bool
	// Staff: the principal may start and conclude reviews (the forms).
	Staff bool
	// Roster: the principal may open the school's page of learners.
	Roster  bool
	Reviews []reviewView
}

// reviewView is one review as the page shows it.
type reviewView struct {
	review.Read
	// Scope and Comparison say who is in each group, in words.
	Scope, Comparison string
	// AsOf says which figures are shown: the conclusion's or today's.
	AsOf string
	Rows []figureRow
}

// figureRow is one figure of a review, its values written out.
type figureRow struct {
	Label                              string
	ScopeBefore, ScopeDuring           string
	ComparisonBefore, ComparisonDuring string
	Difference, Interval               string
}

// figureLabels are the words of each figure (docs/metrics.md, "Practice
// reviews").
var figureLabels = map[string]string{
	review.FigureEvidenceLevel:  "Mean evidence level",
	review.FigureStandardsMet:   "Standards met per learner",
	review.FigureDaysToMastery:  "Median days from first evidence to met",
	review.FigureNotYetThenMet:  "Share of not-yet attempts followed by met",
	review.FigureLearnerActions: "Actions the learners recorded themselves, per learner",
}

// reviewsPage reads /schools/{schoolId}/reviews, as the API's
// GET /v1/schools/{schoolId}/practice-reviews reads it, and for a
// researcher from the research copy the API gives researchers.
func (s *Server) reviewsPage(r *http.Request, p access.Principal) (any, error) {
	id := mux.Vars(r)["schoolId"]
	sc, err := s.cfg.View.School(id)
	if err != nil {
		return nil, err
	}
	if s.cfg.Reviews == nil {
		return nil, errors.New("reviews page: the practice reviews read model is not configured")
	}
	out := reviewsPage{ID: sc.ID, Name: sc.Name, Researcher: p.Role == domain.RoleResearcher,
		Staff:  s.cfg.Service != nil && s.may(p, access.SchoolStaff, mux.Vars(r)),
		Roster: s.may(p, access.SchoolRoster, mux.Vars(r))}
	reads := s.cfg.Reviews.ReadAll(id)
	if out.Researcher {
		if s.cfg.Research == nil {
			return nil, fmt.Errorf("reviews page: %w", research.ErrNoView)
		}
		raw, err := s.cfg.Research.PracticeReviews(id, reads)
		if err != nil {
			return nil, err
		}
		reads = nil
		if err := json.Unmarshal(raw, &reads); err != nil {
			return nil, fmt.Errorf("reviews page: read the research copy: %w", err)
		}
	}
	for _, rd := range reads {
		out.Reviews = append(out.Reviews, viewOf(rd))
	}
	return out, nil
}

// viewOf writes a review's figures out for the page.
func viewOf(rd review.Read) reviewView {
	v := reviewView{Read: rd, Scope: scopeWords(&rd.Scope), Comparison: scopeWords(rd.Comparison), AsOf: "as of today"}
	if rd.FiguresOf == "conclusion" {
		v.AsOf = "as the staff saw them when they concluded"
	}
	for _, f := range rd.Figures.Figures {
		row := figureRow{Label: figureLabels[f.Name], ScopeBefore: num(f.ScopeBefore), ScopeDuring: num(f.ScopeDuring),
			ComparisonBefore: num(f.ComparisonBefore), ComparisonDuring: num(f.ComparisonDuring), Difference: num(f.Difference), Interval: "none"}
		if row.Label == "" {
			row.Label = f.Name
		}
		if f.Low != nil && f.High != nil {
			row.Interval = num(f.Low) + " to " + num(f.High)
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

// scopeWords names a group: its cohorts and learners, or "none".
func scopeWords(s *domain.ReviewScope) string {
	if s == nil || s.Empty() {
		return "none"
	}
	var parts []string
	if len(s.Cohorts) > 0 {
		parts = append(parts, "cohort "+strings.Join(s.Cohorts, ", "))
	}
	if len(s.LearnerIDs) > 0 {
		parts = append(parts, "learner "+strings.Join(s.LearnerIDs, ", "))
	}
	return strings.Join(parts, "; ")
}

// num writes a figure's value; "no data" where it has no denominator.
func num(v *float64) string {
	if v == nil {
		return "no data"
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}
