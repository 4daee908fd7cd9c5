package credential

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	tlog "github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/masteryledger/ledger/domain"
)

// logName is the test ledger's note key name and checkpoint origin.
const logName = "ledger.example/log"

// statusListURL is where the test ledger serves its revocation list.
const statusListURL = "https://ledger.example/v1/credentials/status/revocation"

// testKey is a ledger key: a note signer and its verifier key, and the same
// key as the Ed25519 private key that signs credentials.
type testKey struct {
	vkey   string
	priv   ed25519.PrivateKey
	signer note.Signer
	// iss signs credentials: an ES256 key the log's key vouches for.
	iss *Issuer
}

// newTestKey generates a fresh note key named name.
func newTestKey(t *testing.T, name string) testKey {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	return keyFromNote(t, skey, vkey)
}

// fixedTestKey is the note key of a fixed seed, for output that must not
// change from run to run.
func fixedTestKey(t *testing.T, name string, seed byte) testKey {
	t.Helper()
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	vkey, err := note.NewEd25519VerifierKey(name, priv.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	// A signer key is PRIVATE+KEY+name+hash+base64(algorithm byte || seed),
	// with the same hash as the verifier key.
	parts := strings.Split(vkey, "+")
	skey := "PRIVATE+KEY+" + name + "+" + parts[1] + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, priv.Seed()...))
	k := keyFromNote(t, skey, vkey)
	// The credential key of the same seed, so that the JOSE header (its
	// jwk) is fixed too.
	ec, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatal(err)
	}
	if k.iss, err = NewIssuer(ES256, ec, k.signer, k.vkey); err != nil {
		t.Fatal(err)
	}
	return k
}

