package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/mux"
	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

// trailPage is what templates/pages/trail.html shows: the replay of one
// claim, one row per event, in stream order.
type trailPage struct {
	LearnerID  string
	Standard   projections.Standard
	Status     domain.Status
	Rows       []trailRow
	ReplayPath string
	// Actions are the forms the principal may send about this claim;
	// CanAsk, whether the request to be assessed is offered: to whom may
	// send it, while the claim is in progress (not met, no agreement
	// open).
	Actions actions
	CanAsk  bool
	// Open are the readiness requests no agreement has answered yet,
	// oldest first.
	Open []openRequest
}

// openRequest is a readiness request still waiting for its answer.
type openRequest struct {
	ID       string
	By       domain.Actor
	Occurred time.Time
	Evidence int
}

// pointer is a link from one row to another event of the claim, and
// whether that event's row is on the page to link to.
type pointer struct {
	ID, Words string
	OnPage    bool
}

// trailRow is one event of the replay, in words.
type trailRow struct {
	ID       string
	Type     string
	Words    string
	Details  []string
	Occurred time.Time
	Recorded time.Time
	Actor    domain.Actor
	Position uint64
	Revision uint64
	Hash     string
	// Mark is what makes the row stand out in the cycle: "not-yet" (an
	// attempt that did not meet), "adjusted" (a plan adjusted after it),
	// "met" (the attempt that met); MarkWords says it in words, so that
	// colour is never the only sign.
	Mark, MarkWords string
	// Retracts is the id of the evidence a retraction points at, linked
	// to its row when the row is on the page.
	Retracts       string
	RetractsOnPage bool
	// Retracted is set on evidence a later row retracts.
	Retracted bool
	// Evidence marks a row of recorded evidence, which a teacher may
	// retract while it stands.
	Evidence bool
	// Points are the evidence a readiness request points at; AnsweredBy
	// the agreement that answered the request, once one has; Answers the
	// request an agreement names as the one it answers.
	Points     []pointer
	AnsweredBy *pointer
	Answers    *pointer
}

// Short is the hash as the row shows it; the full hash is beside it.
func (r trailRow) Short() string {
	if len(r.Hash) > 12 {
		return r.Hash[:12]
	}
	return r.Hash
}

