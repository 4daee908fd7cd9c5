package esdb

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	esdbc "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/masteryledger/ledger/domain"
)

func TestPositionMapping(t *testing.T) {
	tests := []struct {
		name    string
		in      esdbc.Position
		want    uint64
		wantErr string
	}{
		{name: "log start", in: esdbc.Position{Commit: 0, Prepare: 0}, want: 1},
		{name: "an event", in: esdbc.Position{Commit: 4242, Prepare: 4242}, want: 4243},
		{name: "no position (servers before 22.10)", in: esdbc.Position{Commit: math.MaxUint64, Prepare: math.MaxUint64}, wantErr: "22.10"},
		{name: "explicit transaction", in: esdbc.Position{Commit: 900, Prepare: 700}, wantErr: "explicit transaction"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := toPosition(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("toPosition(%+v) = %d, %v; want an error about %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("toPosition(%+v) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
			if back := fromPosition(got); back != tc.in {
				t.Errorf("fromPosition(%d) = %+v, want %+v", got, back, tc.in)
			}
		})
	}
}

// TestMetadataFormat pins the metadata of the second event of the worked
// example in docs/hash-chain.md (salted, hash v2); docs/esdb.md shows the
// same text.
func TestMetadataFormat(t *testing.T) {
	e := domain.RecordedEvent{
		ID:         uuid.MustParse("7f3c2a8e-4b1d-4c6e-9a0f-2d5e8b1c3a47"),
		Type:       "EvidenceRecorded",
		Stream:     "learner-l-0001",
		Revision:   1,
		RecordedAt: time.Date(2026, 9, 14, 10, 2, 3, 250_000_000, time.UTC),
		OccurredAt: time.Date(2026, 9, 14, 9, 30, 0, 0, time.UTC),
		Actor:      domain.Actor{Role: "teacher", Name: "Ms Rivera"},
		Salt:       "407245cc7f8c793905ba3c4ffe5e8300",
		PrevHash:   "c518afcdbaa74ace95ac51df583a201329693b55c66e9e65c4091021be827fa9",
		Data:       json.RawMessage(`{"standardId":"math-6-rp-1","componentId":"c2","level":3,"source":"teacher"}`),
	}
	e.Hash = domain.EventHash(e)
	if e.Hash != "52c64d761cb3a26d3db426cc41c41835a07b14984db9bbf8ee37df2eb7bb93f5" {
		t.Fatalf("the example's hash is %s; docs/hash-chain.md changed?", e.Hash)
	}
	d, err := toEventData(e)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"v":2,"occurredAt":"2026-09-14T09:30:00Z","recordedAt":"2026-09-14T10:02:03.25Z",` +
		`"actor":{"role":"teacher","name":"Ms Rivera"},"salt":"407245cc7f8c793905ba3c4ffe5e8300",` +
		`"prevHash":"c518afcdbaa74ace95ac51df583a201329693b55c66e9e65c4091021be827fa9",` +
		`"hash":"52c64d761cb3a26d3db426cc41c41835a07b14984db9bbf8ee37df2eb7bb93f5"}`
	if string(d.Metadata) != want {
		t.Errorf("metadata\n got %s\nwant %s", d.Metadata, want)
	}
	if d.EventID != e.ID || d.EventType != e.Type || d.ContentType != esdbc.ContentTypeJson || string(d.Data) != string(e.Data) {
		t.Errorf("event data %+v does not carry the event's id, type and JSON data", d)
	}

	// And back, as a read returns it.
	s := &Store{ns: "ns-", prefix: []string{"ns-learner-"}}
	got, err := s.decode(&esdbc.RecordedEvent{
		EventID: e.ID, EventType: e.Type, StreamID: "ns-" + e.Stream, EventNumber: e.Revision,
		Position: esdbc.Position{Commit: 11, Prepare: 11}, Data: d.Data, UserMetadata: d.Metadata,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Position = 12
	if fmt.Sprint(got) != fmt.Sprint(e) || domain.EventHash(got) != got.Hash {
		t.Errorf("decode\n got %+v\nwant %+v", got, e)
	}
}

// An event the adapter wrote before salts has version 1 metadata without a
// salt: it must still decode, with no salt, and hash as v1, as the first
// event of the worked example in docs/hash-chain.md does.
func TestDecodeBeforeSalts(t *testing.T) {
	const meta = `{"v":1,"occurredAt":"2026-09-01T08:00:00Z","recordedAt":"2026-09-01T08:00:00Z",` +
		`"actor":{"role":"admin","name":"Office"},` +
		`"prevHash":"0000000000000000000000000000000000000000000000000000000000000000",` +
		`"hash":"c518afcdbaa74ace95ac51df583a201329693b55c66e9e65c4091021be827fa9"}`
	s := &Store{ns: "ns-", prefix: []string{"ns-learner-"}}
	got, err := s.decode(&esdbc.RecordedEvent{
		EventID: uuid.MustParse("0b6f2d1e-8c3a-4f5b-a7d9-1e2c3b4a5d6f"), EventType: "LearnerEnrolled", StreamID: "ns-learner-l-0001",
		Position: esdbc.Position{Commit: 10, Prepare: 10}, Data: []byte(`{"schoolId":"north","cohort":"grade-6"}`), UserMetadata: []byte(meta),
	})
	if err != nil {
		t.Fatalf("decode version 1 metadata: %v", err)
	}
	if got.Salt != "" {
		t.Errorf("salt %q, want none", got.Salt)
	}
	var v domain.ChainVerifier
	if err := v.Next(got); err != nil {
		t.Errorf("an event from before salts does not verify: %v", err)
	}
}

// The adapter never writes an event without a salt: that layout would hash
// as v1, which is what salts exist to end.
func TestEncodeRefusesNoSalt(t *testing.T) {
	for _, salt := range []string{"", "407245CC7F8C793905BA3C4FFE5E8300", "407245cc"} {
		e := domain.RecordedEvent{ID: uuid.New(), Type: "T", Stream: "learner-1", Salt: salt, PrevHash: domain.ZeroHash, Data: json.RawMessage(`{}`)}
		e.Hash = domain.EventHash(e)
		if _, err := toEventData(e); !errors.Is(err, errNoSalt) {
			t.Errorf("toEventData with salt %q: %v, want errNoSalt", salt, err)
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	const salt = `"salt":"407245cc7f8c793905ba3c4ffe5e8300",`
	good := `{"v":2,"occurredAt":"2026-09-14T09:30:00Z","recordedAt":"2026-09-14T10:02:03.25Z","actor":{"role":"a","name":"b"},` + salt + `"prevHash":"` +
		domain.ZeroHash + `","hash":"` + domain.ZeroHash + `"}`
	tests := []struct {
		name, stream, meta string
		pos                esdbc.Position
		want               string
	}{
		{"other namespace", "other-learner-1", good, esdbc.Position{Commit: 1, Prepare: 1}, "outside namespace"},
		{"no metadata", "ns-learner-1", ``, esdbc.Position{Commit: 1, Prepare: 1}, "not the ledger's"},
		{"other version", "ns-learner-1", strings.Replace(good, `"v":2`, `"v":3`, 1), esdbc.Position{Commit: 1, Prepare: 1}, "version 3"},
		{"version 2 without a salt", "ns-learner-1", strings.Replace(good, salt, ``, 1), esdbc.Position{Commit: 1, Prepare: 1}, "salt"},
		{"version 2 with a bad salt", "ns-learner-1", strings.Replace(good, `407245cc`, `407245CC`, 1), esdbc.Position{Commit: 1, Prepare: 1}, "salt"},
		{"version 1 with a salt", "ns-learner-1", strings.Replace(good, `"v":2`, `"v":1`, 1), esdbc.Position{Commit: 1, Prepare: 1}, "salt"},
		{"bad time", "ns-learner-1", strings.Replace(good, `2026-09-14T09:30:00Z`, `yesterday`, 1), esdbc.Position{Commit: 1, Prepare: 1}, "occurredAt"},
		{"no hash", "ns-learner-1", strings.Replace(good, `"hash":"`+domain.ZeroHash, `"hash":"`, 1), esdbc.Position{Commit: 1, Prepare: 1}, "hash"},
		{"no position", "ns-learner-1", good, esdbc.Position{Commit: math.MaxUint64, Prepare: math.MaxUint64}, "22.10"},
	}
	s := &Store{ns: "ns-", prefix: []string{"ns-learner-"}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.decode(&esdbc.RecordedEvent{EventID: uuid.New(), EventType: "T", StreamID: tc.stream, Position: tc.pos,
				Data: []byte(`{}`), UserMetadata: []byte(tc.meta)})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("decode: %v, want an error about %q", err, tc.want)
			}
		})
	}
}

