package httpapi

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/masteryledger/ledger/adapters/atomicfile"
	"github.com/masteryledger/ledger/domain"
)

// PseudonymKeyFile is the research key's file in the data directory.
const PseudonymKeyFile = "pseudonym.key"

// Pseudonymizer replaces learner ids with keyed pseudonyms for the research
// feed: HMAC-SHA256 under a secret kept in the data directory, so the same
// learner gets the same pseudonym across restarts and exports, and nobody
// without the key can link a pseudonym back to an id.
type Pseudonymizer struct {
	key []byte
}

// NewPseudonymizer returns a pseudonymiser under key (at least 32 bytes).
func NewPseudonymizer(key []byte) (*Pseudonymizer, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("pseudonym key: %d bytes, want at least 32: %w", len(key), domain.ErrInvalid)
	}
	return &Pseudonymizer{key: bytes.Clone(key)}, nil
}

// LoadPseudonymizer reads the key in dataDir, creating it on first use.
func LoadPseudonymizer(dataDir string) (*Pseudonymizer, error) {
	path := filepath.Join(dataDir, PseudonymKeyFile)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		// Written durably and never over another's: a key lost or
		// replaced would change every pseudonym a researcher holds.
		var key [32]byte
		rand.Read(key[:])
		raw = []byte(hex.EncodeToString(key[:]) + "\n")
		if err := atomicfile.Create(path, raw, 0o600); errors.Is(err, fs.ErrExist) {
			return LoadPseudonymizer(dataDir) // another process made it first
		} else if err != nil {
			return nil, fmt.Errorf("create pseudonym key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("read pseudonym key: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("pseudonym key %s: not hex: %w", path, domain.ErrInvalid)
	}
	return NewPseudonymizer(key)
}

// Learner returns the pseudonym of a learner id: "p-" and 32 hex digits.
func (p *Pseudonymizer) Learner(id string) string {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(id))
	return "p-" + hex.EncodeToString(m.Sum(nil)[:16])
}

// Event returns the research copy of e: the learner id replaced wherever it
// appears (stream, data, a learner actor), and keep false for an event that
// holds personal data (a profile update, sealed or not). An erasure is kept:
// it holds no personal data, only that the learner's profile is gone. The
// copy's hashes are the original event's, so a researcher can cite an
// event; they do not verify over the copy.
func (p *Pseudonymizer) Event(e domain.RecordedEvent) (domain.RecordedEvent, bool, error) {
	if e.Type == domain.TypeLearnerProfileUpdated {
		return e, false, nil
	}
	category, id, ok := domain.ParseStream(e.Stream)
	if !ok || category != domain.LearnerCategory {
		return e, true, nil
	}
	pseudo := p.Learner(id)
	e.Stream = domain.LearnerStream(pseudo)
	if e.Actor.Role == domain.RoleLearner {
		e.Actor.Name = p.Learner(e.Actor.Name)
	}
	if bytes.Contains(e.Data, []byte(`"learnerId"`)) {
		data, err := replaceLearnerIDs(e.Data, p)
		if err != nil {
			return e, false, fmt.Errorf("pseudonymise event %s: %w", e.ID, err)
		}
		e.Data = data
	}
	return e, true, nil
}

// replaceLearnerIDs rewrites every "learnerId" member, at any depth.
func replaceLearnerIDs(data []byte, p *Pseudonymizer) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "learnerId" {
					v[k] = p.Learner(s)
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return domain.EncodeJSON(v)
}
