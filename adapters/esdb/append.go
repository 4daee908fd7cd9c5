package esdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	esdbc "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
)

// maxClaimRounds bounds the compare-and-set rounds on one claim stream; only
// writers of the same event id contend there.
const maxClaimRounds = 16

// Append implements domain.EventStore.
//
// It reads the stream's last event, claims each event id (see docs/esdb.md),
// chains the hashes from that last event, and appends with the exact
// revision it read as the expected revision, whatever expected says: a
// writer that raced it fails on the server instead of forking the chain.
// With Any or StreamExists, a lost race is retried from the read; with
// NoStream or a Revision it is a *domain.WrongExpectedRevisionError carrying
// the revision the server reports.
//
// If ctx ends while the append is under way, Append returns its error and
// the events may or may not be stored: retrying with the same ids is safe.
func (s *Store) Append(ctx context.Context, stream string, expected domain.ExpectedRevision, events ...domain.EventData) ([]domain.RecordedEvent, error) {
	op := "append to " + stream
	norm, err := s.normalize(op, stream, expected, events)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var out []domain.RecordedEvent
	// One owner for the whole call: when a follower refuses it and run
	// calls again, the claims of the first try are this call's own.
	a := &appender{s: s, stream: stream, expected: expected, events: norm, owner: uuid.NewString()}
	err = s.run(ctx, func(ctx context.Context, c *esdbc.Client) error {
		a.c, a.torn = c, 0
		var err error
		out, err = a.append(ctx)
		return err
	})
	if err != nil {
		return nil, wrapOp(op, err)
	}
	return out, nil
}

// normalize checks everything that needs no stored state, so that a refused
// append touches nothing.
func (s *Store) normalize(op, stream string, expected domain.ExpectedRevision, events []domain.EventData) ([]domain.EventData, error) {
	if err := s.checkStream(op, stream); err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("%s: no events: %w", op, domain.ErrInvalid)
	}
	if expected == nil {
		return nil, fmt.Errorf("%s: no expected revision: %w", op, domain.ErrInvalid)
	}
	switch expected.(type) {
	case domain.Any, domain.NoStream, domain.StreamExists, domain.Revision:
	default:
		return nil, fmt.Errorf("%s: unknown expected revision %T: %w", op, expected, domain.ErrInvalid)
	}
	norm := make([]domain.EventData, len(events))
	seen := make(map[uuid.UUID]struct{}, len(events))
	for i, e := range events {
		n, err := e.Normalize()
		if err != nil {
			return nil, fmt.Errorf("%s: event %d: %w", op, i, err)
		}
		if strings.HasPrefix(n.Type, "$") {
			return nil, fmt.Errorf("%s: event %d: type %q: types starting with $ belong to the server: %w", op, i, n.Type, domain.ErrInvalid)
		}
		if _, dup := seen[n.ID]; dup {
			return nil, fmt.Errorf("%s: event id %s appears twice in one append: %w", op, n.ID, domain.ErrInvalid)
		}
		seen[n.ID] = struct{}{}
		norm[i] = n
	}
	return norm, nil
}

// appender is one call of Append.
type appender struct {
	s        *Store
	c        *esdbc.Client
	stream   string
	expected domain.ExpectedRevision
	events   []domain.EventData
	owner    string // names this call in its claims
	torn     int    // look-ups that found some ids stored and some not
}

// errClaimsAged reports an attempt whose claims grew too old for it to send
// its events (a slow server, many ids): the next attempt claims them afresh.
var errClaimsAged = fmt.Errorf("its claims grew older than the third of the claim timeout an append may start within: %w", ErrUnavailable)

// maxTornLookups bounds the second looks at an append whose ids were found
// partly stored.
const maxTornLookups = 3

// head is the last event of a stream as an append builds on it.
type head struct {
	revision   int64 // domain.NoRevision if the stream does not exist
	hash       string
	recordedAt time.Time
}

