package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
)

// routes is the whole API surface, in one place.
func (s *Server) routes() []route {
	return []route{
		{method: "POST", path: "/v1/standards", rule: access.AdminOnly, handle: s.publishStandard},
		{method: "GET", path: "/v1/standards", rule: access.Anyone, handle: s.listStandards},
		{method: "GET", path: "/v1/standards/{standardId}", rule: access.Anyone, handle: s.getStandard},
		{method: "POST", path: "/v1/standards/{standardId}/revisions", rule: access.AdminOnly, handle: s.reviseStandard},
		{method: "POST", path: "/v1/standards/{standardId}/retirement", rule: access.AdminOnly, handle: s.retireStandard},

		{method: "POST", path: "/v1/schools", rule: access.AdminOnly, handle: s.registerSchool},
		{method: "POST", path: "/v1/schools/{schoolId}/learners", rule: access.AdminOfSchool, handle: s.enrollLearner},
		{method: "POST", path: "/v1/schools/{schoolId}/efficacy-surveys", rule: access.AdminOfSchool, handle: s.recordSurvey},
		{method: "GET", path: "/v1/schools/{schoolId}/efficacy", rule: access.SchoolFigures, handle: s.getEfficacy},
		{method: "POST", path: "/v1/schools/{schoolId}/survey-instruments", rule: access.AdminOfSchool, handle: s.publishSurveyInstrument},
		{method: "GET", path: "/v1/schools/{schoolId}/survey-instruments", rule: access.SchoolFigures, handle: s.listSurveyInstruments},
		{method: "GET", path: "/v1/schools/{schoolId}/survey-instruments/{instrumentId}", rule: access.SchoolFigures, handle: s.getSurveyInstrument},
		{method: "POST", path: "/v1/schools/{schoolId}/survey-rounds", rule: access.AdminOfSchool, handle: s.openSurveyRound},
		{method: "PUT", path: "/v1/schools/{schoolId}/research-sharing", rule: access.AdminOfSchool, handle: s.setResearchSharing},
		{method: "POST", path: "/v1/schools/{schoolId}/xapi-alignments", rule: access.AdminOfSchool, handle: s.alignXAPI},
		{method: "POST", path: "/v1/schools/{schoolId}/practice-reviews", rule: access.SchoolStaff, handle: s.startReview},
		{method: "GET", path: "/v1/schools/{schoolId}/practice-reviews", rule: access.SchoolFigures, handle: s.listReviews},
		{method: "GET", path: "/v1/schools/{schoolId}/practice-reviews/{reviewId}", rule: access.SchoolFigures, handle: s.getReview},
		{method: "POST", path: "/v1/schools/{schoolId}/practice-reviews/{reviewId}/conclusion", rule: access.SchoolStaff, handle: s.concludeReview},
		{method: "GET", path: "/v1/schools/{schoolId}/practice-reviews/{reviewId}/replay", rule: access.SchoolFigures, handle: s.getReviewReplay},

		{method: "GET", path: "/xapi/statements", rule: access.XAPITools, basic: true, handle: s.xapiStatements},
		{method: "PUT", path: "/xapi/statements", rule: access.XAPITools, basic: true, maxBody: MaxStatementBytes, handle: s.xapiStatements},
		{method: "POST", path: "/xapi/statements", rule: access.XAPITools, basic: true, maxBody: MaxStatementBytes, handle: s.xapiStatements},
		{method: "GET", path: "/xapi/activities", rule: access.XAPITools, basic: true, handle: s.xapiActivities},
		{method: "GET", path: "/xapi/agents", rule: access.XAPITools, basic: true, handle: s.xapiAgents},
		{method: "GET", path: "/xapi/about", public: true, handle: s.xapiAbout},
		{method: "GET", path: "/xapi/activities/state", rule: access.XAPITools, basic: true, handle: s.xapiDocuments(XAPI.State)},
		{method: "PUT", path: "/xapi/activities/state", rule: access.XAPITools, basic: true, maxBody: MaxStatementBytes, handle: s.xapiDocuments(XAPI.State)},
		{method: "POST", path: "/xapi/activities/state", rule: access.XAPITools, basic: true, maxBody: MaxStatementBytes, handle: s.xapiDocuments(XAPI.State)},
		{method: "DELETE", path: "/xapi/activities/state", rule: access.XAPITools, basic: true, handle: s.xapiDocuments(XAPI.State)},
		{method: "GET", path: "/xapi/activities/profile", rule: access.XAPITools, basic: true, handle: s.xapiDocuments(XAPI.ActivityProfile)},
		{method: "PUT", path: "/xapi/activities/profile", rule: access.XAPITools, basic: true, maxBody: MaxStatementBytes, handle: s.xapiDocuments(XAPI.ActivityProfile)},
		{method: "POST", path: "/xapi/activities/profile", rule: access.XAPITools, basic: true, maxBody: MaxStatementBytes, handle: s.xapiDocuments(XAPI.ActivityProfile)},
		{method: "DELETE", path: "/xapi/activities/profile", rule: access.XAPITools, basic: true, handle: s.xapiDocuments(XAPI.ActivityProfile)},
		{method: "GET", path: "/xapi/agents/profile", rule: access.XAPITools, basic: true, handle: s.xapiDocuments(XAPI.AgentProfile)},
		{method: "PUT", path: "/xapi/agents/profile", rule: access.XAPITools, basic: true, maxBody: MaxStatementBytes, handle: s.xapiDocuments(XAPI.AgentProfile)},
		{method: "POST", path: "/xapi/agents/profile", rule: access.XAPITools, basic: true, maxBody: MaxStatementBytes, handle: s.xapiDocuments(XAPI.AgentProfile)},
		{method: "DELETE", path: "/xapi/agents/profile", rule: access.XAPITools, basic: true, handle: s.xapiDocuments(XAPI.AgentProfile)},

		{method: "POST", path: "/v1/learners/{learnerId}/withdrawal", rule: access.AdminOfLearner, handle: s.withdrawLearner},
		{method: "POST", path: "/v1/learners/{learnerId}/pre-assessments", rule: access.TeacherOfLearner, handle: s.recordPreAssessment},
		{method: "POST", path: "/v1/learners/{learnerId}/evidence", rule: access.TeacherOrLearner, handle: s.recordEvidence},
		{method: "POST", path: "/v1/learners/{learnerId}/evidence/{evidenceId}/retraction", rule: access.TeacherOfLearner, handle: s.retractEvidence},
		{method: "POST", path: "/v1/learners/{learnerId}/feedback", rule: access.TeacherOfLearner, handle: s.giveFeedback},
		{method: "POST", path: "/v1/learners/{learnerId}/goals", rule: access.TeacherOrLearner, handle: s.setGoal},
		{method: "POST", path: "/v1/learners/{learnerId}/goals/{goalId}/evaluation", rule: access.TeacherOrLearner, handle: s.evaluateGoal},
		{method: "POST", path: "/v1/learners/{learnerId}/goals/{goalId}/review", rule: access.TeacherOrLearner, handle: s.reviewGoal},
		{method: "POST", path: "/v1/learners/{learnerId}/plans", rule: access.TeacherOrLearner, handle: s.draftPlan},
		{method: "POST", path: "/v1/learners/{learnerId}/plans/{planId}/adjustments", rule: access.TeacherOrLearner, handle: s.adjustPlan},
		{method: "PUT", path: "/v1/learners/{learnerId}/profile", rule: access.TeacherOrLearner, handle: s.updateProfile},
		{method: "DELETE", path: "/v1/learners/{learnerId}/personal-data", rule: access.AdminOfLearner, handle: s.erasePersonalData},
		{method: "POST", path: "/v1/learners/{learnerId}/readiness-requests", rule: access.TeacherOrLearner, handle: s.requestReadiness},
		{method: "POST", path: "/v1/learners/{learnerId}/agreements", rule: access.TeacherOfLearner, handle: s.agreeReadiness},
		{method: "POST", path: "/v1/learners/{learnerId}/summative-attempts", rule: access.TeacherOfLearner, handle: s.recordAttempt},

		{method: "GET", path: "/v1/learners/{learnerId}/mastery", rule: access.LearnerRecord, handle: s.getMastery},
		{method: "GET", path: "/v1/learners/{learnerId}/mastery/{standardId}", rule: access.LearnerRecord, handle: s.getStandardMastery},
		{method: "GET", path: "/v1/learners/{learnerId}/standards/{standardId}/evidence", rule: access.LearnerRecord, handle: s.getEvidence},
		{method: "GET", path: "/v1/learners/{learnerId}/standards/{standardId}/replay", rule: access.LearnerRecord, handle: s.getReplay},
		{method: "GET", path: "/v1/learners/{learnerId}/standards/{standardId}/policies", rule: access.LearnerResearch, handle: s.getPolicies},
		{method: "GET", path: "/v1/learners/{learnerId}/transcript", rule: access.LearnerRecord, handle: s.getTranscript},
		{method: "GET", path: "/v1/learners/{learnerId}/events", rule: access.LearnerRecord, handle: s.getLearnerEvents},
		{method: "GET", path: "/v1/learners/{learnerId}/profile", rule: access.LearnerRecord, handle: s.getProfile},
		{method: "GET", path: "/v1/learners/{learnerId}/credentials", rule: access.LearnerRecord, handle: s.getCredentials},
		{method: "GET", path: "/v1/learners/{learnerId}/credentials/{credentialId}", rule: access.LearnerRecord, handle: s.getCredentialJWT},
		{method: "POST", path: "/v1/learners/{learnerId}/credentials/{credentialId}/revocation", rule: access.AdminOfLearner, handle: s.revokeCredential},
		{method: "GET", path: StatusListPath, public: true, handle: s.getStatusList},

		{method: "GET", path: "/v1/events", rule: access.Feed, handle: s.getFeed},
		{method: "GET", path: "/v1/research/policies", rule: access.Feed, handle: s.getResearchPolicies},

		{method: "POST", path: "/v1/imports/case", rule: access.AdminOnly, handle: s.importCase, maxBody: MaxCaseImportBytes},
		{method: "POST", path: "/v1/imports/oneroster", rule: access.AdminOnly, maxBody: MaxImportBytes, handle: s.importOneRoster},

		{method: "GET", path: "/v1/log/key", public: true, handle: s.getLogKey},
		{method: "GET", path: "/v1/log/checkpoint", public: true, handle: s.getCheckpoint},
		{method: "GET", path: "/v1/log/proof/inclusion", public: true, handle: s.getInclusionProof},
		{method: "GET", path: "/v1/log/proof/consistency", public: true, handle: s.getConsistencyProof},

		{method: "GET", path: "/metrics", public: true, handle: s.getMetrics},
		{method: "GET", path: "/healthz", public: true, handle: s.getHealth},
		{method: "GET", path: "/readyz", public: true, handle: s.getReady},
	}
}

