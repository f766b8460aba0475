// Package webhooktest is a receiver of unyo's signed webhooks for tests: it
// verifies every request as docs/notifications.md tells receivers to,
// records the payloads, and can be told to fail.
package webhooktest

import (
	"encoding/json"
	"mime"
	"net/http"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/notify/notifytest"
	"github.com/unyo-ops/unyo/internal/notify/webhook"
)

const hookPath = "/hooks/unyo"

// Secret is the secret NewServer verifies with, long enough for
// webhook.Config.Validate.
const Secret = "webhooktest-secret-0123456789"

// Server is a fake webhook receiver on 127.0.0.1. Its FailNext,
// RateLimitNext, Messages, WaitFor, Rejections and Requests come from
// notifytest.HTTPServer.
type Server struct {
	*notifytest.HTTPServer[Message]
}

// Message is a request the receiver accepted.
type Message struct {
	Payload webhook.Payload
	Header  http.Header
	Raw     []byte
}

// NewServer starts a receiver that verifies with Secret and stops when t ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	return &Server{notifytest.NewHTTPServer(t, notifytest.HTTPServerOptions[Message]{
		Accept: accept,
		OK:     notifytest.Answer{Status: http.StatusNoContent},
	})}
}

// WebhookURL is the URL to configure a webhook channel with.
func (s *Server) WebhookURL() string { return s.URL() + hookPath }

// Config returns a channel configuration that this server accepts.
func (s *Server) Config() webhook.Config {
	return webhook.Config{URL: s.WebhookURL(), Secret: Secret}
}

func accept(r *http.Request, body []byte) (Message, *notifytest.Rejection) {
	m := Message{Header: r.Header.Clone(), Raw: body}
	if r.URL.Path != hookPath {
		return m, notifytest.Reject(http.StatusNotFound, "not found", "path %q", r.URL.Path)
	}
	if r.Method != http.MethodPost {
		return m, notifytest.Reject(http.StatusMethodNotAllowed, "", "method %s", r.Method)
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		return m, notifytest.Reject(http.StatusUnsupportedMediaType, "", "content type %q", ct)
	}
	err := webhook.Verify([]byte(Secret), r.Header.Get(webhook.HeaderSignature),
		r.Header.Get(webhook.HeaderTimestamp), body, time.Minute)
	if err != nil {
		return m, notifytest.Reject(http.StatusUnauthorized, "bad signature", "%v", err)
	}
	if err := json.Unmarshal(body, &m.Payload); err != nil {
		return m, notifytest.Reject(http.StatusBadRequest, "bad payload", "malformed JSON: %v", err)
	}
	if m.Payload.Version != webhook.PayloadVersion {
		return m, notifytest.Reject(http.StatusBadRequest, "bad payload", "version %q", m.Payload.Version)
	}
	if k := r.Header.Get(webhook.HeaderIdempotencyKey); k == "" || k != m.Payload.IdempotencyKey {
		return m, notifytest.Reject(http.StatusBadRequest, "bad payload", "idempotency header %q, payload %q", k, m.Payload.IdempotencyKey)
	}
	return m, nil
}
