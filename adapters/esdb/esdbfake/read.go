package esdbfake

import (
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// noPosition is what the server sends for a position it does not know: -1
// as an unsigned number.
const noPosition = math.MaxUint64

// errInvalidPosition is the server's answer to a $all read from a position
// that is not the start of a record.
var errInvalidPosition = status.Error(codes.InvalidArgument, "Trying to read from an invalid position.")

// Read follows the server's gRPC Read: a stream or $all, read or subscribed.
func (svc *streamsService) Read(req *streams.ReadReq, srv streams.Streams_ReadServer) error {
	if _, err := svc.s.route(srv.Context(), false); err != nil {
		return err
	}
	svc.s.mu.Lock()
	svc.s.stats.Reads++
	svc.s.mu.Unlock()
	o := req.GetOptions()
	if o == nil {
		return status.Error(codes.InvalidArgument, "'options' is a required argument")
	}
	if o.GetUuidOption() == nil {
		return status.Error(codes.InvalidArgument, "'uuidOption' is a required argument of type UUIDOption")
	}
	asString := o.GetUuidOption().GetString_() != nil
	f, err := newFilter(o.GetFilter())
	if err != nil {
		return err
	}
	backwards := o.GetReadDirection() == streams.ReadReq_Options_Backwards
	_, subscribe := o.GetCountOption().(*streams.ReadReq_Options_Subscription)
	count := o.GetCount()

	switch so := o.GetStreamOption().(type) {
	case *streams.ReadReq_Options_Stream:
		if subscribe {
			return status.Error(codes.Unimplemented, "esdbfake: stream subscriptions are not modelled")
		}
		if f != nil {
			return status.Error(codes.InvalidArgument, "The combination of (Stream, Count, Forwards, Filter) is invalid.")
		}
		return svc.readStream(srv, so.Stream, backwards, count, asString)
	case *streams.ReadReq_Options_All:
		if subscribe {
			if backwards {
				return status.Error(codes.InvalidArgument, "The combination of (All, Subscription, Backwards) is invalid.")
			}
			return svc.subscribeAll(srv, so.All, f, asString)
		}
		return svc.readAll(srv, so.All, backwards, count, f, asString)
	default:
		return status.Errorf(codes.InvalidArgument, "'%v' is not a valid StreamOptionOneofCase", so)
	}
}

func (svc *streamsService) readStream(srv streams.Streams_ReadServer, o *streams.ReadReq_Options_StreamOptions, backwards bool, count uint64, asString bool) error {
	s := svc.s
	name := string(o.GetStreamIdentifier().GetStreamName())
	s.mu.Lock()
	idx := s.streams[name]
	var out []*record
	if len(idx) > 0 {
		last := uint64(len(idx) - 1)
		var from uint64
		switch r := o.GetRevisionOption().(type) {
		case *streams.ReadReq_Options_StreamOptions_Revision:
			from = r.Revision
		case *streams.ReadReq_Options_StreamOptions_End:
			from = last
			if !backwards {
				from = last + 1
			}
		default: // start
			from = 0
		}
		if backwards {
			if from > last {
				from = last
			}
			for n := int64(from); n >= 0 && uint64(len(out)) < count; n-- {
				out = append(out, s.log[idx[n]])
			}
		} else {
			for n := from; n <= last && uint64(len(out)) < count; n++ {
				out = append(out, s.log[idx[n]])
			}
		}
	}
	s.mu.Unlock()
	if len(idx) == 0 {
		return srv.Send(&streams.ReadResp{Content: &streams.ReadResp_StreamNotFound_{
			StreamNotFound: &streams.ReadResp_StreamNotFound{StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(name)}},
		}})
	}
	for _, r := range out {
		if err := srv.Send(s.readEvent(r, asString, !s.opts.NoStreamReadPositions)); err != nil {
			return err
		}
	}
	return nil
}