// trailPage reads /learners/{learnerId}/standards/{standardId}: the replay
// projection the API's GET …/replay reads, put in words.
func (s *Server) trailPage(r *http.Request, p access.Principal) (any, error) {
	vars := mux.Vars(r)
	learnerID, standardID := vars["learnerId"], vars["standardId"]
	v := s.cfg.View
	std, err := v.Standard(standardID)
	if err != nil {
		return nil, err
	}
	rep, err := v.Replay(r.Context(), learnerID, standardID)
	if err != nil {
		return nil, err
	}
	out := trailPage{LearnerID: learnerID, Standard: std, Status: rep.Status,
		ReplayPath: "/learners/" + learnerID + "/standards/" + standardID + "/replay.json", Actions: s.actionsOn(p, learnerID)}
	labels := map[int]string{}
	for _, l := range std.Scale.Levels {
		labels[l.Level] = l.Label
	}
	level := func(n int) string {
		if l, ok := labels[n]; ok {
			return fmt.Sprintf("level %d (%s)", n, l)
		}
		return "level " + strconv.Itoa(n)
	}
	out.CanAsk = out.Actions.Write && rep.Status == domain.StatusInProgress
	index := map[string]int{}
	// evidence says each piece of evidence in words, for the requests
	// that point at it; open holds the rows of the requests no agreement
	// has answered yet.
	evidence := map[string]string{}
	var open []int
	notYet := false
	for _, e := range rep.Events {
		row := trailRow{ID: e.ID.String(), Type: e.Type, Occurred: e.OccurredAt, Recorded: e.RecordedAt,
			Actor: e.Actor, Position: e.Position, Revision: e.Revision, Hash: e.Hash}
		ev, err := domain.DecodeEvent(e)
		if err != nil {
			return nil, fmt.Errorf("trail of %s on %s: event %s: %w", learnerID, standardID, e.ID, err)
		}
		by := ""
		if e.Actor.Name != "" {
			by = ", by " + e.Actor.Name
		}
		switch d := ev.(type) {
		case domain.PreAssessmentRecorded:
			row.Words = fmt.Sprintf("Pre-assessment recorded: components %s already shown%s", list(d.Demonstrated), by)
			row.Details = nonEmpty("Note: ", d.Note)
		case domain.EvidenceRecorded:
			row.Words = fmt.Sprintf("Evidence recorded: component %s at %s, source %s%s", d.ComponentID, level(d.Level), d.Source, by)
			evidence[row.ID] = fmt.Sprintf("component %s at %s, source %s, %s", d.ComponentID, level(d.Level), d.Source, e.OccurredAt.UTC().Format("2 Jan 2006"))
			row.Evidence = true
			if d.Source == domain.SourceSelf {
				row.Words += " (self-assessed)"
			}
			row.Details = nonEmpty("Assessor: ", d.Assessor)
			if d.Artifact != nil {
				row.Details = append(row.Details, fmt.Sprintf("Artifact: %s (%s, SHA-256 %s)", d.Artifact.URI, d.Artifact.MediaType, d.Artifact.SHA256))
			}
			row.Details = append(row.Details, nonEmpty("Note: ", d.Note)...)
		case domain.EvidenceRetracted:
			row.Words = fmt.Sprintf("Evidence retracted: component %s%s", d.ComponentID, by)
			row.Details = nonEmpty("Reason: ", d.Reason)
			row.Retracts = d.EvidenceID.String()
			if i, ok := index[row.Retracts]; ok {
				row.RetractsOnPage = true
				out.Rows[i].Retracted = true
			}
		case domain.FeedbackGiven:
			row.Words = fmt.Sprintf("Feedback given on %d piece%s of evidence%s", len(d.EvidenceIDs), plural(len(d.EvidenceIDs)), by)
			row.Details = append(nonEmpty("Strengths: ", d.Strengths), nonEmpty("Next steps: ", d.NextSteps)...)
			row.Details = append(row.Details, nonEmpty("Causes: ", d.Causes)...)
		case domain.GoalSet:
			row.Words = fmt.Sprintf("Goal %s set: %s%s", d.GoalID, d.Specific, by)
			row.Details = append(nonEmpty("Measured by: ", d.Measurable), nonEmpty("Target date: ", d.TargetDate)...)
		case domain.PlanDrafted:
			row.Words = fmt.Sprintf("Plan %s drafted for goal %s%s", d.PlanID, d.GoalID, by)
			row.Details = append(nonEmpty("Plan: ", d.Plan), nonEmpty("Learn: ", d.Learn)...)
			row.Details = append(row.Details, append(nonEmpty("Check: ", d.Check), nonEmpty("Adjust: ", d.Adjust)...)...)
		case domain.PlanAdjusted:
			row.Words = fmt.Sprintf("Plan %s adjusted%s", d.PlanID, by)
			row.Details = append(nonEmpty("Change: ", d.Change), nonEmpty("Reason: ", d.Reason)...)
			if notYet {
				row.Mark, row.MarkWords = "adjusted", "Plan adjusted after a not-yet attempt"
			}
		case domain.GoalEvaluated:
			result := "not yet met"
			if d.Result == domain.GoalMet {
				result = "met"
			}
			row.Words = fmt.Sprintf("Goal %s evaluated: %s%s", d.GoalID, result, by)
			row.Details = nonEmpty("Note: ", d.Note)
		case domain.GoalReviewed:
			row.Words = fmt.Sprintf("Goal %s reviewed%s", d.GoalID, by)
			row.Details = append(nonEmpty("Reflection: ", d.Reflection), nonEmpty("Next goal: ", d.NextGoal)...)
		case domain.ReadinessRequested:
			if e.Actor.Role == domain.RoleTeacher {
				by += " on the learner's behalf"
			}
			row.Words = fmt.Sprintf("Asked to be assessed on %s, pointing at %d piece%s of evidence%s", std.Code, len(d.EvidenceIDs), plural(len(d.EvidenceIDs)), by)
			for _, id := range d.EvidenceIDs {
				p := pointer{ID: id.String(), Words: evidence[id.String()]}
				_, p.OnPage = index[p.ID]
				if p.Words == "" {
					p.Words = "evidence " + p.ID
				}
				row.Points = append(row.Points, p)
			}
			row.Details = nonEmpty("Note: ", d.Note)
			open = append(open, len(out.Rows))
		case domain.ReadinessAgreed:
			if d.LearnerConfirmed {
				row.Words = fmt.Sprintf("Readiness agreed: teacher %s and the learner agree the components are mastered, and the learner signs up for the summative attempt%s", d.Teacher, by)
			} else {
				row.Words = fmt.Sprintf("Readiness agreed by teacher %s; the learner has not confirmed%s", d.Teacher, by)
			}
			row.Details = []string{fmt.Sprintf("Rests on %d piece%s of evidence", len(d.EvidenceIDs()), plural(len(d.EvidenceIDs())))}
			row.Details = append(row.Details, nonEmpty("Note: ", d.Note)...)
			if d.RequestID != uuid.Nil {
				p := pointer{ID: d.RequestID.String(), Words: "request " + d.RequestID.String()}
				if i, ok := index[p.ID]; ok {
					asked := out.Rows[i]
					p.OnPage, p.Words = true, fmt.Sprintf("the request of %s of %s", asked.Actor.Name, asked.Occurred.UTC().Format("2 Jan 2006"))
				}
				row.Answers = &p
			}
			// An agreement answers every open request on the standard,
			// named or not (domain/events.go, ReadinessRequested).
			for _, i := range open {
				out.Rows[i].AnsweredBy = &pointer{ID: row.ID, OnPage: true, Words: fmt.Sprintf("the agreement of %s of %s", d.Teacher, e.OccurredAt.UTC().Format("2 Jan 2006"))}
			}
			open = nil
		case domain.SummativeAttemptRecorded:
			if d.Meets {
				row.Words = fmt.Sprintf("Summative attempt met the standard at %s%s", level(d.Level), by)
				row.Mark, row.MarkWords = "met", "The attempt that met the standard"
			} else {
				row.Words = fmt.Sprintf("Summative attempt: not yet, %s, proficient is %s%s", level(d.Level), level(d.Proficient), by)
				row.Mark, row.MarkWords = "not-yet", "A not-yet attempt"
				notYet = true
			}
			row.Details = nonEmpty("Assessor: ", d.Assessor)
			if d.Artifact != nil {
				row.Details = append(row.Details, fmt.Sprintf("Artifact: %s (%s, SHA-256 %s)", d.Artifact.URI, d.Artifact.MediaType, d.Artifact.SHA256))
			}
			row.Details = append(row.Details, nonEmpty("Note: ", d.Note)...)
		default:
			row.Words = e.Type + by
		}
		index[row.ID] = len(out.Rows)
		out.Rows = append(out.Rows, row)
	}
	for _, i := range open {
		row := out.Rows[i]
		out.Open = append(out.Open, openRequest{ID: row.ID, By: row.Actor, Occurred: row.Occurred, Evidence: len(row.Points)})
	}
	return out, nil
}

