package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"
	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/adapters/httpapi"
	"github.com/masteryledger/ledger/adapters/research"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
	"github.com/masteryledger/ledger/projections"
	"github.com/masteryledger/ledger/projections/efficacy"
	"github.com/masteryledger/ledger/projections/review"
)

// Config holds what the pages need. View and Tokens are required.
type Config struct {
	// View is the read model the API reads too.
	View *projections.View
	// Service is the command service the API writes through; the forms
	// of the workspace write through it too. Without it the pages offer
	// no form, and the forms' paths are 404 pages.
	Service *service.Service
	// WriteTimeout bounds how long a form's write waits for the read
	// model to show it before the page it leads to is sent (the API's
	// ReadYourWritesTimeout). Default 5 s.
	WriteTimeout time.Duration
	// Efficacy is the efficacy projection the API reads; without it the
	// efficacy page is a 500 page.
	Efficacy *efficacy.Projection
	// Reviews is the practice reviews' read model the API reads; without
	// it the reviews page is a 500 page.
	Reviews *review.Projection
	// Research makes the copy of the efficacy figures a researcher sees,
	// as the API's (httpapi.Config.Research); without it a researcher's
	// efficacy page is a 500 page, never the raw figures.
	Research *research.View
	// Tokens is the API's token table: a sign-in checks a token against
	// it, and every request of a session checks again that the token
	// still holds.
	Tokens *httpapi.Tokens
	// Secure marks the session cookie Secure: set it when clients reach
	// the service over HTTPS (httpapi.Config.Secure).
	Secure bool
	// Projection and StartPosition: until the read model has applied the
	// store's last position at start, a page waits for it (up to
	// StartTimeout, then the 503 page), so a restarted service never shows
	// a half-rebuilt record, as the API does (httpapi.Config). A form's
	// write waits on Projection too, so the page it leads to shows it.
	Projection    httpapi.Waiter
	StartPosition uint64
	// StartTimeout bounds that wait. Default 5 s.
	StartTimeout time.Duration
	// Credentials, if set, issues the OB 3.0 credentials the transcript
	// page offers for download (the API's server is one); without it the
	// page offers none.
	Credentials Credentials
	// Metrics, if set, counts page requests beside the API's.
	Metrics *httpapi.Metrics
	Logger  *slog.Logger
	// Now is the clock of session expiry. Default time.Now.
	Now func() time.Time
	// SessionIdle ends a session unused this long. Default 30 minutes.
	SessionIdle time.Duration
	// SessionMaxAge ends a session this old, however used. Default 12 hours.
	SessionMaxAge time.Duration
	// MaxSessions caps the sessions held; beyond it the one unused the
	// longest ends. Default 10000.
	MaxSessions int
}

// Server serves the pages.
type Server struct {
	cfg       Config
	templates *templates
	sessions  *sessions
	cop       *http.CrossOriginProtection
	router    *mux.Router
	// started is set once the read model has applied StartPosition; its
	// position never goes back, so no later request needs to ask.
	started atomic.Bool
	// reports keeps the efficacy page's reports until their school's
	// figures change.
	reports *reportCache
}

// reportCacheSize bounds the efficacy reports a Server keeps: a school's
// default page and a few filters each, for a few dozen schools. A report
// is some tens of kilobytes whatever the size of the school.
const reportCacheSize = 128

// Errors a page answers with, each mapped to one status in statusOf.
var (
	// errSignedOut: the page needs a session and there is none (401).
	errSignedOut = errors.New("sign in to open this page")
	// errBadCSRF: a form came without its session's CSRF token (403).
	errBadCSRF = fmt.Errorf("%w: the form is out of date or did not come from this site; open the page again and retry", access.ErrForbidden)
	// errBadForm: a form that could not be read, too large or malformed
	// (400).
	errBadForm = errors.New("the form could not be read")
	// errStarting: the read model is still catching up after a start (503).
	errStarting = errors.New("the ledger is starting")
	// errMethod: the path exists but not for this method (405).
	errMethod = errors.New("this page does not take that method")
)

