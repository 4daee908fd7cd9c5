package esdbfake

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// DefaultMaxAppendSize is the server's default limit on the bytes of one
// append (its MaxAppendSize setting).
const DefaultMaxAppendSize = 1 << 20

// Options tune a fake. A nil *Options means the defaults.
type Options struct {
	// Version is what ServerFeatures reports. Default "24.10.0".
	Version string
	// NoServerFeatures answers ServerFeatures with Unimplemented, as
	// servers before 21.10 do.
	NoServerFeatures bool
	// MaxAppendSize caps the bytes of one append. Default
	// DefaultMaxAppendSize.
	MaxAppendSize int
	// MaxAppendEventSize caps the bytes of one event of an append, as
	// servers since 25.0 do (their MaxAppendEventSize setting, default
	// 16 MiB since 25.1). Zero means no per-event limit, as on 24.10, the
	// version the fake reports by default.
	MaxAppendEventSize int
	// NoStreamReadPositions leaves positions out of stream reads, as
	// servers before 22.10 do: commit and prepare position are 2^64-1 and
	// the read event has "no position".
	NoStreamReadPositions bool
	// Now stamps the "created" metadata. Default time.Now.
	Now func() time.Time
	// BeforeAppend, if set, is called for every append after its request
	// was received and before it is decided, with the request's context.
	// Tests use it to interleave another writer (through Inject) or to hold
	// an append until its deadline passes. An error fails the append with
	// that error.
	BeforeAppend func(ctx context.Context, stream string) error
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	opts Options

	mu      sync.Mutex
	log     []*record
	byPos   map[uint64]int // position -> index in log
	streams map[string][]int
	ids     map[uuid.UUID]idInfo
	end     uint64        // the position the next record takes
	changed chan struct{} // closed and replaced at every commit
	subs    map[*subscription]struct{}

	// Cluster roles (cluster.go): leader is nil on the leader.
	leader        *Server
	lagging       bool
	notLeader     int // requests refused as a follower
	followerReads int // reads served as a follower

	stats Stats

	addr string
	lis  net.Listener
	grpc *grpc.Server
	done chan struct{} // closed when the current Serve returns
}

type idInfo struct {
	stream string
	number uint64
}

// Start starts a fake on a free loopback port.
func Start(opts *Options) (*Server, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Version == "" {
		o.Version = "24.10.0"
	}
	if o.MaxAppendSize <= 0 {
		o.MaxAppendSize = DefaultMaxAppendSize
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{
		opts:    o,
		byPos:   make(map[uint64]int),
		streams: make(map[string][]int),
		ids:     make(map[uuid.UUID]idInfo),
		changed: make(chan struct{}),
		subs:    make(map[*subscription]struct{}),
	}
	s.prologue()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("esdbfake: listen: %w", err)
	}
	s.addr = lis.Addr().String()
	s.serve(lis)
	return s, nil
}

// StartTB starts a fake for a test and stops it in the test's cleanup.
func StartTB(tb testing.TB, opts *Options) *Server {
	tb.Helper()
	s, err := Start(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

func (s *Server) serve(lis net.Listener) {
	g := grpc.NewServer()
	streams.RegisterStreamsServer(g, &streamsService{s: s})
	serverfeatures.RegisterServerFeaturesServer(g, &featuresService{s: s})
	done := make(chan struct{})
	s.mu.Lock()
	s.lis, s.grpc, s.done = lis, g, done
	s.mu.Unlock()
	go func() {
		defer close(done)
		_ = g.Serve(lis) // returns when stopped
	}()
}

// Addr is the host:port the fake listens on.
func (s *Server) Addr() string { return s.addr }

// URL is a connection string for the fake: one host, plain HTTP/2.
func (s *Server) URL() string { return "esdb://" + s.addr + "?tls=false" }

// Stop takes the fake off the network, as if the node went down, keeping
// what it holds. Open calls and subscriptions fail with Unavailable.
func (s *Server) Stop() {
	s.mu.Lock()
	g, done := s.grpc, s.done
	s.grpc = nil
	s.mu.Unlock()
	if g == nil {
		return
	}
	g.Stop()
	<-done
}

// Restart brings a stopped fake back on the same address.
func (s *Server) Restart() error {
	s.mu.Lock()
	running := s.grpc != nil
	s.mu.Unlock()
	if running {
		return errors.New("esdbfake: restart: the fake is running")
	}
	lis, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("esdbfake: restart on %s: %w", s.addr, err)
	}
	s.serve(lis)
	return nil
}

// Close stops the fake for good.
func (s *Server) Close() { s.Stop() }

// DropSubscriptions ends every open subscription with an Aborted status, as
// the server does with a consumer that is too slow.
func (s *Server) DropSubscriptions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub := range s.subs {
		sub.drop()
		delete(s.subs, sub)
	}
}

