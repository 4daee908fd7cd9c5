package credential

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/translog"
	"golang.org/x/mod/sumdb/note"

	"github.com/masteryledger/ledger/domain"
)

// ErrUnverified reports a credential or transcript that failed
// verification. Every *VerifyError matches it under errors.Is.
var ErrUnverified = errors.New("not verified")

// ErrInvalidKey reports a verifier key that is not an Ed25519 note verifier
// key (name+hash+base64), or an issuing key that is not a P-256 or RSA key
// of the issuer's algorithm: the caller's mistake, not the credential's.
var ErrInvalidKey = errors.New("invalid key")

// Check names one step of verification.
type Check string

// The checks of Verify, in the order it runs them.
const (
	// CheckJWS: not a compact JWS, an algorithm other than ES256 or
	// RS256, or a header OB 3.0 does not allow.
	CheckJWS Check = "jws"
	// CheckKey: the header's jwk is missing, or is not a P-256 or RSA key
	// of the header's algorithm.
	CheckKey Check = "key"
	// CheckSignature: the signature does not verify with the header's key,
	// so the payload is not what that key signed.
	CheckSignature Check = "signature"
	// CheckCredential: the payload is not an OB 3.0 credential as the
	// ledger issues them (contexts, types, a missing property).
	CheckCredential Check = "credential"
	// CheckClaims: the JWT claims iss, nbf or sub disagree with the
	// credential.
	CheckClaims Check = "claims"
	// CheckIssuer: the issuer is not the did:key of the header's key, or
	// the log's key does not vouch for it (ledgerProof.issuerBinding).
	CheckIssuer Check = "issuer"
	// CheckResult: the achieved level is not one of the achievement's
	// levels, or lies below the level required.
	CheckResult Check = "result"
	// CheckCheckpoint: the checkpoint is not signed by the verifier key or
	// its origin is not the key's name.
	CheckCheckpoint Check = "checkpoint"
	// CheckEvidence: an evidence entry without a ledgerProof entry, or the
	// reverse, or no summative attempt among them.
	CheckEvidence Check = "evidence"
	// CheckInclusion: an event's leaf does not reach the checkpoint's root
	// through its inclusion proof.
	CheckInclusion Check = "inclusion"
	// CheckTranscript: a transcript file is malformed or mixes learners or
	// standards.
	CheckTranscript Check = "transcript"
	// CheckStatusList: a revocation list that does not verify or is not
	// the one the credential names (CheckStatus).
	CheckStatusList Check = "status-list"
)

// VerifyError says which check failed and, where one is at fault, for
// which event. It matches ErrUnverified under errors.Is.
type VerifyError struct {
	Check Check
	// EventID is the event at fault, or empty.
	EventID string
	Detail  string
}

func (e *VerifyError) Error() string {
	if e.EventID != "" {
		return fmt.Sprintf("%s check failed for event %s: %s", e.Check, e.EventID, e.Detail)
	}
	return fmt.Sprintf("%s check failed: %s", e.Check, e.Detail)
}

// Is makes errors.Is(err, ErrUnverified) true.
func (e *VerifyError) Is(target error) bool { return target == ErrUnverified }

func unverified(check Check, eventID, format string, args ...any) *VerifyError {
	return &VerifyError{Check: check, EventID: eventID, Detail: fmt.Sprintf(format, args...)}
}

