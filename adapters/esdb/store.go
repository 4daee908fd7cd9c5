package esdb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	esdbc "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	grpcmd "google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/masteryledger/ledger/domain"
)

// ErrUnavailable reports that the EventStoreDB node could not be reached or
// answered that it cannot serve the request now (down, not ready, not the
// leader). Retrying later may succeed.
var ErrUnavailable = fmt.Errorf("eventstoredb: %w", domain.ErrUnavailable)

// DefaultClaimTimeout is Options.ClaimTimeout's default: a third (10 s) for
// an append to start after its claims, a third for the append call (the
// client's own deadline for appends is 10 s), a third for the server's
// write timeout (2 s by default) and the clocks' difference.
const DefaultClaimTimeout = 30 * time.Second

// ClaimBusyError reports an event id that another append claimed for
// another place less than Options.ClaimTimeout ago and has not stored: that
// append may still be under way. Retrying after RetryAfter answers for
// good: the id is then stored (a retry or a conflict, as the port says) or
// its claim may be taken over. It matches ErrUnavailable and
// domain.ErrUnavailable under errors.Is.
type ClaimBusyError struct {
	EventID string
	// Stream and Revision are where the other append claims the id for.
	Stream   string
	Revision uint64
	// Wait is how long the claim stays younger than the timeout.
	Wait time.Duration
}

func (e *ClaimBusyError) Error() string {
	return fmt.Sprintf("event id %s is claimed for %s@%d by an append that has not completed; retry in %v", e.EventID, e.Stream, e.Revision, e.Wait)
}

// Unwrap makes the error match ErrUnavailable.
func (e *ClaimBusyError) Unwrap() error { return ErrUnavailable }

// RetryAfter is how long to wait before retrying: the HTTP adapter sends it
// as Retry-After.
func (e *ClaimBusyError) RetryAfter() time.Duration { return e.Wait }

// claimInfix names the streams that claim event ids; see docs/esdb.md.
const claimInfix = "ledger-eventid-"

