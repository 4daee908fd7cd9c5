package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/credential"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

// StatusListPath is the public route of the ledger's revocation list, a
// W3C BitstringStatusListCredential that every credential names.
const StatusListPath = "/v1/credentials/status/revocation"

// errNoCredentials answers the credential routes of a service that issues
// none (no transparency log or no credential key): 503, like the log's.
var errNoCredentials = fmt.Errorf("this service issues no credentials: %w", domain.ErrUnavailable)

// GetOpenBadgeCredentialsResponse is OB 3.0's API answer (§ 6.2.1):
// credentials with an embedded proof in credential, VC-JWTs as compact JWS
// strings in compactJwsString. The ledger's are all VC-JWTs.
type GetOpenBadgeCredentialsResponse struct {
	Credential       []any    `json:"credential,omitempty"`
	CompactJwsString []string `json:"compactJwsString"`
}

// getTranscriptOB3 answers GET /v1/learners/{id}/transcript?format=ob3:
// each met standard's credential, issued once (CredentialIssued) and served
// as the very bytes issued, in the ledger's transcript wrapper
// (credential.Transcript), which names the learner in plain text so that
// `ledger verify-transcript` checks each credential's identity hash against
// it. Revoked credentials are left out.
func (s *Server) getTranscriptOB3(w http.ResponseWriter, r *http.Request) error {
	id, _ := pathID(r, "learnerId") // checked by authorize
	out, err := s.TranscriptCredentials(r.Context(), principalFrom(r.Context()).Actor(), id)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}

// getCredentials answers GET /v1/learners/{id}/credentials in OB 3.0's
// GetOpenBadgeCredentialsResponse shape: the learner's unrevoked
// credentials, one compact JWS each, and no learner id in clear.
func (s *Server) getCredentials(w http.ResponseWriter, r *http.Request) error {
	id, _ := pathID(r, "learnerId") // checked by authorize
	creds, err := s.credentials(r.Context(), principalFrom(r.Context()).Actor(), id)
	if err != nil {
		return err
	}
	out := GetOpenBadgeCredentialsResponse{CompactJwsString: []string{}}
	for _, c := range creds {
		if c.RevokedBy == uuid.Nil {
			out.CompactJwsString = append(out.CompactJwsString, c.Issued.JWT)
		}
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}

// getCredentialJWT answers GET /v1/learners/{id}/credentials/{credentialId}
// with the credential as OB 3.0 § 5.1 makes a VC-JWT file: the compact JWS
// alone, as a .jwt download. A revoked credential is served too (it is what
// was issued); its status list entry says it is revoked.
func (s *Server) getCredentialJWT(w http.ResponseWriter, r *http.Request) error {
	id, _ := pathID(r, "learnerId") // checked by authorize
	cid, err := pathUUID(r, "credentialId")
	if err != nil {
		return err
	}
	if _, err := s.credentials(r.Context(), principalFrom(r.Context()).Actor(), id); err != nil {
		return err
	}
	creds, err := s.cfg.View.Credentials(id)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(creds, func(c domain.Credential) bool { return c.ID == cid })
	if i < 0 {
		return fmt.Errorf("learner %q has no credential %s: %w", id, cid, domain.ErrNotFound)
	}
	h := w.Header()
	h.Set("Content-Type", "application/jwt")
	h.Set("Content-Disposition", `attachment; filename="credential-`+cid.String()+`.jwt"`)
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte(creds[i].Issued.JWT)); err != nil {
		loggerFrom(r.Context()).Debug("write credential", "err", err.Error())
	}
	return nil
}

// revokeCredential answers POST
// /v1/learners/{id}/credentials/{credentialId}/revocation (admin).
func (s *Server) revokeCredential(w http.ResponseWriter, r *http.Request) error {
	cid, err := pathUUID(r, "credentialId")
	if err != nil {
		return err
	}
	var c domain.RevokeCredential
	return learnerCommand(s, w, r, &c, func(a domain.Actor) { c.Actor = a; c.CredentialID = cid }, func(ctx context.Context, l string, im *uint64) (domain.RecordedEvent, error) {
		return s.cfg.Service.RevokeCredential(ctx, l, c, im)
	})
}

// statusListCache keeps the signed revocation list until a revocation
// changes it: signing on every fetch would make every verifier's copy
// differ for nothing.
type statusListCache struct {
	mu      sync.Mutex
	revoked int
	jwt     string
}

