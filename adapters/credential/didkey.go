package credential

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
)

// Multicodec prefixes (unsigned varints) of the public keys a did:key names.
const (
	ed25519PubMulticodec = "\xed\x01" // ed25519-pub, 0xed
	p256PubMulticodec    = "\x80\x24" // p256-pub, 0x1200: a compressed point
	rsaPubMulticodec     = "\x85\x24" // rsa-pub, 0x1205: PKCS #1 DER
)

// DIDKey returns the did:key identifier of an Ed25519 public key: the
// multicodec-prefixed key in multibase base58btc ('z').
func DIDKey(pub ed25519.PublicKey) string {
	return didKey(ed25519PubMulticodec, pub)
}

func didKey(prefix string, key []byte) string {
	b := make([]byte, 0, len(prefix)+len(key))
	b = append(b, prefix...)
	b = append(b, key...)
	return "did:key:z" + base58(b)
}

// didOf is the did:key of a P-256 or RSA public key (did:key v0.7: P-256
// as a compressed point, RSA as PKCS #1). Returns an error wrapping
// ErrInvalidKey for another key.
func didOf(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		raw, err := k.Bytes() // 0x04 || X || Y
		if err != nil || len(raw) != 65 {
			return "", fmt.Errorf("not a P-256 public key: %w", ErrInvalidKey)
		}
		compressed := make([]byte, 33)
		compressed[0] = 2 | raw[64]&1
		copy(compressed[1:], raw[1:33])
		return didKey(p256PubMulticodec, compressed), nil
	case *rsa.PublicKey:
		return didKey(rsaPubMulticodec, x509.MarshalPKCS1PublicKey(k)), nil
	case ed25519.PublicKey:
		return DIDKey(k), nil
	}
	return "", fmt.Errorf("a %T has no did:key here: %w", pub, ErrInvalidKey)
}

// base58Alphabet is Bitcoin's, the one multibase 'z' names.
const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// base58 encodes b as a big-endian number in base 58, with one '1' for each
// leading zero byte (which the number alone would lose).
func base58(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	// digits holds the number in base 58, least significant digit first.
	digits := make([]byte, 0, len(b)*138/100+1)
	for _, c := range b[zeros:] {
		carry := int(c)
		for i := range digits {
			carry += int(digits[i]) << 8
			digits[i] = byte(carry % 58)
			carry /= 58
		}
		for carry > 0 {
			digits = append(digits, byte(carry%58))
			carry /= 58
		}
	}
	out := make([]byte, zeros+len(digits))
	for i := range zeros {
		out[i] = '1'
	}
	for i, d := range digits {
		out[len(out)-1-i] = base58Alphabet[d]
	}
	return string(out)
}