// New parses every template and returns the pages' handler. Returns an
// error if a template does not parse or a required field is missing.
func New(cfg Config) (*Server, error) {
	if cfg.View == nil || cfg.Tokens == nil {
		return nil, errors.New("web: View and Tokens are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 30 * time.Minute
	}
	if cfg.SessionMaxAge <= 0 {
		cfg.SessionMaxAge = 12 * time.Hour
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 5 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 5 * time.Second
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 10000
	}
	t, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		templates: t,
		sessions:  newSessions(cfg.Now, cfg.SessionIdle, cfg.SessionMaxAge, cfg.MaxSessions),
		reports:   newReportCache(reportCacheSize),
		cop:       http.NewCrossOriginProtection(),
		router:    mux.NewRouter(),
	}
	for _, p := range s.pages() {
		if _, ok := t.byName[p.template]; !ok {
			return nil, fmt.Errorf("web: page %s names template %q, which does not exist", p.path, p.template)
		}
		s.router.Handle(p.path, s.wrap("GET "+p.path, s.page(p))).Methods(http.MethodGet, http.MethodHead)
	}
	if cfg.Service != nil {
		for _, f := range s.forms() {
			if _, ok := t.byName[f.template]; !ok {
				return nil, fmt.Errorf("web: form %s names template %q, which does not exist", f.path, f.template)
			}
			h := s.formHandler(f)
			s.router.Handle(f.path, s.wrap("GET "+f.path, h)).Methods(http.MethodGet, http.MethodHead)
			s.router.Handle(f.path, s.wrap("POST "+f.path, h)).Methods(http.MethodPost)
		}
	}
	s.router.Handle(trailPath+"/replay.json", s.wrap("GET "+trailPath+"/replay.json", s.trailJSON)).Methods(http.MethodGet, http.MethodHead)
	// The transcript's OB 3.0 file is JSON, not a page of the table.
	s.router.Handle("/learners/{learnerId}/transcript.ob3.json", s.wrap("GET /learners/{learnerId}/transcript.ob3.json", s.transcriptDownload)).Methods(http.MethodGet, http.MethodHead)
	s.router.Handle("/learners/{learnerId}/standards/{standardId}/credential.jwt", s.wrap("GET /learners/{learnerId}/standards/{standardId}/credential.jwt", s.credentialDownload)).Methods(http.MethodGet, http.MethodHead)
	s.router.Handle("/", s.wrap("GET /", s.home)).Methods(http.MethodGet, http.MethodHead)
	s.router.Handle("/session", s.wrap("POST /session", s.signIn)).Methods(http.MethodPost)
	s.router.Handle("/session/end", s.wrap("POST /session/end", s.signOut)).Methods(http.MethodPost)
	s.router.PathPrefix("/static/").Handler(s.wrap("GET /static/", s.static)).Methods(http.MethodGet, http.MethodHead)
	s.router.NotFoundHandler = s.wrap("page not found", func(w http.ResponseWriter, r *http.Request, _ *signedIn) error {
		return fmt.Errorf("no page %s: %w", r.URL.Path, domain.ErrNotFound)
	})
	s.router.MethodNotAllowedHandler = s.wrap("page method not allowed", func(w http.ResponseWriter, r *http.Request, _ *signedIn) error {
		return errMethod
	})
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// signedIn is the session a request came with, checked against the token
// table.
type signedIn struct {
	id        string
	principal access.Principal
	csrf      string
}

// handler is a page's handler; sess is nil for a request without a live
// session. An error it returns is answered with the error page.
type handler func(w http.ResponseWriter, r *http.Request, sess *signedIn) error

// wrap gives every page the API's treatment (a request id, a log line,
// metrics), the security headers, the cross-origin check of forms and the
// session, and one error path.
func (s *Server) wrap(name string, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Wall time, not cfg.Now: that clock is the sessions', which tests
		// move by hand.
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !domain.ValidID(id) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		setSecurityHeaders(w.Header())
		log := s.cfg.Logger.With("requestId", id, "route", name)
		r = r.WithContext(context.WithValue(r.Context(), logKey{}, log))
		sw := &statusWriter{ResponseWriter: w}

		sess := s.session(sw, r)
		// A form from another site is refused before anything reads it
		// (Sec-Fetch-Site, else Origin against Host).
		err := s.cop.Check(r)
		if err != nil {
			err = fmt.Errorf("%w: %w", access.ErrForbidden, err)
		}
		if err == nil {
			err = s.caughtUp(r)
		}
		if err == nil {
			err = h(sw, r, sess)
		}
		if err != nil {
			s.fail(sw, r, sess, err)
		}
		if s.cfg.Metrics != nil {
			s.cfg.Metrics.ObserveRequest(name, sw.status(), time.Since(start))
		}
		if s.cfg.Logger.Enabled(r.Context(), slog.LevelDebug) {
			log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status())
		}
	})
}

