package esdb

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	esdbc "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
)

// metadataVersion marks the layout of the metadata below, as the adapter
// writes it. Version 1, written before salts, has no salt; version 2 always
// has one. The version changed with the salt so that code from before
// salts refuses a salted event by its version, instead of reading it
// without its salt and reporting its hash as altered.
const (
	metadataV1      = 1
	metadataVersion = 2
)

// metadata is what the ledger's envelope holds beyond what EventStoreDB
// stores itself (id, type, stream, revision, position, data). It travels as
// the event's custom metadata, in JSON; docs/esdb.md shows it.
type metadata struct {
	V          int          `json:"v"`
	OccurredAt string       `json:"occurredAt"`
	RecordedAt string       `json:"recordedAt"`
	Actor      domain.Actor `json:"actor"`
	Salt       string       `json:"salt,omitempty"`
	PrevHash   string       `json:"prevHash"`
	Hash       string       `json:"hash"`
}

// errNoSalt reports an event handed to toEventData without a salt: the
// adapter draws one for every event it records, so this is a bug, and the
// event is not written in a layout that would hash it as v1.
var errNoSalt = errors.New("the event has no valid salt")

// toEventData is the event as EventStoreDB receives it.
func toEventData(e domain.RecordedEvent) (esdbc.EventData, error) {
	if !domain.ValidSalt(e.Salt) {
		return esdbc.EventData{}, fmt.Errorf("event %s: salt %q: %w", e.ID, e.Salt, errNoSalt)
	}
	meta, err := json.Marshal(metadata{
		V:          metadataVersion,
		OccurredAt: domain.FormatTime(e.OccurredAt),
		RecordedAt: domain.FormatTime(e.RecordedAt),
		Actor:      e.Actor,
		Salt:       e.Salt,
		PrevHash:   e.PrevHash,
		Hash:       e.Hash,
	})
	if err != nil {
		return esdbc.EventData{}, fmt.Errorf("event %s: encode metadata: %w", e.ID, err)
	}
	return esdbc.EventData{
		EventID:     e.ID,
		EventType:   e.Type,
		ContentType: esdbc.ContentTypeJson,
		Data:        e.Data,
		Metadata:    meta,
	}, nil
}

// errNoPosition reports a server that leaves positions out of stream reads.
var errNoPosition = errors.New("the server sent no position for a stream read; EventStoreDB 22.10 or later (or KurrentDB) is needed")

// toPosition maps an event's $all position to the ledger's global position:
// the commit position plus one, so that 0 stays "before every event". Every
// event written through gRPC commits itself, so its commit and prepare
// positions are the same number, its log position, which no other event
// shares. An event written in an explicit transaction (the legacy TCP API)
// shares its commit position with the rest of the transaction and cannot be
// given a position of its own in one number: it is refused.
func toPosition(p esdbc.Position) (uint64, error) {
	switch {
	case p.Commit == math.MaxUint64 || p.Prepare == math.MaxUint64:
		return 0, errNoPosition
	case p.Commit != p.Prepare:
		return 0, fmt.Errorf("commit position %d differs from prepare position %d: the event was written in an explicit transaction, which the ledger's positions cannot express", p.Commit, p.Prepare)
	}
	return p.Commit + 1, nil
}

// fromPosition is the $all position of the event at global position pos,
// which must be at least 1.
func fromPosition(pos uint64) esdbc.Position {
	return esdbc.Position{Commit: pos - 1, Prepare: pos - 1}
}

// serverName is stream's name on the server.
func (s *Store) serverName(stream string) string { return s.ns + stream }

// ours reports whether a stream on the server is one of the ledger's
// streams in this store's namespace.
func (s *Store) ours(serverStream string) bool {
	for _, p := range s.prefix {
		if strings.HasPrefix(serverStream, p) {
			return true
		}
	}
	return false
}

