package httpapi_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/credential"
	"github.com/masteryledger/ledger/domain"
)

func TestOB3TranscriptVerifiesOffline(t *testing.T) {
	onEveryStore(t, ob3TranscriptVerifiesOffline)
}

// ob3TranscriptVerifiesOffline walks the improvement cycle to a met
// standard, takes the signed transcript and the public key, and verifies
// them with nothing else; then checks the proved events are the stored ones.
func ob3TranscriptVerifiesOffline(t *testing.T, a *api) {
	improvementCycleOverHTTP(t, a)
	const path = "/v1/learners/l-0001/transcript?format=ob3"
	body := a.must(200, "GET", path, learnerToken, nil).body
	key := string(a.must(200, "GET", "/v1/log/key", "", nil).body)

	verified, err := credential.VerifyTranscript(body, key)
	if err != nil {
		t.Fatalf("the transcript does not verify offline: %v\n%s", err, body)
	}
	if len(verified) != 1 {
		t.Fatalf("%d credentials, want 1 (one met standard)", len(verified))
	}
	v := verified[0]
	if v.LearnerID != "l-0001" || v.StandardID != "math-6-rp-1" || v.Code != "6.RP.A.1" || v.Level != 3 || v.SchoolName != "North Middle School" {
		t.Fatalf("verified credential: %+v", v)
	}
	stored := map[string]domain.RecordedEvent{}
	for _, e := range a.eventsAfter(0) {
		stored[e.ID.String()] = e
	}
	types := map[string]int{}
	for _, e := range v.Events {
		s, ok := stored[e.ID.String()]
		if !ok || s.Hash != e.Hash || s.Type != e.Type {
			t.Fatalf("credential event %s (%s) is not the stored event", e.ID, e.Hash)
		}
		if domain.EventHash(s) != e.Hash {
			t.Fatalf("stored event %s does not hash to the credential's hash", e.ID)
		}
		types[e.Type]++
	}
	if types[domain.TypeReadinessAgreed] != 1 || types[domain.TypeSummativeAttemptRecorded] != 1 || types[domain.TypeEvidenceRecorded] < 2 || types[domain.TypePreAssessmentRecorded] != 1 {
		t.Fatalf("the credential rests on %v; want the pre-assessment, the evidence, the agreement and the meeting attempt", types)
	}

	// A forged byte anywhere in the signed part is caught.
	forged := strings.Replace(string(body), `"jwt":"eyJ`, `"jwt":"eyK`, 1)
	if _, err := credential.VerifyTranscript([]byte(forged), key); !errors.Is(err, credential.ErrUnverified) {
		t.Fatalf("a forged transcript verified: %v", err)
	}
	a.must(400, "GET", "/v1/learners/l-0001/transcript?format=pdf", learnerToken, nil)
	a.must(403, "GET", path, otherLearner, nil)
	a.must(200, "GET", "/v1/learners/l-0002/transcript?format=ob3", teacherToken, nil)
}