// getStatusList answers GET /v1/credentials/status/revocation: the
// revocation list as a VC-JWT signed with the credentials' key. Public, as
// every verifier of a credential must read it; it holds one bit per
// credential and names nobody.
func (s *Server) getStatusList(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Credentials == nil || s.cfg.PublicURL == "" {
		return errNoCredentials
	}
	revoked, _ := s.cfg.View.RevokedCredentials()
	s.statusList.mu.Lock()
	defer s.statusList.mu.Unlock()
	if s.statusList.jwt == "" || s.statusList.revoked != len(revoked) {
		jwt, err := credential.IssueStatusList(s.statusListURL(), revoked, time.Now(), s.cfg.Credentials)
		if err != nil {
			return fmt.Errorf("sign the status list: %w", err)
		}
		s.statusList.jwt, s.statusList.revoked = jwt, len(revoked)
	}
	h := w.Header()
	h.Set("Content-Type", "application/vc+jwt")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte(s.statusList.jwt)); err != nil {
		loggerFrom(r.Context()).Debug("write status list", "err", err.Error())
	}
	return nil
}

func (s *Server) statusListURL() string {
	return strings.TrimSuffix(s.cfg.PublicURL, "/") + StatusListPath
}

// TranscriptCredentials returns the learner's met standards as OB 3.0
// credentials, issuing (once, as the actor's read) those not issued yet:
// the body of GET /v1/learners/{id}/transcript?format=ob3. It is exported
// so that the pages offer the very same file to a signed-in browser, which
// has a session and no bearer token; the caller checks who may read it.
// Returns an error wrapping domain.ErrNotFound for a learner who is not
// enrolled and domain.ErrUnavailable without a log or a credential key.
func (s *Server) TranscriptCredentials(ctx context.Context, actor domain.Actor, id string) (credential.Transcript, error) {
	creds, err := s.credentials(ctx, actor, id)
	if err != nil {
		return credential.Transcript{}, err
	}
	out := credential.Transcript{LearnerID: id, Credentials: []credential.TranscriptCredential{}}
	for _, c := range creds {
		if c.RevokedBy == uuid.Nil {
			out.Credentials = append(out.Credentials, credential.TranscriptCredential{StandardID: c.StandardID, JWT: c.Issued.JWT})
		}
	}
	return out, nil
}

// credentials issues the credential of every met standard that has none
// (a revoked one counts: it is never replaced, see domain.IssueCredential)
// and returns the learner's credentials as the read model holds them.
func (s *Server) credentials(ctx context.Context, actor domain.Actor, id string) ([]domain.Credential, error) {
	// Without a public address a credential would name its revocation
	// list by a relative URL, for good: issue nothing rather than that.
	if s.cfg.Log == nil || s.cfg.Credentials == nil || s.cfg.PublicURL == "" {
		return nil, errNoCredentials
	}
	if _, err := s.cfg.View.Learner(id); err != nil {
		return nil, err
	}
	tr, err := s.cfg.View.Transcript(id)
	if err != nil {
		return nil, err
	}
	have, err := s.cfg.View.Credentials(id)
	if err != nil {
		return nil, err
	}
	var missing []projections.TranscriptEntry
	for _, e := range tr.Standards {
		if !slices.ContainsFunc(have, func(c domain.Credential) bool { return c.AttemptID == e.AttemptID }) {
			missing = append(missing, e)
		}
	}
	if len(missing) == 0 {
		return have, nil
	}
	var last uint64
	for _, e := range missing {
		rec, err := s.issue(ctx, actor, id, e)
		var rule *domain.RuleError
		switch {
		case errors.As(err, &rule) && rule.Rule == domain.RuleCredentialIssued:
			// Another request issued it first: serve that one.
		case err != nil:
			return nil, fmt.Errorf("issue the credential of %q on %q: %w", id, e.StandardID, err)
		default:
			last = max(last, rec.Position)
		}
	}
	if err := s.waitApplied(ctx, last); err != nil {
		return nil, &notReady{err}
	}
	return s.cfg.View.Credentials(id)
}

