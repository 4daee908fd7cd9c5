package credential

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
)

func TestIssueVerifyRoundTrip(t *testing.T) {
	f := newFixture(t, newTestKey(t, logName))
	c := f.claim(t, claimA())
	jws := f.issue(t, c)

	v, err := Verify(jws, f.key.vkey)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	attempt := f.events[f.byLabel["a-attempt"]]
	checks := []struct {
		what      string
		got, want any
	}{
		{"issuer", v.Issuer, f.key.iss.DID()},
		{"school id", v.SchoolID, "north"},
		{"school name", v.SchoolName, "North Middle School"},
		{"learner unknown until matched", v.LearnerID, ""},
		{"identity hash", v.IdentityHash, IdentityHash("l-0001", c.Salt)},
		{"status index", v.Status.Index, uint64(f.byLabel["a-attempt"])},
		{"standard", v.StandardID, "math-6-rp-1"},
		{"code", v.Code, "6.RP.A.1"},
		{"title", v.Title, "Ratios"},
		{"revision", v.StandardRevision, 1},
		{"level", v.Level, 3},
		{"label", v.LevelLabel, "Proficient"},
		{"metAt", v.MetAt.Equal(attempt.OccurredAt), true},
		{"validFrom", v.ValidFrom.Equal(attempt.RecordedAt.Truncate(1e9)), true},
		{"checkpoint origin", v.Checkpoint.Origin, logName},
		{"checkpoint size", v.Checkpoint.Size, uint64(len(f.events))},
		{"events", len(v.Events), 4},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if (&Verified{IdentityHash: v.IdentityHash, Salt: v.Salt}).MatchLearner("l-0002") {
		t.Error("learner l-0002 matches l-0001's identity hash")
	}
	if !v.MatchLearner("l-0001") || v.LearnerID != "l-0001" {
		t.Errorf("l-0001 does not match the identity hash, or LearnerID is %q after the match", v.LearnerID)
	}
	for i, label := range claimA().labels {
		e, got := f.events[f.byLabel[label]], v.Events[i]
		want := VerifiedEvent{ID: e.ID, Type: e.Type, Revision: e.Revision, Hash: e.Hash, LeafIndex: uint64(f.byLabel[label])}
		if got != want {
			t.Errorf("event %d = %+v, want %+v", i, got, want)
		}
	}

	// Issuing again gives the same credential, id and all, under another
	// signature: ES256 signatures are randomised, which is why the ledger
	// keeps the bytes it issued (CredentialIssued) instead of signing anew.
	again := f.issue(t, c)
	if p1, p2 := strings.Split(jws, ".")[1], strings.Split(again, ".")[1]; p1 != p2 {
		t.Error("issuing the same claim twice gave two payloads")
	}
}

func TestVerifyRejects(t *testing.T) {
	f := newFixture(t, newTestKey(t, logName))
	other := newTestKey(t, logName) // same name, another key
	good := f.issue(t, f.claim(t, claimA()))
	evID := func(label string) string { return f.events[f.byLabel[label]].ID.String() }
	edit := func(change func(*credentialJSON)) credentialJSON {
		cred := payloadOf(t, good)
		change(&cred)
		return cred
	}
	forgeLevel := func(c *credentialJSON) {
		c.CredentialSubject.Result[0].AchievedLevel = c.CredentialSubject.Achievement.ResultDescription[0].RubricCriterionLevel[3].ID
	}
	dropEvidence := func(c *credentialJSON) { c.Evidence = c.Evidence[1:] } // a-pre
	tamperHash := func(c *credentialJSON) {
		c.LedgerProof.Events[1].Hash = strings.Repeat("ab", 32) // a-ev
	}

	tests := []struct {
		name      string
		jws       func(t *testing.T) string
		wantCheck Check
		wantEvent string
	}{
		{
			name:      "not a JWS",
			jws:       func(*testing.T) string { return "not.a.jws" },
			wantCheck: CheckJWS,
		},
		{
			name: "HS256 instead of ES256",
			jws: func(t *testing.T) string {
				return joseSign(t, []byte(`{}`), jose.SigningKey{Algorithm: jose.HS256, Key: make([]byte, 32)}, nil)
			},
			wantCheck: CheckJWS,
		},
		{
			name: "header parameter OB 3.0 does not allow",
			jws: func(t *testing.T) string {
				return signWith(t, payloadOf(t, good), f.key.iss, map[jose.HeaderKey]any{"cty": "vc"})
			},
			wantCheck: CheckJWS,
		},
		{
			name: "typ other than JWT",
			jws: func(t *testing.T) string {
				return signWith(t, payloadOf(t, good), f.key.iss, map[jose.HeaderKey]any{"typ": "vc+jwt"})
			},
			wantCheck: CheckJWS,
		},
		{
			name: "no jwk in the header",
			jws: func(t *testing.T) string {
				return joseSign(t, []byte(`{}`), jose.SigningKey{Algorithm: jose.ES256, Key: f.key.iss.Key}, nil)
			},
			wantCheck: CheckKey,
		},
		{
			name: "EdDSA, which 1EdTech's validator refuses",
			jws: func(t *testing.T) string {
				return joseSign(t, []byte(`{}`), jose.SigningKey{Algorithm: jose.EdDSA, Key: f.key.priv}, &jose.SignerOptions{EmbedJWK: true})
			},
			wantCheck: CheckJWS,
		},
		{
			name:      "forged level, signature not redone",
			jws:       func(t *testing.T) string { return swapPayload(t, good, edit(forgeLevel)) },
			wantCheck: CheckSignature,
		},
		{
			name:      "forged level, re-signed with another key",
			jws:       func(t *testing.T) string { return signCred(t, edit(forgeLevel), other.iss) },
			wantCheck: CheckIssuer,
		},
		{
			name: "forged level, re-signed with another key that names itself the issuer",
			jws: func(t *testing.T) string {
				return signCred(t, edit(func(c *credentialJSON) {
					forgeLevel(c)
					c.Issuer.ID, c.Iss = other.iss.DID(), other.iss.DID()
				}), other.iss)
			},
			wantCheck: CheckIssuer,
		},
		{
			name:      "evidence entry removed, signature not redone",
			jws:       func(t *testing.T) string { return swapPayload(t, good, edit(dropEvidence)) },
			wantCheck: CheckSignature,
		},
		{
			name:      "evidence entry removed, re-signed by the ledger",
			jws:       func(t *testing.T) string { return signCred(t, edit(dropEvidence), f.key.iss) },
			wantCheck: CheckEvidence,
			wantEvent: evID("a-pre"),
		},
		{
			name: "ledgerProof entry removed, re-signed by the ledger",
			jws: func(t *testing.T) string {
				return signCred(t, edit(func(c *credentialJSON) { c.LedgerProof.Events = c.LedgerProof.Events[:3] }), f.key.iss)
			},
			wantCheck: CheckEvidence,
			wantEvent: evID("a-attempt"),
		},
		{
			name: "no summative attempt among the evidence",
			jws: func(t *testing.T) string {
				return signCred(t, edit(func(c *credentialJSON) {
					c.Evidence, c.LedgerProof.Events = c.Evidence[:3], c.LedgerProof.Events[:3]
				}), f.key.iss)
			},
			wantCheck: CheckEvidence,
		},
		{
			name: "level off the scale, re-signed by the ledger",
			jws: func(t *testing.T) string {
				return signCred(t, edit(func(c *credentialJSON) { c.CredentialSubject.Result[0].AchievedLevel += "0" }), f.key.iss)
			},
			wantCheck: CheckResult,
		},
		{
			name: "level below the required, re-signed by the ledger",
			jws: func(t *testing.T) string {
				return signCred(t, edit(func(c *credentialJSON) {
					c.CredentialSubject.Result[0].AchievedLevel = c.CredentialSubject.Achievement.ResultDescription[0].RubricCriterionLevel[1].ID
				}), f.key.iss)
			},
			wantCheck: CheckResult,
		},
		{
			name:      "tampered event hash, signature not redone",
			jws:       func(t *testing.T) string { return swapPayload(t, good, edit(tamperHash)) },
			wantCheck: CheckSignature,
		},
		{
			name:      "tampered event hash, re-signed by the ledger",
			jws:       func(t *testing.T) string { return signCred(t, edit(tamperHash), f.key.iss) },
			wantCheck: CheckInclusion,
			wantEvent: evID("a-ev"),
		},
		{
			name:      "inclusion proofs computed for another checkpoint",
			jws:       func(t *testing.T) string { return f.unchecked(t, f.claimAt(t, claimA(), 12), f.key.iss) },
			wantCheck: CheckInclusion,
			wantEvent: evID("a-pre"),
		},
		{
			name: "tree size other than the checkpoint's",
			jws: func(t *testing.T) string {
				return signCred(t, edit(func(c *credentialJSON) { c.LedgerProof.Events[2].TreeSize = 12 }), f.key.iss)
			},
			wantCheck: CheckInclusion,
			wantEvent: evID("a-agree"),
		},
		{
			name: "checkpoint signed by another key",
			jws: func(t *testing.T) string {
				c := f.claim(t, claimA())
				c.Checkpoint = other.checkpoint(t, logName, uint64(len(f.leaves)), mth(f.leaves))
				return f.unchecked(t, c, f.key.iss)
			},
			wantCheck: CheckCheckpoint,
		},
		{
			name: "checkpoint of another origin",
			jws: func(t *testing.T) string {
				c := f.claim(t, claimA())
				c.Checkpoint = f.key.checkpoint(t, "other.example/log", uint64(len(f.leaves)), mth(f.leaves))
				return f.unchecked(t, c, f.key.iss)
			},
			wantCheck: CheckCheckpoint,
		},
		{
			name: "issuer is not the key's did:key",
			jws: func(t *testing.T) string {
				return signCred(t, edit(func(c *credentialJSON) {
					c.Issuer.ID = other.iss.DID()
					c.Iss = c.Issuer.ID
				}), f.key.iss)
			},
			wantCheck: CheckIssuer,
		},
		{
			name: "iss claim disagrees with the issuer",
			jws: func(t *testing.T) string {
				return signCred(t, edit(func(c *credentialJSON) { c.Iss = "did:example:x" }), f.key.iss)
			},
			wantCheck: CheckClaims,
		},
		{
			name:      "nbf claim disagrees with validFrom",
			jws:       func(t *testing.T) string { return signCred(t, edit(func(c *credentialJSON) { c.Nbf++ }), f.key.iss) },
			wantCheck: CheckClaims,
		},
		{
			name: "contexts out of order",
			jws: func(t *testing.T) string {
				return signCred(t, edit(func(c *credentialJSON) { c.Context[0], c.Context[1] = c.Context[1], c.Context[0] }), f.key.iss)
			},
			wantCheck: CheckCredential,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Verify(tt.jws(t), f.key.vkey)
			assertUnverified(t, v, err, tt.wantCheck, tt.wantEvent)
		})
	}
}

