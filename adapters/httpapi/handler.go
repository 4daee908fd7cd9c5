package httpapi

import (
	"log/slog"
	"net/http"
)

// Config holds what the handler needs.
type Config struct {
	Logger *slog.Logger
}

// NewHandler returns the service's HTTP handler.
func NewHandler(cfg Config) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	return mux
}