func keyFromNote(t *testing.T, skey, vkey string) testKey {
	t.Helper()
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	// PRIVATE+KEY+name+hash+base64: the base64 may hold '+' too.
	parts := strings.SplitN(skey, "+", 5)
	raw, err := base64.StdEncoding.DecodeString(parts[len(parts)-1])
	if err != nil || len(raw) != 1+ed25519.SeedSize {
		t.Fatalf("signer key %q: %v", skey, err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := NewIssuer(ES256, ec, signer, vkey)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{vkey: vkey, priv: ed25519.NewKeyFromSeed(raw[1:]), signer: signer, iss: iss}
}

// withRSA is k with an RS256 credential key instead.
func (k testKey) withRSA(t *testing.T) testKey {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := NewIssuer(RS256, rk, k.signer, k.vkey)
	if err != nil {
		t.Fatal(err)
	}
	k.iss = iss
	return k
}

// checkpoint signs a checkpoint of a tree of size leaves with root.
func (k testKey) checkpoint(t *testing.T, origin string, size uint64, root []byte) string {
	t.Helper()
	text := tlog.Checkpoint{Origin: origin, Size: size, Hash: root}.Marshal()
	msg, err := note.Sign(&note.Note{Text: string(text)}, k.signer)
	if err != nil {
		t.Fatal(err)
	}
	return string(msg)
}

// mth is the RFC 6962 Merkle tree hash of leaves (section 2.1).
func mth(leaves [][]byte) []byte {
	switch len(leaves) {
	case 0:
		return rfc6962.DefaultHasher.EmptyRoot()
	case 1:
		return rfc6962.DefaultHasher.HashLeaf(leaves[0])
	}
	k := splitPoint(len(leaves))
	return rfc6962.DefaultHasher.HashChildren(mth(leaves[:k]), mth(leaves[k:]))
}

// inclusion is RFC 6962's PATH(m, leaves): sibling hashes, leaf to root.
func inclusion(m int, leaves [][]byte) [][]byte {
	if len(leaves) <= 1 {
		return [][]byte{}
	}
	k := splitPoint(len(leaves))
	if m < k {
		return append(inclusion(m, leaves[:k]), mth(leaves[k:]))
	}
	return append(inclusion(m-k, leaves[k:]), mth(leaves[:k]))
}

// splitPoint is the largest power of two below n.
func splitPoint(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

// compactRoot is the root of leaves by the merkle module's compact range,
// to check the reference tree above against.
func compactRoot(t *testing.T, leaves [][]byte) []byte {
	t.Helper()
	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	r := rf.NewEmptyRange(0)
	for _, l := range leaves {
		if err := r.Append(rfc6962.DefaultHasher.HashLeaf(l), nil); err != nil {
			t.Fatal(err)
		}
	}
	root, err := r.GetRootHash(nil)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// fixture is a small ledger history in global order, its transparency log
// and a checkpoint of the whole log signed by key.
type fixture struct {
	key        testKey
	events     []domain.RecordedEvent
	byLabel    map[string]int // label -> leaf index
	leaves     [][]byte       // the raw bytes of each event's hash
	checkpoint string
}

// The fixture's standards. Functions, not variables, so that a test that
// edits one (its scale is a slice) cannot touch another's.
func standardA() Standard {
	return Standard{
		ID: "math-6-rp-1", Framework: "CCSS-M", Code: "6.RP.A.1", Title: "Ratios",
		Statement: "Understand ratio concepts and use ratio language.", Revision: 1, Scale: domain.DefaultScale(),
		CaseItemURI: "https://case.example/uri/6b1e2f3a-0000-4000-8000-000000000001",
	}
}

func standardB() Standard {
	return Standard{
		ID: "math-6-rp-2", Framework: "CCSS-M", Code: "6.RP.A.2", Title: "Unit rates",
		Statement: "Understand the concept of a unit rate.", Revision: 2, Scale: domain.DefaultScale(),
		URL: "https://ledger.example/v1/standards/math-6-rp-2",
	}
}

func newFixture(t *testing.T, key testKey) *fixture {
	t.Helper()
	f := &fixture{key: key, byLabel: map[string]int{}}
	t0 := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	heads := map[string]string{}
	revs := map[string]uint64{}
	add := func(label, stream, typ, data string) {
		i := len(f.events)
		e := domain.RecordedEvent{
			ID:     uuid.NewSHA1(uuid.NameSpaceOID, []byte("fixture/"+label)),
			Type:   typ,
			Stream: stream, Revision: revs[stream], Position: uint64(i + 1),
			// A fraction of a second, as real clocks give, so that
			// validFrom's truncation is exercised.
			RecordedAt: t0.Add(time.Duration(i)*time.Hour + 250*time.Millisecond),
			OccurredAt: t0.Add(time.Duration(i) * time.Hour),
			Actor:      domain.Actor{Role: domain.RoleTeacher, Name: "Ms Rivera"},
			PrevHash:   domain.ZeroHash,
			Data:       json.RawMessage(data),
		}
		if h, ok := heads[stream]; ok {
			e.PrevHash = h
		}
		e.Hash = domain.EventHash(e)
		heads[stream], revs[stream] = e.Hash, revs[stream]+1
		raw, err := hex.DecodeString(e.Hash)
		if err != nil {
			t.Fatal(err)
		}
		f.events = append(f.events, e)
		f.leaves = append(f.leaves, raw)
		f.byLabel[label] = i
	}
	add("std-a", "standard-math-6-rp-1", domain.TypeStandardPublished, `{"standardId":"math-6-rp-1"}`)
	add("std-b", "standard-math-6-rp-2", domain.TypeStandardPublished, `{"standardId":"math-6-rp-2"}`)
	add("school", "school-north", domain.TypeSchoolRegistered, `{"schoolId":"north"}`)
	add("enrol-1", "learner-l-0001", domain.TypeLearnerEnrolled, `{"learnerId":"l-0001"}`)
	add("enrol-2", "learner-l-0002", domain.TypeLearnerEnrolled, `{"learnerId":"l-0002"}`)
	add("a-pre", "learner-l-0001", domain.TypePreAssessmentRecorded, `{"standardId":"math-6-rp-1","demonstrated":["c1"]}`)
	add("a-ev", "learner-l-0001", domain.TypeEvidenceRecorded, `{"standardId":"math-6-rp-1","componentId":"c2","level":3}`)
	add("x-ev", "learner-l-0002", domain.TypeEvidenceRecorded, `{"standardId":"math-6-rp-1","componentId":"c1","level":4}`)
	add("a-agree", "learner-l-0001", domain.TypeReadinessAgreed, `{"standardId":"math-6-rp-1"}`)
	add("a-attempt", "learner-l-0001", domain.TypeSummativeAttemptRecorded, `{"standardId":"math-6-rp-1","level":3}`)
	add("b-ev", "learner-l-0001", domain.TypeEvidenceRecorded, `{"standardId":"math-6-rp-2","componentId":"c1","level":4}`)
	add("x-agree", "learner-l-0002", domain.TypeReadinessAgreed, `{"standardId":"math-6-rp-1"}`)
	add("b-agree", "learner-l-0001", domain.TypeReadinessAgreed, `{"standardId":"math-6-rp-2"}`)
	add("x-attempt", "learner-l-0002", domain.TypeSummativeAttemptRecorded, `{"standardId":"math-6-rp-1","level":4}`)
	add("b-attempt", "learner-l-0001", domain.TypeSummativeAttemptRecorded, `{"standardId":"math-6-rp-2","level":4}`)
	add("survey", "school-north", domain.TypeEfficacySurveyRecorded, `{"round":"r1"}`)
	add("feedback", "learner-l-0002", domain.TypeFeedbackGiven, `{"standardId":"math-6-rp-1"}`)

	root := mth(f.leaves)
	if !bytes.Equal(root, compactRoot(t, f.leaves)) {
		t.Fatal("reference Merkle tree and compact range disagree")
	}
	f.checkpoint = key.checkpoint(t, logName, uint64(len(f.leaves)), root)
	return f
}

// claimSpec names, by fixture label, what a claim rests on.
type claimSpec struct {
	learner  string
	standard Standard
	attempt  string
	level    int
	labels   []string
}

// The fixture's claims: learner l-0001 met both standards, l-0002 the first.
func claimA() claimSpec {
	return claimSpec{"l-0001", standardA(), "a-attempt", 3, []string{"a-pre", "a-ev", "a-agree", "a-attempt"}}
}

func claimB() claimSpec {
	return claimSpec{"l-0001", standardB(), "b-attempt", 4, []string{"b-ev", "b-agree", "b-attempt"}}
}

func claimX() claimSpec {
	return claimSpec{"l-0002", standardA(), "x-attempt", 4, []string{"x-ev", "x-agree", "x-attempt"}}
}

// claim is the claim of spec with inclusion proofs against the whole log.
func (f *fixture) claim(t *testing.T, spec claimSpec) Claim {
	t.Helper()
	return f.claimAt(t, spec, len(f.leaves))
}

// claimAt is the claim of spec with inclusion proofs computed in the tree
// of the first size leaves, whatever the checkpoint says.
func (f *fixture) claimAt(t *testing.T, spec claimSpec, size int) Claim {
	t.Helper()
	attempt := f.events[f.byLabel[spec.attempt]]
	c := Claim{
		School: School{ID: "north", Name: "North Middle School"}, LearnerID: spec.learner, Standard: spec.standard,
		AttemptID: attempt.ID, Level: spec.level, MetAt: attempt.OccurredAt, RecordedAt: attempt.RecordedAt,
		Checkpoint: f.checkpoint, Salt: "0123456789abcdef0123456789abcdef",
		Status: &Status{ListURL: statusListURL, Index: uint64(f.byLabel[spec.attempt])},
	}
	for _, label := range spec.labels {
		i, ok := f.byLabel[label]
		if !ok || i >= size {
			t.Fatalf("label %q is not in the first %d events", label, size)
		}
		e := f.events[i]
		c.Events = append(c.Events, Event{
			ID: e.ID, Type: e.Type, Stream: e.Stream, Revision: e.Revision, Hash: e.Hash,
			LeafIndex: uint64(i), Proof: inclusion(i, f.leaves[:size]),
		})
	}
	return c
}

// issue issues c with the fixture's key and fails the test on error.
func (f *fixture) issue(t *testing.T, c Claim) string {
	t.Helper()
	jws, err := Issue(c, f.key.iss)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return jws
}

// unchecked signs the credential of c with key without Issue's checks, as
// a careless or hostile issuer holding the key could.
func (f *fixture) unchecked(t *testing.T, c Claim, key *Issuer) string {
	t.Helper()
	body, err := checkpointBody(c.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	binding, err := key.Binding()
	if err != nil {
		t.Fatal(err)
	}
	return signCred(t, build(c, key.DID(), binding, body.Size), key)
}

func signCred(t *testing.T, cred credentialJSON, key *Issuer) string {
	t.Helper()
	jws, err := signJWT(cred, cred.ID, key)
	if err != nil {
		t.Fatal(err)
	}
	return jws
}

// payloadOf decodes a credential's payload without verifying it.
func payloadOf(t *testing.T, jws string) credentialJSON {
	t.Helper()
	p := strings.Split(jws, ".")
	if len(p) != 3 {
		t.Fatalf("not a compact JWS: %d parts", len(p))
	}
	raw, err := base64.RawURLEncoding.DecodeString(p[1])
	if err != nil {
		t.Fatal(err)
	}
	var cred credentialJSON
	if err := json.Unmarshal(raw, &cred); err != nil {
		t.Fatal(err)
	}
	return cred
}

// swapPayload puts cred in place of jws's payload and keeps the old
// signature: an edit by someone without the key.
func swapPayload(t *testing.T, jws string, cred credentialJSON) string {
	t.Helper()
	p := strings.Split(jws, ".")
	raw, err := json.Marshal(cred)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s.%s.%s", p[0], base64.RawURLEncoding.EncodeToString(raw), p[2])
}

// mapOf is cred as a consumer decodes it.
func mapOf(t *testing.T, cred credentialJSON) map[string]any {
	t.Helper()
	raw, err := json.Marshal(cred)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// signWithEdDSA signs cred with the log's Ed25519 key, as the ledger
// signed credentials before ES256.
func signWithEdDSA(t *testing.T, cred credentialJSON, k testKey) string {
	t.Helper()
	raw, err := json.Marshal(cred)
	if err != nil {
		t.Fatal(err)
	}
	return joseSign(t, raw, jose.SigningKey{Algorithm: jose.EdDSA, Key: k.priv}, (&jose.SignerOptions{EmbedJWK: true}).WithType("JWT"))
}