// WriteResult is the body of every 201.
type WriteResult struct {
	EventID  uuid.UUID `json:"eventId"`
	Stream   string    `json:"stream"`
	Revision uint64    `json:"revision"`
	Position uint64    `json:"position"`
	Hash     string    `json:"hash"`
}

// written answers a write once the read model has applied it, so that the
// client's next read shows it. The write is durable either way: if the read
// model is slow, the answer does not wait forever.
func (s *Server) written(w http.ResponseWriter, r *http.Request, rec domain.RecordedEvent, err error) error {
	return s.answerWrite(w, r, http.StatusCreated, rec, err)
}

// answerWrite is written with the status: 201 for an event just recorded,
// 200 for one recorded before that a repeated, idempotent request names.
func (s *Server) answerWrite(w http.ResponseWriter, r *http.Request, status int, rec domain.RecordedEvent, err error) error {
	if err != nil {
		return err
	}
	if err := s.waitApplied(r.Context(), rec.Position); err != nil {
		loggerFrom(r.Context()).Warn("read model lags behind a write", "position", rec.Position, "err", err.Error())
	}
	if s.cfg.Metrics != nil && status == http.StatusCreated {
		s.cfg.Metrics.appended(rec.Type)
	}
	w.Header().Set("ETag", etag(rec.Revision))
	res := WriteResult{EventID: rec.ID, Stream: rec.Stream, Revision: rec.Revision, Position: rec.Position, Hash: rec.Hash}
	body, ok := res.appendJSON(make([]byte, 0, 256))
	if !ok {
		writeJSON(w, r, status, res)
		return nil
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if _, err := w.Write(body); err != nil {
		loggerFrom(r.Context()).Debug("write response", "err", err.Error())
	}
	return nil
}

// appendJSON appends res and a newline to dst, byte for byte as writeJSON
// encodes it, without reflection: every write answers with one. ok is
// false if a string needs escaping, which the ledger's stream names and
// hashes never do; writeJSON must encode res then.
func (res WriteResult) appendJSON(dst []byte) (_ []byte, ok bool) {
	if !plainJSON(res.Stream) || !plainJSON(res.Hash) {
		return dst, false
	}
	dst = append(dst, `{"eventId":"`...)
	dst = append(dst, res.EventID.String()...)
	dst = append(dst, `","stream":"`...)
	dst = append(dst, res.Stream...)
	dst = append(dst, `","revision":`...)
	dst = strconv.AppendUint(dst, res.Revision, 10)
	dst = append(dst, `,"position":`...)
	dst = strconv.AppendUint(dst, res.Position, 10)
	dst = append(dst, `,"hash":"`...)
	dst = append(dst, res.Hash...)
	return append(dst, "\"}\n"...), true
}

// plainJSON reports whether encoding/json writes s between quotes as it
// is: printable ASCII without a quote or a backslash.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// positioner is a Waiter that tells how far it has applied, as
// projections.Engine does.
type positioner interface {
	Position() uint64
}

// waitApplied waits, up to ReadYourWritesTimeout, until the read model has
// applied position pos. By the time a write is answered the read model
// has mostly applied it already; asking first spares those writes a
// context and a timer.
func (s *Server) waitApplied(ctx context.Context, pos uint64) error {
	if p, ok := s.cfg.Projection.(positioner); ok && p.Position() >= pos {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ReadYourWritesTimeout)
	defer cancel()
	return s.cfg.Projection.WaitFor(ctx, pos)
}

func etag(revision uint64) string { return `"` + strconv.FormatUint(revision, 10) + `"` }

// command decodes a body into c and returns the actor and If-Match.
func command[C any](r *http.Request, c *C) (domain.Actor, *uint64, error) {
	if err := decodeBody(r, c); err != nil {
		return domain.Actor{}, nil, err
	}
	im, err := ifMatch(r)
	if err != nil {
		return domain.Actor{}, nil, err
	}
	return principalFrom(r.Context()).Actor(), im, nil
}

func (s *Server) publishStandard(w http.ResponseWriter, r *http.Request) error {
	var c domain.PublishStandard
	actor, _, err := command(r, &c)
	if err != nil {
		return err
	}
	c.Actor = actor
	rec, err := s.cfg.Service.PublishStandard(r.Context(), c)
	return s.written(w, r, rec, err)
}

func (s *Server) reviseStandard(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "standardId")
	if err != nil {
		return err
	}
	var c domain.ReviseStandard
	actor, im, err := command(r, &c)
	if err != nil {
		return err
	}
	c.Actor = actor
	rec, err := s.cfg.Service.ReviseStandard(r.Context(), id, c, im)
	return s.written(w, r, rec, err)
}

