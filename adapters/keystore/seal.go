package keystore

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
)

// ErrUnopenable reports sealed data that does not open: another learner's
// key, another event's ciphertext, or altered bytes. AES-GCM cannot tell
// these apart, and neither can this error.
var ErrUnopenable = errors.New("sealed data does not open")

// Labels that keep this package's uses of a key apart from each other and
// from any later version.
const (
	nonceLabel = "mastery-ledger/personal/nonce/v1"
	aadLabel   = "mastery-ledger/personal/aad/v1"
)

// Keys is what a Sealer needs of a key store. *Store implements it.
type Keys interface {
	// Key returns the learner's key, creating it on first use, or an
	// error matching ErrDestroyed once it was destroyed.
	Key(ctx context.Context, learnerID string) ([]byte, error)
	// Existing returns the learner's key without creating one.
	Existing(ctx context.Context, learnerID string) ([]byte, error)
	Destroyer
}

var _ Keys = (*Store)(nil)

// Sealer is learners' personal data as the rest of the ledger sees it: it
// seals profiles under their learners' keys before they are stored, opens
// them again for reading, and erases them by destroying the key.
type Sealer struct {
	keys Keys
}

// NewSealer returns a Sealer over keys.
func NewSealer(keys Keys) *Sealer { return &Sealer{keys: keys} }

// Destroy destroys the learner's key (Store.Destroy): every profile sealed
// under it becomes unreadable.
func (s *Sealer) Destroy(ctx context.Context, learnerID string) error {
	return s.keys.Destroy(ctx, learnerID)
}

// Seal is domain/service.Options.Seal: it replaces the plain personal part
// of a LearnerProfileUpdated bound for stream with its sealed form, under
// the key of the stream's learner (made on first use). Every other event,
// and a profile already sealed, passes unchanged.
//
// Returns a *domain.RuleError with RulePersonalDataErased if the learner's
// key was destroyed, and an error wrapping domain.ErrInvalid for an event
// that does not decode or a profile outside a learner's stream.
func (s *Sealer) Seal(ctx context.Context, stream string, e *domain.EventData) error {
	if e.Type != domain.TypeLearnerProfileUpdated {
		return nil
	}
	ev, err := domain.DecodeEvent(domain.RecordedEvent{ID: e.ID, Type: e.Type, Stream: stream, Data: e.Data})
	if err != nil {
		return err
	}
	u := ev.(domain.LearnerProfileUpdated)
	if u.Personal == nil {
		return nil
	}
	learnerID, err := learnerOf(stream)
	if err != nil {
		return err
	}
	key, err := s.keys.Key(ctx, learnerID)
	if errors.Is(err, ErrDestroyed) {
		return erased(learnerID, err)
	}
	if err != nil {
		return err
	}
	plain, err := domain.EncodeJSON(*u.Personal)
	if err != nil {
		return err
	}
	sealed, err := SealProfile(key, stream, e.ID, plain)
	if err != nil {
		return err
	}
	data, err := domain.EncodeJSON(domain.LearnerProfileUpdated{Sealed: &sealed})
	if err != nil {
		return err
	}
	e.Data = data
	return nil
}

// Open returns the profile a stored LearnerProfileUpdated holds: opened
// under its learner's key if sealed, as stored if it predates sealing.
//
// Returns a *domain.RuleError with RulePersonalDataErased if the learner's
// key was destroyed, an error wrapping ErrUnopenable if the sealed data does
// not open under the key for this event, and an error wrapping
// domain.ErrInvalid for an event that is not a learner's profile update.
func (s *Sealer) Open(ctx context.Context, e domain.RecordedEvent) (domain.Profile, error) {
	if e.Type != domain.TypeLearnerProfileUpdated {
		return domain.Profile{}, fmt.Errorf("event %s is a %s, not a profile update: %w", e.ID, e.Type, domain.ErrInvalid)
	}
	ev, err := domain.DecodeEvent(e)
	if err != nil {
		return domain.Profile{}, err
	}
	u := ev.(domain.LearnerProfileUpdated)
	if u.Personal != nil {
		return *u.Personal, nil
	}
	learnerID, err := learnerOf(e.Stream)
	if err != nil {
		return domain.Profile{}, err
	}
	key, err := s.keys.Existing(ctx, learnerID)
	if errors.Is(err, ErrDestroyed) {
		return domain.Profile{}, erased(learnerID, err)
	}
	if err != nil {
		return domain.Profile{}, err
	}
	plain, err := OpenProfile(key, e.Stream, e.ID, *u.Sealed)
	if err != nil {
		return domain.Profile{}, fmt.Errorf("event %s: %w", e.ID, err)
	}
	return decodeProfile(plain)
}

