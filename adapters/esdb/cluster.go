package esdb

import (
	"bytes"
	"context"
	"fmt"

	esdbc "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
)

// clusterInfix names the streams holding what every node of a cluster must
// agree on (see Agree). They are outside the ledger's prefixes, so no read
// of the port sees them.
const clusterInfix = "ledger-cluster-"

// clusterValueType is the type of the one event of an agreement stream.
const clusterValueType = "LedgerClusterValue"

// maxAgreeRounds bounds the read-then-create rounds of Agree; a round is
// lost only to another node creating the same stream at the same moment.
const maxAgreeRounds = 3

// Agree returns the value the nodes sharing this store (and namespace)
// agreed on under name: the value the first node to ask stored, or
// proposed if this call is the first. The first value is kept for good
// (the stream is created with "no stream" as the expected revision), so
// nodes compare their own value with the answer to find a node configured
// differently from the cluster. Values should not be secret: every reader
// of the server can read them.
func (s *Store) Agree(ctx context.Context, name string, proposed []byte) ([]byte, error) {
	op := "agree on " + name
	stream := s.ns + clusterInfix + name
	var agreed []byte
	err := s.run(ctx, func(ctx context.Context, c *esdbc.Client) error {
		for range maxAgreeRounds {
			v, found, err := s.readAgreed(ctx, c, stream)
			if err != nil || found {
				agreed = v
				return err
			}
			_, err = c.AppendToStream(ctx, stream, esdbc.AppendToStreamOptions{ExpectedRevision: esdbc.NoStream{}},
				esdbc.EventData{EventID: uuid.New(), EventType: clusterValueType, ContentType: esdbc.ContentTypeBinary, Data: proposed})
			switch {
			case err == nil:
				agreed = bytes.Clone(proposed)
				return nil
			case isWrongExpectedVersion(err):
				// Another node stored its value first: read it.
			default:
				return s.fail(ctx, c, err, op)
			}
		}
		return fmt.Errorf("%s: the stream kept changing under %d attempts", op, maxAgreeRounds)
	})
	if err != nil {
		return nil, wrapOp(op, err)
	}
	return agreed, nil
}

// readAgreed reads the first event of an agreement stream.
func (s *Store) readAgreed(ctx context.Context, c *esdbc.Client, stream string) ([]byte, bool, error) {
	rs, err := c.ReadStream(ctx, stream, esdbc.ReadStreamOptions{Direction: esdbc.Forwards, From: esdbc.Start{}}, 1)
	if err != nil {
		return nil, false, s.fail(ctx, c, err, "read "+stream)
	}
	defer rs.Close()
	ev, err := rs.Recv()
	switch {
	case isEOF(err) || isStreamNotFound(err):
		return nil, false, nil
	case err != nil:
		return nil, false, s.fail(ctx, c, err, "read "+stream)
	}
	e := ev.OriginalEvent()
	if e.EventType != clusterValueType {
		return nil, false, fmt.Errorf("read %s: holds %s, not an agreed value", stream, e.EventType)
	}
	return e.Data, true, nil
}
