package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/credential"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

// getTranscriptOB3 answers GET /v1/learners/{id}/transcript?format=ob3:
// each met standard as a signed Open Badges 3.0 credential carrying the
// hashes of the events the claim rests on and their inclusion proofs
// against the latest signed checkpoint, verifiable offline with the log's
// key (`ledger verify-transcript`). It carries no ETag: the same claims are
// re-issued against newer checkpoints as the log grows.
func (s *Server) getTranscriptOB3(w http.ResponseWriter, r *http.Request) error {
	id, _ := pathID(r, "learnerId") // checked by authorize
	out, err := s.TranscriptCredentials(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}

// TranscriptCredentials issues the learner's met standards as signed OB 3.0
// credentials, the body of GET /v1/learners/{id}/transcript?format=ob3. It
// is exported so that the pages offer the very same file to a signed-in
// browser, which has a session and no bearer token; the caller checks who
// may read it. Returns an error wrapping domain.ErrNotFound for a learner
// who is not enrolled and domain.ErrUnavailable without a transparency log.
func (s *Server) TranscriptCredentials(ctx context.Context, id string) (credential.Transcript, error) {
	if s.cfg.Log == nil {
		return credential.Transcript{}, errNoLog
	}
	learner, err := s.cfg.View.Learner(id)
	if err != nil {
		return credential.Transcript{}, err
	}
	tr, err := s.cfg.View.Transcript(id)
	if err != nil {
		return credential.Transcript{}, err
	}
	school, err := s.cfg.View.School(learner.SchoolID)
	if err != nil {
		return credential.Transcript{}, err
	}
	stream, err := s.cfg.Events.ReadStream(ctx, domain.LearnerStream(id), 0, 0)
	if err != nil {
		return credential.Transcript{}, fmt.Errorf("read learner %q: %w", id, err)
	}
	byID := make(map[uuid.UUID]domain.RecordedEvent, len(stream))
	for _, e := range stream {
		byID[e.ID] = e
	}

	claims := make([]credential.Claim, 0, len(tr.Standards))
	var events [][]domain.RecordedEvent
	var last uint64
	for _, entry := range tr.Standards {
		c, evs, err := claimOf(id, entry, s.cfg.View, school, stream, byID)
		if err != nil {
			return credential.Transcript{}, err
		}
		claims = append(claims, c)
		events = append(events, evs)
		for _, e := range evs {
			last = max(last, e.Position)
		}
	}
	// The read model may be a moment ahead of the log.
	waitCtx, cancel := context.WithTimeout(ctx, s.cfg.ReadYourWritesTimeout)
	defer cancel()
	if err := s.cfg.Log.WaitFor(waitCtx, last); err != nil {
		return credential.Transcript{}, &notReady{err}
	}
	cp, err := s.cfg.Log.Checkpoint(ctx)
	if err != nil {
		return credential.Transcript{}, err
	}
	for i := range claims {
		claims[i].Checkpoint = string(cp.Note)
		for _, e := range events[i] {
			leaf, err := s.cfg.Log.Leaf(ctx, e.ID)
			if err != nil {
				return credential.Transcript{}, err
			}
			proof, err := s.cfg.Log.InclusionProof(ctx, leaf.Index, cp.Size)
			if err != nil {
				return credential.Transcript{}, err
			}
			claims[i].Events = append(claims[i].Events, credential.Event{
				ID: e.ID, Type: e.Type, Stream: e.Stream, Revision: e.Revision, Hash: e.Hash, LeafIndex: leaf.Index, Proof: proof,
			})
		}
	}
	out, err := credential.IssueTranscript(id, claims, s.cfg.Log.Key().Private)
	if err != nil {
		return credential.Transcript{}, fmt.Errorf("issue the transcript of %q: %w", id, err)
	}
	return out, nil
}

// claimOf gathers what one met standard's credential states and the events
// it rests on, in stream order: the pre-assessments of the standard before
// the agreement, the evidence the agreement rested on, the agreement and
// the attempt.
func claimOf(learnerID string, entry projections.TranscriptEntry, view *projections.View, school domain.SchoolState,
	stream []domain.RecordedEvent, byID map[uuid.UUID]domain.RecordedEvent) (credential.Claim, []domain.RecordedEvent, error) {
	std, err := view.Standard(entry.StandardID)
	if err != nil {
		return credential.Claim{}, nil, err
	}
	statement := std.Statement
	for _, rev := range std.Revisions {
		if rev.Revision == entry.StandardRevision {
			statement = rev.Statement
		}
	}
	agreement, okA := byID[entry.AgreementID]
	attempt, okT := byID[entry.AttemptID]
	if !okA || !okT {
		return credential.Claim{}, nil, fmt.Errorf("learner stream lacks the agreement %s or the attempt %s of %s", entry.AgreementID, entry.AttemptID, entry.StandardID)
	}
	ev, err := domain.DecodeEvent(attempt)
	if err != nil {
		return credential.Claim{}, nil, err
	}
	att, ok := ev.(domain.SummativeAttemptRecorded)
	if !ok {
		return credential.Claim{}, nil, fmt.Errorf("event %s is a %s, not a summative attempt", attempt.ID, attempt.Type)
	}
	wanted := map[uuid.UUID]bool{agreement.ID: true, attempt.ID: true}
	for _, id := range entry.EvidenceIDs {
		wanted[id] = true
	}
	var evs []domain.RecordedEvent
	for _, e := range stream {
		if e.Type == domain.TypePreAssessmentRecorded && e.Revision < agreement.Revision && len(entry.PreAssessed) > 0 {
			if d, err := domain.DecodeEvent(e); err == nil {
				if p, ok := d.(domain.PreAssessmentRecorded); ok && p.StandardID == entry.StandardID &&
					slices.ContainsFunc(p.Demonstrated, func(c string) bool { return slices.Contains(entry.PreAssessed, c) }) {
					wanted[e.ID] = true
				}
			}
		}
		if wanted[e.ID] {
			evs = append(evs, e)
		}
	}
	return credential.Claim{
		School:    credential.School{ID: school.ID, Name: school.Name},
		LearnerID: learnerID,
		Standard: credential.Standard{ID: std.StandardID, Framework: std.Framework, Code: std.Code, Title: std.Title,
			Statement: statement, Revision: entry.StandardRevision, Scale: std.Scale},
		AttemptID: attempt.ID, Level: att.Level, MetAt: entry.MetAt, RecordedAt: entry.RecordedAt,
	}, evs, nil
}
