package httpapi

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"time"
)

// ServerOptions bounds how long, and how much, one client may hold of the
// server. A zero field takes its default; DefaultServerOptions lists them.
type ServerOptions struct {
	// ReadHeaderTimeout bounds reading a request's line and headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, headers and body, however
	// steadily the bytes trickle in. net/http lifts it once the body has
	// been read, so a handler that then waits (for the read model, say) is
	// not cut off by it.
	ReadTimeout time.Duration
	// WriteTimeout bounds the handler and the writing of its answer, from
	// the end of the request's headers. It must exceed the longest wait a
	// handler makes (Config.ReadYourWritesTimeout).
	WriteTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection may wait for its next
	// request before it is closed.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's headers.
	MaxHeaderBytes int
	// TLS, if set, is the server's TLS configuration: serve with
	// ServeTLS(ln, "", "").
	TLS *tls.Config
}

// DefaultServerOptions are the bounds NewHTTPServer uses for a zero field.
var DefaultServerOptions = ServerOptions{
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      60 * time.Second,
	IdleTimeout:       60 * time.Second,
	MaxHeaderBytes:    64 << 10,
}

// NewHTTPServer returns an http.Server for h with the timeouts and limits
// of o (nil means DefaultServerOptions). Serve it on a listener from
// LimitListener, and stop it with Shutdown.
func NewHTTPServer(h http.Handler, o *ServerOptions) *http.Server {
	opts := DefaultServerOptions
	if o != nil {
		opts.TLS = o.TLS
		if o.ReadHeaderTimeout > 0 {
			opts.ReadHeaderTimeout = o.ReadHeaderTimeout
		}
		if o.ReadTimeout > 0 {
			opts.ReadTimeout = o.ReadTimeout
		}
		if o.WriteTimeout > 0 {
			opts.WriteTimeout = o.WriteTimeout
		}
		if o.IdleTimeout > 0 {
			opts.IdleTimeout = o.IdleTimeout
		}
		if o.MaxHeaderBytes > 0 {
			opts.MaxHeaderBytes = o.MaxHeaderBytes
		}
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		ReadTimeout:       opts.ReadTimeout,
		WriteTimeout:      opts.WriteTimeout,
		IdleTimeout:       opts.IdleTimeout,
		MaxHeaderBytes:    opts.MaxHeaderBytes,
		TLSConfig:         opts.TLS,
	}
}

// Shutdown stops srv: it stops accepting, gives the requests in flight up
// to grace to finish, then closes every connection still open, whatever
// its client is doing, so that it returns in about grace at most. It
// returns nil if every request finished within grace.
func Shutdown(ctx context.Context, srv *http.Server, grace time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, grace)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err == nil {
		return nil
	}
	// Close does not wait for handlers; each one still running sees its
	// connection closed and its context cancelled.
	if cerr := srv.Close(); cerr != nil {
		return fmt.Errorf("close the connections left after %s: %w", grace, cerr)
	}
	return fmt.Errorf("requests still in flight after %s were cut off: %w", grace, err)
}