func (a *appender) append(ctx context.Context) ([]domain.RecordedEvent, error) {
	var lost error
	for attempt := 1; attempt <= a.s.opts.MaxAppendAttempts; attempt++ {
		// The second attempt follows at once (a writer got in between);
		// later ones pause, so that writers racing on one stream, or an
		// append on a head that stays stale, do not spin.
		if attempt > 2 {
			if err := a.s.pause(ctx, attempt-2); err != nil {
				return nil, fmt.Errorf("append to %s: %w", a.stream, err)
			}
		}
		out, retry, err := a.attempt(ctx)
		if !retry {
			return out, err
		}
		lost = err
	}
	if errors.Is(lost, errClaimsAged) {
		return nil, fmt.Errorf("append to %s: %d attempts: %w", a.stream, a.s.opts.MaxAppendAttempts, lost)
	}
	return nil, fmt.Errorf("append to %s: the stream moved under each of %d attempts: %w: %w", a.stream, a.s.opts.MaxAppendAttempts, domain.ErrConflict, lost)
}

// attempt makes one try. retry reports a race lost under Any or
// StreamExists, which the next try may win.
func (a *appender) attempt(ctx context.Context) (out []domain.RecordedEvent, retry bool, err error) {
	h, err := a.head(ctx)
	if err != nil {
		return nil, false, err
	}

	// Claim every id, or learn where it is stored.
	stored := make([]*domain.RecordedEvent, len(a.events))
	nStored := 0
	var oldest time.Time // the oldest claim this attempt relies on
	for i, e := range a.events {
		rev := uint64(h.revision + 1 + int64(i))
		st, at, err := a.claim(ctx, e.ID, rev)
		if err != nil {
			return nil, false, err
		}
		if st != nil {
			stored[i] = st
			nStored++
		} else if oldest.IsZero() || at.Before(oldest) {
			oldest = at
		}
	}
	switch {
	case nStored == len(a.events):
		out, err := a.retried(stored, h)
		return out, false, err
	case nStored > 0:
		for _, st := range stored {
			if st != nil {
				conflict := &domain.EventIDConflictError{EventID: st.ID.String(), Stream: st.Stream, Revision: st.Revision,
					Reason: fmt.Sprintf("the append stores %d of its %d events already; an append is retried whole or not at all", nStored, len(a.events))}
				// The ids were looked up one by one: a concurrent append of
				// the same events may have committed between two look-ups.
				// Appends are atomic, so a second look sees all or none.
				if a.torn < maxTornLookups {
					a.torn++
					return nil, true, conflict
				}
				return nil, false, conflict
			}
		}
	}

	if err := domain.CheckExpected(a.stream, a.expected, h.revision); err != nil {
		return nil, false, err
	}
	recs, data, err := a.records(h)
	if err != nil {
		return nil, false, err
	}
	// Another append takes over a claim once it is ClaimTimeout old: this
	// one must start within the first third of that and end within the
	// second (docs/esdb.md, "Stale claims"). Claims that aged meanwhile
	// (a slow server, many ids) are claimed afresh by the next attempt.
	window := a.s.opts.ClaimTimeout / 3
	if age := a.s.opts.Now().Sub(oldest); age >= window {
		return nil, true, fmt.Errorf("append to %s: its claims are %v old, over the %v: %w", a.stream, age, window, errClaimsAged)
	}
	actx, cancel := context.WithTimeout(ctx, 2*window-a.s.opts.Now().Sub(oldest))
	defer cancel()
	var exact esdbc.ExpectedRevision = esdbc.NoStream{}
	if h.revision != domain.NoRevision {
		exact = esdbc.Revision(uint64(h.revision))
	}
	res, err := a.c.AppendToStream(actx, a.s.serverName(a.stream), esdbc.AppendToStreamOptions{ExpectedRevision: exact}, data...)
	switch {
	case err == nil:
	case isWrongExpectedVersion(err):
		switch a.expected.(type) {
		case domain.Any, domain.StreamExists:
			return nil, true, err
		}
		actual, ok := actualRevision(err)
		if !ok {
			latest, herr := a.head(ctx)
			if herr != nil {
				return nil, false, herr
			}
			actual = latest.revision
		}
		return nil, false, &domain.WrongExpectedRevisionError{Stream: a.stream, Expected: a.expected, Actual: actual}
	case isMaxAppendSize(err):
		return nil, false, fmt.Errorf("append to %s: the server refuses appends this large; raise its max append size and max append event size together (docs/esdb.md): %w", a.stream, err)
	default:
		return nil, false, a.s.fail(actx, a.c, err, "append to "+a.stream)
	}
	out, err = a.readBack(ctx, h, recs, res)
	return out, false, err
}

