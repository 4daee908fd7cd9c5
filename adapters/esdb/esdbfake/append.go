package esdbfake

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// The server's expected versions, as it numbers them internally.
const (
	expectAny          int64 = -2
	expectNoStream     int64 = -1
	expectStreamExists int64 = -4
)

type streamsService struct {
	streams.UnimplementedStreamsServer
	s *Server
}

// commitDecision is the outcome of the server's commit check.
type commitDecision int

const (
	decideOK commitDecision = iota
	decideWrongExpectedVersion
	decideIdempotent
	decideCorruptedIdempotency
)

// Append follows the server's gRPC Append: an options message, then the
// proposed events, then one answer.
func (svc *streamsService) Append(srv streams.Streams_AppendServer) error {
	if fwd, err := svc.s.route(srv.Context(), true); err != nil {
		// The server reads the whole request before it answers "not
		// leader" (the write reaches the node's main queue first); an
		// answer before the client sent its events would reach the
		// client as a failed send, without the trailers.
		for {
			if _, rerr := srv.Recv(); rerr != nil {
				break
			}
		}
		return err
	} else if fwd != nil {
		return (&streamsService{s: fwd}).Append(srv)
	}
	s := svc.s
	first, err := srv.Recv()
	if err != nil {
		return err
	}
	opts := first.GetOptions()
	if opts == nil {
		return status.Error(codes.Unknown, "Exception was thrown by handler. InvalidOperationException")
	}
	stream := string(opts.GetStreamIdentifier().GetStreamName())
	var expected int64
	switch e := opts.GetExpectedStreamRevision().(type) {
	case *streams.AppendReq_Options_Revision:
		expected = int64(e.Revision)
	case *streams.AppendReq_Options_NoStream:
		expected = expectNoStream
	case *streams.AppendReq_Options_Any:
		expected = expectAny
	case *streams.AppendReq_Options_StreamExists:
		expected = expectStreamExists
	default:
		return status.Errorf(codes.InvalidArgument, "'%v' is not a valid ExpectedStreamRevisionOneofCase", e)
	}
	if stream == "" {
		return status.Error(codes.InvalidArgument, "'streamName' is a required argument of type System.String")
	}

	var (
		events []proposed
		size   int
	)
	for {
		msg, err := srv.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		pm := msg.GetProposedMessage()
		if pm == nil {
			return status.Error(codes.Unknown, "Exception was thrown by handler. InvalidOperationException")
		}
		typ, ok := pm.GetMetadata()["type"]
		if !ok {
			return missingMetadata(srv, "type")
		}
		contentType, ok := pm.GetMetadata()["content-type"]
		if !ok {
			return missingMetadata(srv, "content-type")
		}
		// The server counts an event as its data, its metadata and its
		// type (stored in UTF-16).
		eventSize := len(pm.GetData()) + len(pm.GetCustomMetadata()) + 2*len(typ)
		if limit := s.opts.MaxAppendEventSize; limit > 0 && eventSize > limit {
			id, _ := uuidFromProto(pm.GetId())
			return status.Errorf(codes.InvalidArgument, "Event with Id: %s, Size: %d, exceeds Maximum Append Event Size of %d.", id, eventSize, limit)
		}
		size += eventSize
		if size > s.opts.MaxAppendSize {
			_ = grpc.SetTrailer(srv.Context(), metadata.Pairs(
				"exception", "maximum-append-size-exceeded",
				"maximum-append-size", strconv.Itoa(s.opts.MaxAppendSize)))
			return status.Errorf(codes.InvalidArgument, "Maximum Append Size of %d Exceeded.", s.opts.MaxAppendSize)
		}
		id, err := uuidFromProto(pm.GetId())
		if err != nil {
			return status.Errorf(codes.InvalidArgument, "event id: %v", err)
		}
		events = append(events, proposed{
			id:   id,
			typ:  typ,
			json: contentType == "application/json",
			data: pm.GetData(),
			meta: pm.GetCustomMetadata(),
		})
	}

	if hook := s.opts.BeforeAppend; hook != nil {
		if err := hook(srv.Context(), stream); err != nil {
			return err
		}
	}
	if err := srv.Context().Err(); err != nil {
		return status.FromContextError(err).Err()
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Appends++
	ids := make([]uuid.UUID, len(events))
	for i, e := range events {
		ids[i] = e.id
	}
	decision, current, end := s.checkCommit(stream, expected, ids)
	switch decision {
	case decideOK:
		if len(events) == 0 {
			return srv.SendAndClose(success(current, nil))
		}
		last := s.write(stream, events)
		s.stats.Events += len(events)
		return srv.SendAndClose(success(int64(last.number), last))
	case decideIdempotent:
		return srv.SendAndClose(success(end, s.eventAt(stream, uint64(end))))
	default: // wrong expected version, corrupted idempotency
		return srv.SendAndClose(wrongExpectedVersion(opts, current))
	}
}

// checkCommit decides an append the way the server's index writer does:
// "any" and "stream exists" are idempotent when every id is already stored
// in the stream; a stale expected revision is idempotent when the events
// after it carry the proposed ids in order; otherwise a mismatch is a wrong
// expected version. It returns the decision, the stream's current revision
// and, for an idempotent append, the revision of the last stored event. The
// caller holds mu.
func (s *Server) checkCommit(stream string, expected int64, ids []uuid.UUID) (commitDecision, int64, int64) {
	current := s.lastNumber(stream)
	if expected == expectStreamExists && current < 0 {
		return decideWrongExpectedVersion, current, -1
	}
	if expected == expectAny || expected == expectStreamExists {
		first := true
		var end int64 = -1
		for _, id := range ids {
			info, ok := s.ids[id]
			if !ok || info.stream != stream {
				if first {
					return decideOK, current, -1
				}
				return decideCorruptedIdempotency, current, -1
			}
			end = int64(info.number)
			first = false
		}
		if first {
			return decideOK, current, -1
		}
		return decideIdempotent, current, end
	}
	if expected < current {
		n := expected
		for _, id := range ids {
			n++
			if r := s.eventAt(stream, uint64(n)); r != nil && r.id == id {
				continue
			}
			if n == expected+1 {
				return decideWrongExpectedVersion, current, -1
			}
			return decideCorruptedIdempotency, current, -1
		}
		if n == expected {
			return decideWrongExpectedVersion, current, -1
		}
		return decideIdempotent, current, n
	}
	if expected > current {
		return decideWrongExpectedVersion, current, -1
	}
	return decideOK, current, -1
}

func success(current int64, last *record) *streams.AppendResp {
	ok := &streams.AppendResp_Success{}
	if current < 0 {
		ok.CurrentRevisionOption = &streams.AppendResp_Success_NoStream{NoStream: &shared.Empty{}}
	} else {
		ok.CurrentRevisionOption = &streams.AppendResp_Success_CurrentRevision{CurrentRevision: uint64(current)}
	}
	if last == nil {
		ok.PositionOption = &streams.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}}
	} else {
		ok.PositionOption = &streams.AppendResp_Success_Position{Position: &streams.AppendResp_Position{
			CommitPosition: last.pos, PreparePosition: last.pos,
		}}
	}
	return &streams.AppendResp{Result: &streams.AppendResp_Success_{Success: ok}}
}