// Subscriptions is the number of open subscriptions.
func (s *Server) Subscriptions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

// Stats counts what clients asked of a node and what it wrote.
type Stats struct {
	Appends int // append calls this node decided
	Reads   int // read and subscribe calls this node served
	Events  int // events written by appends (not by Inject or the prologue)
}

// Stats returns the node's counts so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Event is an event to Inject.
type Event struct {
	ID       uuid.UUID // zero: a new one
	Type     string
	Data     []byte
	Metadata []byte
}

// Inject appends events to a stream with no expected-revision check, as
// another writer on the same server would, and returns the revision of the
// last one.
func (s *Server) Inject(stream string, events ...Event) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := make([]proposed, len(events))
	for i, e := range events {
		id := e.ID
		if id == uuid.Nil {
			id = uuid.New()
		}
		in[i] = proposed{id: id, typ: e.Type, json: true, data: e.Data, meta: e.Metadata}
	}
	last := s.write(stream, in)
	return last.number
}

// record is one record of the transaction log. Most are events; a few are
// not (the epoch record a node writes first), and reads skip those.
type record struct {
	pos     uint64
	size    uint64
	event   bool
	stream  string
	number  uint64
	id      uuid.UUID
	typ     string
	json    bool
	data    []byte
	meta    []byte
	created time.Time
}

type proposed struct {
	id   uuid.UUID
	typ  string
	json bool
	data []byte
	meta []byte
}

// recordOverhead stands for the fixed part of a prepare record, so that
// positions are sparse like the server's byte offsets.
const recordOverhead = 96

// prologue writes what a fresh node holds before any client writes: an
// epoch record that is not an event, then a few system events.
func (s *Server) prologue() {
	s.appendRecord(&record{event: false, size: 128})
	s.write("$epoch-information", []proposed{{id: uuid.New(), typ: "$epoch-information", json: true, data: []byte(`{"epochNumber":0}`)}})
	s.write("$$$scavenges", []proposed{{id: uuid.New(), typ: "$metadata", json: true, data: []byte(`{"$maxAge":2592000}`)}})
	s.write("$stats-127.0.0.1:2113", []proposed{{id: uuid.New(), typ: "$statsCollected", json: true, data: []byte(`{"proc-mem":0}`)}})
}

// write appends events to a stream, after the last one. The caller holds mu.
func (s *Server) write(stream string, events []proposed) *record {
	next := uint64(0)
	if idx := s.streams[stream]; len(idx) > 0 {
		next = s.log[idx[len(idx)-1]].number + 1
	}
	now := s.opts.Now()
	var last *record
	for i, e := range events {
		r := &record{
			event:   true,
			stream:  stream,
			number:  next + uint64(i),
			id:      e.id,
			typ:     e.typ,
			json:    e.json,
			data:    e.data,
			meta:    e.meta,
			created: now,
		}
		r.size = uint64(recordOverhead + len(stream) + len(e.typ) + len(e.data) + len(e.meta))
		s.appendRecord(r)
		s.streams[stream] = append(s.streams[stream], len(s.log)-1)
		s.ids[e.id] = idInfo{stream: stream, number: r.number}
		last = r
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return last
}

func (s *Server) appendRecord(r *record) {
	r.pos = s.end
	s.end += r.size
	s.byPos[r.pos] = len(s.log)
	s.log = append(s.log, r)
}

// lastNumber is the stream's last revision, -1 if it has none. The caller
// holds mu.
func (s *Server) lastNumber(stream string) int64 {
	idx := s.streams[stream]
	if len(idx) == 0 {
		return -1
	}
	return int64(s.log[idx[len(idx)-1]].number)
}

// eventAt returns the stream's event of revision n, if any. The caller holds
// mu.
func (s *Server) eventAt(stream string, n uint64) *record {
	idx := s.streams[stream]
	if n >= uint64(len(idx)) {
		return nil
	}
	return s.log[idx[n]]
}

type featuresService struct {
	serverfeatures.UnimplementedServerFeaturesServer
	s *Server
}

func (f *featuresService) GetSupportedMethods(context.Context, *shared.Empty) (*serverfeatures.SupportedMethods, error) {
	if f.s.opts.NoServerFeatures {
		return nil, status.Error(codes.Unimplemented, "method GetSupportedMethods not implemented")
	}
	const svc = "event_store.client.streams.streams"
	return &serverfeatures.SupportedMethods{
		EventStoreServerVersion: f.s.opts.Version,
		Methods: []*serverfeatures.SupportedMethod{
			{MethodName: "read", ServiceName: svc},
			{MethodName: "append", ServiceName: svc},
		},
	}, nil
}
