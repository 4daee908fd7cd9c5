package credential

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The credential key is made once, kept in the log's directory with mode
// 0600, one file per algorithm, and read back the same after a restart.
func TestLoadOrCreateKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	for _, alg := range []Alg{ES256, RS256} {
		k1, err := LoadOrCreateKey(dir, alg)
		if err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(filepath.Join(dir, KeyFile(alg)))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s key file mode %v, want 0600", alg, info.Mode().Perm())
		}
		k2, err := LoadOrCreateKey(dir, alg)
		if err != nil {
			t.Fatal(err)
		}
		switch k := k1.(type) {
		case *ecdsa.PrivateKey:
			if alg != ES256 || !k.Equal(k2) {
				t.Errorf("%s: the key read back differs, or is %T", alg, k1)
			}
		case *rsa.PrivateKey:
			if alg != RS256 || !k.Equal(k2) {
				t.Errorf("%s: the key read back differs, or is %T", alg, k1)
			}
		}
	}
	if _, err := LoadOrCreateKey(dir, "EdDSA"); !errors.Is(err, ErrUnknownAlg) {
		t.Errorf("EdDSA: err = %v, want ErrUnknownAlg", err)
	}
	// An ES256 file that holds an RSA key is refused, not used.
	rsaPEM, err := os.ReadFile(filepath.Join(dir, KeyFile(RS256)))
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "log")
	if err := os.MkdirAll(other, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, KeyFile(ES256)), rsaPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(other, ES256); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("an RSA key as the ES256 key: err = %v, want ErrInvalidKey", err)
	}
}