func nonEmpty(label, s string) []string {
	if s == "" {
		return nil
	}
	return []string{label + s}
}

// plural is the ending of a noun counted n times.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func list(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// trailJSON is GET /learners/{learnerId}/standards/{standardId}/replay.json:
// the replay as GET /v1/…/replay answers it, byte for byte the same
// encoding, under the pages' session instead of a Bearer token, so that the
// trail page's verification fetches it with the cookie the page was opened
// with. It is read under the rule of the trail page and of the API's
// replay route, access.LearnerRecord.
func (s *Server) trailJSON(w http.ResponseWriter, r *http.Request, sess *signedIn) error {
	if sess == nil {
		return errSignedOut
	}
	vars := mux.Vars(r)
	if err := access.Authorize(sess.principal, access.LearnerRecord, "GET "+trailPath, vars, s.cfg.View); err != nil {
		return err
	}
	rep, err := s.cfg.View.Replay(r.Context(), vars["learnerId"], vars["standardId"])
	if err != nil {
		return err
	}
	// Encoded whole first, as a page is rendered: an error is the 500
	// page, never half a replay.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// As the API: stored event data printed byte for byte, so that the
	// browser can hash what it reads (docs/hash-chain.md).
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("encode the replay of %s on %s: %w", vars["learnerId"], vars["standardId"], err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	// A learner's record, as every page: no cache keeps a copy.
	h.Set("Cache-Control", "no-store")
	if r.Method == http.MethodHead {
		return nil
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		loggerFrom(r.Context()).Debug("write replay", "err", err.Error())
	}
	return nil
}

// trailPath is the trail page's path; its replay is under
// trailPath + "/replay.json".
const trailPath = "/learners/{learnerId}/standards/{standardId}"

// verifyPage is /verify: public, it shows the form the module drives and
// reads nothing.
func (s *Server) verifyPage(*http.Request, access.Principal) (any, error) { return nil, nil }
