package credential

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"testing"
)

// Vectors of the Base58 encoding draft (draft-msporny-base58), which is
// Bitcoin's alphabet as multibase 'z' uses it.
func TestBase58(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, ""},
		{"text", []byte("Hello World!"), "2NEpo7TZRRrLZSi2U"},
		{"long text", []byte("The quick brown fox jumps over the lazy dog."), "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z"},
		{"leading zeros", mustHex(t, "0000287fb4cd"), "11233QC4"},
		{"only zeros", []byte{0, 0}, "11"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := base58(tt.in); got != tt.want {
				t.Errorf("base58(%x) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// Vectors of the did:key method's test suite (w3c-ccg/did-method-key,
// test-vectors/ed25519-x25519.json): the Ed25519 key of each seed, its
// publicKeyBase58 and its did:key.
func TestDIDKey(t *testing.T) {
	tests := []struct {
		seed   byte
		base58 string
		did    string
	}{
		{0, "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS", "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"},
		{1, "6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt", "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG"},
		{2, "8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH", "did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf"},
		{3, "HPYVwAQmskwT1qEEeRzhoomyfyupJGASQQtCXSNG8XS2", "did:key:z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ"},
		{4, "J3qYF7YJMKCqQke47UQwiHizgFUXapHxRxKmxbkar89x", "did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL"},
	}
	for _, tt := range tests {
		t.Run(tt.did, func(t *testing.T) {
			// The vectors' seed is 32 bytes: 31 zeros, then the seed number.
			seed := make([]byte, ed25519.SeedSize)
			seed[len(seed)-1] = tt.seed
			pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
			if got := base58(pub); got != tt.base58 {
				t.Errorf("public key in base58 = %q, want %q", got, tt.base58)
			}
			if got := DIDKey(pub); got != tt.did {
				t.Errorf("DIDKey = %q, want %q", got, tt.did)
			}
		})
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every did:key of an Ed25519 key starts z6Mk: the prefix 0xed01 fixes the
// first base58 digits for a 34-byte number.
func TestDIDKeyPrefix(t *testing.T) {
	for _, fill := range []byte{0x00, 0x7f, 0xff} {
		pub := ed25519.PublicKey(bytes.Repeat([]byte{fill}, ed25519.PublicKeySize))
		if got := DIDKey(pub); got[:12] != "did:key:z6Mk" {
			t.Errorf("DIDKey of %x… = %q, want the did:key:z6Mk prefix", fill, got)
		}
	}
}