// readAll reads $all. Forwards, the start position is inclusive; backwards,
// it is the end of the last record to return.
func (svc *streamsService) readAll(srv streams.Streams_ReadServer, o *streams.ReadReq_Options_AllOptions, backwards bool, count uint64, f *filter, asString bool) error {
	s := svc.s
	s.mu.Lock()
	var out []*record
	if backwards {
		i := len(s.log) - 1
		if p := o.GetPosition(); p != nil && p.GetCommitPosition() < s.end {
			if _, ok := s.byPos[p.GetCommitPosition()]; !ok {
				s.mu.Unlock()
				return errInvalidPosition
			}
			i = s.byPos[p.GetCommitPosition()] - 1
		}
		if o.GetStart() != nil {
			i = -1
		}
		for ; i >= 0 && uint64(len(out)) < count; i-- {
			if r := s.log[i]; r.event && f.allows(r) {
				out = append(out, r)
			}
		}
	} else {
		i, err := s.indexFrom(o)
		if err != nil {
			s.mu.Unlock()
			return err
		}
		for ; i < len(s.log) && uint64(len(out)) < count; i++ {
			if r := s.log[i]; r.event && f.allows(r) {
				out = append(out, r)
			}
		}
	}
	s.mu.Unlock()
	for _, r := range out {
		if err := srv.Send(s.readEvent(r, asString, true)); err != nil {
			return err
		}
	}
	return nil
}

// indexFrom is the index in the log of the first record at or after a
// forward $all read's start. The caller holds mu.
func (s *Server) indexFrom(o *streams.ReadReq_Options_AllOptions) (int, error) {
	switch {
	case o.GetEnd() != nil:
		return len(s.log), nil
	case o.GetPosition() != nil:
		p := o.GetPosition()
		c := p.GetCommitPosition()
		if c >= s.end {
			return len(s.log), nil // past the end: nothing, no error
		}
		i, ok := s.byPos[c]
		if !ok {
			return 0, errInvalidPosition
		}
		if p.GetPreparePosition() > c {
			i++ // (c, p) is after the self-committed record at c
		}
		return i, nil
	default:
		return 0, nil
	}
}

func (s *Server) readEvent(r *record, asString, withPosition bool) *streams.ReadResp {
	contentType := "application/octet-stream"
	if r.json {
		contentType = "application/json"
	}
	commit, prepare := r.pos, r.pos
	if !withPosition {
		commit, prepare = noPosition, noPosition
	}
	ev := &streams.ReadResp_ReadEvent{
		Event: &streams.ReadResp_ReadEvent_RecordedEvent{
			Id:               uuidToProto(r.id, asString),
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
			StreamRevision:   r.number,
			PreparePosition:  prepare,
			CommitPosition:   commit,
			Metadata: map[string]string{
				"type":         r.typ,
				"content-type": contentType,
				// .NET ticks (100 ns) since the Unix epoch.
				"created": strconv.FormatInt(r.created.UnixNano()/100, 10),
			},
			CustomMetadata: r.meta,
			Data:           r.data,
		},
	}
	if withPosition {
		ev.Position = &streams.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.pos}
	} else {
		ev.Position = &streams.ReadResp_ReadEvent_NoPosition{NoPosition: &shared.Empty{}}
	}
	return &streams.ReadResp{Content: &streams.ReadResp_Event{Event: ev}}
}

// subscription is one open subscription to $all.
type subscription struct {
	dropped chan struct{}
}

func (sub *subscription) drop() { close(sub.dropped) }

