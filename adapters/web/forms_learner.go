package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/mux"
	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

// Paths of the forms about one learner. Each mirrors the API route whose
// command it sends, under /learners instead of /v1/learners, and is
// reached from the learner's page or a standard's trail.
const (
	learnerForms      = "/learners/{learnerId}"
	standardForms     = learnerForms + "/standards/{standardId}"
	preAssessmentPath = standardForms + "/pre-assessment"
	evidencePath      = standardForms + "/evidence"
	retractionPath    = standardForms + "/evidence/{evidenceId}/retraction"
	feedbackPath      = standardForms + "/feedback"
	agreementPath     = standardForms + "/agreement"
	requestPath       = standardForms + "/readiness-request"
	attemptPath       = standardForms + "/summative-attempt"
	goalPath          = learnerForms + "/goals"
	evaluationPath    = learnerForms + "/goals/{goalId}/evaluation"
	reviewPath        = learnerForms + "/goals/{goalId}/review"
	planPath          = learnerForms + "/plans"
	adjustmentPath    = learnerForms + "/plans/{planId}/adjustments"
	profilePath       = learnerForms + "/profile"
	withdrawalPath    = learnerForms + "/withdrawal"
)

// forms is every form of the workspace, in one place. Adding a form: a
// template in templates/pages, a load and a submit, and a line here.
func (s *Server) forms() []form {
	artifactFields := []field{{"artifact.uri", "Artifact address"}, {"artifact.sha256", "Artifact SHA-256"}, {"artifact.mediaType", "Artifact media type"}}
	return []form{
		{path: preAssessmentPath, rule: access.TeacherOfLearner, api: "POST /v1/learners/{learnerId}/pre-assessments", template: "form-pre-assessment",
			fields:     []field{{"demonstrated", "Components already shown"}, {"note", "Note"}},
			ruleFields: map[string]string{domain.RuleUnknownComponent: "demonstrated"},
			load:       s.loadStandardForm, submit: s.submitPreAssessment},
		{path: evidencePath, rule: access.TeacherOrLearner, api: "POST /v1/learners/{learnerId}/evidence", template: "form-evidence",
			fields: append([]field{{"componentId", "Component"}, {"level", "Level"}, {"source", "Source"}, {"assessor", "Assessor"}, {"note", "Note"}}, artifactFields...),
			load:   s.loadStandardForm, submit: s.submitEvidence},
		{path: retractionPath, rule: access.TeacherOfLearner, api: "POST /v1/learners/{learnerId}/evidence/{evidenceId}/retraction", template: "form-retraction",
			fields:     []field{{"reason", "Reason"}},
			ruleFields: map[string]string{domain.RuleEvidenceRetracted: "reason", domain.RuleUnknownEvidence: "reason"},
			load:       s.loadStandardForm, submit: s.submitRetraction},
		{path: feedbackPath, rule: access.TeacherOfLearner, api: "POST /v1/learners/{learnerId}/feedback", template: "form-feedback",
			fields: []field{{"evidenceIds", "Evidence discussed"}, {"strengths", "Strengths"}, {"nextSteps", "Next steps"}, {"causes", "Causes"}},
			load:   s.loadStandardForm, submit: s.submitFeedback},
		// The learner asks to be assessed, pointing at evidence; a teacher
		// may send it on the learner's behalf, as the API allows.
		{path: requestPath, rule: access.TeacherOrLearner, api: "POST /v1/learners/{learnerId}/readiness-requests", template: "form-readiness-request",
			fields:     []field{{"evidenceIds", "Evidence that shows it"}, {"note", "Note"}},
			ruleFields: map[string]string{domain.RuleAgreementOpen: "evidenceIds", domain.RuleAlreadyMet: "evidenceIds"},
			load:       s.loadStandardForm, submit: s.submitRequest},
		{path: agreementPath, rule: access.TeacherOfLearner, api: "POST /v1/learners/{learnerId}/agreements", template: "form-agreement",
			fields: []field{{"components", "Components of the standard"}, {"requestId", "The request it answers"},
				{"learnerConfirmed", "The learner's confirmation"}, {"note", "Note"}},
			ruleFields: map[string]string{domain.RuleAgreementOpen: "components", domain.RuleAlreadyMet: "components",
				domain.RuleUnknownRequest: "requestId", domain.RuleRequestOtherStandard: "requestId", domain.RuleRequestClosed: "requestId"},
			load: s.loadStandardForm, submit: s.submitAgreement},
		{path: attemptPath, rule: access.TeacherOfLearner, api: "POST /v1/learners/{learnerId}/summative-attempts", template: "form-attempt",
			fields:     append([]field{{"level", "Level"}, {"assessor", "Assessor"}, {"note", "Note"}}, artifactFields...),
			ruleFields: map[string]string{domain.RuleNoOpenAgreement: "level", domain.RuleAlreadyMet: "level"},
			load:       s.loadStandardForm, submit: s.submitAttempt},
		{path: goalPath, rule: access.TeacherOrLearner, api: "POST /v1/learners/{learnerId}/goals", template: "form-goal",
			fields: []field{{"goalId", "Goal id"}, {"specific", "Specific"}, {"measurable", "Measurable"}, {"achievable", "Achievable"},
				{"relevant", "Relevant"}, {"targetDate", "Time-bound: target date"}, {"evaluate", "Evaluate"}, {"review", "Review"}, {"standardIds", "Standards it targets"}},
			ruleFields: map[string]string{domain.RuleUnknownStandard: "standardIds"},
			load:       s.loadLearnerForm, submit: s.submitGoal},
		{path: evaluationPath, rule: access.TeacherOrLearner, api: "POST /v1/learners/{learnerId}/goals/{goalId}/evaluation", template: "form-evaluation",
			fields:     []field{{"result", "Result"}, {"evidenceIds", "Evidence"}, {"note", "Note"}},
			ruleFields: map[string]string{domain.RuleUnknownGoal: "result"},
			load:       s.loadLearnerForm, submit: s.submitEvaluation},
		{path: reviewPath, rule: access.TeacherOrLearner, api: "POST /v1/learners/{learnerId}/goals/{goalId}/review", template: "form-review",
			fields:     []field{{"reflection", "Reflection"}, {"nextGoal", "Next goal"}},
			ruleFields: map[string]string{domain.RuleUnknownGoal: "reflection"},
			load:       s.loadLearnerForm, submit: s.submitReview},
		{path: planPath, rule: access.TeacherOrLearner, api: "POST /v1/learners/{learnerId}/plans", template: "form-plan",
			fields: []field{{"planId", "Plan id"}, {"goalId", "Goal"}, {"plan", "Plan"}, {"learn", "Learn"}, {"check", "Check"}, {"adjust", "Adjust"}},
			load:   s.loadLearnerForm, submit: s.submitPlan},
		{path: adjustmentPath, rule: access.TeacherOrLearner, api: "POST /v1/learners/{learnerId}/plans/{planId}/adjustments", template: "form-adjustment",
			fields:     []field{{"change", "What changes"}, {"reason", "Why"}},
			ruleFields: map[string]string{domain.RuleUnknownGoal: "change"},
			load:       s.loadLearnerForm, submit: s.submitAdjustment},
		{path: profilePath, rule: access.TeacherOrLearner, api: "PUT /v1/learners/{learnerId}/profile", template: "form-profile",
			fields: []field{{"displayName", "Name to show"}, {"interests", "Interests"}, {"learningPreferences", "Learning preferences"},
				{"backgroundKnowledge", "Background knowledge"}, {"collegeAndCareerGoals", "College and career goals"}},
			load: s.loadLearnerForm, submit: s.submitProfile},
		{path: withdrawalPath, rule: access.AdminOfLearner, api: "POST /v1/learners/{learnerId}/withdrawal", template: "form-withdrawal",
			fields: []field{{"reason", "Reason"}},
			load:   s.loadLearnerForm, submit: s.submitWithdrawal},

		{path: publishPath, rule: access.AdminOnly, api: "POST /v1/standards", template: "form-publish", conflictField: "standardId",
			fields: []field{{"standardId", "Standard id"}, {"framework", "Framework"}, {"code", "Code"}, {"title", "Title"}, {"statement", "Statement"},
				{"components", "Components"}, {"scale", "Rubric scale"}, {"proficient", "Proficient level"}},
			ruleFields: map[string]string{},
			load:       s.loadAdminForm, submit: s.submitPublish},
		{path: revisionPath, rule: access.AdminOnly, api: "POST /v1/standards/{standardId}/revisions", template: "form-revision",
			fields: []field{{"statement", "Statement"}, {"components", "Components"}, {"reason", "Reason"}},
			load:   s.loadAdminForm, submit: s.submitRevision},
		{path: retirementPath, rule: access.AdminOnly, api: "POST /v1/standards/{standardId}/retirement", template: "form-retirement",
			fields: []field{{"reason", "Reason"}},
			load:   s.loadAdminForm, submit: s.submitRetirement},
		{path: registerPath, rule: access.AdminOnly, api: "POST /v1/schools", template: "form-register", conflictField: "schoolId",
			fields: []field{{"schoolId", "School id"}, {"name", "Name"}},
			load:   s.loadAdminForm, submit: s.submitRegister},
		{path: enrolPath, rule: access.AdminOfSchool, api: "POST /v1/schools/{schoolId}/learners", template: "form-enrol", conflictField: "learnerId",
			fields: []field{{"learnerId", "Learner id"}, {"cohort", "Cohort"}},
			load:   s.loadAdminForm, submit: s.submitEnrol},
		{path: startReviewPath, rule: access.SchoolStaff, api: "POST /v1/schools/{schoolId}/practice-reviews", template: "form-practice-review",
			fields: reviewFields, ruleFields: reviewRuleFields, load: s.loadReviewForm, submit: s.submitStartReview},
		{path: concludePath, rule: access.SchoolStaff, api: "POST /v1/schools/{schoolId}/practice-reviews/{reviewId}/conclusion", template: "form-conclusion",
			fields:     conclusionFields,
			ruleFields: map[string]string{domain.RuleReviewConcluded: "decision"},
			load:       s.loadReviewForm, submit: s.submitConclusion},
	}
}