// Verified is what a credential that passed every check says.
type Verified struct {
	CredentialID string `json:"credentialId"`
	// Issuer is the did:key of the ledger's credential key.
	Issuer     string `json:"issuer"`
	SchoolID   string `json:"schoolId"`
	SchoolName string `json:"schoolName"`
	// LearnerID is set only when the verifier was told the learner's id
	// and it matches IdentityHash (VerifyTranscript; MatchLearner).
	LearnerID string `json:"learnerId,omitempty"`
	// IdentityHash and Salt name the learner as OB 3.0's hashed
	// IdentityObject does.
	IdentityHash     string    `json:"identityHash"`
	Salt             string    `json:"salt"`
	StandardID       string    `json:"standardId"`
	Code             string    `json:"code"`
	Title            string    `json:"title"`
	StandardRevision int       `json:"standardRevision"`
	Level            int       `json:"level"`
	LevelLabel       string    `json:"levelLabel"`
	MetAt            time.Time `json:"metAt"`
	ValidFrom        time.Time `json:"validFrom"`
	// Checkpoint is the log checkpoint every event was proved against.
	Checkpoint Checkpoint      `json:"checkpoint"`
	Events     []VerifiedEvent `json:"events"`
	// Status is the credential's revocation list entry, if it has one;
	// CheckStatus reads the list.
	Status *Status `json:"status,omitempty"`
}

// MatchLearner reports whether learnerID is the learner the credential
// names, and if so sets LearnerID.
func (v *Verified) MatchLearner(learnerID string) bool {
	if IdentityHash(learnerID, v.Salt) != v.IdentityHash {
		return false
	}
	v.LearnerID = learnerID
	return true
}

// Checkpoint is a verified checkpoint of the ledger's transparency log.
type Checkpoint struct {
	Origin   string `json:"origin"`
	Size     uint64 `json:"size"`
	RootHash []byte `json:"rootHash"`
}

// VerifiedEvent is an event proved to be in the log at LeafIndex.
type VerifiedEvent struct {
	ID        uuid.UUID `json:"eventId"`
	Type      string    `json:"type"`
	Stream    string    `json:"stream"`
	Revision  uint64    `json:"revision"`
	Hash      string    `json:"hash"`
	LeafIndex uint64    `json:"leafIndex"`
}

// Verify checks a credential issued by Issue against verifierKey, the
// ledger's note verifier key (name+hash+base64), with nothing else: the
// JOSE header (ES256 or RS256, with a jwk), the signature with that jwk,
// the credential's shape and JWT claims, that the issuer is the jwk's
// did:key and that the log's key vouches for it (a signed note in
// ledgerProof), the result level, the checkpoint's signature and origin
// (the key's name), and each evidence event's inclusion in the log at the
// checkpoint's size. It does not read the revocation list: CheckStatus
// does, with a list the caller fetched.
//
// It returns a *VerifyError (matching ErrUnverified) naming the check that
// failed and the event at fault, or an error wrapping ErrInvalidKey if
// verifierKey is malformed.
func Verify(jws string, verifierKey string) (*Verified, error) {
	k, err := parseVerifierKey(verifierKey)
	if err != nil {
		return nil, err
	}
	return k.verify(jws)
}

// ledgerKey is a parsed note verifier key of the ledger.
type ledgerKey struct {
	name     string
	vkey     string
	verifier note.Verifier
}

func parseVerifierKey(vkey string) (*ledgerKey, error) {
	v, _, err := translog.ParseVerifierKey(vkey)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrInvalidKey)
	}
	return &ledgerKey{name: v.Name(), vkey: vkey, verifier: v}, nil
}

// algorithms are the JWS algorithms a credential may be signed with.
var algorithms = []jose.SignatureAlgorithm{jose.ES256, jose.RS256}

// headerKey is the public key in a JWS header's jwk, checked against the
// header's algorithm, and its did:key.
func headerKey(h jose.Header) (crypto.PublicKey, string, error) {
	if h.JSONWebKey == nil {
		return nil, "", unverified(CheckKey, "", "the header carries no jwk")
	}
	switch k := h.JSONWebKey.Key.(type) {
	case *ecdsa.PublicKey:
		if h.Algorithm != string(jose.ES256) || k.Curve != elliptic.P256() {
			return nil, "", unverified(CheckKey, "", "the jwk is an EC key and alg is %s: ES256 wants a P-256 key", h.Algorithm)
		}
	case *rsa.PublicKey:
		if h.Algorithm != string(jose.RS256) || k.N.BitLen() < 2048 {
			return nil, "", unverified(CheckKey, "", "the jwk is an RSA key of %d bits and alg is %s: RS256 wants 2048 bits or more", k.N.BitLen(), h.Algorithm)
		}
	default:
		return nil, "", unverified(CheckKey, "", "the jwk is a %T, not a P-256 or RSA public key", h.JSONWebKey.Key)
	}
	did, err := didOf(h.JSONWebKey.Key)
	if err != nil {
		return nil, "", unverified(CheckKey, "", "%v", err)
	}
	return h.JSONWebKey.Key, did, nil
}

