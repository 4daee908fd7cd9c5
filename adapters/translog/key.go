package translog

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/masteryledger/ledger/adapters/atomicfile"
)

// KeyFile is the file, in the log's directory, holding the signing key in
// the signed-note private key format. It never leaves the data directory.
const KeyFile = "signing.key"

// algEd25519 is the signed-note algorithm byte that opens an Ed25519 key.
const algEd25519 = 1

// Key is the ledger's Ed25519 key: it signs checkpoints (as a note signer)
// and transcripts (as a plain Ed25519 key).
type Key struct {
	Signer   note.Signer
	Verifier note.Verifier
	// VerifierKey is the public key as a signed-note verifier key,
	// "<name>+<hash>+<base64>": what GET /v1/log/key serves and what offline
	// verifiers are given.
	VerifierKey string
	Private     ed25519.PrivateKey
	Public      ed25519.PublicKey
}

// Origin is the log's name, the first line of each checkpoint.
func (k *Key) Origin() string { return k.Signer.Name() }

// LoadOrCreateKey reads the key in dir, or creates one named origin if there
// is none. An empty origin means "mastery-ledger/" and eight random hex
// digits, unique to this log. Returns an error if the stored key has another
// name than a non-empty origin: a log never changes its name.
func LoadOrCreateKey(dir, origin string) (*Key, error) {
	path := filepath.Join(dir, KeyFile)
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		k, err := parseSignerKey(strings.TrimSpace(string(raw)))
		if err != nil {
			return nil, fmt.Errorf("log key %s: %w", path, err)
		}
		if origin != "" && k.Origin() != origin {
			return nil, fmt.Errorf("log key %s belongs to log %q, not %q: a log keeps its name", path, k.Origin(), origin)
		}
		return k, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("log key: %w", err)
	}
	if origin == "" {
		var b [4]byte
		if _, err := io.ReadFull(rand.Reader, b[:]); err != nil {
			return nil, fmt.Errorf("log key: name: %w", err)
		}
		origin = "mastery-ledger/" + hex.EncodeToString(b[:])
	}
	skey, _, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return nil, fmt.Errorf("log key: generate %q: %w", origin, err)
	}
	k, err := parseSignerKey(skey)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	if err := atomicfile.Create(path, []byte(skey+"\n"), 0o600); errors.Is(err, fs.ErrExist) {
		return LoadOrCreateKey(dir, origin) // another process made it first
	} else if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	return k, nil
}

// LoadKey reads the key in dir and never creates one: what a verifier uses.
func LoadKey(dir string) (*Key, error) {
	path := filepath.Join(dir, KeyFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	k, err := parseSignerKey(strings.TrimSpace(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("log key %s: %w", path, err)
	}
	return k, nil
}

// parseSignerKey reads "PRIVATE+KEY+<name>+<hash>+<base64(alg||seed)>".
func parseSignerKey(skey string) (*Key, error) {
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("not a signed-note signer key: %w", err)
	}
	// The key's base64 may hold '+' itself: it is the fifth field on.
	raw, err := base64.StdEncoding.DecodeString(strings.SplitN(skey, "+", 5)[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != algEd25519 {
		return nil, errors.New("not an Ed25519 signer key")
	}
	priv := ed25519.NewKeyFromSeed(raw[1:])
	pub := priv.Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(signer.Name(), pub)
	if err != nil {
		return nil, fmt.Errorf("verifier key: %w", err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("verifier key: %w", err)
	}
	return &Key{Signer: signer, Verifier: verifier, VerifierKey: vkey, Private: priv, Public: pub}, nil
}

// ParseVerifierKey reads a verifier key as GET /v1/log/key serves it and
// returns the note verifier and the Ed25519 public key inside it.
func ParseVerifierKey(vkey string) (note.Verifier, ed25519.PublicKey, error) {
	vkey = strings.TrimSpace(vkey)
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, nil, fmt.Errorf("verifier key %q: %w", vkey, err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.SplitN(vkey, "+", 3)[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != algEd25519 {
		return nil, nil, fmt.Errorf("verifier key %q: not an Ed25519 key", vkey)
	}
	return v, ed25519.PublicKey(raw[1:]), nil
}
