package service

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/domain"
)

// Options tune a Service. A nil *Options means the defaults.
type Options struct {
	// Now is the clock decisions are judged against. Default time.Now.
	Now func() time.Time
	// NewID makes the event id of a command that brings none. Default: a
	// time-ordered id (UUID version 7) stamped by Now.
	NewID func() uuid.UUID
	// MaxRetries bounds how often a command that lost a race is decided
	// again. Default 32.
	MaxRetries int
	// OnRetry, if set, is called each time a command is decided again after
	// losing a race for stream; metrics hang off it.
	OnRetry func(stream string)
	// CachedStreams bounds how many streams' folded states are kept
	// between commands. Default 10,000.
	CachedStreams int
	// Seal, if set, is called with every event after it is decided and
	// packed, and before it is appended to stream (or compared with the
	// stored one, for a retried command): it may rewrite e's data, and is
	// how personal data is encrypted before it reaches the store. It must
	// be deterministic for a given event id and content, because a retried
	// command is recognised by comparing bytes. Its error is returned
	// wrapped; it should be a *domain.RuleError when the command cannot be
	// recorded (a learner whose key is destroyed). Nil stores events as decided,
	// personal data in plain text: for tests and tools that hold none.
	Seal func(ctx context.Context, stream string, e *domain.EventData) error
}

// Service handles the ledger's commands. It is safe for concurrent use.
type Service struct {
	store  domain.EventStore
	opts   Options
	locks  keyedMutex
	cache  *streamCache // target streams, used under their stream's lock
	shared *sharedCache // standards and schools, read by many commands
}

// New returns a Service over store.
func New(store domain.EventStore, opts *Options) *Service {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.NewID == nil {
		now := o.Now
		o.NewID = func() uuid.UUID { return TimeOrderedID(now()) }
	}
	if o.MaxRetries <= 0 {
		o.MaxRetries = 32
	}
	if o.CachedStreams <= 0 {
		o.CachedStreams = 10_000
	}
	return &Service{store: store, opts: o, locks: keyedMutex{m: make(map[string]*keyedEntry)},
		cache: newStreamCache(o.CachedStreams), shared: newSharedCache()}
}

// deps are the states, besides the target stream's own, that a decision
// reads.
type deps struct {
	standards map[string]*domain.StandardState
	school    *domain.SchoolState
}

// folder is a stream's state: LearnerState, StandardState or SchoolState.
type folder interface {
	Apply(domain.RecordedEvent) error
}

// plan says how to carry out one command.
type plan struct {
	stream string
	// create marks a command that opens its stream (publish, register,
	// enroll): the stream must not exist yet, and what names it in the
	// conflict error.
	create bool
	what   string
	// standards and school name the other streams the decision reads.
	standards []string
	school    string
	// newState returns the empty state of the target stream.
	newState func() folder
	// decide decides on the target stream's state; it must not change it.
	decide func(state folder, d deps, now time.Time) (domain.Event, error)
}