func (k *ledgerKey) verify(jws string) (*Verified, error) {
	obj, err := jose.ParseSignedCompact(jws, algorithms)
	if err != nil {
		return nil, unverified(CheckJWS, "", "%v", err)
	}
	if len(obj.Signatures) != 1 {
		return nil, unverified(CheckJWS, "", "%d signatures, want 1", len(obj.Signatures))
	}
	if err := checkHeader(jws); err != nil {
		return nil, err
	}
	pub, did, err := headerKey(obj.Signatures[0].Protected)
	if err != nil {
		return nil, err
	}
	payload, err := obj.Verify(pub)
	if err != nil {
		return nil, unverified(CheckSignature, "", "the signature does not verify with the header's key: the header or the payload was altered after signing")
	}
	var cred credentialJSON
	if err := json.Unmarshal(payload, &cred); err != nil {
		return nil, unverified(CheckCredential, "", "payload: %v", err)
	}
	if cred.Issuer.ID != did {
		return nil, unverified(CheckIssuer, "", "issuer %s is not %s, the did:key of the header's key", cred.Issuer.ID, did)
	}
	return k.check(cred)
}

// checkHeader refuses header parameters OB 3.0 does not allow, and a typ
// other than "JWT". go-jose has checked the rest (alg, jwk is public).
func checkHeader(jws string) error {
	encoded, _, _ := strings.Cut(jws, ".")
	raw, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return unverified(CheckJWS, "", "header: %v", err)
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(raw, &header); err != nil {
		return unverified(CheckJWS, "", "header: %v", err)
	}
	for name, value := range header {
		switch name {
		case "alg", "kid", "jwk":
		case "typ":
			if string(value) != `"JWT"` {
				return unverified(CheckJWS, "", "typ is %s, want \"JWT\"", value)
			}
		default:
			// OB 3.0 allows alg, kid, jwk and typ, and no other.
			return unverified(CheckJWS, "", "header parameter %q is not allowed in an OB 3.0 VC-JWT", name)
		}
	}
	return nil
}

