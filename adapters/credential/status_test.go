package credential

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRS256RoundTrip(t *testing.T) {
	f := newFixture(t, newTestKey(t, logName).withRSA(t))
	jws := f.issue(t, f.claim(t, claimA()))
	if h := decodeJSON(t, strings.Split(jws, ".")[0]); h["alg"] != "RS256" {
		t.Fatalf("alg %v, want RS256", h["alg"])
	}
	v, err := Verify(jws, f.key.vkey)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !strings.HasPrefix(v.Issuer, "did:key:z4MX") { // the did:key prefix of 2048-bit RSA keys
		t.Errorf("issuer %s: want the did:key of an RSA key", v.Issuer)
	}
	// Tampering fails as with ES256.
	cred := payloadOf(t, jws)
	cred.CredentialSubject.Result[0].AchievedLevel = cred.CredentialSubject.Achievement.ResultDescription[0].RubricCriterionLevel[3].ID
	_, err = Verify(swapPayload(t, jws, cred), f.key.vkey)
	assertUnverified(t, nil, err, CheckSignature, "")
}

func TestIssuerBinding(t *testing.T) {
	f := newFixture(t, newTestKey(t, logName))
	other := newTestKey(t, logName)
	good := f.issue(t, f.claim(t, claimA()))
	t.Run("binding signed by another log key", func(t *testing.T) {
		cred := payloadOf(t, good)
		binding, err := (&Issuer{Alg: ES256, Key: f.key.iss.Key, Log: other.signer}).Binding()
		if err != nil {
			t.Fatal(err)
		}
		cred.LedgerProof.IssuerBinding = binding
		_, err = Verify(signCred(t, cred, f.key.iss), f.key.vkey)
		assertUnverified(t, nil, err, CheckIssuer, "")
	})
	t.Run("binding of another issuer", func(t *testing.T) {
		cred := payloadOf(t, good)
		binding, err := other.iss.Binding()
		if err != nil {
			t.Fatal(err)
		}
		cred.LedgerProof.IssuerBinding = binding
		_, err = Verify(signCred(t, cred, f.key.iss), f.key.vkey)
		assertUnverified(t, nil, err, CheckIssuer, "")
	})
}

func TestStatusList(t *testing.T) {
	f := newFixture(t, newTestKey(t, logName))
	v, err := Verify(f.issue(t, f.claim(t, claimA())), f.key.vkey)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	list := func(t *testing.T, revoked ...uint64) string {
		t.Helper()
		l, err := IssueStatusList(statusListURL, revoked, at, f.key.iss)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if err := CheckStatus(v, list(t)); err != nil {
		t.Errorf("empty list: %v", err)
	}
	if err := CheckStatus(v, list(t, 3, 8, 10, 200000)); err != nil {
		t.Errorf("list revoking others: %v", err)
	}
	if err := CheckStatus(v, list(t, v.Status.Index)); !errors.Is(err, ErrRevoked) {
		t.Errorf("list revoking it: err = %v, want ErrRevoked", err)
	}
	t.Run("list signed by another key", func(t *testing.T) {
		other := newTestKey(t, logName)
		l, err := IssueStatusList(statusListURL, nil, at, other.iss)
		if err != nil {
			t.Fatal(err)
		}
		assertUnverified(t, nil, CheckStatus(v, l), CheckStatusList, "")
	})
	t.Run("another list", func(t *testing.T) {
		l, err := IssueStatusList(statusListURL+"2", nil, at, f.key.iss)
		if err != nil {
			t.Fatal(err)
		}
		assertUnverified(t, nil, CheckStatus(v, l), CheckStatusList, "")
	})
	t.Run("bitstring as W3C specifies", func(t *testing.T) {
		enc, err := EncodeBitstring([]uint64{0, 9, 131071})
		if err != nil {
			t.Fatal(err)
		}
		bits, err := decodeBitstring(enc)
		if err != nil {
			t.Fatal(err)
		}
		// Bit 0 is the most significant bit of the first byte.
		if len(bits) != 16384 || bits[0] != 0x80 || bits[1] != 0x40 || bits[16383] != 0x01 {
			t.Errorf("%d bytes, first %08b %08b, last %08b", len(bits), bits[0], bits[1], bits[len(bits)-1])
		}
	})
}
