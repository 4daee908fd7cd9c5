package esdb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	esdbc "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/masteryledger/ledger/adapters/esdb/esdbfake"
	"github.com/masteryledger/ledger/domain"
)

// benchAppends is the number of one-event appends each benchmark round
// makes, so that `make bench` (-benchtime 1x) measures a rate, not one call.
const benchAppends = 2000

// BenchmarkAppendFake measures one-event appends per second through the
// adapter against the in-process FAKE server (no network, no disk: what the
// adapter and the client cost, not what a server can do), one writer,
// beside the same appends made without id claims: the head read, the
// append with the exact revision and the read-back, straight through the
// client, as the adapter would make them without its claims.
func BenchmarkAppendFake(b *testing.B) {
	b.Run("adapter-with-claims", func(b *testing.B) {
		fake := esdbfake.StartTB(b, nil)
		st := openStore(b, fake.URL(), nil)
		ctx := context.Background()
		b.ResetTimer()
		start := time.Now()
		for range b.N {
			for i := range benchAppends {
				if _, err := st.Append(ctx, fmt.Sprintf("learner-%d", i%100), domain.Any{}, events(1)...); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.N*benchAppends)/time.Since(start).Seconds(), "appends/s")
		b.ReportMetric(0, "ns/op")
	})
	b.Run("client-without-claims", func(b *testing.B) {
		fake := esdbfake.StartTB(b, nil)
		cfg, err := esdbc.ParseConnectionString(fake.URL())
		if err != nil {
			b.Fatal(err)
		}
		cfg.Logger = esdbc.NoopLogging()
		c, err := esdbc.NewClient(cfg)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		ctx := context.Background()
		data, _ := json.Marshal(map[string]int{"seq": 1})
		meta := []byte(`{"v":2,"occurredAt":"2026-01-01T00:00:00Z","recordedAt":"2026-01-01T00:00:00Z","actor":{"role":"teacher","name":"Ms Rivera"},"salt":"00000000000000000000000000000000","prevHash":"` + domain.ZeroHash + `","hash":"` + domain.ZeroHash + `"}`)
		b.ResetTimer()
		start := time.Now()
		for range b.N {
			for i := range benchAppends {
				stream := fmt.Sprintf("bench-learner-%d", i%100)
				var expected esdbc.ExpectedRevision = esdbc.NoStream{}
				if rev, ok := benchHead(ctx, b, c, stream); ok {
					expected = esdbc.Revision(rev)
				}
				res, err := c.AppendToStream(ctx, stream, esdbc.AppendToStreamOptions{ExpectedRevision: expected},
					esdbc.EventData{EventID: uuid.New(), EventType: "EvidenceRecorded", ContentType: esdbc.ContentTypeJson, Data: data, Metadata: meta})
				if err != nil {
					b.Fatal(err)
				}
				rs, err := c.ReadStream(ctx, stream, esdbc.ReadStreamOptions{From: esdbc.Revision(res.NextExpectedVersion)}, 1)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := rs.Recv(); err != nil {
					b.Fatal(err)
				}
				rs.Close()
			}
		}
		b.ReportMetric(float64(b.N*benchAppends)/time.Since(start).Seconds(), "appends/s")
		b.ReportMetric(0, "ns/op")
	})
}

// benchHead reads the revision of a stream's last event.
func benchHead(ctx context.Context, b *testing.B, c *esdbc.Client, stream string) (uint64, bool) {
	rs, err := c.ReadStream(ctx, stream, esdbc.ReadStreamOptions{Direction: esdbc.Backwards, From: esdbc.End{}}, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer rs.Close()
	ev, err := rs.Recv()
	var e *esdbc.Error
	switch {
	case errors.Is(err, io.EOF), errors.As(err, &e) && e.Code() == esdbc.ErrorCodeResourceNotFound:
		return 0, false
	case err != nil:
		b.Fatal(err)
	}
	return ev.OriginalEvent().EventNumber, true
}