// evidenceChoice is one piece of evidence as a form shows it.
type evidenceChoice struct {
	ID string
	// Standard is the standard's code, where a form lists evidence of
	// several standards.
	Standard    string
	ComponentID string
	Level       int
	LevelWords  string
	Source      domain.Source
	Assessor    string
	Occurred    time.Time
	Retracted   bool
}

// coverRow is one component of a standard as the agreement sees it: what
// covers it, or that nothing does.
type coverRow struct {
	ID, Statement string
	Covered       bool
	PreAssessed   bool
	SelfOnly      bool
	Evidence      []evidenceChoice
}

// requestChoice is an open readiness request as a form shows it: who
// asked, when, and the evidence it points at.
type requestChoice struct {
	ID       string
	By       domain.Actor
	Occurred time.Time
	Evidence []evidenceChoice
}

// standardForm is what the forms about a learner and one standard show.
type standardForm struct {
	LearnerID string
	Standard  projections.Standard
	Status    domain.Status
	// Levels are the scale's levels, with their labels; Proficient in
	// words.
	Levels     []domain.Level
	Proficient string
	// Teacher is set for a teacher, who may choose any source of
	// evidence; a learner records self-assessment only.
	Teacher bool
	Sources []domain.Source
	// Components are the standard's components with what covers each;
	// Missing names those nothing covers, which an agreement lacks.
	Components []coverRow
	Missing    []string
	// Open is the open agreement, if any; Attempts counts attempts.
	Open     *domain.Agreement
	Attempts int
	// Requests are the learner's open readiness requests on the
	// standard, oldest first. Request is the one the agreement form
	// answers (named by ?request= when reached from it, or by the posted
	// requestId), nil if none or if that request is no longer open.
	Requests []requestChoice
	Request  *requestChoice
	// Evidence is the current evidence of the standard, newest first.
	Evidence []evidenceChoice
	// Retracting is the evidence a retraction form is about.
	Retracting *evidenceChoice
	TrailPath  string
}