// write carries out p for the command whose envelope is meta. ifMatch, if
// not nil, is the client's expected last revision of the stream.
func (s *Service) write(ctx context.Context, p plan, meta domain.Meta, ifMatch *uint64) (domain.RecordedEvent, error) {
	supplied := meta.EventID != uuid.Nil
	if !supplied {
		meta.EventID = s.opts.NewID()
	}
	unlock := s.locks.lock(p.stream)
	defer unlock()
	// The cached state is trusted without reading the store: if another
	// process has appended since, the append's expected revision fails and
	// the state is caught up. Every answer that rests on the state alone (a
	// refusal, a stale If-Match) is given only on a state just caught up.
	refresh := false
	for attempt := 0; ; attempt++ {
		now := s.opts.Now()
		st, fresh, err := s.cache.current(ctx, s.store, p.stream, p.newState, refresh)
		if err != nil {
			return domain.RecordedEvent{}, err
		}
		refresh = false
		if rev, seen := st.ids[meta.EventID]; supplied && seen {
			return s.retried(ctx, p, meta, rev)
		}
		actual := int64(st.version) - 1 // NoRevision for a new stream
		var expected domain.ExpectedRevision = domain.NoStream{}
		if actual != domain.NoRevision {
			expected = domain.Revision(actual)
		}
		if ifMatch != nil && actual != int64(*ifMatch) {
			if !fresh {
				refresh = true
				continue
			}
			if actual == domain.NoRevision && !p.create {
				// Nothing to be stale against: the subject does not exist.
				return domain.RecordedEvent{}, fmt.Errorf("%s does not exist: %w", p.stream, domain.ErrNotFound)
			}
			return domain.RecordedEvent{}, &domain.WrongExpectedRevisionError{Stream: p.stream, Expected: domain.Revision(*ifMatch), Actual: actual}
		}
		if p.create && actual != domain.NoRevision {
			return domain.RecordedEvent{}, fmt.Errorf("%s already exists: %w", p.what, domain.ErrConflict)
		}
		d, err := s.loadDeps(ctx, p)
		if err != nil {
			return domain.RecordedEvent{}, err
		}
		ev, err := p.decide(st.state, d, now)
		if err != nil {
			if !fresh {
				refresh = true
				continue
			}
			return domain.RecordedEvent{}, err
		}
		data, err := domain.NewEventData(meta, ev)
		if err != nil {
			return domain.RecordedEvent{}, err
		}
		if err := s.seal(ctx, p.stream, &data); err != nil {
			if !fresh {
				// The seal may know what the cached state does not yet
				// (another process erased the learner): decide again on
				// the caught-up state, which refuses with the domain's
				// own rule.
				refresh = true
				continue
			}
			return domain.RecordedEvent{}, err
		}
		recs, err := s.store.Append(ctx, p.stream, expected, data)
		if err == nil {
			s.cache.appended(p.stream, st, recs)
			return recs[0], nil
		}
		var (
			wrong  *domain.WrongExpectedRevisionError
			reused *domain.EventIDConflictError
		)
		if errors.As(err, &wrong) && ifMatch == nil && attempt < s.opts.MaxRetries {
			// Another writer (another process: this one holds the
			// stream's lock) got there first. Catch up and decide again.
			if s.opts.OnRetry != nil {
				s.opts.OnRetry(p.stream)
			}
			refresh = true
			continue
		}
		if errors.As(err, &reused) && reused.Stream == p.stream && supplied && !fresh {
			// Another process stored this id here: catch up, then answer
			// it as a retry.
			refresh = true
			continue
		}
		if errors.As(err, &wrong) && p.create {
			return domain.RecordedEvent{}, fmt.Errorf("%s already exists: %w", p.what, err)
		}
		return domain.RecordedEvent{}, err
	}
}

// retried answers a command whose event id is stored already, at revision
// rev of its stream: the stored event if the same command, decided again on
// the state just before it, gives the same event; a conflict otherwise.
func (s *Service) retried(ctx context.Context, p plan, meta domain.Meta, rev uint64) (domain.RecordedEvent, error) {
	evs, err := s.store.ReadStream(ctx, p.stream, 0, int(rev)+1)
	if err != nil {
		return domain.RecordedEvent{}, fmt.Errorf("read %s: %w", p.stream, err)
	}
	if len(evs) != int(rev)+1 || evs[rev].ID != meta.EventID {
		return domain.RecordedEvent{}, fmt.Errorf("%s: event %s is not at revision %d as cached", p.stream, meta.EventID, rev)
	}
	stored := evs[rev]
	conflict := func(reason string) error {
		return &domain.EventIDConflictError{EventID: stored.ID.String(), Stream: stored.Stream, Revision: stored.Revision, Reason: reason}
	}
	before, err := foldInto(p.newState(), evs[:rev])
	if err != nil {
		return domain.RecordedEvent{}, err
	}
	d, err := s.depsBefore(ctx, p, stored.Position)
	if err != nil {
		return domain.RecordedEvent{}, err
	}
	ev, err := p.decide(before, d, stored.RecordedAt)
	if err != nil {
		return domain.RecordedEvent{}, conflict(fmt.Sprintf("it records another command (this one would now be refused: %v)", err))
	}
	data, err := domain.NewEventData(meta, ev)
	if err != nil {
		return domain.RecordedEvent{}, err
	}
	// Sealing is deterministic, so the same command seals to the very
	// bytes stored. Once the learner's key is destroyed it cannot be
	// sealed again, and the seal's refusal is the answer: the retried
	// content can no longer be compared with what is stored.
	if err := s.seal(ctx, p.stream, &data); err != nil {
		return domain.RecordedEvent{}, err
	}
	if data, err = data.Normalize(); err != nil {
		return domain.RecordedEvent{}, err
	}
	if !data.SameContent(stored) {
		return domain.RecordedEvent{}, conflict("it records another command; an event id names one command only")
	}
	return stored, nil
}

