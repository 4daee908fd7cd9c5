package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/google/uuid"
)

// issueCmd is the command recording a credential for the attempt.
func issueCmd(m Meta, attempt uuid.UUID, jwt string) IssueCredential {
	sum := sha256.Sum256([]byte(jwt))
	return IssueCredential{Meta: m, CredentialID: uid(90), StandardID: stdID, StandardRevision: 1, AttemptID: attempt, Alg: "ES256",
		JWTSHA256: hex.EncodeToString(sum[:]), CheckpointSize: 12, CheckpointRoot: "cm9vdA==", StatusListIndex: 11, JWT: jwt}
}

// met runs the fixture to a met standard and returns the attempt.
func met(f *fixture) uuid.UUID {
	f.evidence("c1", 3)
	f.agree()
	return f.attempt(3)
}

// A credential is issued once per meeting attempt, and a revoked one is
// never replaced.
func TestCredentialIssuedOnce(t *testing.T) {
	f := newFixture(t, "c1")
	attempt := met(f)
	const jwt = "e30.e30.c2ln"

	e, err := issueCmd(f.meta(teacher), attempt, jwt).Decide(f.l, f.now)
	f.ok(err)
	if got := e.JWT; got != jwt {
		t.Fatalf("jwt %q", got)
	}
	f.appendLearner(f.meta(teacher), e)
	if c := f.l.Credentials[uid(90)]; c == nil || c.AttemptID != attempt || c.Issued.JWT != jwt {
		t.Fatalf("the fold holds %+v", f.l.Credentials)
	}

	_, err = issueCmd(f.meta(learnerAct), attempt, jwt).Decide(f.l, f.now)
	wantRule(t, err, RuleCredentialIssued)

	_, err = RevokeCredential{Meta: f.meta(teacher), CredentialID: uid(90), Reason: "wrong learner"}.Decide(f.l, f.now)
	wantRule(t, err, RuleRoleNotPermitted)
	r, err := RevokeCredential{Meta: f.meta(admin), CredentialID: uid(90), Reason: "wrong learner"}.Decide(f.l, f.now)
	f.ok(err)
	f.appendLearner(f.meta(admin), r)
	if c := f.l.Credentials[uid(90)]; c.RevokedBy == uuid.Nil || c.Reason != "wrong learner" {
		t.Fatalf("revocation not folded: %+v", c)
	}
	_, err = RevokeCredential{Meta: f.meta(admin), CredentialID: uid(90), Reason: "again"}.Decide(f.l, f.now)
	wantRule(t, err, RuleCredentialRevoked)
	// Revoked is final: the same attempt gets no new credential.
	_, err = issueCmd(f.meta(teacher), attempt, jwt).Decide(f.l, f.now)
	wantRule(t, err, RuleCredentialIssued)
	_, err = RevokeCredential{Meta: f.meta(admin), CredentialID: uid(91), Reason: "unknown"}.Decide(f.l, f.now)
	wantRule(t, err, RuleUnknownCredential)
}

func TestCredentialIssueRefused(t *testing.T) {
	f := newFixture(t, "c1")
	f.evidence("c1", 3)
	f.agree()
	notMet := f.attempt(2)
	_, err := issueCmd(f.meta(teacher), notMet, "e30.e30.c2ln").Decide(f.l, f.now)
	wantRule(t, err, RuleNotMet)

	f.agree()
	attempt := f.attempt(4)
	c := issueCmd(f.meta(teacher), attempt, "e30.e30.c2ln")
	c.JWTSHA256 = hex.EncodeToString(make([]byte, 32))
	_, err = c.Decide(f.l, f.now)
	wantRule(t, err, RuleCredentialDigest)

	_, err = issueCmd(f.meta(Actor{Role: RoleResearcher, Name: "r"}), attempt, "e30.e30.c2ln").Decide(f.l, f.now)
	wantRule(t, err, RuleRoleNotPermitted)

	c = issueCmd(f.meta(teacher), attempt, "not a jws")
	c.Alg = "EdDSA"
	_, err = c.Decide(f.l, f.now)
	wantFields(t, err, "alg", "jwt")
}
