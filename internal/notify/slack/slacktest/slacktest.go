// Package slacktest is a fake Slack incoming webhook for tests: it checks
// every request against Slack's documented contract, answers as Slack does,
// records what it accepted, and can be told to fail.
package slacktest

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/notify/notifytest"
)

// webhookPath is where WebhookURL points; the last segment stands for the
// secret token of a real webhook.
const webhookPath = "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"

// Server is a fake Slack incoming webhook on 127.0.0.1. Its FailNext,
// RateLimitNext, Messages, WaitFor, Rejections and Requests come from
// notifytest.HTTPServer.
type Server struct {
	*notifytest.HTTPServer[Message]
}

// NewServer starts a fake that stops when t ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	return &Server{notifytest.NewHTTPServer(t, notifytest.HTTPServerOptions[Message]{
		Accept:        accept,
		OK:            notifytest.Answer{Status: http.StatusOK, Body: "ok"},
		RateLimitBody: "rate_limited",
	})}
}

// WebhookURL is the URL to configure a Slack channel with.
func (s *Server) WebhookURL() string { return s.URL() + webhookPath }

// Message is a Slack message as the webhook accepted it.
type Message struct {
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks"`
	Raw    []byte  `json:"-"`
}

// Block is one Block Kit layout block.
type Block struct {
	Type     string    `json:"type"`
	BlockID  string    `json:"block_id,omitempty"`
	Text     *Text     `json:"text,omitempty"`
	Fields   []Text    `json:"fields,omitempty"`
	Elements []Element `json:"elements,omitempty"`
}

// Text is a Block Kit text object.
type Text struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

// Element is an element of a context or actions block: a text object, or a
// button whose caption is in Caption.
type Element struct {
	Type     string          `json:"type"`
	RawText  json.RawMessage `json:"text,omitempty"`
	URL      string          `json:"url,omitempty"`
	Style    string          `json:"style,omitempty"`
	ActionID string          `json:"action_id,omitempty"`

	Caption *Text `json:"-"` // a button's text, decoded from RawText
}

// Header returns the text of the first header block, or "".
func (m Message) Header() string {
	for _, b := range m.Blocks {
		if b.Type == "header" && b.Text != nil {
			return b.Text.Text
		}
	}
	return ""
}

// AllText joins every piece of text in m, for assertions on content.
func (m Message) AllText() string {
	parts := []string{m.Text}
	for _, b := range m.Blocks {
		if b.Text != nil {
			parts = append(parts, b.Text.Text)
		}
		for _, f := range b.Fields {
			parts = append(parts, f.Text)
		}
		for _, e := range b.Elements {
			parts = append(parts, e.text())
		}
	}
	return strings.Join(parts, "\n")
}

// text returns a text element's text or a button's caption.
func (e Element) text() string {
	if e.Caption != nil {
		return e.Caption.Text
	}
	var s string
	_ = json.Unmarshal(e.RawText, &s)
	return s
}

func accept(r *http.Request, body []byte) (Message, *notifytest.Rejection) {
	var m Message
	if r.URL.Path != webhookPath {
		return m, notifytest.Reject(http.StatusNotFound, "no_service", "unknown webhook path %q", r.URL.Path)
	}
	if r.Method != http.MethodPost {
		return m, notifytest.Reject(http.StatusMethodNotAllowed, "invalid_method", "method %s", r.Method)
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		return m, notifytest.Reject(http.StatusBadRequest, "invalid_payload", "content type %q", ct)
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return m, notifytest.Reject(http.StatusBadRequest, "invalid_payload", "malformed JSON: %v", err)
	}
	m.Raw = body
	if strings.TrimSpace(m.Text) == "" && len(m.Blocks) == 0 {
		return m, notifytest.Reject(http.StatusBadRequest, "no_text", "neither text nor blocks")
	}
	if err := validateBlocks(m.Blocks); err != nil {
		return m, notifytest.Reject(http.StatusBadRequest, "invalid_blocks", "%v", err)
	}
	return m, nil
}
