package esdbfake

import (
	"context"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// A fake cluster is a leader and followers on ports of their own. Each node
// keeps its own copy of the log; a follower copies the leader's records
// (same positions, same revisions) when it catches up. That is all of
// replication the fake models: no gossip, no quorum, no truncation of
// records the old leader wrote alone.
//
// What a follower does with a request follows the server: one that carries
// the "requires-leader: true" header is refused with the leader's address
// in the trailers the client reads ("not-leader"), and the client connects
// to that address; otherwise reads are served from the follower's own copy,
// however far behind, and appends are forwarded to the leader.

// StartFollower starts a follower of s on a free loopback port, with s's
// options. It starts in sync: it catches up before serving each request,
// until SetLagging(true).
func (s *Server) StartFollower() (*Server, error) {
	f, err := Start(&s.opts)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.leader = s
	// A follower holds only what it copied from the leader, prologue
	// included.
	f.log, f.end = nil, 0
	clear(f.byPos)
	clear(f.streams)
	clear(f.ids)
	f.mu.Unlock()
	f.CatchUp()
	return f, nil
}

// SetLagging stops (true) or resumes (false) a follower's catching up
// before each request. A lagging follower holds what it had until CatchUp.
func (s *Server) SetLagging(lagging bool) {
	s.mu.Lock()
	s.lagging = lagging
	s.mu.Unlock()
}

// CatchUp copies the records the leader holds and this follower does not.
// On a leader it does nothing.
func (s *Server) CatchUp() {
	s.mu.Lock()
	l := s.leader
	have := len(s.log)
	s.mu.Unlock()
	if l == nil {
		return
	}
	l.mu.Lock()
	var missing []*record
	if have < len(l.log) {
		missing = append(missing, l.log[have:]...)
	}
	l.mu.Unlock()
	if len(missing) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.log) != have {
		return // another CatchUp got there first
	}
	for _, r := range missing {
		c := *r
		s.end = c.pos
		s.appendRecord(&c)
		if c.event {
			s.streams[c.stream] = append(s.streams[c.stream], len(s.log)-1)
			s.ids[c.id] = idInfo{stream: c.stream, number: c.number}
		}
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

// HandOver makes to, a follower of s, the leader, and s its follower, as an
// election does. The new leader first copies everything s holds (an elected
// node holds every committed write); s is left lagging, at what it holds
// now, until its CatchUp.
func (s *Server) HandOver(to *Server) {
	to.CatchUp()
	to.mu.Lock()
	to.leader = nil
	to.lagging = false
	to.mu.Unlock()
	s.mu.Lock()
	s.leader = to
	s.lagging = true
	s.mu.Unlock()
	s.DropSubscriptions() // the old leader ends its subscriptions as it steps down
}

// IsLeader reports whether the node is the leader.
func (s *Server) IsLeader() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.leader == nil
}

// NotLeaderAnswers counts the requests this node refused as a follower
// because they required the leader.
func (s *Server) NotLeaderAnswers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notLeader
}

// FollowerReads counts the reads this node served as a follower.
func (s *Server) FollowerReads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.followerReads
}

// route decides where a request to s goes: to s itself (nil, nil), to the
// leader (forward, for an append without the header), or nowhere (err: the
// not-leader answer, with its trailers set on ctx's stream).
func (s *Server) route(ctx context.Context, isAppend bool) (forward *Server, err error) {
	s.mu.Lock()
	l, lagging := s.leader, s.lagging
	if l == nil {
		s.mu.Unlock()
		return nil, nil
	}
	if requiresLeader(ctx) {
		s.notLeader++
		s.mu.Unlock()
		host, port, _ := net.SplitHostPort(l.Addr())
		_ = grpc.SetTrailer(ctx, metadata.Pairs(
			"exception", "not-leader",
			"leader-endpoint-host", host,
			"leader-endpoint-port", port))
		return nil, status.Error(codes.NotFound, "Leader info available")
	}
	if isAppend {
		s.mu.Unlock()
		return l, nil
	}
	s.followerReads++
	s.mu.Unlock()
	if !lagging {
		s.CatchUp()
	}
	return nil, nil
}

// requiresLeader reports the header a client sends to have a request served
// by the leader only.
func requiresLeader(ctx context.Context) bool {
	md, _ := metadata.FromIncomingContext(ctx)
	v := md.Get("requires-leader")
	return len(v) > 0 && v[0] == "true"
}