// loadStandardForm reads a learner's standing on the standard of the path,
// with its evidence as the trail shows it.
func (s *Server) loadStandardForm(r *http.Request, p access.Principal) (any, url.Values, error) {
	vars := mux.Vars(r)
	learnerID, standardID := vars["learnerId"], vars["standardId"]
	v := s.cfg.View
	std, err := v.Standard(standardID)
	if err != nil {
		return nil, nil, err
	}
	m, err := v.StandardMastery(r.Context(), learnerID, standardID, nil)
	if err != nil {
		return nil, nil, err
	}
	rep, err := v.Replay(r.Context(), learnerID, standardID)
	if err != nil {
		return nil, nil, err
	}
	out := standardForm{LearnerID: learnerID, Standard: std, Status: m.Status, Levels: std.Scale.Levels,
		Proficient: levelWords(std.Scale, std.Scale.Proficient), Teacher: p.Role == domain.RoleTeacher,
		Open: m.OpenAgreement, Attempts: len(m.Attempts), TrailPath: "/learners/" + learnerID + "/standards/" + standardID}
	if out.Teacher {
		out.Sources = []domain.Source{domain.SourceTeacher, domain.SourcePeer, domain.SourceTechnology, domain.SourceExpert, domain.SourceAuthenticAudience, domain.SourceSelf}
	} else {
		out.Sources = []domain.Source{domain.SourceSelf}
	}
	byID := map[uuid.UUID]*evidenceChoice{}
	var order []uuid.UUID
	for _, e := range rep.Events {
		ev, err := domain.DecodeEvent(e)
		if err != nil {
			return nil, nil, fmt.Errorf("form on %s for %s: event %s: %w", standardID, learnerID, e.ID, err)
		}
		switch d := ev.(type) {
		case domain.EvidenceRecorded:
			byID[e.ID] = &evidenceChoice{ID: e.ID.String(), ComponentID: d.ComponentID, Level: d.Level, LevelWords: levelWords(std.Scale, d.Level),
				Source: d.Source, Assessor: d.Assessor, Occurred: e.OccurredAt}
			order = append(order, e.ID)
		case domain.EvidenceRetracted:
			if c := byID[d.EvidenceID]; c != nil {
				c.Retracted = true
			}
		}
	}
	for i := len(order) - 1; i >= 0; i-- {
		if c := byID[order[i]]; !c.Retracted {
			out.Evidence = append(out.Evidence, *c)
		}
	}
	statements := map[string]string{}
	for _, c := range std.Components {
		statements[c.ID] = c.Statement
	}
	for _, c := range m.Components {
		row := coverRow{ID: c.ID, Statement: statements[c.ID], Covered: c.Covered, PreAssessed: c.PreAssessed, SelfOnly: c.SelfOnly}
		for _, id := range c.EvidenceIDs {
			if e := byID[id]; e != nil && e.Level >= std.Scale.Proficient {
				row.Evidence = append(row.Evidence, *e)
			}
		}
		if !c.Covered {
			out.Missing = append(out.Missing, c.ID)
		}
		out.Components = append(out.Components, row)
	}
	requested := r.URL.Query().Get("request")
	if r.Method == http.MethodPost {
		requested = r.PostForm.Get("requestId")
	}
	for _, req := range m.OpenRequests {
		rc := requestChoice{ID: req.ID.String(), By: req.RequestedBy, Occurred: req.OccurredAt}
		for _, id := range req.EvidenceIDs {
			if e := byID[id]; e != nil {
				rc.Evidence = append(rc.Evidence, *e)
			}
		}
		out.Requests = append(out.Requests, rc)
	}
	for i := range out.Requests {
		if out.Requests[i].ID == requested {
			out.Request = &out.Requests[i]
		}
	}
	if id, ok := vars["evidenceId"]; ok {
		eid, err := uuid.Parse(id)
		if err != nil || byID[eid] == nil {
			return nil, nil, fmt.Errorf("no evidence %q of standard %q for learner %q: %w", id, standardID, learnerID, domain.ErrNotFound)
		}
		out.Retracting = byID[eid]
	}
	defaults := url.Values{}
	if out.Teacher {
		defaults.Set("source", string(domain.SourceTeacher))
		defaults.Set("assessor", p.Name)
	} else {
		defaults.Set("source", string(domain.SourceSelf))
	}
	if c := r.URL.Query().Get("component"); c != "" {
		defaults.Set("componentId", c)
	}
	// Reached from an open request: the agreement names it, and the
	// feedback starts from the evidence the learner pointed at.
	if out.Request != nil {
		defaults.Set("requestId", out.Request.ID)
		for _, e := range out.Request.Evidence {
			defaults.Add("evidenceIds", e.ID)
		}
	}
	return out, defaults, nil
}