// assertUnverified checks that err is a *VerifyError of the check wanted,
// naming the event wanted (or none).
func assertUnverified(t *testing.T, v *Verified, err error, check Check, eventID string) {
	t.Helper()
	if v != nil {
		t.Errorf("verified %+v", v)
	}
	if !errors.Is(err, ErrUnverified) {
		t.Fatalf("err = %v, want one matching ErrUnverified", err)
	}
	t.Log(err)
	var ve *VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %T, want a *VerifyError", err)
	}
	if ve.Check != check || ve.EventID != eventID {
		t.Errorf("failed check %q at event %q (%v), want check %q at event %q", ve.Check, ve.EventID, err, check, eventID)
	}
}

// joseSign signs payload as a compact JWS however a test wants it signed.
func joseSign(t *testing.T, payload []byte, key jose.SigningKey, opts *jose.SignerOptions) string {
	t.Helper()
	s, err := jose.NewSigner(key, opts)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// signWith signs cred with key, the jwk embedded, and the header
// parameters given.
func signWith(t *testing.T, cred credentialJSON, key *Issuer, headers map[jose.HeaderKey]any) string {
	t.Helper()
	payload, err := json.Marshal(cred)
	if err != nil {
		t.Fatal(err)
	}
	return joseSign(t, payload, jose.SigningKey{Algorithm: jose.SignatureAlgorithm(key.Alg), Key: key.Key}, &jose.SignerOptions{EmbedJWK: true, ExtraHeaders: headers})
}

func TestVerifyInvalidKey(t *testing.T) {
	f := newFixture(t, newTestKey(t, logName))
	jws := f.issue(t, f.claim(t, claimA()))
	for _, vkey := range []string{"", "ledger.example/log", "ledger.example/log+00000000+AQ==", f.key.vkey + "x"} {
		_, err := Verify(jws, vkey)
		if !errors.Is(err, ErrInvalidKey) || errors.Is(err, ErrUnverified) {
			t.Errorf("Verify with key %q: err = %v, want ErrInvalidKey only", vkey, err)
		}
	}
}

func TestIssueRefuses(t *testing.T) {
	f := newFixture(t, newTestKey(t, logName))
	other := newTestKey(t, logName)
	tests := []struct {
		name      string
		change    func(*Claim)
		wantCheck Check // the failed check the error carries, if any
	}{
		{name: "level off the scale", change: func(c *Claim) { c.Level = 7 }},
		{name: "level below proficient", change: func(c *Claim) { c.Level = 2 }},
		{name: "no school name", change: func(c *Claim) { c.School.Name = "" }},
		{name: "attempt not among the events", change: func(c *Claim) { c.AttemptID = uuid.NewSHA1(uuid.NameSpaceOID, []byte("nowhere")) }},
		{name: "attempt of the wrong type", change: func(c *Claim) { c.Events[3].Type = domain.TypeEvidenceRecorded }},
		{name: "event listed twice", change: func(c *Claim) { c.Events = append(c.Events, c.Events[0]) }},
		{name: "hash not hex", change: func(c *Claim) { c.Events[0].Hash = strings.ToUpper(c.Events[0].Hash) }},
		{name: "no checkpoint", change: func(c *Claim) { c.Checkpoint = "" }},
		{name: "checkpoint not a note", change: func(c *Claim) { c.Checkpoint = "ledger.example/log\n17\n" }},
		{
			name:      "checkpoint signed by another key",
			change:    func(c *Claim) { c.Checkpoint = other.checkpoint(t, logName, uint64(len(f.leaves)), mth(f.leaves)) },
			wantCheck: CheckCheckpoint,
		},
		{
			name:      "tampered event hash",
			change:    func(c *Claim) { c.Events[1].Hash = strings.Repeat("ab", 32) },
			wantCheck: CheckInclusion,
		},
		{
			name:      "proofs for another tree size",
			change:    func(c *Claim) { c.Events = f.claimAt(t, claimA(), 12).Events },
			wantCheck: CheckInclusion,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.claim(t, claimA())
			tt.change(&c)
			jws, err := Issue(c, f.key.iss)
			if !errors.Is(err, ErrInvalidClaim) {
				t.Fatalf("Issue = %q, %v; want an error matching ErrInvalidClaim", jws, err)
			}
			var ve *VerifyError
			switch {
			case tt.wantCheck == "" && errors.As(err, &ve):
				t.Errorf("err = %v: carries a failed check, want none", err)
			case tt.wantCheck != "" && (!errors.As(err, &ve) || ve.Check != tt.wantCheck):
				t.Errorf("err = %v, want the failed check %q", err, tt.wantCheck)
			}
		})
	}

	t.Run("no issuer", func(t *testing.T) {
		_, err := Issue(f.claim(t, claimA()), nil)
		if !errors.Is(err, ErrInvalidKey) {
			t.Errorf("err = %v, want ErrInvalidKey", err)
		}
	})
}
