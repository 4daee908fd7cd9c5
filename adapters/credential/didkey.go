package credential

import "crypto/ed25519"

// ed25519PubMulticodec is the unsigned-varint multicodec prefix of an
// Ed25519 public key (code 0xed).
const ed25519PubMulticodec = "\xed\x01"

// DIDKey returns the did:key identifier of an Ed25519 public key: the
// multicodec-prefixed key in multibase base58btc ('z').
func DIDKey(pub ed25519.PublicKey) string {
	b := make([]byte, 0, len(ed25519PubMulticodec)+len(pub))
	b = append(b, ed25519PubMulticodec...)
	b = append(b, pub...)
	return "did:key:z" + base58(b)
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
