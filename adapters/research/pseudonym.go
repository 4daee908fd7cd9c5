package research

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/masteryledger/ledger/adapters/atomicfile"
	"github.com/masteryledger/ledger/domain"
)

// KeyFile is the research key's file in the data directory. Its name and
// contents are those of every earlier release, so pseudonyms a researcher
// already holds stay valid.
const KeyFile = "pseudonym.key"

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
	path := filepath.Join(dataDir, KeyFile)
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
