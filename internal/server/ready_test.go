package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestReadyzNamesTheFailingCheck: /readyz is 503 while any registered
// check fails (a remote metrics store registers its own beside the
// database), and its answer says which.
func TestReadyzNamesTheFailingCheck(t *testing.T) {
	var ready Readiness
	var storeErr error
	ready.Add("database", func(context.Context) error { return nil })
	ready.Add("metrics store", func(context.Context) error { return storeErr })
	reg := prometheus.NewRegistry()
	srv := New(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Gatherer: reg, Ready: ready.Check}, reg)
	get := func() (int, string) {
		rec := httptest.NewRecorder()
		srv.http.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := get(); code != http.StatusOK {
		t.Fatalf("all checks pass: %d %s", code, body)
	}
	storeErr = errors.New("connection refused")
	if code, body := get(); code != http.StatusServiceUnavailable || !strings.Contains(body, "metrics store: connection refused") || strings.Contains(body, "database") {
		t.Fatalf("the store away: %d %q, want 503 naming the metrics store only", code, body)
	}
	storeErr = nil
	if code, _ := get(); code != http.StatusOK {
		t.Fatalf("the store back: %d", code)
	}
}
