package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/adapters/oneroster"
	"github.com/masteryledger/ledger/adapters/translog"
	"github.com/masteryledger/ledger/domain"
)

// Problem is an RFC 9457 problem document, with the ledger's extensions.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance,omitempty"`
	// RequestID ties the response to the service's log lines.
	RequestID string `json:"requestId,omitempty"`
	// Errors names each field at fault.
	Errors []domain.FieldError `json:"errors"`
	// Rule is the broken invariant's stable code, on a 422.
	Rule string `json:"rule,omitempty"`
	// MissingComponents lists, sorted, what an agreement still lacks.
	MissingComponents []string `json:"missingComponents,omitempty"`
	// CurrentRevision is the stream's last revision, on a stale If-Match.
	CurrentRevision *int64 `json:"currentRevision,omitempty"`
}

// Errors the adapter itself raises. Each maps to one status.
var (
	// ErrUnauthorized is wrapped by every refusal of a token: missing,
	// unknown or expired (401).
	ErrUnauthorized = errors.New("a valid bearer token is required")
	errUnauthorized = ErrUnauthorized
	errForbidden    = access.ErrForbidden
)

// badRequest is a request the adapter could not read: a malformed body,
// path id, query parameter or header. Field names where.
type badRequest struct {
	Field   string
	Message string
}

func (e *badRequest) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// forbidden says why a principal may not do what it asked.
func forbidden(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errForbidden}, args...)...)
}

// problemFor is the one place that maps an error to a status. Anything it
// does not know is an internal error: logged in full, answered in general.
func problemFor(err error) (p Problem, internal bool) {
	var (
		validation *domain.ValidationError
		bad        *badRequest
		tooLarge   *http.MaxBytesError
		wrong      *domain.WrongExpectedRevisionError
		idConflict *domain.EventIDConflictError
		rule       *domain.RuleError
		method     *methodNotAllowed
		unready    *notReady
	)
	p.Errors = []domain.FieldError{}
	switch {
	case errors.As(err, &tooLarge):
		p.Status, p.Type = http.StatusRequestEntityTooLarge, "too-large"
		p.Detail = fmt.Sprintf("the request body is over the limit of %d bytes", tooLarge.Limit)
	case errors.Is(err, oneroster.ErrArchiveTooLarge):
		p.Status, p.Type, p.Detail = http.StatusRequestEntityTooLarge, "too-large", err.Error()
	case errors.As(err, &validation):
		p.Status, p.Type, p.Detail = http.StatusBadRequest, "invalid", "the request has malformed fields"
		p.Errors = append(p.Errors, validation.Errors...)
	case errors.As(err, &bad):
		p.Status, p.Type, p.Detail = http.StatusBadRequest, "invalid", bad.Error()
		if bad.Field != "" {
			p.Errors = append(p.Errors, domain.FieldError{Field: bad.Field, Message: bad.Message})
		}
	case errors.As(err, &unready):
		p.Status, p.Type, p.Detail = http.StatusServiceUnavailable, "not-ready", unready.Error()
	case errors.As(err, &method):
		p.Status, p.Type, p.Detail = http.StatusMethodNotAllowed, "method-not-allowed", method.Error()
	case errors.Is(err, errUnauthorized):
		p.Status, p.Type, p.Detail = http.StatusUnauthorized, "unauthorized", err.Error()
	case errors.Is(err, errForbidden):
		p.Status, p.Type, p.Detail = http.StatusForbidden, "forbidden", err.Error()
	case errors.As(err, &rule):
		p.Status, p.Type, p.Detail = http.StatusUnprocessableEntity, "rule-broken", rule.Message
		p.Rule, p.MissingComponents = rule.Rule, rule.MissingComponents
	case errors.As(err, &wrong):
		p.Status, p.Type, p.Detail = http.StatusConflict, "stale-revision", err.Error()
		if wrong.Actual != domain.NoRevision {
			actual := wrong.Actual
			p.CurrentRevision = &actual
		}
	case errors.As(err, &idConflict):
		p.Status, p.Type, p.Detail = http.StatusConflict, "event-id-reused", err.Error()
	case errors.Is(err, domain.ErrConflict):
		p.Status, p.Type, p.Detail = http.StatusConflict, "conflict", err.Error()
	case errors.Is(err, domain.ErrNotFound), errors.Is(err, translog.ErrNotInLog):
		p.Status, p.Type, p.Detail = http.StatusNotFound, "not-found", err.Error()
	case errors.Is(err, domain.ErrInvalid):
		p.Status, p.Type, p.Detail = http.StatusBadRequest, "invalid", err.Error()
	case errors.Is(err, domain.ErrStorageFull), errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		// Before ErrUnavailable: a full disk needs someone to free space,
		// not a retry in a moment. Reads keep working meanwhile.
		p.Status, p.Type = http.StatusServiceUnavailable, "storage-full"
		p.Detail = "the disk holding the ledger's data is full: nothing was written; reads still work; retry with the same eventId once space is freed"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, domain.ErrClosed), errors.Is(err, domain.ErrUnavailable), errors.Is(err, errNoLog):
		p.Status, p.Type, p.Detail = http.StatusServiceUnavailable, "unavailable", "the ledger is busy or shutting down; retry with the same eventId"
	default:
		p.Status, p.Type, p.Detail = http.StatusInternalServerError, "internal", "an internal error occurred; the request id identifies it in the service's log"
		internal = true
	}
	p.Title = http.StatusText(p.Status)
	p.Type = "urn:mastery-ledger:problem:" + p.Type
	return p, internal
}

// errNoLog answers the log routes of a server run without a log.
var errNoLog = fmt.Errorf("this server keeps no transparency log: %w", domain.ErrUnavailable)

// writeError answers err as a problem document.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	p, internal := problemFor(err)
	p.Instance = r.URL.Path
	p.RequestID = requestID(r.Context())
	log := loggerFrom(r.Context())
	if internal {
		log.Error("request failed", "err", err.Error())
	} else {
		log.Info("request refused", "status", p.Status, "err", err.Error())
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="mastery-ledger"`)
	}
	// A store that knows when a retry can succeed says so (the
	// EventStoreDB adapter's claim of an event id by an append that has
	// not completed): whole seconds, rounded up.
	var later interface{ RetryAfter() time.Duration }
	if p.Status == http.StatusServiceUnavailable && errors.As(err, &later) {
		secs := max(int64((later.RetryAfter()+time.Second-1)/time.Second), 1)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		log.Debug("write problem", "err", err.Error())
	}
}

func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	// Stored event data is printed byte for byte, so an auditor can hash
	// what they read (docs/hash-chain.md).
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		loggerFrom(r.Context()).Debug("write response", "err", err.Error())
	}
}