func TestActualRevision(t *testing.T) {
	tests := []struct {
		msg  string
		want int64
		ok   bool
	}{
		{"wrong expected version: expecting '3' but got '7'", 7, true},
		{"wrong expected version: expecting 'stream_exists' but got 'no_stream'", domain.NoRevision, true},
		{"wrong expected version: expecting 'no_stream' but got '0'", 0, true},
		{"something else", 0, false},
		{"expecting '1' but got 'x'", 0, false},
	}
	for _, tc := range tests {
		got, ok := actualRevision(errors.New("[ErrorCodeWrongExpectedVersion] an append request failed: " + tc.msg))
		if ok != tc.ok || got != tc.want {
			t.Errorf("actualRevision(%q) = %d, %v; want %d, %v", tc.msg, got, ok, tc.want, tc.ok)
		}
	}
}

func TestIsInvalidPosition(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{status.Error(codes.InvalidArgument, "Trying to read from an invalid position."), true},
		{status.Error(codes.Unknown, "Unexpected ReadAllResult: InvalidPosition"), true},
		{fmt.Errorf("wrapped: %w", status.Error(codes.InvalidArgument, "Trying to read from an invalid position.")), true},
		{status.Error(codes.InvalidArgument, "Maximum Append Size of 1048576 Exceeded."), false},
		{status.Error(codes.Unavailable, "connection refused"), false},
		{errors.New("position"), false},
	}
	for _, tc := range tests {
		if got := isInvalidPosition(tc.err); got != tc.want {
			t.Errorf("isInvalidPosition(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestOptionsRefused(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"no prefixes", Options{StreamPrefixes: []string{}}},
		{"empty prefix", Options{StreamPrefixes: []string{""}}},
		{"system prefix", Options{StreamPrefixes: []string{"$ce-"}}},
		{"system namespace", Options{Namespace: "$x-"}},
		{"prefix overlapping the claims", Options{StreamPrefixes: []string{"ledger-"}}},
		{"namespace like a stream", Options{Namespace: "learner-x-"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(t.Context(), "esdb://127.0.0.1:1?tls=false", &tc.opts)
			if !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("Open: %v, want an error matching domain.ErrInvalid", err)
			}
		})
	}
}

func TestIsConnectionClosing(t *testing.T) {
	closing := status.Error(codes.Canceled, "grpc: the client connection is closing")
	tests := []struct {
		err  error
		want bool
	}{
		{closing, true},
		{fmt.Errorf("read: %w", closing), true},
		{status.Error(codes.Canceled, "context canceled"), false},
		{status.Error(codes.Unavailable, "connection refused"), false},
		{errors.New("client connection is closing"), false},
	}
	for _, tc := range tests {
		if got := isConnectionClosing(tc.err); got != tc.want {
			t.Errorf("isConnectionClosing(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