func (s *Server) retireStandard(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "standardId")
	if err != nil {
		return err
	}
	var c domain.RetireStandard
	actor, im, err := command(r, &c)
	if err != nil {
		return err
	}
	c.Actor = actor
	rec, err := s.cfg.Service.RetireStandard(r.Context(), id, c, im)
	return s.written(w, r, rec, err)
}

func (s *Server) registerSchool(w http.ResponseWriter, r *http.Request) error {
	var c domain.RegisterSchool
	actor, _, err := command(r, &c)
	if err != nil {
		return err
	}
	c.Actor = actor
	rec, err := s.cfg.Service.RegisterSchool(r.Context(), c)
	return s.written(w, r, rec, err)
}

func (s *Server) enrollLearner(w http.ResponseWriter, r *http.Request) error {
	school, _ := pathID(r, "schoolId")
	var c domain.EnrollLearner
	actor, _, err := command(r, &c)
	if err != nil {
		return err
	}
	c.Actor = actor
	rec, err := s.cfg.Service.EnrollLearner(r.Context(), school, c)
	return s.written(w, r, rec, err)
}

func (s *Server) recordSurvey(w http.ResponseWriter, r *http.Request) error {
	school, _ := pathID(r, "schoolId")
	var c domain.RecordEfficacySurvey
	actor, _, err := command(r, &c)
	if err != nil {
		return err
	}
	c.Actor = actor
	rec, err := s.cfg.Service.RecordEfficacySurvey(r.Context(), school, c)
	return s.written(w, r, rec, err)
}

