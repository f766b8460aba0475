// Package teamstest is a fake Microsoft Teams Workflows webhook for tests:
// it checks every request against the contract of the "post card" workflow,
// answers as Power Automate does, records the cards, and can be told to fail.
//
// It is stricter than the service: a real workflow answers 202 to any JSON
// and fails the run later, out of sight, when the card is malformed. The
// fake refuses such a card at once with 400 so tests see the mistake.
package teamstest

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"testing"

	"github.com/unyo-ops/unyo/internal/notify/notifytest"
)

const (
	workflowPath = "/workflows/0123456789abcdef/triggers/manual/paths/invoke"
	signature    = "fake-signature"
	// maxMessage is Teams' limit on a posted message.
	maxMessage = 28 << 10
)

// Server is a fake Workflows webhook on 127.0.0.1. Its FailNext,
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
		OK:            notifytest.Answer{Status: http.StatusAccepted},
		RateLimitBody: apiError("WorkflowTriggerIsThrottled", "The workflow trigger is throttled."),
	})}
}

// WebhookURL is the URL to configure a Teams channel with, shaped like a
// real workflow trigger with its signature in the query.
func (s *Server) WebhookURL() string {
	return s.URL() + workflowPath + "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + signature
}

// Message is a posted message whose one attachment is an Adaptive Card.
type Message struct {
	Type        string       `json:"type"`
	Attachments []Attachment `json:"attachments"`
	Raw         []byte       `json:"-"`
}

// Attachment is a card attachment.
type Attachment struct {
	ContentType string           `json:"contentType"`
	ContentURL  *json.RawMessage `json:"contentUrl"`
	Content     Card             `json:"content"`
}

// Card is an Adaptive Card.
type Card struct {
	Schema  string    `json:"$schema"`
	Type    string    `json:"type"`
	Version string    `json:"version"`
	Body    []Element `json:"body"`
	Actions []Action  `json:"actions"`
}

// Element is a card element; only the fields unyo uses are decoded.
type Element struct {
	Type  string    `json:"type"`
	Text  *string   `json:"text"`
	Style string    `json:"style"`
	Color string    `json:"color"`
	Items []Element `json:"items"`
	Facts []Fact    `json:"facts"`
}

// Fact is one row of a FactSet.
type Fact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// Action is a card action.
type Action struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Card returns the first attachment's card.
func (m Message) Card() Card { return m.Attachments[0].Content }

// Texts returns every TextBlock's text in the card, in order.
func (c Card) Texts() []string { return walk(c.Body, nil, textsOf) }

// Facts returns every FactSet row in the card, in order.
func (c Card) Facts() []Fact { return walk(c.Body, nil, factsOf) }

func textsOf(out []string, e Element) []string {
	if e.Type == "TextBlock" && e.Text != nil {
		out = append(out, *e.Text)
	}
	return out
}

func factsOf(out []Fact, e Element) []Fact { return append(out, e.Facts...) }

func walk[T any](elems []Element, out []T, visit func([]T, Element) []T) []T {
	for _, e := range elems {
		out = walk(e.Items, visit(out, e), visit)
	}
	return out
}

func accept(r *http.Request, body []byte) (Message, *notifytest.Rejection) {
	var m Message
	if r.URL.Path != workflowPath {
		return m, reject(http.StatusNotFound, "WorkflowNotFound", "unknown workflow path %q", r.URL.Path)
	}
	q := r.URL.Query()
	if q.Get("api-version") == "" {
		return m, reject(http.StatusBadRequest, "MissingApiVersionParameter", "no api-version")
	}
	if q.Get("sig") != signature {
		return m, reject(http.StatusUnauthorized, "DirectApiInvalidAuthorizationSignature", "wrong or missing sig")
	}
	if r.Method != http.MethodPost {
		return m, reject(http.StatusMethodNotAllowed, "InvalidHttpMethod", "method %s", r.Method)
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		return m, reject(http.StatusUnsupportedMediaType, "UnsupportedMediaType", "content type %q", ct)
	}
	if len(body) > maxMessage {
		return m, reject(http.StatusRequestEntityTooLarge, "MessageSizeExceeded", "%d bytes, Teams takes %d", len(body), maxMessage)
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return m, reject(http.StatusBadRequest, "InvalidRequestContent", "malformed JSON: %v", err)
	}
	m.Raw = body
	if err := validateMessage(m); err != nil {
		return m, reject(http.StatusBadRequest, "InvalidRequestContent", "%v", err)
	}
	return m, nil
}

// reject answers with Power Automate's error body, whose message is the
// reason, so a failing test shows why in the channel's error.
func reject(status int, code, reason string, args ...any) *notifytest.Rejection {
	reason = fmt.Sprintf(reason, args...)
	return notifytest.Reject(status, apiError(code, reason), reason)
}

func apiError(code, message string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": message}})
	return string(b)
}
