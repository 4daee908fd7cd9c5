package web

import (
	"net/http"
	"strings"
)

// OnePort serves the API and the pages on one port: /v1/…, /metrics,
// /healthz and /readyz go to the API, every other path to the pages. It
// matches the path as sent, without cleaning it, so the API sees exactly
// the requests it saw when it had the port alone.
func OnePort(api, pages http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if IsAPIPath(r.URL.Path) {
			api.ServeHTTP(w, r)
			return
		}
		pages.ServeHTTP(w, r)
	})
}

// IsAPIPath reports whether a path belongs to the API rather than the
// pages.
func IsAPIPath(p string) bool {
	return strings.HasPrefix(p, "/v1/") || p == "/v1" || strings.HasPrefix(p, "/xapi/") || p == "/metrics" || p == "/healthz" || p == "/readyz"
}
