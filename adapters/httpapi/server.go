package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/masteryledger/ledger/adapters/credential"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"
	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/efficacy"
	"github.com/masteryledger/ledger/projections/review"
)

// MaxBodyBytes is the largest request body accepted; larger is 413.
const MaxBodyBytes = 1 << 20

// EventReader is what the adapter reads raw events with.
type EventReader interface {
	ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]domain.RecordedEvent, error)
	ReadAll(ctx context.Context, after uint64, limit int) ([]domain.RecordedEvent, error)
}

// Waiter is the projection engine as the adapter sees it: after a write it
// waits until the read model has applied the write, so a client reads its
// own writes.
type Waiter interface {
	WaitFor(ctx context.Context, pos uint64) error
}

// PersonalData is what the adapter needs of the key store that learners'
// profiles are sealed under (adapters/keystore).
type PersonalData interface {
	// Open returns the profile a stored LearnerProfileUpdated holds,
	// decrypted. Its error is a *domain.RuleError with
	// RulePersonalDataErased once the learner's key is destroyed.
	Open(ctx context.Context, e domain.RecordedEvent) (domain.Profile, error)
	// Destroy destroys the learner's key; destroying twice is no error.
	Destroy(ctx context.Context, learnerID string) error
}

// Config holds what the handler needs. Service, View, Efficacy, Events,
// Projection and Tokens are required.
type Config struct {
	Service    *service.Service
	View       *projections.View
	Events     EventReader
	Projection Waiter
	Efficacy   *efficacy.Projection
	// Reviews is the practice reviews' read model, a model of the engine
	// behind Projection; without it the practice review routes answer 500.
	Reviews *review.Projection
	Tokens  *Tokens
	// Research makes every copy a researcher reads (the feed, the efficacy
	// report). It must be a model of the engine behind Projection, so that
	// it knows every learner the copies may name. Required for researchers.
	Research *research.View
	// Log is the transparency log; without it the /v1/log routes answer
	// 503.
	Log TransparencyLog
	// Personal opens sealed profiles and destroys erased learners' keys.
	// Required for the profile read and the erasure.
	Personal PersonalData
	// XAPI is the xAPI statement resource; without it its routes answer
	// 503.
	XAPI XAPI
	// Metrics, if set, records request metrics.
	Metrics *Metrics
	// Ready reports whether the service can serve: the store is open and
	// the projections have caught up. Nil means always ready.
	Ready func(ctx context.Context) error
	// StartPosition is the store's last position when the service started.
	// Until the read model has applied it, API requests wait for it (up to
	// ReadYourWritesTimeout, then 503), so a restarted service never
	// answers from a half-rebuilt model; /healthz answers at once.
	StartPosition uint64
	// ReadYourWritesTimeout bounds how long a write waits for the read
	// model before answering. Default 5 s.
	ReadYourWritesTimeout time.Duration
	// Secure says the service is reached over HTTPS (serve --tls-cert, or
	// a proxy that ends TLS in front of it). The session cookie of the
	// pages is to carry the Secure attribute when it is set; the API sets
	// no cookie.
	Secure bool
	// Credentials signs the OB 3.0 credentials of met standards (and the
	// revocation list); without it, or without Log, the credential routes
	// answer 503.
	Credentials *credential.Issuer
	// PublicURL is the ledger's address as verifiers reach it, e.g.
	// "https://ledger.school.example": credentials name their revocation
	// list and hand-written standards under it, for good.
	PublicURL string
	Logger    *slog.Logger
}

// Server is the HTTP adapter.
type Server struct {
	cfg    Config
	router *mux.Router
	// started is set once the read model has applied StartPosition. The
	// engine's position never goes back, so from then on no request needs
	// to ask it (and pay for a timer) before it is served.
	started atomic.Bool
	// caseParser holds the CASE schema, compiled at the first import
	// rather than at every start (imports_case.go).
	caseParser caseParser
	// statusList is the signed revocation list, until it changes.
	statusList statusListCache
}