// seal passes data through Options.Seal, if set.
func (s *Service) seal(ctx context.Context, stream string, data *domain.EventData) error {
	if s.opts.Seal == nil {
		return nil
	}
	if err := s.opts.Seal(ctx, stream, data); err != nil {
		return fmt.Errorf("seal %s event %s: %w", data.Type, data.ID, err)
	}
	return nil
}

// loadDeps returns the current states of the standards and the school p
// needs, from the cache.
func (s *Service) loadDeps(ctx context.Context, p plan) (deps, error) {
	d := deps{standards: make(map[string]*domain.StandardState, len(p.standards))}
	for _, id := range p.standards {
		if _, done := d.standards[id]; done || !domain.ValidID(id) {
			continue // an invalid id is the decision's to report, by field
		}
		std, err := s.shared.standard(ctx, s.store, id)
		if err != nil {
			return deps{}, err
		}
		d.standards[id] = std
	}
	if p.school != "" {
		school, err := s.shared.school(ctx, s.store, p.school)
		if err != nil {
			return deps{}, err
		}
		d.school = school
	}
	return d, nil
}

// depsBefore folds the standards and school p needs from events with a
// position before before: the state a stored event was decided on.
func (s *Service) depsBefore(ctx context.Context, p plan, before uint64) (deps, error) {
	d := deps{standards: make(map[string]*domain.StandardState, len(p.standards))}
	for _, id := range p.standards {
		if _, done := d.standards[id]; done || !domain.ValidID(id) {
			continue
		}
		std := &domain.StandardState{}
		if err := s.foldBefore(ctx, domain.StandardStream(id), before, std); err != nil {
			return deps{}, err
		}
		d.standards[id] = std
	}
	if p.school != "" {
		d.school = &domain.SchoolState{}
		if err := s.foldBefore(ctx, domain.SchoolStream(p.school), before, d.school); err != nil {
			return deps{}, err
		}
	}
	return d, nil
}

func (s *Service) foldBefore(ctx context.Context, stream string, before uint64, state folder) error {
	evs, err := s.store.ReadStream(ctx, stream, 0, 0)
	if err != nil {
		return fmt.Errorf("read %s: %w", stream, err)
	}
	for _, e := range evs {
		if e.Position >= before {
			break
		}
		if err := state.Apply(e); err != nil {
			return fmt.Errorf("fold %s: %w", stream, err)
		}
	}
	return nil
}

// foldInto applies evs to state in order.
func foldInto[S folder](state S, evs []domain.RecordedEvent) (S, error) {
	for _, e := range evs {
		if err := state.Apply(e); err != nil {
			return state, fmt.Errorf("fold %s: %w", e.Stream, err)
		}
	}
	return state, nil
}

// keyedMutex serialises commands on one stream without serialising
// different streams.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedEntry
}

type keyedEntry struct {
	mu      sync.Mutex
	waiters int
}

func (k *keyedMutex) lock(key string) (unlock func()) {
	k.mu.Lock()
	e, ok := k.m[key]
	if !ok {
		e = &keyedEntry{}
		k.m[key] = e
	}
	e.waiters++
	k.mu.Unlock()
	e.mu.Lock()
	return func() {
		e.mu.Unlock()
		k.mu.Lock()
		if e.waiters--; e.waiters == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}

// TimeOrderedID returns a version 7 UUID (RFC 9562 §5.7) for an event made
// at now: 48 bits of Unix milliseconds, then 74 random bits. Ids made one
// after another sort together, so a store's index of event ids grows at its
// end; random (version 4) ids land on a different page of it each, and
// every commit writes each such page again.
func TimeOrderedID(now time.Time) uuid.UUID {
	var u uuid.UUID
	rand.Read(u[6:]) // never fails: crypto/rand crashes the program rather than return short
	ms := uint64(now.UnixMilli())
	for i := range 6 {
		u[i] = byte(ms >> (40 - 8*i))
	}
	u[6] = u[6]&0x0f | 0x70 // version 7
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	return u
}