// check runs every check after the signature's on a decoded credential.
// Issue runs it too, before signing.
func (k *ledgerKey) check(cred credentialJSON) (*Verified, error) {
	if err := checkShape(cred); err != nil {
		return nil, err
	}
	validFrom, err := time.Parse(time.RFC3339, cred.ValidFrom)
	if err != nil {
		return nil, unverified(CheckCredential, "", "validFrom %q: %v", cred.ValidFrom, err)
	}
	metAt, err := time.Parse(time.RFC3339Nano, cred.CredentialSubject.ActivityEndDate)
	if err != nil {
		return nil, unverified(CheckCredential, "", "activityEndDate %q: %v", cred.CredentialSubject.ActivityEndDate, err)
	}
	a := cred.CredentialSubject.Achievement
	revision, err := strconv.Atoi(a.Version)
	if err != nil {
		return nil, unverified(CheckCredential, "", "achievement version %q is not a standard revision", a.Version)
	}

	switch {
	case cred.Iss != cred.Issuer.ID:
		return nil, unverified(CheckClaims, "", "iss %q is not issuer.id %q", cred.Iss, cred.Issuer.ID)
	case cred.Sub != cred.CredentialSubject.ID:
		return nil, unverified(CheckClaims, "", "sub %q is not credentialSubject.id %q", cred.Sub, cred.CredentialSubject.ID)
	case validFrom.Nanosecond() != 0 || cred.Nbf != validFrom.Unix():
		return nil, unverified(CheckClaims, "", "nbf %d is not validFrom %s", cred.Nbf, cred.ValidFrom)
	}
	if err := k.checkBinding(cred.LedgerProof.IssuerBinding, cred.Issuer.ID); err != nil {
		return nil, err
	}

	level, label, err := checkResult(cred.CredentialSubject)
	if err != nil {
		return nil, err
	}
	status, err := statusOf(cred.CredentialStatus)
	if err != nil {
		return nil, err
	}

	cp, err := translog.OpenCheckpoint([]byte(cred.LedgerProof.Checkpoint), k.vkey)
	if err != nil {
		return nil, unverified(CheckCheckpoint, "", "not a checkpoint of %s: %v", k.name, err)
	}
	events, err := checkEvidence(cred)
	if err != nil {
		return nil, err
	}
	for _, p := range cred.LedgerProof.Events {
		if err := checkInclusion(p, cp); err != nil {
			return nil, err
		}
	}

	return &Verified{
		CredentialID:     cred.ID,
		Issuer:           cred.Issuer.ID,
		SchoolID:         sourcedID(cred.Issuer.OtherIdentifier),
		SchoolName:       cred.Issuer.Name,
		IdentityHash:     cred.CredentialSubject.Identifier[0].IdentityHash,
		Salt:             cred.CredentialSubject.Identifier[0].Salt,
		StandardID:       sourcedID(a.OtherIdentifier),
		Code:             a.HumanCode,
		Title:            a.Name,
		StandardRevision: revision,
		Level:            level,
		LevelLabel:       label,
		MetAt:            metAt,
		ValidFrom:        validFrom,
		Checkpoint:       Checkpoint{Origin: cp.Origin, Size: cp.Size, RootHash: cp.Root},
		Events:           events,
		Status:           status,
	}, nil
}

// checkBinding checks that the log's key signed the note naming did as the
// credentials' issuer.
func (k *ledgerKey) checkBinding(binding, did string) error {
	n, err := note.Open([]byte(binding), note.VerifierList(k.verifier))
	if err != nil {
		return unverified(CheckIssuer, "", "ledgerProof.issuerBinding is not a note signed by %s: %v", k.name, err)
	}
	if n.Text != bindingText(did) {
		return unverified(CheckIssuer, "", "the log's key vouches for another issuer than %s", did)
	}
	return nil
}

// statusOf reads the credential's status entry, if any.
func statusOf(e *statusEntryJSON) (*Status, error) {
	if e == nil {
		return nil, nil
	}
	idx, err := strconv.ParseUint(e.StatusListIndex, 10, 64)
	switch {
	case e.Type != "BitstringStatusListEntry" || e.StatusPurpose != "revocation":
		return nil, unverified(CheckCredential, "", "credentialStatus is a %s for %q, want a BitstringStatusListEntry for revocation", e.Type, e.StatusPurpose)
	case err != nil || strconv.FormatUint(idx, 10) != e.StatusListIndex:
		return nil, unverified(CheckCredential, "", "credentialStatus.statusListIndex %q is not a number", e.StatusListIndex)
	case e.StatusListCredential == "" || e.ID != e.StatusListCredential+"#"+e.StatusListIndex:
		return nil, unverified(CheckCredential, "", "credentialStatus names no list, or its id is not the list's URL and the index")
	}
	return &Status{ListURL: e.StatusListCredential, Index: idx}, nil
}

