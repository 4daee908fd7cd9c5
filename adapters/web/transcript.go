package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/mux"
	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/adapters/credential"
	"github.com/masteryledger/ledger/domain"
)

// Credentials issues a learner's met standards as signed OB 3.0
// credentials, the body of the API's transcript?format=ob3;
// *httpapi.Server is one. The pages offer the same file to a browser,
// which has a session and no bearer token.
type Credentials interface {
	// TranscriptCredentials issues, once, the credentials not issued yet,
	// as actor's read, and returns every unrevoked one.
	TranscriptCredentials(ctx context.Context, actor domain.Actor, learnerID string) (credential.Transcript, error)
}

// transcriptPage is what templates/pages/transcript.html shows.
type transcriptPage struct {
	LearnerID, Cohort, SchoolName string
	Withdrawn                     bool
	Standards                     []transcriptRow
	// Download is the page-scoped OB 3.0 file, "" when the service issues
	// no credentials.
	Download string
}

// transcriptRow is one met standard.
type transcriptRow struct {
	ID, Code, Title string
	Revision        int
	MetAt           time.Time
	// Level and LevelLabel are the meeting attempt's, e.g. 3 "Proficient".
	Level      int
	LevelLabel string
	Evidence   []evidenceItem
	// PreAssessed are components the agreement took from a pre-assessment.
	PreAssessed []string
}

// evidenceItem is one piece of the evidence the agreement rested on.
type evidenceItem struct {
	ComponentID string
	Level       int
	OccurredAt  time.Time
}

// transcriptPage reads /learners/{learnerId}/transcript from the
// transcript projection the API's transcript reads, with the attempt's
// level from the mastery view and each piece of evidence from the claim's
// trail.
func (s *Server) transcriptPage(r *http.Request, _ access.Principal) (any, error) {
	id := mux.Vars(r)["learnerId"]
	v := s.cfg.View
	l, err := v.Learner(id)
	if err != nil {
		return nil, err
	}
	tr, err := v.Transcript(id)
	if err != nil {
		return nil, err
	}
	m, err := v.Mastery(r.Context(), id, nil)
	if err != nil {
		return nil, err
	}
	out := transcriptPage{LearnerID: l.ID, Cohort: l.Cohort, SchoolName: l.SchoolID, Withdrawn: l.Withdrawn}
	if sc, err := v.School(l.SchoolID); err == nil {
		out.SchoolName = sc.Name
	}
	if s.cfg.Credentials != nil {
		out.Download = "/learners/" + id + "/transcript.ob3.json"
	}
	for _, e := range tr.Standards {
		row := transcriptRow{ID: e.StandardID, Code: e.Code, Title: e.Title, Revision: e.StandardRevision, MetAt: e.MetAt, PreAssessed: e.PreAssessed}
		for _, sm := range m.Standards {
			if sm.StandardID != e.StandardID {
				continue
			}
			if i := slices.IndexFunc(sm.Attempts, func(a domain.Attempt) bool { return a.ID == e.AttemptID }); i >= 0 {
				row.Level = sm.Attempts[i].Level
			}
		}
		if std, err := v.Standard(e.StandardID); err == nil {
			for _, lv := range std.Scale.Levels {
				if lv.Level == row.Level {
					row.LevelLabel = lv.Label
				}
			}
		}
		// The evidence ids are the agreement's; what each showed is in
		// the claim's trail.
		byID, err := s.evidenceOf(r.Context(), id, e.StandardID)
		if err != nil {
			return nil, err
		}
		for _, eid := range e.EvidenceIDs {
			if it, ok := byID[eid]; ok {
				row.Evidence = append(row.Evidence, it)
			}
		}
		out.Standards = append(out.Standards, row)
	}
	return out, nil
}