// checkStream refuses a stream name the store would not read back.
func (s *Store) checkStream(op, stream string) error {
	if stream == "" {
		return fmt.Errorf("%s: empty stream name: %w", op, domain.ErrInvalid)
	}
	if !s.ours(s.serverName(stream)) {
		return fmt.Errorf("%s: stream %q has none of the ledger's prefixes %q: %w", op, stream, s.opts.StreamPrefixes, domain.ErrInvalid)
	}
	return nil
}

// claimStream is the stream that claims an event id.
func (s *Store) claimStream(id uuid.UUID) string { return s.ns + claimInfix + id.String() }

// decode turns an event read from the server into the ledger's envelope.
func (s *Store) decode(e *esdbc.RecordedEvent) (domain.RecordedEvent, error) {
	stream, ok := strings.CutPrefix(e.StreamID, s.ns)
	if !ok {
		return domain.RecordedEvent{}, fmt.Errorf("event %s in stream %q: outside namespace %q", e.EventID, e.StreamID, s.ns)
	}
	fail := func(format string, args ...any) (domain.RecordedEvent, error) {
		return domain.RecordedEvent{}, fmt.Errorf("event %s (%s@%d): %s", e.EventID, stream, e.EventNumber, fmt.Sprintf(format, args...))
	}
	pos, err := toPosition(e.Position)
	if err != nil {
		return fail("%v", err)
	}
	var m metadata
	if err := json.Unmarshal(e.UserMetadata, &m); err != nil {
		return fail("metadata is not the ledger's: %v", err)
	}
	switch {
	case m.V == metadataV1 && m.Salt != "":
		return fail("metadata version %d has a salt; only version %d has one", m.V, metadataVersion)
	case m.V == metadataV1:
		// Recorded before salts: its hash is v1.
	case m.V == metadataVersion && !domain.ValidSalt(m.Salt):
		return fail("metadata salt %q is not %d lower-case hex digits", m.Salt, domain.SaltLen)
	case m.V != metadataVersion:
		return fail("metadata version %d, want %d or %d", m.V, metadataV1, metadataVersion)
	}
	occurred, err := parseTime(m.OccurredAt)
	if err != nil {
		return fail("occurredAt: %v", err)
	}
	recorded, err := parseTime(m.RecordedAt)
	if err != nil {
		return fail("recordedAt: %v", err)
	}
	if len(m.PrevHash) != len(domain.ZeroHash) || len(m.Hash) != len(domain.ZeroHash) {
		return fail("metadata lacks prevHash or hash")
	}
	return domain.RecordedEvent{
		ID:         e.EventID,
		Type:       e.EventType,
		Stream:     stream,
		Revision:   e.EventNumber,
		Position:   pos,
		RecordedAt: recorded,
		OccurredAt: occurred,
		Actor:      m.Actor,
		Salt:       m.Salt,
		PrevHash:   m.PrevHash,
		Hash:       m.Hash,
		Data:       e.Data,
	}, nil
}

func parseTime(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, err
	}
	return domain.CanonicalTime(t), nil
}

// claim is what a claim stream's events say: the event id is, or is about
// to be, the event of stream at revision; Owner names the Append call that
// wrote the claim, At is the writer's clock when it wrote it (RFC 3339,
// UTC). Claims written before At existed have none; their age comes from
// the server's "created" stamp instead.
type claim struct {
	Stream   string `json:"stream"`
	Revision uint64 `json:"revision"`
	Owner    string `json:"owner"`
	At       string `json:"at,omitempty"`

	at time.Time // At parsed, or the server's stamp
}

const claimType = "LedgerEventIDClaimed"

func (c claim) eventData() (esdbc.EventData, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return esdbc.EventData{}, fmt.Errorf("encode claim: %w", err)
	}
	return esdbc.EventData{EventID: uuid.New(), EventType: claimType, ContentType: esdbc.ContentTypeJson, Data: data}, nil
}

func isEOF(err error) bool { return errors.Is(err, io.EOF) }