// checkShape checks the properties OB 3.0 requires and the ones Verify
// reads, so that later checks can index without looking.
func checkShape(cred credentialJSON) error {
	fail := func(format string, args ...any) error { return unverified(CheckCredential, "", format, args...) }
	wantContext := []string{`"` + contextVC + `"`, `"` + contextOB + `"`}
	if len(cred.Context) != 3 {
		return fail("@context has %d entries, want VC 2.0, OB 3.0 and the ledger's", len(cred.Context))
	}
	for i, want := range wantContext {
		if string(cred.Context[i]) != want {
			return fail("@context[%d] is %s, want %s", i, cred.Context[i], want)
		}
	}
	var ext map[string]struct {
		Type string `json:"@type"`
	}
	if err := json.Unmarshal(cred.Context[2], &ext); err != nil || ext["ledgerProof"].Type != "@json" {
		return fail("@context[2] does not declare ledgerProof as @json")
	}
	if !slices.Contains(cred.Type, typeVC) || !slices.Contains(cred.Type, typeOB) && !slices.Contains(cred.Type, typeOBAlias) {
		return fail("type %q is not a VerifiableCredential and an OpenBadgeCredential", cred.Type)
	}
	s := cred.CredentialSubject
	switch {
	case cred.ID == "" || cred.Issuer.ID == "" || s.ID == "":
		return fail("id, issuer.id and credentialSubject.id are required")
	case !slices.Contains(s.Type, "AchievementSubject"):
		return fail("credentialSubject type %q is not AchievementSubject", s.Type)
	case len(s.Identifier) != 1 || s.Identifier[0].Type != "IdentityObject" || !s.Identifier[0].Hashed ||
		s.Identifier[0].Salt == "" || !isIdentityHash(s.Identifier[0].IdentityHash):
		return fail("credentialSubject.identifier must be one hashed IdentityObject: sha256$ and 64 hex digits, with its salt")
	case !slices.Contains(s.Achievement.Type, "Achievement"):
		return fail("achievement type %q is not Achievement", s.Achievement.Type)
	case s.Achievement.ID == "" || s.Achievement.Name == "" || s.Achievement.Description == "" || s.Achievement.Criteria.Narrative == "":
		return fail("achievement id, name, description and criteria are required")
	case cred.LedgerProof.Checkpoint == "":
		return fail("ledgerProof.checkpoint is missing")
	}
	return nil
}

// checkResult finds the one result's level among the achievement's rubric
// levels and checks that it reaches the level required.
func checkResult(s subjectJSON) (level int, label string, err error) {
	if len(s.Result) != 1 {
		return 0, "", unverified(CheckResult, "", "%d results, want 1", len(s.Result))
	}
	r := s.Result[0]
	i := slices.IndexFunc(s.Achievement.ResultDescription, func(d resultDescriptionJSON) bool { return d.ID == r.ResultDescription })
	if i < 0 {
		return 0, "", unverified(CheckResult, "", "result description %q is not the achievement's", r.ResultDescription)
	}
	levels := s.Achievement.ResultDescription[i].RubricCriterionLevel
	required := s.Achievement.ResultDescription[i].RequiredLevel
	byID := func(id string) int {
		return slices.IndexFunc(levels, func(l rubricCriterionLevelJSON) bool { return l.ID == id })
	}
	achieved, req := byID(r.AchievedLevel), byID(required)
	switch {
	case achieved < 0:
		return 0, "", unverified(CheckResult, "", "achieved level %q is not one of the achievement's levels", r.AchievedLevel)
	case req < 0:
		return 0, "", unverified(CheckResult, "", "required level %q is not one of the achievement's levels", required)
	case achieved < req:
		// Levels run low to high, as OB 3.0 orders them.
		return 0, "", unverified(CheckResult, "", "achieved level %s is below the required %s", levels[achieved].Name, levels[req].Name)
	}
	level, err = strconv.Atoi(levels[achieved].Level)
	if err != nil {
		return 0, "", unverified(CheckResult, "", "achieved level %q is not a number", levels[achieved].Level)
	}
	return level, levels[achieved].Name, nil
}

