package credential

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// ErrRevoked reports a credential whose bit is set in its issuer's
// revocation list.
var ErrRevoked = errors.New("credential revoked")

// MinStatusListBits is the smallest list the ledger publishes: W3C
// Bitstring Status List v1.0 §6.1 asks for 131,072 entries (16 KiB) so that
// a list says little about any one holder, and verifiers (1EdTech's among
// them) refuse shorter lists.
const MinStatusListBits = 131072

// statusListJSON is a BitstringStatusListCredential.
type statusListJSON struct {
	Context           []string           `json:"@context"`
	ID                string             `json:"id"`
	Type              []string           `json:"type"`
	Issuer            string             `json:"issuer"`
	ValidFrom         string             `json:"validFrom"`
	CredentialSubject statusListSubjJSON `json:"credentialSubject"`
	Iss               string             `json:"iss"`
	Nbf               int64              `json:"nbf"`
	Sub               string             `json:"sub"`
}

type statusListSubjJSON struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	StatusPurpose string `json:"statusPurpose"`
	EncodedList   string `json:"encodedList"`
}

// EncodeBitstring sets the bits of revoked in a list of at least
// MinStatusListBits bits (rounded up to whole bytes to hold the largest
// index), gzips it and encodes it as multibase base64url without padding
// ('u'), as W3C Bitstring Status List v1.0 §3.1 says. Bit 0 is the most
// significant bit of the first byte.
func EncodeBitstring(revoked []uint64) (string, error) {
	n := uint64(MinStatusListBits)
	for _, i := range revoked {
		n = max(n, i+1)
	}
	bits := make([]byte, (n+7)/8)
	for _, i := range revoked {
		bits[i/8] |= 0x80 >> (i % 8)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(bits); err != nil {
		return "", fmt.Errorf("gzip the status list: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("gzip the status list: %w", err)
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// decodeBitstring reverses EncodeBitstring, refusing a list shorter than
// MinStatusListBits.
func decodeBitstring(encoded string) ([]byte, error) {
	b64, ok := strings.CutPrefix(encoded, "u")
	if !ok {
		return nil, errors.New("encodedList is not multibase base64url ('u')")
	}
	raw, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("encodedList: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("encodedList: %v", err)
	}
	// A list of a million credentials is 128 KiB; refuse a gzip bomb.
	bits, err := io.ReadAll(io.LimitReader(zr, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("encodedList: %v", err)
	}
	if len(bits)*8 < MinStatusListBits {
		return nil, fmt.Errorf("the list has %d entries, fewer than %d", len(bits)*8, MinStatusListBits)
	}
	return bits, nil
}

// IssueStatusList signs the revocation list served at listURL, with the
// bits of revoked set, valid from validFrom, as a VC-JWT
// (BitstringStatusListCredential) with the credentials' key.
func IssueStatusList(listURL string, revoked []uint64, validFrom time.Time, iss *Issuer) (string, error) {
	encoded, err := EncodeBitstring(revoked)
	if err != nil {
		return "", err
	}
	from := validFrom.UTC().Truncate(time.Second)
	did := iss.DID()
	list := statusListJSON{
		Context:   []string{contextVC},
		ID:        listURL,
		Type:      []string{"VerifiableCredential", "BitstringStatusListCredential"},
		Issuer:    did,
		ValidFrom: from.Format(time.RFC3339),
		CredentialSubject: statusListSubjJSON{
			ID: listURL + "#list", Type: "BitstringStatusList", StatusPurpose: "revocation", EncodedList: encoded,
		},
		Iss: did, Nbf: from.Unix(), Sub: listURL + "#list",
	}
	return signJWT(list, "status list "+listURL, iss)
}

// CheckStatus reads the revocation list listJWT (as the ledger serves it
// at v.Status.ListURL) and reports whether v is revoked. The list must be
// signed by the same key as the credential (its jwk's did:key is v's
// issuer) and be the list v names. Returns nil for a credential without a
// status entry, an error wrapping ErrRevoked for a revoked one, and a
// *VerifyError (CheckStatus) for a list that does not verify.
func CheckStatus(v *Verified, listJWT string) error {
	if v.Status == nil {
		return nil
	}
	fail := func(format string, args ...any) error { return unverified(CheckStatusList, "", format, args...) }
	obj, err := jose.ParseSignedCompact(listJWT, algorithms)
	if err != nil || len(obj.Signatures) != 1 {
		return fail("the status list is not a compact JWS: %v", err)
	}
	pub, did, err := headerKey(obj.Signatures[0].Protected)
	if err != nil {
		return err
	}
	payload, err := obj.Verify(pub)
	if err != nil {
		return fail("the status list's signature does not verify")
	}
	var list statusListJSON
	if err := json.Unmarshal(payload, &list); err != nil {
		return fail("status list: %v", err)
	}
	switch {
	case did != v.Issuer || list.Issuer != v.Issuer:
		return fail("the status list is signed by %s, the credential by %s", did, v.Issuer)
	case list.ID != v.Status.ListURL:
		return fail("the status list is %s, the credential names %s", list.ID, v.Status.ListURL)
	case !slices.Contains(list.Type, "BitstringStatusListCredential") || list.CredentialSubject.Type != "BitstringStatusList":
		return fail("not a BitstringStatusListCredential")
	case list.CredentialSubject.StatusPurpose != "revocation":
		return fail("the list's purpose is %q, not revocation", list.CredentialSubject.StatusPurpose)
	}
	bits, err := decodeBitstring(list.CredentialSubject.EncodedList)
	if err != nil {
		return fail("%v", err)
	}
	i := v.Status.Index
	if i >= uint64(len(bits))*8 {
		return fail("index %d lies beyond the list's %d entries", i, len(bits)*8)
	}
	if bits[i/8]&(0x80>>(i%8)) != 0 {
		return fmt.Errorf("credential %s (status list %s, index %d): %w", v.CredentialID, v.Status.ListURL, i, ErrRevoked)
	}
	return nil
}