func (s *Server) setResearchSharing(w http.ResponseWriter, r *http.Request) error {
	school, _ := pathID(r, "schoolId")
	var c domain.SetResearchSharing
	actor, _, err := command(r, &c)
	if err != nil {
		return err
	}
	c.Actor = actor
	rec, err := s.cfg.Service.SetResearchSharing(r.Context(), school, c)
	return s.written(w, r, rec, err)
}

// learnerCommand decodes a command about the learner of the path and runs
// it through call.
func learnerCommand[C any](s *Server, w http.ResponseWriter, r *http.Request, c *C, setActor func(domain.Actor),
	call func(ctx context.Context, learnerID string, im *uint64) (domain.RecordedEvent, error)) error {
	learner, _ := pathID(r, "learnerId") // checked by authorize
	actor, im, err := command(r, c)
	if err != nil {
		return err
	}
	setActor(actor)
	rec, err := call(r.Context(), learner, im)
	return s.written(w, r, rec, err)
}

func (s *Server) withdrawLearner(w http.ResponseWriter, r *http.Request) error {
	var c domain.WithdrawLearner
	return learnerCommand(s, w, r, &c, func(a domain.Actor) { c.Actor = a }, func(ctx context.Context, l string, im *uint64) (domain.RecordedEvent, error) {
		return s.cfg.Service.WithdrawLearner(ctx, l, c, im)
	})
}