// caughtUp waits until the read model has applied what was stored when
// the service started.
func (s *Server) caughtUp(r *http.Request) error {
	if s.cfg.Projection == nil || s.cfg.StartPosition == 0 || s.started.Load() {
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.StartTimeout)
	defer cancel()
	if err := s.cfg.Projection.WaitFor(ctx, s.cfg.StartPosition); err != nil {
		return fmt.Errorf("%w: read model not caught up: %w", errStarting, err)
	}
	s.started.Store(true)
	return nil
}

type logKey struct{}

func loggerFrom(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(logKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.New(slog.DiscardHandler)
}

// session returns the request's live session, or nil. A session whose
// token was revoked or expired since ends here, and its cookie is
// cleared.
func (s *Server) session(w http.ResponseWriter, r *http.Request) *signedIn {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return nil
	}
	sess, ok := s.sessions.get(c.Value)
	if !ok {
		s.clearCookie(w)
		return nil
	}
	p, err := s.cfg.Tokens.AuthenticateDigest(sess.digest)
	if err != nil {
		loggerFrom(r.Context()).Info("session ended: its token no longer holds", "err", err.Error())
		s.sessions.end(c.Value)
		s.clearCookie(w)
		return nil
	}
	return &signedIn{id: c.Value, principal: p, csrf: sess.csrf}
}

func (s *Server) setCookie(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: id, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.cfg.Secure,
	})
}

func (s *Server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.cfg.Secure,
	})
}

// statusOf is the one place that maps a page's error to a status and the
// words the error page shows. Anything unknown is internal: logged in
// full, shown in general.
func statusOf(err error) (status int, message string, internal bool) {
	var bad *access.InvalidIDError
	switch {
	case errors.Is(err, errSignedOut), errors.Is(err, httpapi.ErrUnauthorized):
		return http.StatusUnauthorized, "Sign in to open this page.", false
	case errors.Is(err, access.ErrForbidden):
		return http.StatusForbidden, "You may not open this page, or send this form, with the role you signed in with.", false
	case errors.Is(err, domain.ErrNotFound), errors.As(err, &bad):
		return http.StatusNotFound, "There is no such page: the learner, standard or school is not known.", false
	case errors.Is(err, errBadForm):
		return http.StatusBadRequest, "The form could not be read. Open the page again and retry.", false
	case errors.Is(err, errStarting):
		return http.StatusServiceUnavailable, "The ledger is starting and catching up with its records. Try again in a moment.", false
	case errors.Is(err, domain.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "The ledger is busy and could not answer in time. Try again in a moment.", false
	case errors.Is(err, errMethod):
		return http.StatusMethodNotAllowed, "This page does not take that kind of request.", false
	}
	return http.StatusInternalServerError, "Something went wrong on our side. The request id below identifies it in the service's log.", true
}

// fail answers err with the error page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, sess *signedIn, err error) {
	status, message, internal := statusOf(err)
	log := loggerFrom(r.Context())
	if internal {
		log.Error("page failed", "err", err.Error())
	} else {
		log.Info("page refused", "status", status, "err", err.Error())
	}
	s.render(w, r, status, "error", sess, errorPage{Status: status, Title: http.StatusText(status), Message: message, RequestID: w.Header().Get("X-Request-Id")})
}

// errorPage is what templates/pages/error.html shows.
type errorPage struct {
	Status    int
	Title     string
	Message   string
	RequestID string
}

// statusWriter remembers the status for metrics and logs.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}
