package credential

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
	tlog "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
)

// Issue builds the OB 3.0 AchievementCredential of c and signs it as a
// VC-JWT (compact JWS, EdDSA, the public key embedded as jwk) with key: the
// Ed25519 private key of the ledger's note key, the one that signs the
// log's checkpoints. Issuing the same claim again gives the same credential.
//
// Issue never signs what Verify would refuse: it returns an error wrapping
// ErrInvalidClaim if a field is missing or off the scale, if key did not
// sign c.Checkpoint, or if an inclusion proof does not reach the
// checkpoint's root (the error then also wraps the *VerifyError naming the
// event). It returns an error wrapping ErrInvalidKey if key is not an
// Ed25519 private key.
func Issue(c Claim, key ed25519.PrivateKey) (string, error) {
	if len(key) != ed25519.PrivateKeySize {
		return "", fmt.Errorf("issuing key has %d bytes, not an Ed25519 private key's %d: %w", len(key), ed25519.PrivateKeySize, ErrInvalidKey)
	}
	if err := c.validate(); err != nil {
		return "", fmt.Errorf("credential of learner %q on %q: %w", c.LearnerID, c.Standard.ID, err)
	}
	pub, ok := key.Public().(ed25519.PublicKey)
	if !ok {
		return "", fmt.Errorf("issuing key has no Ed25519 public key: %w", ErrInvalidKey)
	}
	// The checkpoint's origin is the note key's name; with the public key it
	// gives the verifier key, so the claim is checked as Verify will check it.
	body, err := checkpointBody(c.Checkpoint)
	if err != nil {
		return "", fmt.Errorf("credential of learner %q on %q: checkpoint: %v: %w", c.LearnerID, c.Standard.ID, err, ErrInvalidClaim)
	}
	vkey, err := note.NewEd25519VerifierKey(body.Origin, pub)
	if err != nil {
		return "", fmt.Errorf("checkpoint origin %q as a key name: %v: %w", body.Origin, err, ErrInvalidClaim)
	}
	k, err := parseVerifierKey(vkey)
	if err != nil {
		return "", err
	}
	cred := build(c, pub, body.Size)
	if _, err := k.check(cred); err != nil {
		return "", fmt.Errorf("credential of learner %q on %q: %w: %w", c.LearnerID, c.Standard.ID, ErrInvalidClaim, err)
	}
	return sign(cred, key)
}

// IssueTranscript issues one credential per claim, in order, and packs them
// as a Transcript of learnerID. Every claim must be learnerID's.
func IssueTranscript(learnerID string, claims []Claim, key ed25519.PrivateKey) (Transcript, error) {
	t := Transcript{LearnerID: learnerID, Credentials: make([]TranscriptCredential, 0, len(claims))}
	for _, c := range claims {
		if c.LearnerID != learnerID {
			return Transcript{}, fmt.Errorf("transcript of learner %q holds a claim of learner %q: %w", learnerID, c.LearnerID, ErrInvalidClaim)
		}
		jws, err := Issue(c, key)
		if err != nil {
			return Transcript{}, err
		}
		t.Credentials = append(t.Credentials, TranscriptCredential{StandardID: c.Standard.ID, JWT: jws})
	}
	return t, nil
}

// sign serializes cred as the JWS payload and signs it. OB 3.0 allows only
// alg, kid, jwk and typ in the JOSE header, and typ must be "JWT"; so no cty.
func sign(cred credentialJSON, key ed25519.PrivateKey) (string, error) {
	payload, err := json.Marshal(cred)
	if err != nil {
		return "", fmt.Errorf("encode credential %s: %w", cred.ID, err)
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.EdDSA, Key: key},
		(&jose.SignerOptions{EmbedJWK: true}).WithType("JWT"),
	)
	if err != nil {
		return "", fmt.Errorf("signer for credential %s: %w", cred.ID, err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign credential %s: %w", cred.ID, err)
	}
	jws, err := obj.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("serialize credential %s: %w", cred.ID, err)
	}
	return jws, nil
}

// checkpointBody parses a checkpoint note without checking its signature:
// Issue needs the origin to know which verifier key to check it with.
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