func (s *Server) recordPreAssessment(w http.ResponseWriter, r *http.Request) error {
	var c domain.RecordPreAssessment
	return learnerCommand(s, w, r, &c, func(a domain.Actor) { c.Actor = a }, func(ctx context.Context, l string, im *uint64) (domain.RecordedEvent, error) {
		return s.cfg.Service.RecordPreAssessment(ctx, l, c, im)
	})
}

func (s *Server) recordEvidence(w http.ResponseWriter, r *http.Request) error {
	var c domain.RecordEvidence
	return learnerCommand(s, w, r, &c, func(a domain.Actor) { c.Actor = a }, func(ctx context.Context, l string, im *uint64) (domain.RecordedEvent, error) {
		return s.cfg.Service.RecordEvidence(ctx, l, c, im)
	})
}

func (s *Server) retractEvidence(w http.ResponseWriter, r *http.Request) error {
	evidence, err := pathUUID(r, "evidenceId")
	if err != nil {
		return err
	}
	var c domain.RetractEvidence
	return learnerCommand(s, w, r, &c, func(a domain.Actor) { c.Actor, c.EvidenceID = a, evidence }, func(ctx context.Context, l string, im *uint64) (domain.RecordedEvent, error) {
		return s.cfg.Service.RetractEvidence(ctx, l, c, im)
	})
}

func (s *Server) giveFeedback(w http.ResponseWriter, r *http.Request) error {
	var c domain.GiveFeedback
	return learnerCommand(s, w, r, &c, func(a domain.Actor) { c.Actor = a }, func(ctx context.Context, l string, im *uint64) (domain.RecordedEvent, error) {
		return s.cfg.Service.GiveFeedback(ctx, l, c, im)
	})
}

func (s *Server) setGoal(w http.ResponseWriter, r *http.Request) error {
	var c domain.SetGoal
	return learnerCommand(s, w, r, &c, func(a domain.Actor) { c.Actor = a }, func(ctx context.Context, l string, im *uint64) (domain.RecordedEvent, error) {
		return s.cfg.Service.SetGoal(ctx, l, c, im)
	})
}

func (s *Server) evaluateGoal(w http.ResponseWriter, r *http.Request) error {
	goal, err := pathID(r, "goalId")
	if err != nil {
		return err
	}
	var c domain.EvaluateGoal
	return learnerCommand(s, w, r, &c, func(a domain.Actor) { c.Actor, c.GoalID = a, goal }, func(ctx context.Context, l string, im *uint64) (domain.RecordedEvent, error) {
		return s.cfg.Service.EvaluateGoal(ctx, l, c, im)
	})
}

func (s *Server) reviewGoal(w http.ResponseWriter, r *http.Request) error {
	goal, err := pathID(r, "goalId")
	if err != nil {
		return err
	}
	var c domain.ReviewGoal
	return learnerCommand(s, w, r, &c, func(a domain.Actor) { c.Actor, c.GoalID = a, goal }, func(ctx context.Context, l string, im *uint64) (domain.RecordedEvent, error) {
		return s.cfg.Service.ReviewGoal(ctx, l, c, im)
	})
}

func (s *Server) draftPlan(w http.ResponseWriter, r *http.Request) error {
	var c domain.DraftPlan
	return learnerCommand(s, w, r, &c, func(a domain.Actor) { c.Actor = a }, func(ctx context.Context, l string, im *uint64) (domain.RecordedEvent, error) {
		return s.cfg.Service.DraftPlan(ctx, l, c, im)
	})
}