// checkEvidence pairs evidence and ledgerProof entries one to one and
// returns the events in ledgerProof order.
func checkEvidence(cred credentialJSON) ([]VerifiedEvent, error) {
	byID := make(map[string]evidenceJSON, len(cred.Evidence))
	for _, e := range cred.Evidence {
		id, ok := strings.CutPrefix(e.ID, "urn:uuid:")
		if !ok {
			return nil, unverified(CheckEvidence, e.ID, "evidence id is not a urn:uuid: of an event")
		}
		if _, dup := byID[id]; dup {
			return nil, unverified(CheckEvidence, id, "listed twice in evidence")
		}
		if !slices.Contains(e.Type, "Evidence") {
			return nil, unverified(CheckEvidence, id, "evidence type %q is not Evidence", e.Type)
		}
		byID[id] = e
	}
	events := make([]VerifiedEvent, 0, len(cred.LedgerProof.Events))
	proved := make(map[string]bool, len(cred.LedgerProof.Events))
	attempt := false
	for _, p := range cred.LedgerProof.Events {
		if proved[p.EventID] {
			return nil, unverified(CheckEvidence, p.EventID, "listed twice in ledgerProof")
		}
		proved[p.EventID] = true
		e, ok := byID[p.EventID]
		if !ok {
			return nil, unverified(CheckEvidence, p.EventID, "ledgerProof entry is not listed in evidence")
		}
		id, err := uuid.Parse(p.EventID)
		if err != nil || id.String() != p.EventID {
			return nil, unverified(CheckEvidence, p.EventID, "not a lower-case UUID")
		}
		attempt = attempt || e.Genre == domain.TypeSummativeAttemptRecorded
		events = append(events, VerifiedEvent{ID: id, Type: e.Genre, Stream: p.Stream, Revision: p.Revision, Hash: p.Hash, LeafIndex: p.LeafIndex})
	}
	for _, e := range cred.Evidence {
		if id := strings.TrimPrefix(e.ID, "urn:uuid:"); !proved[id] {
			return nil, unverified(CheckEvidence, id, "evidence has no ledgerProof entry")
		}
	}
	if !attempt {
		return nil, unverified(CheckEvidence, "", "no %s among the evidence", domain.TypeSummativeAttemptRecorded)
	}
	return events, nil
}

// checkInclusion checks that the event's leaf reaches the checkpoint's
// root, as the log defines leaves (translog.VerifyInclusion).
func checkInclusion(p proofEventJSON, cp translog.Checkpoint) error {
	if p.TreeSize != cp.Size {
		return unverified(CheckInclusion, p.EventID, "the proof is for a tree of %d leaves, the checkpoint's has %d", p.TreeSize, cp.Size)
	}
	if p.LeafIndex >= cp.Size {
		return unverified(CheckInclusion, p.EventID, "leaf %d lies beyond the checkpoint's %d leaves", p.LeafIndex, cp.Size)
	}
	if !isHexHash(p.Hash) {
		return unverified(CheckInclusion, p.EventID, "hash %q is not 64 lower-case hex digits", p.Hash)
	}
	if err := translog.VerifyInclusion(cp, p.LeafIndex, p.Hash, p.InclusionProof); err != nil {
		return unverified(CheckInclusion, p.EventID, "hash %s at leaf %d does not reach the root of the checkpoint of %d leaves: %v", p.Hash, p.LeafIndex, cp.Size, err)
	}
	return nil
}

// isIdentityHash reports whether s is "sha256$" and 64 lower-case hex digits.
func isIdentityHash(s string) bool {
	h, ok := strings.CutPrefix(s, "sha256$")
	return ok && isHexHash(h)
}

// sourcedID is the first identifier the ledger knows an entity by.
func sourcedID(ids []identifierEntryJSON) string {
	for _, id := range ids {
		if id.IdentifierType == identifierType {
			return id.Identifier
		}
	}
	return ""
}