// levelWords is a level with its label: "3 (Proficient)".
func levelWords(sc domain.Scale, n int) string {
	for _, l := range sc.Levels {
		if l.Level == n {
			return fmt.Sprintf("%d (%s)", n, l.Label)
		}
	}
	return strconv.Itoa(n)
}

// trailAt is the trail of the path's claim at the entry of event id.
func trailAt(r *http.Request, id uuid.UUID) string {
	vars := mux.Vars(r)
	return "/learners/" + url.PathEscape(vars["learnerId"]) + "/standards/" + url.PathEscape(vars["standardId"]) + "#event-" + id.String()
}

// learnerAt is the learner's page of the path at a fragment.
func learnerAt(r *http.Request, fragment string) string {
	return "/learners/" + url.PathEscape(mux.Vars(r)["learnerId"]) + "#" + fragment
}

func (s *Server) submitPreAssessment(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	vars := mux.Vars(r)
	c := domain.RecordPreAssessment{Meta: meta, StandardID: vars["standardId"], Demonstrated: r.PostForm["demonstrated"], Note: text(r, "note")}
	if c.Demonstrated == nil {
		c.Demonstrated = []string{}
	}
	rec, err := s.cfg.Service.RecordPreAssessment(r.Context(), vars["learnerId"], c, nil)
	return rec, trailAt(r, rec.ID), err
}

