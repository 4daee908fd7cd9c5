package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/efficacy"
)

func (s *Server) listStandards(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, r, http.StatusOK, map[string]any{"standards": s.cfg.View.Standards()})
	return nil
}

func (s *Server) getStandard(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "standardId")
	if err != nil {
		return err
	}
	std, err := s.cfg.View.Standard(id)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, std)
	return nil
}

func (s *Server) getEfficacy(w http.ResponseWriter, r *http.Request) error {
	id, _ := pathID(r, "schoolId")
	if _, err := s.cfg.View.School(id); err != nil {
		return err
	}
	if s.cfg.Efficacy == nil {
		return errors.New("the efficacy read model is not configured")
	}
	q, err := EfficacyQuery(r.URL.Query())
	if err != nil {
		return err
	}
	report, err := s.cfg.Efficacy.School(id, q)
	if err != nil {
		return err
	}
	if principalFrom(r.Context()).Role != domain.RoleResearcher {
		writeJSON(w, r, http.StatusOK, report)
		return nil
	}
	if s.cfg.Research == nil {
		return research.ErrNoView
	}
	copied, err := s.cfg.Research.Efficacy(report)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, copied)
	return nil
}

// TimeMessage is what a query parameter that is not a time is told.
const TimeMessage = "must be an RFC 3339 time, such as 2026-09-01T09:00:00Z"

// EfficacyQuery reads the query string of GET
// /v1/schools/{schoolId}/efficacy (cohort, period, from, to, winsLimit)
// into the projection's query. The efficacy page reads its filters with it
// too, so that the page and the API take the same parameters the same way.
// It returns a *domain.ValidationError naming every parameter that does not
// parse or that the projection would refuse, all at once.
func EfficacyQuery(v url.Values) (efficacy.Query, error) {
	q := efficacy.Query{Cohort: v.Get("cohort"), Period: v.Get("period")}
	var errs []domain.FieldError
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		raw := v.Get(f.name)
		if raw == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			errs = append(errs, domain.FieldError{Field: f.name, Message: TimeMessage})
			continue
		}
		*f.dst = t
	}
	if raw := v.Get("winsLimit"); raw != "" {
		n, err := strconv.ParseUint(raw, 10, 64)
		switch {
		case err != nil:
			errs = append(errs, domain.FieldError{Field: "winsLimit", Message: "must be a non-negative integer"})
		case n > efficacy.MaxWinsLimit:
			errs = append(errs, domain.FieldError{Field: "winsLimit", Message: fmt.Sprintf("must be at most %d", efficacy.MaxWinsLimit)})
		default:
			q.WinsLimit = int(n)
		}
	}
	if len(errs) > 0 {
		// The parameters that were read are checked too, so that one
		// answer names every parameter at fault.
		var more *domain.ValidationError
		if errors.As(q.Check(), &more) {
			for _, f := range more.Errors {
				if !slices.ContainsFunc(errs, func(e domain.FieldError) bool { return e.Field == f.Field }) {
					errs = append(errs, f)
				}
			}
		}
		return efficacy.Query{}, &domain.ValidationError{Errors: errs}
	}
	return q, nil
}

// learnerRead answers a read about the learner of the path with an ETag of
// the learner's stream revision, and 304 when the client's copy is current.
func (s *Server) learnerRead(w http.ResponseWriter, r *http.Request, read func(ctx context.Context, learnerID string) (any, error)) error {
	id, _ := pathID(r, "learnerId") // checked by authorize
	l, err := s.cfg.View.Learner(id)
	if err != nil {
		return err
	}
	tag := etag(l.Revision)
	w.Header().Set("ETag", tag)
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			if strings.TrimSpace(t) == tag {
				w.WriteHeader(http.StatusNotModified)
				return nil
			}
		}
	}
	v, err := read(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, v)
	return nil
}

// evidenceLimit reads ?evidenceLimit=, the number of evidence ids a
// mastery answer lists per component.
func evidenceLimit(r *http.Request) (int, error) {
	n, err := queryUint(r, "evidenceLimit", projections.DefaultEvidenceLimit, projections.MaxEvidenceLimit)
	return int(n), err
}

