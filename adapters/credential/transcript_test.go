package credential

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestVerifyTranscript(t *testing.T) {
	f := newFixture(t, newTestKey(t, logName))
	tr, err := IssueTranscript("l-0001", []Claim{f.claim(t, claimA()), f.claim(t, claimB())}, f.key.iss)
	if err != nil {
		t.Fatalf("IssueTranscript: %v", err)
	}
	data, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}

	vs, err := VerifyTranscript(data, f.key.vkey)
	if err != nil {
		t.Fatalf("VerifyTranscript: %v", err)
	}
	if len(vs) != 2 || vs[0].StandardID != "math-6-rp-1" || vs[1].StandardID != "math-6-rp-2" || vs[1].Level != 4 || vs[1].StandardRevision != 2 {
		t.Errorf("verified %+v", vs)
	}

	empty, err := VerifyTranscript([]byte(`{"learnerId":"l-0003","credentials":[]}`), f.key.vkey)
	if err != nil || len(empty) != 0 {
		t.Errorf("empty transcript: %v, %v; want no credentials and no error", empty, err)
	}
}

func TestVerifyTranscriptRejects(t *testing.T) {
	f := newFixture(t, newTestKey(t, logName))
	a, b, x := f.issue(t, f.claim(t, claimA())), f.issue(t, f.claim(t, claimB())), f.issue(t, f.claim(t, claimX()))
	tampered := swapPayload(t, b, func() credentialJSON {
		cred := payloadOf(t, b)
		cred.CredentialSubject.Achievement.Name = "Calculus"
		return cred
	}())
	file := func(learner string, creds ...TranscriptCredential) []byte {
		data, err := json.Marshal(Transcript{LearnerID: learner, Credentials: creds})
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	tests := []struct {
		name      string
		data      []byte
		wantIndex int // -1: the file itself is at fault
		wantCheck Check
	}{
		{"not JSON", []byte(`{"learnerId":`), -1, CheckTranscript},
		{"unknown field", []byte(`{"learnerId":"l-0001","credentials":[],"extra":1}`), -1, CheckTranscript},
		{"two objects", []byte(`{"learnerId":"l-0001","credentials":[]}{}`), -1, CheckTranscript},
		{"no learner", file(""), -1, CheckTranscript},
		{
			name:      "a credential edited",
			data:      file("l-0001", TranscriptCredential{"math-6-rp-1", a}, TranscriptCredential{"math-6-rp-2", tampered}),
			wantIndex: 1, wantCheck: CheckSignature,
		},
		{
			name:      "another learner's credential",
			data:      file("l-0001", TranscriptCredential{"math-6-rp-1", x}),
			wantIndex: 0, wantCheck: CheckTranscript,
		},
		{
			name:      "listed under another standard",
			data:      file("l-0001", TranscriptCredential{"math-6-rp-1", a}, TranscriptCredential{"math-6-rp-3", b}),
			wantIndex: 1, wantCheck: CheckTranscript,
		},
		{
			name:      "a standard listed twice",
			data:      file("l-0001", TranscriptCredential{"math-6-rp-1", a}, TranscriptCredential{"math-6-rp-1", a}),
			wantIndex: 1, wantCheck: CheckTranscript,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs, err := VerifyTranscript(tt.data, f.key.vkey)
			if vs != nil {
				t.Errorf("verified %+v", vs)
			}
			var te *TranscriptError
			switch {
			case tt.wantIndex < 0 && errors.As(err, &te):
				t.Errorf("err = %v: blames credential %d, want the file", err, te.Index)
			case tt.wantIndex >= 0 && (!errors.As(err, &te) || te.Index != tt.wantIndex):
				t.Errorf("err = %v, want a *TranscriptError naming credential %d", err, tt.wantIndex)
			}
			assertUnverified(t, nil, err, tt.wantCheck, "")
		})
	}
}

func TestIssueTranscriptRefusesAnotherLearner(t *testing.T) {
	f := newFixture(t, newTestKey(t, logName))
	_, err := IssueTranscript("l-0001", []Claim{f.claim(t, claimA()), f.claim(t, claimX())}, f.key.iss)
	if !errors.Is(err, ErrInvalidClaim) || !strings.Contains(err.Error(), "l-0002") {
		t.Errorf("err = %v, want ErrInvalidClaim naming learner l-0002", err)
	}
}
