package credential

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
	tlog "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
)

// Issue builds the OB 3.0 AchievementCredential of c and signs it as a
// VC-JWT (compact JWS, ES256 or RS256 as iss says, the public key embedded
// as jwk). The ledger issues a claim once and keeps the bytes (the
// CredentialIssued event): ES256 signatures are randomised, so signing the
// same claim again gives another JWS of the same credential.
//
// Issue never signs what Verify would refuse: it returns an error wrapping
// ErrInvalidClaim if a field is missing or off the scale, if the log's key
// did not sign c.Checkpoint, or if an inclusion proof does not reach the
// checkpoint's root (the error then also wraps the *VerifyError naming the
// event).
func Issue(c Claim, iss *Issuer) (string, error) {
	if iss == nil {
		return "", fmt.Errorf("no issuer: %w", ErrInvalidKey)
	}
	if err := c.validate(); err != nil {
		return "", fmt.Errorf("credential of learner %q on %q: %w", c.LearnerID, c.Standard.ID, err)
	}
	k, err := parseVerifierKey(iss.LogKey)
	if err != nil {
		return "", err
	}
	binding, err := iss.Binding()
	if err != nil {
		return "", err
	}
	body, err := checkpointBody(c.Checkpoint)
	if err != nil {
		return "", fmt.Errorf("credential of learner %q on %q: checkpoint: %v: %w", c.LearnerID, c.Standard.ID, err, ErrInvalidClaim)
	}
	cred := build(c, iss.DID(), binding, body.Size)
	if _, err := k.check(cred); err != nil {
		return "", fmt.Errorf("credential of learner %q on %q: %w: %w", c.LearnerID, c.Standard.ID, ErrInvalidClaim, err)
	}
	return signJWT(cred, cred.ID, iss)
}

// IssueTranscript issues one credential per claim, in order, and packs them
// as a Transcript of learnerID. Every claim must be learnerID's.
func IssueTranscript(learnerID string, claims []Claim, iss *Issuer) (Transcript, error) {
	t := Transcript{LearnerID: learnerID, Credentials: make([]TranscriptCredential, 0, len(claims))}
	for _, c := range claims {
		if c.LearnerID != learnerID {
			return Transcript{}, fmt.Errorf("transcript of learner %q holds a claim of learner %q: %w", learnerID, c.LearnerID, ErrInvalidClaim)
		}
		jws, err := Issue(c, iss)
		if err != nil {
			return Transcript{}, err
		}
		t.Credentials = append(t.Credentials, TranscriptCredential{StandardID: c.Standard.ID, JWT: jws})
	}
	return t, nil
}

// signJWT serializes v as the JWS payload and signs it. OB 3.0 allows only
// alg, kid, jwk and typ in the JOSE header, and typ must be "JWT"; so no cty.
func signJWT(v any, what string, iss *Issuer) (string, error) {
	payload, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", what, err)
	}
	var key jose.SigningKey
	switch k := iss.Key.(type) {
	case *ecdsa.PrivateKey:
		key = jose.SigningKey{Algorithm: jose.ES256, Key: k}
	case *rsa.PrivateKey:
		key = jose.SigningKey{Algorithm: jose.RS256, Key: k}
	default:
		return "", fmt.Errorf("a %T cannot sign %s: %w", iss.Key, iss.Alg, ErrInvalidKey)
	}
	if string(key.Algorithm) != string(iss.Alg) {
		return "", fmt.Errorf("the key signs %s, the issuer is set to %s: %w", key.Algorithm, iss.Alg, ErrInvalidKey)
	}
	signer, err := jose.NewSigner(key, (&jose.SignerOptions{EmbedJWK: true}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("signer for %s: %w", what, err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign %s: %w", what, err)
	}
	jws, err := obj.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("serialize %s: %w", what, err)
	}
	return jws, nil
}

// checkpointBody parses a checkpoint note without checking its signature:
// Issue needs the size before the full check.
func checkpointBody(text string) (tlog.Checkpoint, error) {
	var unverified *note.UnverifiedNoteError
	_, err := note.Open([]byte(text), note.VerifierList())
	if !errors.As(err, &unverified) {
		return tlog.Checkpoint{}, fmt.Errorf("not a signed note: %v", err)
	}
	var cp tlog.Checkpoint
	if _, err := cp.Unmarshal([]byte(unverified.Note.Text)); err != nil {
		return tlog.Checkpoint{}, err
	}
	return cp, nil
}