// issue signs the credential of one met standard against the latest
// checkpoint and records it.
func (s *Server) issue(ctx context.Context, actor domain.Actor, id string, entry projections.TranscriptEntry) (domain.RecordedEvent, error) {
	learner, err := s.cfg.View.Learner(id)
	if err != nil {
		return domain.RecordedEvent{}, err
	}
	school, err := s.cfg.View.School(learner.SchoolID)
	if err != nil {
		return domain.RecordedEvent{}, err
	}
	stream, err := s.cfg.Events.ReadStream(ctx, domain.LearnerStream(id), 0, 0)
	if err != nil {
		return domain.RecordedEvent{}, fmt.Errorf("read learner %q: %w", id, err)
	}
	byID := make(map[uuid.UUID]domain.RecordedEvent, len(stream))
	for _, e := range stream {
		byID[e.ID] = e
	}
	c, evs, err := claimOf(id, entry, s.cfg.View, school, stream, byID)
	if err != nil {
		return domain.RecordedEvent{}, err
	}
	c.Standard.URL = strings.TrimSuffix(s.cfg.PublicURL, "/") + "/v1/standards/" + c.Standard.ID
	var last uint64
	for _, e := range evs {
		last = max(last, e.Position)
	}
	// The read model may be a moment ahead of the log.
	waitCtx, cancel := context.WithTimeout(ctx, s.cfg.ReadYourWritesTimeout)
	defer cancel()
	if err := s.cfg.Log.WaitFor(waitCtx, last); err != nil {
		return domain.RecordedEvent{}, &notReady{err}
	}
	cp, err := s.cfg.Log.Checkpoint(ctx)
	if err != nil {
		return domain.RecordedEvent{}, err
	}
	c.Checkpoint = string(cp.Note)
	for _, e := range evs {
		leaf, err := s.cfg.Log.Leaf(ctx, e.ID)
		if err != nil {
			return domain.RecordedEvent{}, err
		}
		proof, err := s.cfg.Log.InclusionProof(ctx, leaf.Index, cp.Size)
		if err != nil {
			return domain.RecordedEvent{}, err
		}
		c.Events = append(c.Events, credential.Event{
			ID: e.ID, Type: e.Type, Stream: e.Stream, Revision: e.Revision, Hash: e.Hash, LeafIndex: leaf.Index, Proof: proof,
		})
		if e.ID == c.AttemptID {
			// The attempt's leaf index is unique in the log, and a
			// credential rests on one attempt: its bit in the list.
			c.Status = &credential.Status{ListURL: s.statusListURL(), Index: leaf.Index}
		}
	}
	if c.Status == nil {
		return domain.RecordedEvent{}, fmt.Errorf("the events of %s on %q lack its attempt %s", id, c.Standard.ID, c.AttemptID)
	}
	var salt [16]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return domain.RecordedEvent{}, fmt.Errorf("salt: %w", err)
	}
	c.Salt = hex.EncodeToString(salt[:])
	jwt, err := credential.Issue(c, s.cfg.Credentials)
	if err != nil {
		return domain.RecordedEvent{}, err
	}
	sum := sha256.Sum256([]byte(jwt))
	cid, err := uuid.Parse(strings.TrimPrefix(credential.CredentialID(id, c.Standard.ID, c.AttemptID), "urn:uuid:"))
	if err != nil {
		return domain.RecordedEvent{}, err
	}
	cmd := domain.IssueCredential{
		Meta:         domain.Meta{Actor: actor},
		CredentialID: cid, StandardID: c.Standard.ID, StandardRevision: c.Standard.Revision, AttemptID: c.AttemptID,
		Alg: string(s.cfg.Credentials.Alg), JWTSHA256: hex.EncodeToString(sum[:]),
		CheckpointSize: cp.Size, CheckpointRoot: base64.StdEncoding.EncodeToString(cp.Root),
		StatusListIndex: c.Status.Index, JWT: jwt,
	}
	return s.cfg.Service.IssueCredential(ctx, id, cmd, nil)
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
	caseURI := ""
	if std.Case != nil {
		caseURI = std.Case.ItemURI
	}
	return credential.Claim{
		School:    credential.School{ID: school.ID, Name: school.Name},
		LearnerID: learnerID,
		Standard: credential.Standard{ID: std.StandardID, Framework: std.Framework, Code: std.Code, Title: std.Title,
			Statement: statement, Revision: entry.StandardRevision, Scale: std.Scale, CaseItemURI: caseURI},
		AttemptID: attempt.ID, Level: att.Level, MetAt: entry.MetAt, RecordedAt: entry.RecordedAt,
	}, evs, nil
}
