package esdbfake_test

import (
	"context"
	"testing"

	esdbc "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/metadata"

	"github.com/masteryledger/ledger/adapters/esdb/esdbfake"
)

func startFollower(t *testing.T, leader *esdbfake.Server) *esdbfake.Server {
	t.Helper()
	f, err := leader.StartFollower()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

func leaderOnly(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "requires-leader", "true")
}

// TestClientNeverRequiresLeader pins the client defect the adapter works
// around: the client's own node preference (leader, the default) does not
// put the requires-leader header on the wire, so a follower forwards the
// append and answers the read-back from its lagging copy.
func TestClientNeverRequiresLeader(t *testing.T) {
	leader := esdbfake.StartTB(t, nil)
	follower := startFollower(t, leader)
	follower.SetLagging(true)
	c := client(t, follower)
	if _, err := c.AppendToStream(t.Context(), "s-1", esdbc.AppendToStreamOptions{ExpectedRevision: esdbc.NoStream{}}, event("A")); err != nil {
		t.Fatal(err)
	}
	evs, err := readStream(t, c, "s-1")
	if err == nil || len(evs) != 0 {
		t.Fatalf("read on the lagging follower: %d events, %v; want stream not found (the append went to the leader)", len(evs), err)
	}
	if follower.NotLeaderAnswers() != 0 || follower.FollowerReads() == 0 {
		t.Errorf("not-leader answers %d, follower reads %d: the client sent requires-leader after all", follower.NotLeaderAnswers(), follower.FollowerReads())
	}
	if evs, err := readStream(t, client(t, leader), "s-1"); err != nil || len(evs) != 1 {
		t.Errorf("read on the leader: %d events, %v", len(evs), err)
	}
}

// TestFollowerRedirectsRequiresLeader: with the header on the outgoing
// metadata, a follower answers not-leader with the leader's address, the
// client reconnects there, and the next call sees the leader's state.
func TestFollowerRedirectsRequiresLeader(t *testing.T) {
	leader := esdbfake.StartTB(t, nil)
	follower := startFollower(t, leader)
	follower.SetLagging(true)
	c := client(t, follower)
	ctx := leaderOnly(t.Context())
	_, err := c.AppendToStream(ctx, "s-1", esdbc.AppendToStreamOptions{ExpectedRevision: esdbc.NoStream{}}, event("A"))
	if errCode(err) != esdbc.ErrorCodeNotLeader {
		t.Fatalf("append on a follower with requires-leader: %v, want not leader", err)
	}
	if _, err := c.AppendToStream(ctx, "s-1", esdbc.AppendToStreamOptions{ExpectedRevision: esdbc.NoStream{}}, event("A")); err != nil {
		t.Fatalf("append after the redirect: %v", err)
	}
	rs, err := c.ReadStream(ctx, "s-1", esdbc.ReadStreamOptions{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	if _, err := rs.Recv(); err != nil {
		t.Errorf("read on the leader after the redirect: %v", err)
	}
}

// TestHandOver: after a leader change the old leader is a lagging follower
// that redirects to the new one, which holds everything.
func TestHandOver(t *testing.T) {
	a := esdbfake.StartTB(t, nil)
	b := startFollower(t, a)
	c := client(t, a)
	if _, err := c.AppendToStream(t.Context(), "s-1", esdbc.AppendToStreamOptions{ExpectedRevision: esdbc.NoStream{}}, event("A")); err != nil {
		t.Fatal(err)
	}
	a.HandOver(b)
	if a.IsLeader() || !b.IsLeader() {
		t.Fatalf("after the hand-over: a leader %v, b leader %v", a.IsLeader(), b.IsLeader())
	}
	if evs, err := readStream(t, client(t, b), "s-1"); err != nil || len(evs) != 1 {
		t.Fatalf("the new leader: %d events, %v", len(evs), err)
	}
	_, err := c.AppendToStream(leaderOnly(t.Context()), "s-1", esdbc.AppendToStreamOptions{ExpectedRevision: esdbc.Revision(0)}, event("B"))
	if errCode(err) != esdbc.ErrorCodeNotLeader {
		t.Fatalf("append on the old leader: %v, want not leader", err)
	}
	if _, err := c.AppendToStream(leaderOnly(t.Context()), "s-1", esdbc.AppendToStreamOptions{ExpectedRevision: esdbc.Revision(0)}, event("B")); err != nil {
		t.Fatalf("append after the redirect: %v", err)
	}
	if evs, err := readStream(t, client(t, a), "s-1"); err != nil || len(evs) != 1 {
		t.Errorf("the old leader, lagging: %d events, %v; want 1", len(evs), err)
	}
	a.CatchUp()
	if evs, err := readStream(t, client(t, a), "s-1"); err != nil || len(evs) != 2 {
		t.Errorf("the old leader, caught up: %d events, %v; want 2", len(evs), err)
	}
}