func (s *Server) adjustPlan(w http.ResponseWriter, r *http.Request) error {
	plan, err := pathID(r, "planId")
	if err != nil {
		return err
	}
	var c domain.AdjustPlan
	return learnerCommand(s, w, r, &c, func(a domain.Actor) { c.Actor, c.PlanID = a, plan }, func(ctx context.Context, l string, im *uint64) (domain.RecordedEvent, error) {
		return s.cfg.Service.AdjustPlan(ctx, l, c, im)
	})
}

func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request) error {
	var c domain.UpdateProfile
	return learnerCommand(s, w, r, &c, func(a domain.Actor) { c.Actor = a }, func(ctx context.Context, l string, im *uint64) (domain.RecordedEvent, error) {
		return s.cfg.Service.UpdateProfile(ctx, l, c, im)
	})
}

// erasePersonalData records the erasure, then destroys the learner's key.
// The order matters: a key destroyed first, by a process that then died
// before the event was stored, would erase the data with no record of it.
// The other way round, the log says what must be done, and a repeated
// DELETE, or the key store's shredder reading the log at the next start,
// finishes it. DELETE is idempotent: once erased, it answers 200 with the
// erasure recorded first (and destroys the key again, which is harmless).
func (s *Server) erasePersonalData(w http.ResponseWriter, r *http.Request) error {
	learner, _ := pathID(r, "learnerId") // checked by authorize
	var c domain.ErasePersonalData
	if err := decodeOptionalBody(r, &c); err != nil {
		return err
	}
	im, err := ifMatch(r)
	if err != nil {
		return err
	}
	c.Actor = principalFrom(r.Context()).Actor()
	if s.cfg.Personal == nil {
		return errors.New("no key store is configured: personal data cannot be erased")
	}
	status := http.StatusCreated
	rec, err := s.cfg.Service.ErasePersonalData(r.Context(), learner, c, im)
	var rule *domain.RuleError
	if errors.As(err, &rule) && rule.Rule == domain.RulePersonalDataErased {
		status = http.StatusOK
		rec, err = s.firstErasure(r.Context(), learner)
	}
	if err != nil {
		return err
	}
	if err := s.cfg.Personal.Destroy(r.Context(), learner); err != nil {
		return fmt.Errorf("erasure %s is recorded, but learner %q's key is not destroyed yet (repeat the DELETE; the next start also destroys it): %w",
			rec.ID, learner, err)
	}
	return s.answerWrite(w, r, status, rec, nil)
}

// firstErasure returns the erasure event of the learner's stream.
func (s *Server) firstErasure(ctx context.Context, learnerID string) (domain.RecordedEvent, error) {
	evs, err := s.cfg.Events.ReadStream(ctx, domain.LearnerStream(learnerID), 0, 0)
	if err != nil {
		return domain.RecordedEvent{}, err
	}
	for _, e := range evs {
		if e.Type == domain.TypeLearnerPersonalDataErased {
			return e, nil
		}
	}
	return domain.RecordedEvent{}, fmt.Errorf("learner %q is erased, but their stream holds no erasure", learnerID)
}

func (s *Server) requestReadiness(w http.ResponseWriter, r *http.Request) error {
	var c domain.RequestReadiness
	return learnerCommand(s, w, r, &c, func(a domain.Actor) { c.Actor = a }, func(ctx context.Context, l string, im *uint64) (domain.RecordedEvent, error) {
		return s.cfg.Service.RequestReadiness(ctx, l, c, im)
	})
}

func (s *Server) agreeReadiness(w http.ResponseWriter, r *http.Request) error {
	var c domain.AgreeReadiness
	return learnerCommand(s, w, r, &c, func(a domain.Actor) { c.Actor = a }, func(ctx context.Context, l string, im *uint64) (domain.RecordedEvent, error) {
		return s.cfg.Service.AgreeReadiness(ctx, l, c, im)
	})
}

func (s *Server) recordAttempt(w http.ResponseWriter, r *http.Request) error {
	var c domain.RecordSummativeAttempt
	return learnerCommand(s, w, r, &c, func(a domain.Actor) { c.Actor = a }, func(ctx context.Context, l string, im *uint64) (domain.RecordedEvent, error) {
		return s.cfg.Service.RecordSummativeAttempt(ctx, l, c, im)
	})
}