func (s *Server) submitEvidence(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	vars := mux.Vars(r)
	var ps parsed
	c := domain.RecordEvidence{Meta: meta, StandardID: vars["standardId"], ComponentID: text(r, "componentId"), Level: ps.level(r, "level"),
		Source: domain.Source(text(r, "source")), Assessor: text(r, "assessor"), Artifact: artifact(r), Note: text(r, "note")}
	if err := ps.err(); err != nil {
		return domain.RecordedEvent{}, "", err
	}
	rec, err := s.cfg.Service.RecordEvidence(r.Context(), vars["learnerId"], c, nil)
	return rec, trailAt(r, rec.ID), err
}

func (s *Server) submitRetraction(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	vars := mux.Vars(r)
	id, err := uuid.Parse(vars["evidenceId"])
	if err != nil {
		return domain.RecordedEvent{}, "", fmt.Errorf("evidence %q: %w", vars["evidenceId"], domain.ErrNotFound)
	}
	c := domain.RetractEvidence{Meta: meta, EvidenceID: id, Reason: text(r, "reason")}
	rec, err := s.cfg.Service.RetractEvidence(r.Context(), vars["learnerId"], c, nil)
	return rec, trailAt(r, rec.ID), err
}

func (s *Server) submitFeedback(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	vars := mux.Vars(r)
	var ps parsed
	c := domain.GiveFeedback{Meta: meta, StandardID: vars["standardId"], EvidenceIDs: ps.uuids(r, "evidenceIds"),
		Strengths: text(r, "strengths"), NextSteps: text(r, "nextSteps"), Causes: text(r, "causes")}
	if err := ps.err(); err != nil {
		return domain.RecordedEvent{}, "", err
	}
	rec, err := s.cfg.Service.GiveFeedback(r.Context(), vars["learnerId"], c, nil)
	return rec, trailAt(r, rec.ID), err
}

func (s *Server) submitRequest(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	vars := mux.Vars(r)
	var ps parsed
	c := domain.RequestReadiness{Meta: meta, StandardID: vars["standardId"], EvidenceIDs: ps.uuids(r, "evidenceIds"), Note: text(r, "note")}
	if err := ps.err(); err != nil {
		return domain.RecordedEvent{}, "", err
	}
	rec, err := s.cfg.Service.RequestReadiness(r.Context(), vars["learnerId"], c, nil)
	return rec, trailAt(r, rec.ID), err
}

func (s *Server) submitAgreement(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	vars := mux.Vars(r)
	c := domain.AgreeReadiness{Meta: meta, StandardID: vars["standardId"], LearnerConfirmed: r.PostForm.Get("learnerConfirmed") == "true", Note: text(r, "note")}
	if id := text(r, "requestId"); id != "" {
		// Sent from a request: the domain checks the request is open and
		// on this standard; here only that it is an id at all.
		rid, err := uuid.Parse(id)
		if err != nil {
			return domain.RecordedEvent{}, "", &domain.ValidationError{Errors: []domain.FieldError{{Field: "requestId", Message: "is not a request id"}}}
		}
		c.RequestID = rid
	}
	rec, err := s.cfg.Service.AgreeReadiness(r.Context(), vars["learnerId"], c, nil)
	return rec, trailAt(r, rec.ID), err
}