// Options tune a Store. A nil *Options means the defaults.
type Options struct {
	// Namespace is put in front of every stream name on the server, so that
	// several ledgers, or test runs, share one server without seeing each
	// other's events. Default: none.
	Namespace string
	// StreamPrefixes are the ledger's stream prefixes: only streams with
	// one of them are written, and ReadAll and Subscribe read nothing else.
	// Default: "standard-", "learner-", "school-".
	StreamPrefixes []string
	// Now is the clock that stamps recordedAt and the id claims, and
	// tells their age. Default time.Now.
	Now func() time.Time
	// ClaimTimeout is the age after which the claim of an event id whose
	// append never stored it may be taken over by another append
	// (docs/esdb.md, "Stale claims"). An append sends its events only
	// within the first third of it after the claims it relies on were
	// stamped, and gives the append call at most the second third; the
	// last third covers the server's write timeout and the difference
	// between the clocks of the nodes. Every store writing to one server
	// must use the same value. Default 30 s.
	ClaimTimeout time.Duration
	// Logger receives the store's and the client's messages. Default:
	// discarded.
	Logger *slog.Logger
	// ConnectTimeout bounds the first call Open makes. Default 10 s.
	ConnectTimeout time.Duration
	// CloseTimeout bounds how long Close waits for calls still inside the
	// client. Default 10 s.
	CloseTimeout time.Duration
	// MaxAppendAttempts bounds the attempts of one append with Any or
	// StreamExists whose stream keeps moving under it; the attempts after
	// the second pause as Backoff says. Default 32.
	MaxAppendAttempts int
	// MaxResubscribes bounds the resubscriptions of Subscribe in a row that
	// deliver nothing. Default 10.
	MaxResubscribes int
	// MaxLeaderRedirects bounds the retries of one call that a follower
	// answered "not leader" (the client then connects to the leader it
	// names, or looks for one), and of an append's read-back that finds
	// fewer events than the server acknowledged. Default 8.
	MaxLeaderRedirects int
	// Backoff is the pause before retry n (1, 2, …) of every retry loop of
	// the store. Default: 10 ms doubling up to 1 s, each pause drawn
	// between half and all of that.
	Backoff func(n int) time.Duration
	// Sleep pauses for d or until ctx ends, returning ctx's error then.
	// Tests replace it to run retry loops without waiting. Default: a
	// timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// defaultBackoff is Options.Backoff's default: exponential with jitter, so
// that nodes retrying after the same leader change do not retry in step.
func defaultBackoff(n int) time.Duration {
	d := 10 * time.Millisecond << min(max(n-1, 0), 7)
	d = min(d, time.Second)
	return d/2 + rand.N(d/2+1)
}

// sleep is Options.Sleep's default.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pause waits before retry n of a loop.
func (s *Store) pause(ctx context.Context, n int) error {
	return s.opts.Sleep(ctx, s.opts.Backoff(n))
}

func defaultPrefixes() []string { return []string{"standard-", "learner-", "school-"} }

// Store is the EventStoreDB adapter of domain.EventStore. It is safe for
// concurrent use.
type Store struct {
	opts   Options
	cfg    esdbc.Configuration
	ns     string
	prefix []string // StreamPrefixes with the namespace: what the server filters on

	life context.Context // cancelled by Close
	stop context.CancelFunc

	mu      sync.Mutex
	closed  bool
	client  *esdbc.Client                // the client new calls use
	users   map[*esdbc.Client]*clientUse // clients with calls inside them
	calls   sync.WaitGroup               // goroutines that may be inside a client
	pending atomic.Int64
}

// clientUse counts the calls inside a client, so that a client the store
// abandons is closed only when no call is left in it: closing the client
// under a call can make that call panic.
type clientUse struct {
	calls     int
	abandoned bool
}

var _ domain.EventStore = (*Store)(nil)

// Open connects to the EventStoreDB node or cluster that url names (an
// esdb:// or esdb+discover:// connection string, such as
// "esdb://127.0.0.1:2113?tls=false") and checks that it answers a read of
// $all within opts.ConnectTimeout. The error wraps ErrUnavailable if it does
// not, and domain.ErrInvalid if url or opts are malformed.
func Open(ctx context.Context, url string, opts *Options) (*Store, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.StreamPrefixes == nil {
		o.StreamPrefixes = defaultPrefixes()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.CloseTimeout <= 0 {
		o.CloseTimeout = 10 * time.Second
	}
	if o.ClaimTimeout <= 0 {
		o.ClaimTimeout = DefaultClaimTimeout
	}
	if o.MaxAppendAttempts <= 0 {
		o.MaxAppendAttempts = 32
	}
	if o.MaxLeaderRedirects <= 0 {
		o.MaxLeaderRedirects = 8
	}
	if o.Backoff == nil {
		o.Backoff = defaultBackoff
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.MaxResubscribes <= 0 {
		o.MaxResubscribes = 10
	}
	if err := checkNames(o); err != nil {
		return nil, fmt.Errorf("open eventstoredb store: %w", err)
	}
	cfg, err := esdbc.ParseConnectionString(url)
	if err != nil {
		// The parser's message may quote the connection string, which may
		// hold a password.
		msg := strings.ReplaceAll(err.Error(), url, "<connection string>")
		return nil, fmt.Errorf("open eventstoredb store: connection string: %s: %w", msg, domain.ErrInvalid)
	}
	cfg.Logger = clientLogger(o.Logger)
	// Every call goes to the leader (see leaderOnly): discovery looks for
	// it first, whatever the connection string prefers.
	cfg.NodePreference = esdbc.NodePreferenceLeader

	s := &Store{opts: o, cfg: *cfg, ns: o.Namespace, users: make(map[*esdbc.Client]*clientUse)}
	for _, p := range o.StreamPrefixes {
		s.prefix = append(s.prefix, o.Namespace+p)
	}
	s.life, s.stop = context.WithCancel(context.Background())

	cctx, cancel := context.WithTimeout(ctx, o.ConnectTimeout)
	defer cancel()
	err = s.run(cctx, s.probe)
	if err != nil {
		// A probe stuck in the client's search for a node is not waited
		// for: its client is left to finish that search (see Close).
		if cerr := s.closeWithin(time.Second); cerr != nil {
			o.Logger.Debug("closing after a failed open", "err", cerr)
		}
		if ctx.Err() == nil && cctx.Err() != nil {
			err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return nil, fmt.Errorf("open eventstoredb store: %w", err)
	}
	return s, nil
}

// probe reads the last event of $all, which proves the node answers and the
// credentials may read $all, then reads the same event from its stream to
// check that the server reports positions on stream reads (22.10 and
// later): appends read their events back for their positions. On a server
// with no events, or one that hides the event's stream, there is nothing to
// check yet.
func (s *Store) probe(ctx context.Context, c *esdbc.Client) error {
	rs, err := c.ReadAll(ctx, esdbc.ReadAllOptions{Direction: esdbc.Backwards, From: esdbc.End{}}, 1)
	if err != nil {
		return s.fail(ctx, c, err, "connect")
	}
	ev, err := rs.Recv()
	rs.Close()
	switch {
	case isEOF(err):
		return nil
	case err != nil:
		return s.fail(ctx, c, err, "connect")
	}
	e := ev.OriginalEvent()
	if e == nil {
		return nil
	}
	rs, err = c.ReadStream(ctx, e.StreamID, esdbc.ReadStreamOptions{Direction: esdbc.Forwards, From: esdbc.Revision(e.EventNumber)}, 1)
	if err != nil {
		return nil
	}
	defer rs.Close()
	ev, err = rs.Recv()
	if err != nil || ev.OriginalEvent() == nil {
		return nil
	}
	if _, err := toPosition(ev.OriginalEvent().Position); errors.Is(err, errNoPosition) {
		return fmt.Errorf("connect: %w", err)
	}
	return nil
}

// checkNames refuses prefixes that could not be told apart on the server.
func checkNames(o Options) error {
	if len(o.StreamPrefixes) == 0 {
		return fmt.Errorf("no stream prefixes: %w", domain.ErrInvalid)
	}
	if strings.HasPrefix(o.Namespace, "$") {
		return fmt.Errorf("namespace %q: names starting with $ belong to the server: %w", o.Namespace, domain.ErrInvalid)
	}
	for _, p := range o.StreamPrefixes {
		if p == "" || strings.HasPrefix(p, "$") {
			return fmt.Errorf("stream prefix %q: %w", p, domain.ErrInvalid)
		}
		// A store without a namespace would read this one's streams.
		if o.Namespace != "" && (strings.HasPrefix(o.Namespace, p) || strings.HasPrefix(o.Namespace, claimInfix) || strings.HasPrefix(o.Namespace, clusterInfix)) {
			return fmt.Errorf("namespace %q starts like the ledger's own streams (%q): %w", o.Namespace, p, domain.ErrInvalid)
		}
		if strings.HasPrefix(claimInfix, p) || strings.HasPrefix(p, claimInfix) {
			return fmt.Errorf("stream prefix %q overlaps the id claims' %q: %w", p, claimInfix, domain.ErrInvalid)
		}
		if strings.HasPrefix(clusterInfix, p) || strings.HasPrefix(p, clusterInfix) {
			return fmt.Errorf("stream prefix %q overlaps the cluster's own streams' %q: %w", p, clusterInfix, domain.ErrInvalid)
		}
	}
	return nil
}

// Close ends subscriptions and refuses new calls with domain.ErrClosed, waits
// up to Options.CloseTimeout for calls still inside the client, then closes
// the connection. If calls are still stuck inside the client (it does not
// watch contexts while it looks for a node), the connection is left open
// rather than closed under them, and Close says so.
func (s *Store) Close() error { return s.closeWithin(s.opts.CloseTimeout) }

func (s *Store) closeWithin(wait time.Duration) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.stop()

	done := make(chan struct{})
	go func() {
		s.calls.Wait()
		close(done)
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		return fmt.Errorf("close eventstoredb store: %d calls still inside the client after %v; its connection is left open",
			s.pending.Load(), wait)
	}
	s.mu.Lock()
	clients := make([]*esdbc.Client, 0, len(s.users))
	for c := range s.users {
		clients = append(clients, c)
	}
	clear(s.users)
	s.client = nil
	s.mu.Unlock()
	var errs []error
	for _, c := range clients {
		errs = append(errs, c.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close eventstoredb store: %w", err)
	}
	return nil
}

// begin registers a goroutine that will use the client and returns the
// client, or domain.ErrClosed. end(c) must follow.
func (s *Store) begin() (*esdbc.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, domain.ErrClosed
	}
	if s.client == nil {
		c, err := esdbc.NewClient(&s.cfg)
		if err != nil {
			return nil, fmt.Errorf("create client: %w", err)
		}
		s.client = c
		s.users[c] = &clientUse{}
	}
	s.users[s.client].calls++
	s.calls.Add(1)
	s.pending.Add(1)
	return s.client, nil
}

// end records that a goroutine begun with c is out of it, and closes c if
// it was abandoned and this was its last call.
func (s *Store) end(c *esdbc.Client) {
	s.mu.Lock()
	u := s.users[c]
	u.calls--
	idle := u.abandoned && u.calls == 0
	if idle {
		delete(s.users, c)
	}
	s.mu.Unlock()
	if idle {
		if err := c.Close(); err != nil {
			s.opts.Logger.Warn("closing an abandoned eventstoredb client", "err", err)
		}
	}
	s.pending.Add(-1)
	s.calls.Done()
}

// errNotLeader marks a call a follower refused because it requires the
// leader; the client has then started to connect to the leader, and the
// call can be made again.
var errNotLeader = errors.New("the node is not the leader")

// errConnectionReplaced marks a call cancelled because the client closed
// its connection under it, which it does when it moves to the leader a
// "not leader" answer to another call named. The call can be made again.
var errConnectionReplaced = errors.New("the client replaced its connection under the call")

// isConnectionClosing reports gRPC's answer to a call on a connection the
// client closed: Canceled, "grpc: the client connection is closing", as it
// is or inside the client's error.
func isConnectionClosing(err error) bool {
	st, ok := status.FromError(err)
	if !ok {
		var e *esdbc.Error
		if !errors.As(err, &e) || e.Err() == nil {
			return false
		}
		if st, ok = status.FromError(e.Err()); !ok {
			return false
		}
	}
	return st.Code() == codes.Canceled && strings.Contains(st.Message(), "client connection is closing")
}

// leaderOnly puts the requires-leader header on ctx's outgoing metadata.
// The client is meant to send it for the leader node preference but puts
// it in the call's incoming metadata, which is never sent (v4.1.0 and
// v4.2.0). Without it a follower serves reads from its own copy, which may
// lag behind the leader, and forwards appends: the read of a stream's head
// and an append's read-back could then miss a committed write.
func leaderOnly(ctx context.Context) context.Context {
	return grpcmd.AppendToOutgoingContext(ctx, "requires-leader", "true")
}

// run calls fn as runOnce does, again after a pause when a follower
// answered "not leader" or the client closed the connection under the call
// to move to the leader, up to Options.MaxLeaderRedirects times. fn must be
// safe to call again after it failed that way.
func (s *Store) run(ctx context.Context, fn func(ctx context.Context, c *esdbc.Client) error) error {
	for n := 1; ; n++ {
		err := s.runOnce(ctx, fn)
		if !(errors.Is(err, errNotLeader) || errors.Is(err, errConnectionReplaced)) || n > s.opts.MaxLeaderRedirects {
			return err
		}
		s.opts.Logger.Debug("eventstoredb node is not the leader; calling again", "retry", n)
		if perr := s.pause(ctx, n); perr != nil {
			return wrapOp("wait for the leader", perr)
		}
	}
}

// runOnce calls fn with the client on a goroutine of its own and waits for
// it or for ctx. The client does not watch contexts while it looks for a
// node, so a caller must never wait on it without a way out. fn's context
// ends when ctx does, when fn returns, or when the store closes, and
// carries the requires-leader header.
func (s *Store) runOnce(ctx context.Context, fn func(ctx context.Context, c *esdbc.Client) error) error {
	c, err := s.begin()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(leaderOnly(ctx))
	stopOnClose := context.AfterFunc(s.life, cancel)
	result := make(chan error, 1)
	go func() {
		defer s.end(c)
		result <- fn(ctx, c)
	}()
	select {
	case err := <-result:
		stopOnClose()
		cancel()
		return err
	case <-ctx.Done():
		stopOnClose()
		cancel()
		if s.life.Err() != nil {
			return domain.ErrClosed
		}
		return ctx.Err()
	}
}

// fail turns an error of the client into the store's: the context's error
// if the context ended, domain.ErrClosed if the store closed, and otherwise
// the client's error with what was being done, marked ErrUnavailable or
// context.DeadlineExceeded where that is what it means.
func (s *Store) fail(ctx context.Context, c *esdbc.Client, err error, what string) error {
	if s.life.Err() != nil {
		return fmt.Errorf("%s: %w", what, domain.ErrClosed)
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: %w", what, ctxErr)
	}
	if isConnectionClosing(err) {
		return fmt.Errorf("%s: %w: %w: %w", what, ErrUnavailable, errConnectionReplaced, err)
	}
	var e *esdbc.Error
	if errors.As(err, &e) {
		switch e.Code() {
		case esdbc.ErrorCodeDeadlineExceeded:
			return fmt.Errorf("%s: %w: %w", what, context.DeadlineExceeded, err)
		case esdbc.ErrorCodeConnectionClosed, esdbc.ErrorUnavailable:
			s.abandon(c)
			return fmt.Errorf("%s: %w: %w", what, ErrUnavailable, err)
		case esdbc.ErrorCodeNotLeader:
			return fmt.Errorf("%s: %w: %w: %w", what, ErrUnavailable, errNotLeader, err)
		case esdbc.ErrorCodeUnauthenticated, esdbc.ErrorCodeAccessDenied:
			return fmt.Errorf("%s: refused by the server (check the credentials and ACLs): %w", what, err)
		}
		if strings.Contains(err.Error(), "maximum discovery attempt count reached") {
			s.abandon(c)
			return fmt.Errorf("%s: %w: %w", what, ErrUnavailable, err)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	// Some calls hand back gRPC's error as it is.
	if st, ok := status.FromError(err); ok {
		switch st.Code() {
		case codes.Unavailable:
			s.abandon(c)
			return fmt.Errorf("%s: %w: %w", what, ErrUnavailable, err)
		case codes.DeadlineExceeded:
			return fmt.Errorf("%s: %w: %w", what, context.DeadlineExceeded, err)
		case codes.Unauthenticated, codes.PermissionDenied:
			return fmt.Errorf("%s: refused by the server (check the credentials and ACLs): %w", what, err)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// abandon stops new calls from using c. The client does not recover by
// itself from every failure: after it gave up looking for a node it refuses
// every call for good, and after an error it does not route through its own
// reconnection, gRPC may wait out a long backoff before it dials again. The
// next call makes a new client, which dials at once; c is closed once no
// call is left in it (see end).
func (s *Store) abandon(c *esdbc.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[c]; u != nil && !u.abandoned {
		u.abandoned = true
		if s.client == c {
			s.client = nil
		}
		s.opts.Logger.Debug("eventstoredb client abandoned; the next call starts a new one")
	}
}

// clientLogger routes the client's messages to logger at debug level: the
// client reports ordinary events, such as a cancelled subscription, as
// errors.
func clientLogger(logger *slog.Logger) esdbc.LoggingFunc {
	return func(level esdbc.LogLevel, format string, args ...any) {
		if !logger.Enabled(context.Background(), slog.LevelDebug) {
			return
		}
		logger.Debug(fmt.Sprintf(format, args...), "subsystem", "eventstoredb-client", "client_level", level)
	}
}