// NewServer returns the service's HTTP handler.
func NewServer(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ReadYourWritesTimeout <= 0 {
		cfg.ReadYourWritesTimeout = 5 * time.Second
	}
	s := &Server{cfg: cfg, router: mux.NewRouter()}
	s.router.NotFoundHandler = s.wrap(route{name: "not found"}, func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("no route %s %s: %w", r.Method, r.URL.Path, domain.ErrNotFound)
	})
	s.router.MethodNotAllowedHandler = s.wrap(route{name: "method not allowed"}, func(w http.ResponseWriter, r *http.Request) error {
		return &methodNotAllowed{method: r.Method, path: r.URL.Path}
	})
	for _, rt := range s.routes() {
		methods := []string{rt.method}
		if rt.method == http.MethodGet && strings.HasPrefix(rt.path, "/xapi/") {
			methods = append(methods, http.MethodHead) // xAPI asks for HEAD wherever GET is
		}
		s.router.Handle(rt.path, s.wrap(rt, rt.handle)).Methods(methods...)
	}
	return s
}

type methodNotAllowed struct{ method, path string }

func (e *methodNotAllowed) Error() string {
	return fmt.Sprintf("%s is not allowed on %s", e.method, e.path)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Routes lists every route as "METHOD /path/{var}", for the OpenAPI check.
func (s *Server) Routes() []string {
	var out []string
	for _, rt := range s.routes() {
		out = append(out, rt.method+" "+rt.path)
	}
	return out
}

type route struct {
	method, path string
	name         string
	public       bool // no token needed
	// rule is who may call it (adapters/access, shared with the pages).
	rule   access.Rule
	handle func(http.ResponseWriter, *http.Request) error
	// maxBody, if set, is the route's own body limit in place of
	// MaxBodyBytes: an import's file is larger than any command.
	maxBody int64
	// basic admits HTTP Basic credentials beside Bearer (the xAPI
	// resource, whose clients send Basic).
	basic bool
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// wrap gives every route the same treatment: a request id and logger, a
// body limit, metrics, authentication, authorisation, and one error path.
func (s *Server) wrap(rt route, h func(http.ResponseWriter, *http.Request) error) http.Handler {
	name := rt.name
	if name == "" {
		name = rt.method + " " + rt.path
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || !idPattern.MatchString(id) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		// One context value carries the request's id, logger and, once
		// authorize has found it, principal, so that the request is copied
		// once for all of them.
		info := &requestInfo{id: id, route: name, base: s.cfg.Logger}
		r = r.WithContext(context.WithValue(r.Context(), requestKey{}, info))
		limit := int64(MaxBodyBytes)
		if rt.maxBody > 0 {
			limit = rt.maxBody
		}
		body := &trackedBody{ReadCloser: http.MaxBytesReader(w, r.Body, limit), unread: r.ContentLength != 0}
		r.Body = body
		sw := &statusWriter{ResponseWriter: w, r: r, body: body}

		// A body declared over the limit is refused before a byte of it is
		// read: reading it to find out would let a client that sends
		// less than it declares hold the request open.
		var err error
		if r.ContentLength > limit {
			err = &http.MaxBytesError{Limit: limit}
		}
		if err == nil {
			err = s.caughtUp(r, rt)
		}
		if err == nil {
			err = s.authorize(r, rt)
		}
		if err == nil {
			err = h(sw, r)
		}
		if err != nil {
			writeError(sw, r, err)
		}
		if sw.closing && body.unread {
			// net/http reads what is left of a body when it closes it, even
			// on a connection it is about to close; a deadline already past
			// makes that read end at once, and the connection with it.
			_ = http.NewResponseController(w).SetReadDeadline(time.Unix(1, 0))
		}
		if s.cfg.Metrics != nil {
			s.cfg.Metrics.observeRequest(name, sw.status(), time.Since(start))
		}
		// Checked first, so that a server logging at Info builds neither the
		// request's logger nor the line's attributes.
		if s.cfg.Logger.Enabled(context.Background(), slog.LevelDebug) {
			info.logger().Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status(), "duration", time.Since(start))
		}
	})
}