func (s *Server) submitAttempt(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	vars := mux.Vars(r)
	var ps parsed
	c := domain.RecordSummativeAttempt{Meta: meta, StandardID: vars["standardId"], Level: ps.level(r, "level"),
		Assessor: text(r, "assessor"), Artifact: artifact(r), Note: text(r, "note")}
	if err := ps.err(); err != nil {
		return domain.RecordedEvent{}, "", err
	}
	rec, err := s.cfg.Service.RecordSummativeAttempt(r.Context(), vars["learnerId"], c, nil)
	return rec, trailAt(r, rec.ID), err
}

// learnerForm is what the forms about a learner's goals, plans, profile
// and enrolment show.
type learnerForm struct {
	LearnerID string
	// Standards are the published standards a goal may target.
	Standards []projections.Standard
	// Goals are the goals not yet reviewed, which a plan may serve.
	Goals []projections.GoalRecord
	// Goal and Plan are the path's, for the forms about one.
	Goal *projections.GoalRecord
	Plan *projections.PlanRecord
	// Evidence is the current evidence on the goal's standards.
	Evidence []evidenceChoice
}

// loadLearnerForm reads the learner's goals and plans, and the goal or plan
// the path names (an unknown one is the 404 page).
func (s *Server) loadLearnerForm(r *http.Request, p access.Principal) (any, url.Values, error) {
	vars := mux.Vars(r)
	id := vars["learnerId"]
	v := s.cfg.View
	if _, err := v.Learner(id); err != nil {
		return nil, nil, err
	}
	goals, err := v.Goals(id)
	if err != nil {
		return nil, nil, err
	}
	out := learnerForm{LearnerID: id}
	defaults := url.Values{}
	for _, std := range v.Standards() {
		if !std.Retired {
			out.Standards = append(out.Standards, std)
		}
	}
	for i, g := range goals {
		if !g.Reviewed {
			out.Goals = append(out.Goals, g)
		}
		if gid, ok := vars["goalId"]; ok && g.ID == gid {
			out.Goal = &goals[i]
		}
		for j, pl := range g.Plans {
			if pid, ok := vars["planId"]; ok && pl.ID == pid {
				out.Plan, out.Goal = &goals[i].Plans[j], &goals[i]
			}
		}
	}
	switch {
	case vars["goalId"] != "" && out.Goal == nil:
		return nil, nil, fmt.Errorf("no goal %q for learner %q: %w", vars["goalId"], id, domain.ErrNotFound)
	case vars["planId"] != "" && out.Plan == nil:
		return nil, nil, fmt.Errorf("no plan %q for learner %q: %w", vars["planId"], id, domain.ErrNotFound)
	}
	if out.Goal != nil && vars["goalId"] != "" {
		for _, sid := range out.Goal.StandardIDs {
			sf, _, err := s.loadStandardEvidence(r, id, sid)
			if err != nil {
				continue // a standard retired or never published offers no evidence
			}
			out.Evidence = append(out.Evidence, sf...)
		}
	}
	if g := r.URL.Query().Get("goal"); g != "" {
		defaults.Set("goalId", g)
	}
	if sid := r.URL.Query().Get("standard"); sid != "" {
		defaults.Set("standardIds", sid)
	}
	return out, defaults, nil
}