// evidenceLink is the relative link of the first page of a learner's
// current evidence on a standard (on one component if component is not
// ""), from the piece after revision after on, limit pieces a page.
func evidenceLink(learnerID, standardID, component string, after uint64, limit int) string {
	q := url.Values{}
	if component != "" {
		q.Set("componentId", component)
	}
	if after > 0 {
		q.Set("after", strconv.FormatUint(after, 10))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	link := "/v1/learners/" + url.PathEscape(learnerID) + "/standards/" + url.PathEscape(standardID) + "/evidence"
	if len(q) > 0 {
		link += "?" + q.Encode()
	}
	return link
}

// linkMore points each component whose evidence ids are cut to where the
// whole list is paged. An "as of" answer gets no link: the pages hold the
// current evidence, not the evidence of then.
func linkMore(m *projections.MasterySummary, asOf *time.Time) {
	if asOf != nil {
		return
	}
	for i, c := range m.Components {
		if c.EvidenceCount > len(c.EvidenceIDs) {
			link := evidenceLink(m.LearnerID, m.StandardID, c.ID, 0, 0)
			m.Components[i].EvidenceMore = &link
		}
	}
}

func (s *Server) getMastery(w http.ResponseWriter, r *http.Request) error {
	asOf, err := queryTime(r, "asOf")
	if err != nil {
		return err
	}
	limit, err := evidenceLimit(r)
	if err != nil {
		return err
	}
	return s.learnerRead(w, r, func(ctx context.Context, id string) (any, error) {
		m, err := s.cfg.View.MasterySummaries(ctx, id, asOf, limit)
		for i := range m.Standards {
			linkMore(&m.Standards[i], asOf)
		}
		return m, err
	})
}

func (s *Server) getStandardMastery(w http.ResponseWriter, r *http.Request) error {
	asOf, err := queryTime(r, "asOf")
	if err != nil {
		return err
	}
	std, err := pathID(r, "standardId")
	if err != nil {
		return err
	}
	limit, err := evidenceLimit(r)
	if err != nil {
		return err
	}
	return s.learnerRead(w, r, func(ctx context.Context, id string) (any, error) {
		m, err := s.cfg.View.MasterySummary(ctx, id, std, asOf, limit)
		linkMore(&m, asOf)
		return m, err
	})
}

// getEvidence pages a learner's current evidence on a standard.
func (s *Server) getEvidence(w http.ResponseWriter, r *http.Request) error {
	std, err := pathID(r, "standardId")
	if err != nil {
		return err
	}
	component := r.URL.Query().Get("componentId")
	if component != "" {
		if err := checkID("componentId", component); err != nil {
			return err
		}
	}
	after, err := queryUint(r, "after", 0, 0)
	if err != nil {
		return err
	}
	limit, err := queryUint(r, "limit", projections.DefaultEvidenceLimit, projections.MaxEvidenceLimit)
	if err != nil {
		return err
	}
	if limit == 0 {
		return &badRequest{Field: "limit", Message: "must be at least 1"}
	}
	return s.learnerRead(w, r, func(_ context.Context, id string) (any, error) {
		p, err := s.cfg.View.EvidencePage(id, std, component, after, int(limit))
		if err == nil && p.More {
			link := evidenceLink(id, std, component, p.Evidence[len(p.Evidence)-1].Revision, int(limit))
			p.Next = &link
		}
		return p, err
	})
}

func (s *Server) getReplay(w http.ResponseWriter, r *http.Request) error {
	std, err := pathID(r, "standardId")
	if err != nil {
		return err
	}
	return s.learnerRead(w, r, func(ctx context.Context, id string) (any, error) {
		return s.cfg.View.Replay(ctx, id, std)
	})
}

func (s *Server) getTranscript(w http.ResponseWriter, r *http.Request) error {
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
	case "ob3":
		return s.getTranscriptOB3(w, r)
	default:
		return &badRequest{Field: "format", Message: `must be "json" (the default) or "ob3" (signed Open Badges 3.0 credentials)`}
	}
	return s.learnerRead(w, r, func(_ context.Context, id string) (any, error) {
		return s.cfg.View.Transcript(id)
	})
}

// LearnerEvents is GET /v1/learners/{id}/events.
type LearnerEvents struct {
	LearnerID string                 `json:"learnerId"`
	Events    []domain.RecordedEvent `json:"events"`
}

func (s *Server) getLearnerEvents(w http.ResponseWriter, r *http.Request) error {
	return s.learnerRead(w, r, func(ctx context.Context, id string) (any, error) {
		evs, err := s.cfg.Events.ReadStream(ctx, domain.LearnerStream(id), 0, 0)
		if err != nil {
			return nil, err
		}
		if evs == nil {
			evs = []domain.RecordedEvent{}
		}
		return LearnerEvents{LearnerID: id, Events: evs}, nil
	})
}

// LearnerProfile is GET /v1/learners/{id}/profile: the current profile,
// decrypted, or, once the learner's personal data is erased, only that and
// when.
type LearnerProfile struct {
	LearnerID string `json:"learnerId"`
	// Erased says the personal data is erased; Personal and UpdatedAt are
	// then null.
	Erased bool `json:"erased"`
	// ErasedAt is when the ledger recorded the erasure (its recordedAt):
	// the key was destroyed then.
	ErasedAt *time.Time `json:"erasedAt"`
	// UpdatedAt is when the profile was last replaced (the update's
	// occurredAt).
	UpdatedAt *time.Time      `json:"updatedAt"`
	Personal  *domain.Profile `json:"personal"`
}