// SealProfile encrypts plain, a profile's JSON, with AES-256-GCM under key,
// for event eventID of stream. The nonce is the first 12 bytes of
// HMAC-SHA256, under a key derived from key, of the event id and plain: the
// same inputs always seal to the same bytes, and different plaintexts under
// one key get different nonces. The stream and the event id are the
// additional data, so the result opens for that event of that stream only.
func SealProfile(key []byte, stream string, eventID uuid.UUID, plain []byte) (domain.SealedProfile, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return domain.SealedProfile{}, err
	}
	nonceKey, err := hkdf.Key(sha256.New, key, nil, nonceLabel, sha256.Size)
	if err != nil {
		return domain.SealedProfile{}, fmt.Errorf("derive the nonce key: %w", err)
	}
	mac := hmac.New(sha256.New, nonceKey)
	mac.Write(eventID[:])
	mac.Write(plain)
	nonce := mac.Sum(nil)[:aead.NonceSize()]
	return domain.SealedProfile{
		Alg:        domain.SealAlgA256GCM,
		Nonce:      nonce,
		Ciphertext: aead.Seal(nil, nonce, plain, additionalData(stream, eventID)),
	}, nil
}

// OpenProfile decrypts what SealProfile sealed for eventID of stream.
//
// Returns an error wrapping ErrUnopenable if it does not open under key for
// that event and stream, or is not A256GCM.
func OpenProfile(key []byte, stream string, eventID uuid.UUID, sealed domain.SealedProfile) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	if sealed.Alg != domain.SealAlgA256GCM || len(sealed.Nonce) != aead.NonceSize() {
		return nil, fmt.Errorf("algorithm %q with a %d-byte nonce: %w", sealed.Alg, len(sealed.Nonce), ErrUnopenable)
	}
	plain, err := aead.Open(nil, sealed.Nonce, sealed.Ciphertext, additionalData(stream, eventID))
	if err != nil {
		return nil, fmt.Errorf("another key, another event's data, or altered bytes: %w", ErrUnopenable)
	}
	return plain, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("a %d-byte key, not %d: %w", len(key), KeySize, domain.ErrInvalid)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// additionalData binds a ciphertext to its event: the label, the stream
// (which names the learner) and the event id, each length-prefixed so that
// no two pairs encode alike.
func additionalData(stream string, eventID uuid.UUID) []byte {
	var b bytes.Buffer
	for _, part := range [][]byte{[]byte(aadLabel), []byte(stream), eventID[:]} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(part)))
		b.Write(n[:])
		b.Write(part)
	}
	return b.Bytes()
}

func learnerOf(stream string) (string, error) {
	category, id, ok := domain.ParseStream(stream)
	if !ok || category != domain.LearnerCategory {
		return "", fmt.Errorf("personal data outside a learner's stream (%q): %w", stream, domain.ErrInvalid)
	}
	return id, nil
}

// erased is the refusal for a learner whose key is gone: the rule the
// domain itself applies once the erasure is folded.
func erased(learnerID string, cause error) error {
	return fmt.Errorf("%w (%w)", &domain.RuleError{
		Rule:    domain.RulePersonalDataErased,
		Message: fmt.Sprintf("learner %q's personal data was erased: their key is destroyed", learnerID),
	}, cause)
}

// decodeProfile decodes an opened profile strictly: the plaintext was
// authenticated, so anything else is a bug worth seeing.
func decodeProfile(plain []byte) (domain.Profile, error) {
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	var p domain.Profile
	if err := dec.Decode(&p); err != nil {
		return domain.Profile{}, fmt.Errorf("opened profile: %v: %w", err, domain.ErrInvalid)
	}
	if _, err := dec.Token(); err != io.EOF {
		return domain.Profile{}, fmt.Errorf("opened profile: trailing data: %w", domain.ErrInvalid)
	}
	return p, nil
}
