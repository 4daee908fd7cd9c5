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

// TestMetadataFormat pins the metadata of the worked example in
// docs/hash-chain.md; docs/esdb.md shows the same text.
func TestMetadataFormat(t *testing.T) {
	e := domain.RecordedEvent{
		ID:         uuid.MustParse("7f3c2a8e-4b1d-4c6e-9a0f-2d5e8b1c3a47"),
		Type:       "EvidenceRecorded",
		Stream:     "learner-l-0001",
		Revision:   1,
		RecordedAt: time.Date(2026, 9, 14, 10, 2, 3, 250_000_000, time.UTC),
		OccurredAt: time.Date(2026, 9, 14, 9, 30, 0, 0, time.UTC),
		Actor:      domain.Actor{Role: "teacher", Name: "Ms Rivera"},
		PrevHash:   "c518afcdbaa74ace95ac51df583a201329693b55c66e9e65c4091021be827fa9",
		Data:       json.RawMessage(`{"standardId":"math-6-rp-1","componentId":"c2","level":3,"source":"teacher"}`),
	}
	e.Hash = domain.EventHash(e)
	if e.Hash != "35962fe6ca270a75266f912852eeea71c2dfef8e046c02c4e51d845a36381bc8" {
		t.Fatalf("the example's hash is %s; docs/hash-chain.md changed?", e.Hash)
	}
	d, err := toEventData(e)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"v":1,"occurredAt":"2026-09-14T09:30:00Z","recordedAt":"2026-09-14T10:02:03.25Z",` +
		`"actor":{"role":"teacher","name":"Ms Rivera"},` +
		`"prevHash":"c518afcdbaa74ace95ac51df583a201329693b55c66e9e65c4091021be827fa9",` +
		`"hash":"35962fe6ca270a75266f912852eeea71c2dfef8e046c02c4e51d845a36381bc8"}`
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

func TestDecodeRefuses(t *testing.T) {
	good := `{"v":1,"occurredAt":"2026-09-14T09:30:00Z","recordedAt":"2026-09-14T10:02:03.25Z","actor":{"role":"a","name":"b"},"prevHash":"` +
		domain.ZeroHash + `","hash":"` + domain.ZeroHash + `"}`
	tests := []struct {
		name, stream, meta string
		pos                esdbc.Position
		want               string
	}{
		{"other namespace", "other-learner-1", good, esdbc.Position{Commit: 1, Prepare: 1}, "outside namespace"},
		{"no metadata", "ns-learner-1", ``, esdbc.Position{Commit: 1, Prepare: 1}, "not the ledger's"},
		{"other version", "ns-learner-1", strings.Replace(good, `"v":1`, `"v":2`, 1), esdbc.Position{Commit: 1, Prepare: 1}, "version 2"},
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
