package esdb

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	esdbc "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/masteryledger/ledger/domain"
)

// code is the client's error code of err, and whether err is the client's.
// (esdbc.FromError cannot tell: it answers ok == false for every error.)
func code(err error) (esdbc.ErrorCode, bool) {
	var e *esdbc.Error
	if !errors.As(err, &e) {
		return 0, false
	}
	return e.Code(), true
}

func isWrongExpectedVersion(err error) bool {
	c, ok := code(err)
	return ok && c == esdbc.ErrorCodeWrongExpectedVersion
}

// isStreamNotFound reports the answer to a read of a stream that does not
// exist.
func isStreamNotFound(err error) bool {
	c, ok := code(err)
	return ok && c == esdbc.ErrorCodeResourceNotFound
}

// currentRevision matches the actual revision in the client's message for a
// wrong expected version: "expecting '…' but got '…'". The client keeps the
// server's number only in that text.
var currentRevision = regexp.MustCompile(`but got '([^']*)'`)

// actualRevision is the stream's revision that a wrong-expected-version
// error reports, domain.NoRevision for "no_stream".
func actualRevision(err error) (int64, bool) {
	m := currentRevision.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, false
	}
	if m[1] == "no_stream" {
		return domain.NoRevision, true
	}
	n, perr := strconv.ParseInt(m[1], 10, 64)
	if perr != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// isInvalidPosition reports the server's refusal of a $all read from a
// position that is not the start of a record: InvalidArgument on current
// servers, Unknown "…InvalidPosition" or an invalid read on older ones.
func isInvalidPosition(err error) bool {
	st, ok := status.FromError(err)
	if !ok {
		var e *esdbc.Error
		if !errors.As(err, &e) {
			return false
		}
		if st, ok = status.FromError(e.Err()); !ok {
			return false
		}
	}
	msg := strings.ToLower(st.Message())
	switch st.Code() {
	case codes.InvalidArgument, codes.OutOfRange:
		return strings.Contains(msg, "position")
	case codes.Unknown:
		return strings.Contains(msg, "invalidposition") || strings.Contains(msg, "invalidread")
	}
	return false
}

// isMaxAppendSize reports the server's refusal of an append larger than its
// MaxAppendSize setting ("Maximum Append Size of N Exceeded."), or, since
// 25.0, of one event larger than its MaxAppendEventSize setting ("Event with
// Id: …, Size: …, exceeds Maximum Append Event Size of N."). The client
// keeps only the text, with code Unknown.
func isMaxAppendSize(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Maximum Append Size") || strings.Contains(msg, "Maximum Append Event Size")
}