// subscribeAll follows the server's catch-up subscription to $all: a
// confirmation, the history after the start, a caught-up message, then live
// events, all through the filter. Checkpoints come every window *
// multiplier events considered, as on a filtered subscription.
func (svc *streamsService) subscribeAll(srv streams.Streams_ReadServer, o *streams.ReadReq_Options_AllOptions, f *filter, asString bool) error {
	s := svc.s
	ctx := srv.Context()

	s.mu.Lock()
	var next int
	switch {
	case o.GetEnd() != nil:
		next = len(s.log)
	case o.GetPosition() != nil:
		// The server reads one event from the start position and goes on
		// after it: the first event at or after the position is skipped.
		i, err := s.indexFrom(o)
		if err != nil {
			s.mu.Unlock()
			return status.Error(codes.Unknown, "Exception was thrown by handler. InvalidReadException")
		}
		for i < len(s.log) && !s.log[i].event {
			i++
		}
		if i < len(s.log) {
			i++
		}
		next = i
	}
	sub := &subscription{dropped: make(chan struct{})}
	s.subs[sub] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.subs, sub)
		s.mu.Unlock()
	}()

	if err := srv.Send(&streams.ReadResp{Content: &streams.ReadResp_Confirmation{
		Confirmation: &streams.ReadResp_SubscriptionConfirmation{SubscriptionId: uuid.NewString()},
	}}); err != nil {
		return err
	}

	interval := f.checkpointInterval()
	considered := 0
	caughtUp := false
	for {
		s.mu.Lock()
		batch := s.log[next:]
		changed := s.changed
		next = len(s.log)
		s.mu.Unlock()

		for _, r := range batch {
			if !r.event {
				continue
			}
			select {
			case <-sub.dropped:
				return errDropped
			default:
			}
			if f.allows(r) {
				if err := srv.Send(s.readEvent(r, asString, true)); err != nil {
					return err
				}
			}
			if f != nil {
				considered++
				if considered%interval == 0 {
					// Filtered subscriptions send prepare position 0 in
					// checkpoints, as the server does.
					if err := srv.Send(&streams.ReadResp{Content: &streams.ReadResp_Checkpoint_{
						Checkpoint: &streams.ReadResp_Checkpoint{CommitPosition: r.pos},
					}}); err != nil {
						return err
					}
				}
			}
		}
		if !caughtUp {
			caughtUp = true
			if err := srv.Send(&streams.ReadResp{Content: &streams.ReadResp_CaughtUp_{CaughtUp: &streams.ReadResp_CaughtUp{}}}); err != nil {
				return err
			}
		}
		select {
		case <-changed:
		case <-sub.dropped:
			return errDropped
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	}
}

var errDropped = status.Error(codes.Aborted, "Consumer too slow to handle event while live. Client resubscription required.")

// filter is a server-side filter on stream names or event types. A nil
// filter allows everything.
type filter struct {
	onType   bool
	prefixes []string
	re       *regexp.Regexp
	window   int
	multiply int
}

func newFilter(o *streams.ReadReq_Options_FilterOptions) (*filter, error) {
	if o == nil {
		return nil, nil
	}
	f := &filter{window: 32, multiply: int(o.GetCheckpointIntervalMultiplier())}
	var expr *streams.ReadReq_Options_FilterOptions_Expression
	switch e := o.GetFilter().(type) {
	case *streams.ReadReq_Options_FilterOptions_StreamIdentifier:
		expr = e.StreamIdentifier
	case *streams.ReadReq_Options_FilterOptions_EventType:
		expr, f.onType = e.EventType, true
	default:
		return nil, status.Errorf(codes.InvalidArgument, "'%v' is not a valid FilterOneofCase", e)
	}
	if re := expr.GetRegex(); re != "" {
		compiled, err := regexp.Compile(re)
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "filter regex: %v", err)
		}
		f.re = compiled
	} else {
		f.prefixes = append([]string(nil), expr.GetPrefix()...)
		sort.Strings(f.prefixes)
	}
	if m := o.GetMax(); m > 0 {
		f.window = int(m)
	}
	if f.multiply <= 0 {
		f.multiply = 1
	}
	return f, nil
}

func (f *filter) allows(r *record) bool {
	if f == nil {
		return true
	}
	subject := r.stream
	if f.onType {
		subject = r.typ
	}
	if f.re != nil {
		return f.re.MatchString(subject)
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(subject, p) {
			return true
		}
	}
	return false
}

func (f *filter) checkpointInterval() int {
	if f == nil {
		return math.MaxInt
	}
	return f.window * f.multiply
}