// head reads the stream's last event.
func (a *appender) head(ctx context.Context) (head, error) {
	h := head{revision: domain.NoRevision, hash: domain.ZeroHash}
	rs, err := a.c.ReadStream(ctx, a.s.serverName(a.stream), esdbc.ReadStreamOptions{Direction: esdbc.Backwards, From: esdbc.End{}}, 1)
	if err != nil {
		return h, a.s.fail(ctx, a.c, err, "read the head of "+a.stream)
	}
	defer rs.Close()
	ev, err := rs.Recv()
	switch {
	case isEOF(err) || isStreamNotFound(err):
		return h, nil
	case err != nil:
		return h, a.s.fail(ctx, a.c, err, "read the head of "+a.stream)
	}
	last, err := a.s.decode(ev.OriginalEvent())
	if err != nil {
		return h, fmt.Errorf("read the head of %s: %w", a.stream, err)
	}
	return head{revision: int64(last.Revision), hash: last.Hash, recordedAt: last.RecordedAt}, nil
}

// records builds the events as they will be stored: revisions after the
// head, a fresh salt each, hashes chained from it, recordedAt from the
// clock but never before the head's, so that a stream's times never go
// backwards.
func (a *appender) records(h head) ([]domain.RecordedEvent, []esdbc.EventData, error) {
	now := domain.CanonicalTime(a.s.opts.Now())
	if now.Before(h.recordedAt) {
		now = h.recordedAt
	}
	recs := make([]domain.RecordedEvent, len(a.events))
	data := make([]esdbc.EventData, len(a.events))
	prev := h.hash
	for i, e := range a.events {
		r := domain.RecordedEvent{
			ID:         e.ID,
			Type:       e.Type,
			Stream:     a.stream,
			Revision:   uint64(h.revision + 1 + int64(i)),
			RecordedAt: now,
			OccurredAt: e.OccurredAt,
			Actor:      e.Actor,
			PrevHash:   prev,
			Data:       e.Data,
		}
		if r.OccurredAt.IsZero() {
			r.OccurredAt = now
		}
		salt, err := newSalt()
		if err != nil {
			return nil, nil, fmt.Errorf("append to %s: event %s: %w", a.stream, e.ID, err)
		}
		r.Salt = salt
		r.Hash = domain.EventHash(r)
		d, err := toEventData(r)
		if err != nil {
			return nil, nil, fmt.Errorf("append to %s: %w", a.stream, err)
		}
		recs[i], data[i], prev = r.WithDecodedOf(e), d, r.Hash
	}
	return recs, data, nil
}

