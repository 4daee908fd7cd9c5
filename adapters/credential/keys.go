package credential

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/mod/sumdb/note"

	"github.com/masteryledger/ledger/adapters/atomicfile"
)

// Alg is a JWS algorithm the ledger signs credentials with. OB 3.0 §8.2.3
// asks verifiers for RS256 at least, and 1EdTech's validator accepts RS256
// and ES256 only, so EdDSA, which signs the log's checkpoints, is not one.
type Alg string

const (
	// ES256 is ECDSA on P-256 with SHA-256, the default: short keys and
	// signatures, and WebCrypto verifies it in every browser.
	ES256 Alg = "ES256"
	// RS256 is RSASSA-PKCS1-v1_5 with SHA-256 and a 2048-bit key, for
	// verifiers that take nothing else.
	RS256 Alg = "RS256"
)

// ErrUnknownAlg reports an algorithm other than ES256 and RS256.
var ErrUnknownAlg = errors.New("unknown credential algorithm")

// ParseAlg reads "ES256" or "RS256". Returns an error wrapping
// ErrUnknownAlg otherwise.
func ParseAlg(s string) (Alg, error) {
	switch Alg(s) {
	case ES256, RS256:
		return Alg(s), nil
	}
	return "", fmt.Errorf("%q, want ES256 or RS256: %w", s, ErrUnknownAlg)
}

// KeyFile is the file name, in the log's directory, of the credential key
// of alg: PKCS #8 in PEM, mode 0600, beside the log's signing key.
func KeyFile(alg Alg) string {
	if alg == RS256 {
		return "credential-rs256.key"
	}
	return "credential-es256.key"
}

// LoadOrCreateKey reads the credential key of alg in dir, or creates one
// if there is none. A key of each algorithm is kept in its own file, so
// switching the option back and forth never replaces a key that signed
// credentials already issued.
func LoadOrCreateKey(dir string, alg Alg) (crypto.Signer, error) {
	if _, err := ParseAlg(string(alg)); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, KeyFile(alg))
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		return parseKey(raw, alg, path)
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("credential key: %w", err)
	}
	var key crypto.Signer
	if alg == RS256 {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		return nil, fmt.Errorf("credential key: generate %s: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("credential key: encode: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("credential key: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := atomicfile.Create(path, data, 0o600); errors.Is(err, fs.ErrExist) {
		return LoadOrCreateKey(dir, alg) // another process made it first
	} else if err != nil {
		return nil, fmt.Errorf("credential key: %w", err)
	}
	return key, nil
}

func parseKey(raw []byte, alg Alg, path string) (crypto.Signer, error) {
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("credential key %s: not a PEM private key: %w", path, ErrInvalidKey)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("credential key %s: %v: %w", path, err, ErrInvalidKey)
	}
	switch k := k.(type) {
	case *ecdsa.PrivateKey:
		if alg == ES256 && k.Curve == elliptic.P256() {
			return k, nil
		}
	case *rsa.PrivateKey:
		if alg == RS256 && k.N.BitLen() >= 2048 {
			return k, nil
		}
	}
	return nil, fmt.Errorf("credential key %s is not a key for %s: %w", path, alg, ErrInvalidKey)
}

// Issuer signs credentials: Key with Alg, and the log's note signer, which
// vouches for Key (see Binding) so that a verifier who trusts only the
// log's verifier key trusts the credentials too.
type Issuer struct {
	Alg Alg
	Key crypto.Signer
	Log note.Signer
	// LogKey is Log's verifier key, against which Issue checks what it
	// signs as Verify will.
	LogKey string
}

// NewIssuer checks that key fits alg. Returns an error wrapping
// ErrInvalidKey or ErrUnknownAlg otherwise.
func NewIssuer(alg Alg, key crypto.Signer, log note.Signer, logKey string) (*Issuer, error) {
	if _, err := ParseAlg(string(alg)); err != nil {
		return nil, err
	}
	if _, err := didOf(key.Public()); err != nil {
		return nil, err
	}
	switch key.Public().(type) {
	case *ecdsa.PublicKey:
		if alg != ES256 {
			return nil, fmt.Errorf("an ECDSA key signs ES256, not %s: %w", alg, ErrInvalidKey)
		}
	case *rsa.PublicKey:
		if alg != RS256 {
			return nil, fmt.Errorf("an RSA key signs RS256, not %s: %w", alg, ErrInvalidKey)
		}
	}
	if log == nil {
		return nil, fmt.Errorf("no log signer to vouch for the credential key: %w", ErrInvalidKey)
	}
	if _, err := parseVerifierKey(logKey); err != nil {
		return nil, err
	}
	return &Issuer{Alg: alg, Key: key, Log: log, LogKey: logKey}, nil
}

// DID is the issuer's did:key, the credentials' issuer.id.
func (iss *Issuer) DID() string {
	d, _ := didOf(iss.Key.Public()) // checked by NewIssuer
	return d
}

// bindingText is the signed note by which the log's key vouches for the
// credential key's did:key. A note rather than a field of the credential:
// it is checked with the log's key, which verifiers already hold, in the
// format every checkpoint uses.
func bindingText(did string) string {
	return "OB 3.0 credential issuer\n" + did + "\n"
}

// Binding signs the note that binds the issuer's did:key to the log's key.
// Ed25519 is deterministic, so the note's bytes are the same each time.
func (iss *Issuer) Binding() (string, error) {
	msg, err := note.Sign(&note.Note{Text: bindingText(iss.DID())}, iss.Log)
	if err != nil {
		return "", fmt.Errorf("sign the issuer binding: %w", err)
	}
	return string(msg), nil
}

// JWK is the public key as a JSON Web Key, as the JOSE header carries it.
func (iss *Issuer) JWK() jose.JSONWebKey {
	return jose.JSONWebKey{Key: iss.Key.Public(), Algorithm: string(iss.Alg), Use: "sig"}
}