// getProfile reads the learner's stream itself rather than a read model:
// the erasure event, not the state of a key, decides that a profile is
// erased, so that no profile is shown between an erasure and the
// destruction of the key.
func (s *Server) getProfile(w http.ResponseWriter, r *http.Request) error {
	return s.learnerRead(w, r, func(ctx context.Context, id string) (any, error) {
		evs, err := s.cfg.Events.ReadStream(ctx, domain.LearnerStream(id), 0, 0)
		if err != nil {
			return nil, err
		}
		var latest *domain.RecordedEvent
		for i, e := range evs {
			switch e.Type {
			case domain.TypeLearnerPersonalDataErased:
				at := e.RecordedAt
				return LearnerProfile{LearnerID: id, Erased: true, ErasedAt: &at}, nil
			case domain.TypeLearnerProfileUpdated:
				latest = &evs[i]
			}
		}
		if latest == nil {
			return nil, fmt.Errorf("learner %q has no profile: %w", id, domain.ErrNotFound)
		}
		if s.cfg.Personal == nil {
			return nil, errors.New("no key store is configured: profiles cannot be opened")
		}
		p, err := s.cfg.Personal.Open(ctx, *latest)
		var rule *domain.RuleError
		if errors.As(err, &rule) && rule.Rule == domain.RulePersonalDataErased {
			// Erased by another process after the stream was read.
			return LearnerProfile{LearnerID: id, Erased: true}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("open the profile in event %s: %w", latest.ID, err)
		}
		at := latest.OccurredAt
		return LearnerProfile{LearnerID: id, UpdatedAt: &at, Personal: &p}, nil
	})
}

// Feed paging limits.
const (
	defaultFeedLimit = 1000
	maxFeedLimit     = 10_000
)

// getFeed streams the global order as NDJSON, one envelope a line. A
// researcher gets the research copy (package research): learner ids
// replaced by keyed pseudonyms, free text, salts and personal events left
// out. The Ledger-Last-Position header is the position to pass as after=
// for the next page.
func (s *Server) getFeed(w http.ResponseWriter, r *http.Request) error {
	after, err := queryUint(r, "after", 0, 0)
	if err != nil {
		return err
	}
	limit, err := queryUint(r, "limit", defaultFeedLimit, maxFeedLimit)
	if err != nil {
		return err
	}
	if limit == 0 {
		return &badRequest{Field: "limit", Message: "must be at least 1"}
	}
	evs, err := s.cfg.Events.ReadAll(r.Context(), after, int(limit))
	if err != nil {
		return err
	}
	forResearch := principalFrom(r.Context()).Role == domain.RoleResearcher
	last := after
	if n := len(evs); n > 0 {
		last = evs[n-1].Position
	}
	if forResearch {
		if s.cfg.Research == nil {
			return research.ErrNoView
		}
		// The research view must have applied the page (every enrolment
		// and setting in it) before it copies the page, or a learner id it
		// has not seen would pass through free text.
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ReadYourWritesTimeout)
		err := s.cfg.Projection.WaitFor(ctx, last)
		cancel()
		if err != nil {
			return fmt.Errorf("research feed: %w", err)
		}
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Ledger-Last-Position", strconv.FormatUint(last, 10))
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, e := range evs {
		var line any = e
		if forResearch {
			c, keep, err := s.cfg.Research.Copy(e)
			if err != nil {
				// The status is sent: end the page short, so the client
				// sees fewer lines than the header's position promises.
				loggerFrom(r.Context()).Error("research copy", "event", e.ID.String(), "err", err.Error())
				break
			} else if !keep {
				continue
			}
			line = c
		}
		if err := enc.Encode(line); err != nil {
			return nil // the client went away; nothing to answer
		}
	}
	bw.Flush()
	return nil
}

func (s *Server) getHealth(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
	return nil
}

func (s *Server) getReady(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(r.Context()); err != nil {
			return &notReady{err}
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ready\n"))
	return nil
}

// notReady is a /readyz failure: 503.
type notReady struct{ err error }

func (e *notReady) Error() string { return "not ready: " + e.err.Error() }
func (e *notReady) Unwrap() error { return e.err }

func (s *Server) getMetrics(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Metrics == nil {
		return &badRequest{Message: "metrics are not enabled"}
	}
	s.cfg.Metrics.handler().ServeHTTP(w, r)
	return nil
}
