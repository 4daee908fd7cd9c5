package httpapi

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/masteryledger/ledger/domain"
)

// XAPI is the xAPI statement resource (adapters/xapi.Resource), which the
// server mounts on its own port: its routes pass wrap (metrics, body
// limit, credentials, the tool role) like every other.
type XAPI interface {
	// Statements serves /xapi/statements for p and answers every request
	// itself, errors included.
	Statements(w http.ResponseWriter, r *http.Request, p Principal) error
	// Activities and Agents serve /xapi/activities and /xapi/agents for
	// p, like Statements.
	Activities(w http.ResponseWriter, r *http.Request, p Principal) error
	Agents(w http.ResponseWriter, r *http.Request, p Principal) error
	// State, ActivityProfile and AgentProfile serve the document
	// resources /xapi/activities/state, /xapi/activities/profile and
	// /xapi/agents/profile for p, like Statements.
	State(w http.ResponseWriter, r *http.Request, p Principal) error
	ActivityProfile(w http.ResponseWriter, r *http.Request, p Principal) error
	AgentProfile(w http.ResponseWriter, r *http.Request, p Principal) error
	// About serves /xapi/about.
	About(w http.ResponseWriter, r *http.Request) error
	// Realign derives the evidence a school's new alignment or agent link
	// gives from the statements stored before it.
	Realign(ctx context.Context, schoolID string) error
}

// MaxStatementBytes bounds a statement request: statements and their
// attachments. A stored statement, attachments included, must still fit
// in one event (domain.MaxEventDataSize).
const MaxStatementBytes = 8 << 20

func (s *Server) xapiStatements(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.XAPI == nil {
		return &notReady{fmt.Errorf("the xAPI resource is not configured")}
	}
	return s.cfg.XAPI.Statements(w, r, principalFrom(r.Context()))
}

func (s *Server) xapiActivities(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.XAPI == nil {
		return &notReady{fmt.Errorf("the xAPI resource is not configured")}
	}
	return s.cfg.XAPI.Activities(w, r, principalFrom(r.Context()))
}

func (s *Server) xapiAgents(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.XAPI == nil {
		return &notReady{fmt.Errorf("the xAPI resource is not configured")}
	}
	return s.cfg.XAPI.Agents(w, r, principalFrom(r.Context()))
}

// xapiDocuments returns the handler of a document resource, one of the
// XAPI's State, ActivityProfile and AgentProfile.
func (s *Server) xapiDocuments(serve func(XAPI, http.ResponseWriter, *http.Request, Principal) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.cfg.XAPI == nil {
			return &notReady{fmt.Errorf("the xAPI resource is not configured")}
		}
		return serve(s.cfg.XAPI, w, r, principalFrom(r.Context()))
	}
}

func (s *Server) xapiAbout(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.XAPI == nil {
		return &notReady{fmt.Errorf("the xAPI resource is not configured")}
	}
	return s.cfg.XAPI.About(w, r)
}

// xapiAlignment is the body of POST /v1/schools/{schoolId}/xapi-alignments:
// an activity aligned to a component, or an agent linked to a learner.
type xapiAlignment struct {
	domain.Meta
	ActivityID  string            `json:"activityId"`
	StandardID  string            `json:"standardId"`
	ComponentID string            `json:"componentId"`
	CutScores   []domain.CutScore `json:"cutScores,omitempty"`
	Agent       *domain.XAPIAgent `json:"agent,omitempty"`
	LearnerID   string            `json:"learnerId"`
}

func (s *Server) alignXAPI(w http.ResponseWriter, r *http.Request) error {
	school, _ := pathID(r, "schoolId")
	var b xapiAlignment
	actor, _, err := command(r, &b)
	if err != nil {
		return err
	}
	b.Actor = actor
	var rec domain.RecordedEvent
	switch {
	case b.Agent != nil && (b.ActivityID != "" || b.StandardID != "" || b.ComponentID != "" || b.CutScores != nil):
		return &badRequest{Field: "agent", Message: "an alignment maps an activity or links an agent, not both"}
	case b.Agent != nil:
		rec, err = s.cfg.Service.LinkXAPIAgent(r.Context(), school, domain.LinkXAPIAgent{Meta: b.Meta, Agent: *b.Agent, LearnerID: b.LearnerID})
	case b.LearnerID != "":
		return &badRequest{Field: "learnerId", Message: "a learner is linked with an agent"}
	default:
		rec, err = s.cfg.Service.AlignXAPIActivity(r.Context(), school, domain.AlignXAPIActivity{Meta: b.Meta, ActivityID: b.ActivityID,
			StandardID: b.StandardID, ComponentID: b.ComponentID, CutScores: b.CutScores})
	}
	if err != nil {
		return err
	}
	if s.cfg.XAPI != nil {
		// The statements stored before the alignment become evidence now,
		// before the answer, so that the admin's next read shows them.
		if err := s.waitApplied(r.Context(), rec.Position); err != nil {
			return &notReady{err}
		}
		if err := s.cfg.XAPI.Realign(r.Context(), school); err != nil {
			return fmt.Errorf("realign school %q: %w", school, err)
		}
	}
	return s.written(w, r, rec, nil)
}

// authenticateTool returns the principal of a request to the xAPI
// resource: HTTP Basic with the token as password (any user name), as
// xAPI clients send, or Bearer.
func (t *Tokens) authenticateTool(r *http.Request) (Principal, error) {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Basic") {
		return t.authenticate(r)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return Principal{}, fmt.Errorf("%w: Basic credentials are not base64", errUnauthorized)
	}
	_, token, ok := strings.Cut(string(raw), ":")
	if !ok || token == "" {
		return Principal{}, fmt.Errorf("%w: send the token as the Basic password", errUnauthorized)
	}
	return t.Authenticate(token)
}