// loadStandardEvidence is the current evidence of a learner on a standard.
func (s *Server) loadStandardEvidence(r *http.Request, learnerID, standardID string) ([]evidenceChoice, projections.Standard, error) {
	std, err := s.cfg.View.Standard(standardID)
	if err != nil {
		return nil, std, err
	}
	rep, err := s.cfg.View.Replay(r.Context(), learnerID, standardID)
	if err != nil {
		return nil, std, err
	}
	var out []evidenceChoice
	retracted := map[uuid.UUID]bool{}
	for _, e := range slices.Backward(rep.Events) {
		ev, err := domain.DecodeEvent(e)
		if err != nil {
			return nil, std, fmt.Errorf("evidence of %s on %s: event %s: %w", learnerID, standardID, e.ID, err)
		}
		switch d := ev.(type) {
		case domain.EvidenceRetracted:
			retracted[d.EvidenceID] = true
		case domain.EvidenceRecorded:
			if !retracted[e.ID] {
				out = append(out, evidenceChoice{ID: e.ID.String(), Standard: std.Code, ComponentID: d.ComponentID, Level: d.Level,
					LevelWords: levelWords(std.Scale, d.Level), Source: d.Source, Occurred: e.OccurredAt})
			}
		}
	}
	return out, std, nil
}

func (s *Server) submitGoal(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	c := domain.SetGoal{Meta: meta, GoalID: text(r, "goalId"), Specific: text(r, "specific"), Measurable: text(r, "measurable"),
		Achievable: text(r, "achievable"), Relevant: text(r, "relevant"), TargetDate: text(r, "targetDate"),
		Evaluate: text(r, "evaluate"), Review: text(r, "review"), StandardIDs: r.PostForm["standardIds"]}
	if c.StandardIDs == nil {
		c.StandardIDs = []string{}
	}
	rec, err := s.cfg.Service.SetGoal(r.Context(), mux.Vars(r)["learnerId"], c, nil)
	return rec, learnerAt(r, "goal-"+c.GoalID), err
}

func (s *Server) submitEvaluation(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	vars := mux.Vars(r)
	var ps parsed
	c := domain.EvaluateGoal{Meta: meta, GoalID: vars["goalId"], Result: domain.GoalResult(text(r, "result")), EvidenceIDs: ps.uuids(r, "evidenceIds"), Note: text(r, "note")}
	if err := ps.err(); err != nil {
		return domain.RecordedEvent{}, "", err
	}
	rec, err := s.cfg.Service.EvaluateGoal(r.Context(), vars["learnerId"], c, nil)
	return rec, learnerAt(r, "goal-"+c.GoalID), err
}

func (s *Server) submitReview(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	vars := mux.Vars(r)
	c := domain.ReviewGoal{Meta: meta, GoalID: vars["goalId"], Reflection: text(r, "reflection"), NextGoal: text(r, "nextGoal")}
	rec, err := s.cfg.Service.ReviewGoal(r.Context(), vars["learnerId"], c, nil)
	return rec, learnerAt(r, "goals"), err
}

func (s *Server) submitPlan(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	c := domain.DraftPlan{Meta: meta, PlanID: text(r, "planId"), GoalID: text(r, "goalId"), Plan: text(r, "plan"),
		Learn: text(r, "learn"), Check: text(r, "check"), Adjust: text(r, "adjust")}
	rec, err := s.cfg.Service.DraftPlan(r.Context(), mux.Vars(r)["learnerId"], c, nil)
	return rec, learnerAt(r, "plan-"+c.PlanID), err
}

func (s *Server) submitAdjustment(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	vars := mux.Vars(r)
	c := domain.AdjustPlan{Meta: meta, PlanID: vars["planId"], Change: text(r, "change"), Reason: text(r, "reason")}
	rec, err := s.cfg.Service.AdjustPlan(r.Context(), vars["learnerId"], c, nil)
	return rec, learnerAt(r, "plan-"+c.PlanID), err
}

func (s *Server) submitProfile(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	c := domain.UpdateProfile{Meta: meta, Profile: domain.Profile{DisplayName: text(r, "displayName"), Interests: lines(r, "interests"),
		LearningPreferences: lines(r, "learningPreferences"), BackgroundKnowledge: text(r, "backgroundKnowledge"), CollegeCareerGoals: text(r, "collegeAndCareerGoals")}}
	rec, err := s.cfg.Service.UpdateProfile(r.Context(), mux.Vars(r)["learnerId"], c, nil)
	return rec, learnerAt(r, "main"), err
}

func (s *Server) submitWithdrawal(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	c := domain.WithdrawLearner{Meta: meta, Reason: text(r, "reason")}
	rec, err := s.cfg.Service.WithdrawLearner(r.Context(), mux.Vars(r)["learnerId"], c, nil)
	return rec, learnerAt(r, "main"), err
}