// evidenceOf reads, from the claim's trail as the auditor reads it, what
// each piece of the learner's evidence on the standard showed, retracted
// or not.
func (s *Server) evidenceOf(ctx context.Context, learnerID, standardID string) (map[uuid.UUID]evidenceItem, error) {
	replay, err := s.cfg.View.Replay(ctx, learnerID, standardID)
	if err != nil {
		return nil, err
	}
	out := map[uuid.UUID]evidenceItem{}
	for _, ev := range replay.Events {
		if ev.Type != domain.TypeEvidenceRecorded {
			continue
		}
		d, err := domain.DecodeEvent(ev)
		if err != nil {
			return nil, fmt.Errorf("evidence %s of learner %q: %w", ev.ID, learnerID, err)
		}
		if rec, ok := d.(domain.EvidenceRecorded); ok {
			out[ev.ID] = evidenceItem{ComponentID: rec.ComponentID, Level: rec.Level, OccurredAt: ev.OccurredAt}
		}
	}
	return out, nil
}

// transcriptDownload answers /learners/{learnerId}/transcript.ob3.json: the
// API's OB 3.0 credentials, under the session and the rule of the API's
// transcript, as a file to save.
func (s *Server) transcriptDownload(w http.ResponseWriter, r *http.Request, sess *signedIn) error {
	if sess == nil {
		return errSignedOut
	}
	const what = "GET /learners/{learnerId}/transcript.ob3.json"
	if err := access.Authorize(sess.principal, access.LearnerRecord, what, mux.Vars(r), s.cfg.View); err != nil {
		return err
	}
	id := mux.Vars(r)["learnerId"]
	if s.cfg.Credentials == nil {
		return fmt.Errorf("no credentials are issued here: %w", domain.ErrNotFound)
	}
	// Same order as the API: an unknown learner is a 404 before anything
	// is issued.
	if _, err := s.cfg.View.Learner(id); err != nil {
		return err
	}
	t, err := s.cfg.Credentials.TranscriptCredentials(r.Context(), sess.principal.Actor(), id)
	if err != nil {
		return fmt.Errorf("issue the credentials of %q: %w", id, err)
	}
	// Encoded as the API encodes it, so the file is the API's byte for
	// byte.
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(t); err != nil {
		return fmt.Errorf("encode the credentials of %q: %w", id, err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Disposition", `attachment; filename="transcript-`+id+`.ob3.json"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	if _, err := w.Write(body.Bytes()); err != nil {
		loggerFrom(r.Context()).Debug("write credentials", "err", err.Error())
	}
	return nil
}

// credentialDownload answers
// /learners/{learnerId}/standards/{standardId}/credential.jwt: one met
// standard's credential as OB 3.0 makes a VC-JWT file, the compact JWS
// alone, under the session and the rule of the API's transcript.
func (s *Server) credentialDownload(w http.ResponseWriter, r *http.Request, sess *signedIn) error {
	if sess == nil {
		return errSignedOut
	}
	const what = "GET /learners/{learnerId}/standards/{standardId}/credential.jwt"
	if err := access.Authorize(sess.principal, access.LearnerRecord, what, mux.Vars(r), s.cfg.View); err != nil {
		return err
	}
	id, sid := mux.Vars(r)["learnerId"], mux.Vars(r)["standardId"]
	if s.cfg.Credentials == nil {
		return fmt.Errorf("no credentials are issued here: %w", domain.ErrNotFound)
	}
	if _, err := s.cfg.View.Learner(id); err != nil {
		return err
	}
	t, err := s.cfg.Credentials.TranscriptCredentials(r.Context(), sess.principal.Actor(), id)
	if err != nil {
		return fmt.Errorf("issue the credentials of %q: %w", id, err)
	}
	i := slices.IndexFunc(t.Credentials, func(c credential.TranscriptCredential) bool { return c.StandardID == sid })
	if i < 0 {
		return fmt.Errorf("learner %q holds no credential on %q: %w", id, sid, domain.ErrNotFound)
	}
	h := w.Header()
	h.Set("Content-Type", "application/jwt")
	h.Set("Content-Disposition", `attachment; filename="credential-`+id+`-`+sid+`.jwt"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	if _, err := w.Write([]byte(t.Credentials[i].JWT)); err != nil {
		loggerFrom(r.Context()).Debug("write credential", "err", err.Error())
	}
	return nil
}