// caughtUp waits, for an API route, until the read model has applied what
// was stored when the service started.
func (s *Server) caughtUp(r *http.Request, rt route) error {
	if rt.public || rt.handle == nil || s.cfg.StartPosition == 0 || s.started.Load() {
		return nil
	}
	if err := s.waitApplied(r.Context(), s.cfg.StartPosition); err != nil {
		return &notReady{err}
	}
	s.started.Store(true)
	return nil
}

// authorize checks the token, the role and the scope of a route.
func (s *Server) authorize(r *http.Request, rt route) error {
	if rt.public || rt.handle == nil {
		return nil
	}
	authenticate := s.cfg.Tokens.authenticate
	if rt.basic {
		authenticate = s.cfg.Tokens.authenticateTool
	}
	p, err := authenticate(r)
	if err != nil {
		return err
	}
	setPrincipal(r.Context(), p)
	err = access.Authorize(p, rt.rule, rt.method+" "+rt.path, mux.Vars(r), s.cfg.View)
	var bad *access.InvalidIDError
	if errors.As(err, &bad) {
		return &badRequest{Field: bad.Field, Message: bad.Message}
	}
	return err
}

func checkID(field, id string) error {
	var bad *access.InvalidIDError
	if err := access.CheckID(field, id); errors.As(err, &bad) {
		return &badRequest{Field: bad.Field, Message: bad.Message}
	}
	return nil
}

// statusWriter remembers the status code for metrics and logs, and closes
// the connection after an answer given before the request's body was read.
type statusWriter struct {
	http.ResponseWriter
	r       *http.Request
	body    *trackedBody
	code    int
	closing bool // the answer asked for the connection to be closed
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
		w.closeIfBodyUnread()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
		w.closeIfBodyUnread()
	}
	return w.ResponseWriter.Write(b)
}

// closeIfBodyUnread asks for the connection to be closed after the answer
// if the request's body has not been read to its end (a 401, 403 or 413
// answered before it). Otherwise net/http would read what is left of the
// body before answering, to keep the connection alive, at whatever pace
// the client sends it. HTTP/2 ends the stream instead, and forbids the
// header.
func (w *statusWriter) closeIfBodyUnread() {
	if w.body != nil && w.body.unread && w.r.ProtoMajor == 1 {
		w.ResponseWriter.Header().Set("Connection", "close")
		w.closing = true
	}
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// trackedBody knows whether its request's body has been read to the end.
type trackedBody struct {
	io.ReadCloser
	unread bool // a body was sent and has not yet been read to its end
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) {
		b.unread = false
	}
	return n, err
}

type requestKey struct{}

// requestInfo is what wrap knows of a request. Only the request's own
// goroutine reads or writes it.
type requestInfo struct {
	id, route string
	base      *slog.Logger
	log       *slog.Logger // base with the id and route, made on first use
	principal Principal    // set by authorize
}

// logger returns the request's logger. Most requests log nothing, so it is
// made when first asked for, not for every request.
func (info *requestInfo) logger() *slog.Logger {
	if info.log == nil {
		info.log = info.base.With("requestId", info.id, "route", info.route)
	}
	return info.log
}

func requestFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestKey{}).(*requestInfo)
	return info
}

func requestID(ctx context.Context) string {
	if info := requestFrom(ctx); info != nil {
		return info.id
	}
	return ""
}

func loggerFrom(ctx context.Context) *slog.Logger {
	if info := requestFrom(ctx); info != nil && info.base != nil {
		return info.logger()
	}
	return slog.New(slog.DiscardHandler)
}