// newSalt draws a fresh salt for one event: 16 random bytes as 32
// lower-case hex digits (domain.ValidSalt). The hash covers it so that
// nobody without it, a researcher holding everything else included, can
// recompute the hash from a guessed learner id.
func newSalt() (string, error) {
	var b [domain.SaltLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("draw salt: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// readBack reads the appended events, with the positions the server gave
// them. If another call appended the same ids first (the server then
// answers idempotently), the events read are that call's: they are the
// answer if their content is the same, and a conflict otherwise.
//
// The append's own result cannot replace the read: it holds one position
// for the whole append (the same in an idempotent answer as in the first),
// and neither the salt nor the hash stored, which differ when a concurrent
// retry of the same ids got in first. It checks the read instead: for a
// one-event append, where that position can only be the event's, the event
// read must sit there, or the read is taken again as if it were short. For
// several events the server's source does not promise which event's
// position it reports, so it is not used.
//
// The read goes to the leader (leaderOnly), which holds every acknowledged
// write. Should it find fewer events than acknowledged all the same (a node
// that lost its leadership between the append and the read), it is read
// again after a pause; if it stays short, the error wraps ErrUnavailable:
// the write is stored, and a retry with the same event ids answers it.
func (a *appender) readBack(ctx context.Context, h head, recs []domain.RecordedEvent, res *esdbc.WriteResult) ([]domain.RecordedEvent, error) {
	from := uint64(h.revision + 1)
	var got []domain.RecordedEvent
	for n := 0; ; n++ {
		if n > 0 {
			if err := a.s.pause(ctx, n); err != nil {
				return nil, fmt.Errorf("append to %s: read the appended events back: %w", a.stream, err)
			}
		}
		var err error
		got, err = a.s.readStream(ctx, a.c, a.stream, from, len(recs))
		if err != nil {
			return nil, fmt.Errorf("append to %s: read the appended events back: %w", a.stream, err)
		}
		p := resultPosition(res)
		if len(got) == len(recs) && (len(recs) != 1 || p == 0 || got[0].Position == p) {
			break
		}
		if n >= a.s.opts.MaxLeaderRedirects {
			return nil, fmt.Errorf("append to %s: the server acknowledged %d events at revision %d (position %d) but a read finds %d%s: %w",
				a.stream, len(recs), from, p, len(got), atPositions(got), ErrUnavailable)
		}
	}
	for i, g := range got {
		want := recs[i]
		switch {
		case g.ID != want.ID:
			return nil, fmt.Errorf("append to %s: revision %d holds event %s, not the appended %s", a.stream, g.Revision, g.ID, want.ID)
		case g.Hash == want.Hash:
		case !a.events[i].SameContent(g):
			return nil, &domain.EventIDConflictError{EventID: g.ID.String(), Stream: g.Stream, Revision: g.Revision,
				Reason: "a concurrent append stored other content under the same id"}
		}
	}
	return got, nil
}

// atPositions describes where events were read, for an error message.
func atPositions(evs []domain.RecordedEvent) string {
	if len(evs) == 0 {
		return ""
	}
	ps := make([]string, len(evs))
	for i, e := range evs {
		ps[i] = fmt.Sprint(e.Position)
	}
	return " at position " + strings.Join(ps, ", ")
}

// resultPosition is the port's position of the last event an append's
// result names, 0 if the result has none (the client reports "no position"
// as 0).
func resultPosition(res *esdbc.WriteResult) uint64 {
	if res == nil || res.CommitPosition == 0 || res.CommitPosition == math.MaxUint64 || res.CommitPosition != res.PreparePosition {
		return 0
	}
	return res.CommitPosition + 1
}

// retried answers an append whose ids are all stored: an idempotent retry if
// they are stored together, in this stream and order, with the same
// content, where expected allows; a conflict otherwise.
func (a *appender) retried(stored []*domain.RecordedEvent, h head) ([]domain.RecordedEvent, error) {
	out := make([]domain.RecordedEvent, len(stored))
	for i, st := range stored {
		out[i] = *st
	}
	if err := domain.CheckRetry(a.stream, a.expected, h.revision, a.events, out); err != nil {
		return nil, err
	}
	return out, nil
}

// claim makes sure the id is this call's to append at rev, or returns the
// event already stored under it. The claim stream holds, last, where the id
// is or is about to be; claims change by compare-and-set on that stream
// (docs/esdb.md, "Why claims" and "Stale claims"):
//
//   - no claim: claim it;
//   - the claimed place holds the id: it is stored there, and its claim is
//     never taken over;
//   - the claimed place holds another event: the claim is stale (that
//     append lost its race and can never store the id there), take it;
//   - the claimed place is still empty and is rev in this stream, and the
//     claim is younger than a third of the claim timeout: go ahead, the
//     server's revision check lets one writer through;
//   - still empty, and the claim is this call's own (an earlier attempt
//     that lost its race) or names this place: claim it afresh;
//   - still empty, and the claim is at least the claim timeout old: its
//     append never stored the id and no longer can; take it over;
//   - otherwise another append may still store the id elsewhere: a
//     *ClaimBusyError, to retry once the claim is old enough.
//
// at is when the claim this call relies on was stamped (zero when the id is
// stored): the call must start its append within a third of the timeout.
func (a *appender) claim(ctx context.Context, id uuid.UUID, rev uint64) (st *domain.RecordedEvent, at time.Time, err error) {
	cs := a.s.claimStream(id)
	window := a.s.opts.ClaimTimeout / 3
	var expected esdbc.ExpectedRevision = esdbc.NoStream{}
	for round := range maxClaimRounds {
		if round > 1 {
			// Only writers of the same event id contend here; after two
			// rounds, give the other one time to finish.
			if err := a.s.pause(ctx, round-1); err != nil {
				return nil, time.Time{}, fmt.Errorf("append to %s: claim event id %s: %w", a.stream, id, err)
			}
		}
		if expected != nil {
			now := a.s.opts.Now().UTC()
			want := claim{Stream: a.stream, Revision: rev, Owner: a.owner, At: now.Format(time.RFC3339Nano)}
			ok, err := a.writeClaim(ctx, cs, want, expected)
			if err != nil || ok {
				return nil, now, err
			}
		}
		cur, k, found, err := a.readClaim(ctx, cs)
		if err != nil {
			return nil, time.Time{}, err
		}
		if !found {
			expected = esdbc.NoStream{}
			continue
		}
		held, err := a.s.readStream(ctx, a.c, cur.Stream, cur.Revision, 1)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("append to %s: look up event id %s: %w", a.stream, id, err)
		}
		age := a.s.opts.Now().Sub(cur.at)
		samePlace := cur.Stream == a.stream && cur.Revision == rev
		switch {
		case len(held) == 1 && held[0].ID == id:
			return &held[0], time.Time{}, nil
		case len(held) == 1:
			expected = esdbc.Revision(k) // stale: take it over
		case samePlace && age < window:
			return nil, cur.at, nil // the same place: whoever appends first stores it there
		case samePlace || cur.Owner == a.owner:
			expected = esdbc.Revision(k) // claim it afresh, so that its age counts from now
		case age >= a.s.opts.ClaimTimeout:
			a.s.opts.Logger.Info("taking over the claim of an event id its append never stored",
				"event_id", id, "claimed_for", fmt.Sprintf("%s@%d", cur.Stream, cur.Revision), "age", age)
			expected = esdbc.Revision(k)
		default:
			return nil, time.Time{}, &ClaimBusyError{EventID: id.String(), Stream: cur.Stream, Revision: cur.Revision,
				Wait: a.s.opts.ClaimTimeout - age}
		}
	}
	return nil, time.Time{}, fmt.Errorf("append to %s: the claim of event id %s kept changing under %d attempts", a.stream, id, maxClaimRounds)
}

// writeClaim appends a claim if the claim stream is where expected says; ok
// is false if it is not.
func (a *appender) writeClaim(ctx context.Context, cs string, c claim, expected esdbc.ExpectedRevision) (ok bool, err error) {
	data, err := c.eventData()
	if err != nil {
		return false, err
	}
	_, err = a.c.AppendToStream(ctx, cs, esdbc.AppendToStreamOptions{ExpectedRevision: expected}, data)
	switch {
	case err == nil:
		return true, nil
	case isWrongExpectedVersion(err):
		return false, nil
	default:
		return false, a.s.fail(ctx, a.c, err, "append to "+a.stream+": claim event id")
	}
}

// readClaim reads the last claim of a claim stream and its revision.
func (a *appender) readClaim(ctx context.Context, cs string) (claim, uint64, bool, error) {
	rs, err := a.c.ReadStream(ctx, cs, esdbc.ReadStreamOptions{Direction: esdbc.Backwards, From: esdbc.End{}}, 1)
	if err != nil {
		return claim{}, 0, false, a.s.fail(ctx, a.c, err, "append to "+a.stream+": read claim")
	}
	defer rs.Close()
	ev, err := rs.Recv()
	switch {
	case isEOF(err) || isStreamNotFound(err):
		return claim{}, 0, false, nil
	case err != nil:
		return claim{}, 0, false, a.s.fail(ctx, a.c, err, "append to "+a.stream+": read claim")
	}
	e := ev.OriginalEvent()
	var c claim
	if err := json.Unmarshal(e.Data, &c); err != nil || e.EventType != claimType {
		return claim{}, 0, false, fmt.Errorf("append to %s: claim stream %s holds %s, not a claim", a.stream, cs, e.EventType)
	}
	c.at = e.CreatedDate // a claim written before claims carried their time
	if c.At != "" {
		t, err := time.Parse(time.RFC3339Nano, c.At)
		if err != nil {
			return claim{}, 0, false, fmt.Errorf("append to %s: claim stream %s: time %q: %w", a.stream, cs, c.At, err)
		}
		c.at = t
	}
	return c, e.EventNumber, true, nil
}
