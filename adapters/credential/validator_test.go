package credential

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/masteryledger/ledger/adapters/credential/obprobe"
)

// TestValidatorProbes holds ES256 and RS256 credentials to the rules of
// 1EdTech's validator (package obprobe; docs/trust.md names the commit and
// the probes), a revoked one and an EdDSA one to the same rules failing.
func TestValidatorProbes(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, alg := range []Alg{ES256, RS256} {
		t.Run(string(alg), func(t *testing.T) {
			key := newTestKey(t, logName)
			if alg == RS256 {
				key = key.withRSA(t)
			}
			f := newFixture(t, key)
			jws := f.issue(t, f.claim(t, claimA()))
			list := func(revoked ...uint64) obprobe.Fetch {
				return func(url string) ([]byte, error) {
					if url != statusListURL {
						return nil, errors.New("404")
					}
					l, err := IssueStatusList(url, revoked, now.Add(-time.Hour), f.key.iss)
					return []byte(l), err
				}
			}
			for _, r := range obprobe.Run(jws, now, list()) {
				if !r.OK {
					t.Errorf("%s: %s", r.Probe, r.Msg)
				}
			}
			failing := func(results []obprobe.Result) map[string]string {
				out := map[string]string{}
				for _, r := range results {
					if !r.OK {
						out[r.Probe] = r.Msg
					}
				}
				return out
			}
			revoked := failing(obprobe.Run(jws, now, list(uint64(f.byLabel["a-attempt"]))))
			if !strings.Contains(revoked["RevocationListProbe"], "revoked") || len(revoked) != 1 {
				t.Errorf("revoked: failing probes %v, want RevocationListProbe alone", revoked)
			}
			early := failing(obprobe.Run(jws, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), list()))
			if early["IssuanceProbe"] == "" || early["ExternalProofProbe"] == "" {
				t.Errorf("checked before validFrom: failing probes %v, want IssuanceProbe and ExternalProofProbe (nbf)", early)
			}
			// What the ledger did before: a jti beside the credential, an
			// EdDSA signature.
			cred := payloadOf(t, jws)
			if err := obprobe.Terms(mapOf(t, cred)); err != nil {
				t.Errorf("Terms: %v", err)
			}
			m := mapOf(t, cred)
			m["jti"] = cred.ID
			m["stray"] = "x"
			if err := obprobe.Terms(m); err == nil || !strings.Contains(err.Error(), "$.stray") {
				t.Errorf("an undefined term passes: %v", err)
			}
		})
	}
	t.Run("EdDSA fails ExternalProofProbe", func(t *testing.T) {
		f := newFixture(t, newTestKey(t, logName))
		jws := f.issue(t, f.claim(t, claimA()))
		ed := signWithEdDSA(t, payloadOf(t, jws), f.key)
		if err := obprobe.ExternalProof(ed, now); err == nil {
			t.Error("an EdDSA credential passes ExternalProofProbe")
		}
	})
}
