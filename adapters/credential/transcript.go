package credential

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Transcript is a learner's met standards as credentials: the file a
// learner hands to whoever wants to check their record, and the body of
// GET /v1/learners/{id}/transcript?format=ob3.
//
//	{"learnerId":"l-0001","credentials":[{"standardId":"math-6-rp-1","jwt":"eyJ…"}]}
type Transcript struct {
	LearnerID   string                 `json:"learnerId"`
	Credentials []TranscriptCredential `json:"credentials"`
}

// TranscriptCredential is one met standard's credential, a compact JWS as
// Issue makes it. StandardID repeats the one inside, so a reader finds a
// standard without decoding every credential; VerifyTranscript checks that
// they agree.
type TranscriptCredential struct {
	StandardID string `json:"standardId"`
	JWT        string `json:"jwt"`
}

// TranscriptError names the credential of a transcript that failed. It
// wraps the credential's error, so errors.Is(err, ErrUnverified) and
// errors.As(err, **VerifyError) see through it.
type TranscriptError struct {
	// Index is the credential's place in the transcript, from 0.
	Index      int
	StandardID string
	Err        error
}

func (e *TranscriptError) Error() string {
	return fmt.Sprintf("transcript credential %d (standard %q): %v", e.Index, e.StandardID, e.Err)
}

func (e *TranscriptError) Unwrap() error { return e.Err }

// VerifyTranscript reads a Transcript and verifies every credential in it
// against verifierKey, as Verify does, and also that each names the
// transcript's learner and the standard it is listed under, and that no
// standard is listed twice. It returns the verified credentials in order.
//
// It returns a *VerifyError (CheckTranscript) for a malformed file, a
// *TranscriptError wrapping the failure of the first credential that
// fails, or an error wrapping ErrInvalidKey if verifierKey is malformed.
func VerifyTranscript(data []byte, verifierKey string) ([]Verified, error) {
	k, err := parseVerifierKey(verifierKey)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var t Transcript
	if err := dec.Decode(&t); err != nil {
		return nil, unverified(CheckTranscript, "", "%v", err)
	}
	if err := dec.Decode(new(json.RawMessage)); err != io.EOF {
		return nil, unverified(CheckTranscript, "", "data after the transcript object")
	}
	if t.LearnerID == "" {
		return nil, unverified(CheckTranscript, "", "learnerId is required")
	}
	out := make([]Verified, 0, len(t.Credentials))
	seen := make(map[string]bool, len(t.Credentials))
	for i, c := range t.Credentials {
		fail := func(err error) error { return &TranscriptError{Index: i, StandardID: c.StandardID, Err: err} }
		if seen[c.StandardID] {
			return nil, fail(unverified(CheckTranscript, "", "standard %q is listed twice", c.StandardID))
		}
		seen[c.StandardID] = true
		v, err := k.verify(c.JWT)
		if err != nil {
			return nil, fail(err)
		}
		switch {
		case !v.MatchLearner(t.LearnerID):
			return nil, fail(unverified(CheckTranscript, "", "the credential's identity hash %s is not learner %q's with its salt", v.IdentityHash, t.LearnerID))
		case v.StandardID != c.StandardID:
			return nil, fail(unverified(CheckTranscript, "", "the credential is on standard %q, listed as %q", v.StandardID, c.StandardID))
		}
		out = append(out, *v)
	}
	return out, nil
}