// wrongExpectedVersion fills both the current fields and the 20.6.0 ones, as
// the server does.
func wrongExpectedVersion(opts *streams.AppendReq_Options, current int64) *streams.AppendResp {
	w := &streams.AppendResp_WrongExpectedVersion{}
	switch e := opts.GetExpectedStreamRevision().(type) {
	case *streams.AppendReq_Options_Any:
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedAny{ExpectedAny: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_Any_20_6_0{Any_20_6_0: &shared.Empty{}}
	case *streams.AppendReq_Options_StreamExists:
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_StreamExists_20_6_0{StreamExists_20_6_0: &shared.Empty{}}
	case *streams.AppendReq_Options_NoStream:
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: ^uint64(0)}
	case *streams.AppendReq_Options_Revision:
		w.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: e.Revision}
		w.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: e.Revision}
	}
	if current < 0 {
		w.CurrentRevisionOption = &streams.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
		w.CurrentRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_NoStream_20_6_0{NoStream_20_6_0: &shared.Empty{}}
	} else {
		w.CurrentRevisionOption = &streams.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(current)}
		w.CurrentRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_CurrentRevision_20_6_0{CurrentRevision_20_6_0: uint64(current)}
	}
	return &streams.AppendResp{Result: &streams.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: w}}
}

func missingMetadata(srv streams.Streams_AppendServer, key string) error {
	_ = grpc.SetTrailer(srv.Context(), metadata.Pairs(
		"exception", "missing-required-metadata-property",
		"required-metadata-properties", "type,content-type"))
	return status.Errorf(codes.InvalidArgument, "Required Metadata Property '%s' is missing", key)
}

func uuidFromProto(u *shared.UUID) (uuid.UUID, error) {
	switch v := u.GetValue().(type) {
	case *shared.UUID_Structured_:
		var id uuid.UUID
		most, least := uint64(v.Structured.GetMostSignificantBits()), uint64(v.Structured.GetLeastSignificantBits())
		for i := range 8 {
			id[i] = byte(most >> (56 - 8*i))
			id[8+i] = byte(least >> (56 - 8*i))
		}
		return id, nil
	case *shared.UUID_String_:
		return uuid.Parse(v.String_)
	default:
		return uuid.Nil, fmt.Errorf("no id")
	}
}

func uuidToProto(id uuid.UUID, asString bool) *shared.UUID {
	if asString {
		return &shared.UUID{Value: &shared.UUID_String_{String_: id.String()}}
	}
	var most, least uint64
	for i := range 8 {
		most = most<<8 | uint64(id[i])
		least = least<<8 | uint64(id[8+i])
	}
	return &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
		MostSignificantBits: int64(most), LeastSignificantBits: int64(least),
	}}}
}
