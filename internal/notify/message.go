package notify

import (
	"fmt"
	"net/url"
	"slices"
	"time"
	// Customers' time zones must resolve on hosts without a zoneinfo
	// database (Windows, distroless images), or every message would fail
	// validation there.
	_ "time/tzdata"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Kind says what a Message is about.
type Kind string

// Kinds of Message.
const (
	KindAlert    Kind = "alert"
	KindIncident Kind = "incident"
	KindSLA      Kind = "sla"
)

// Status is the transition a Message reports.
type Status string

// Statuses of a Message; which ones a Kind allows is checked by Validate.
const (
	StatusFiring       Status = "firing"
	StatusResolved     Status = "resolved"
	StatusAcknowledged Status = "acknowledged"
	StatusBreach       Status = "breach"
	StatusWarning      Status = "warning"
)

// Severity ranks how urgently a person should look.
type Severity string

// Severities of a Message.
const (
	SeverityCritical Severity = "critical"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// Language selects the words of a rendered Message.
type Language string

// Languages a Message can be rendered in.
const (
	Japanese Language = "ja"
	English  Language = "en"
)

// Tenant names the customer a Message belongs to.
type Tenant struct {
	ID   string
	Name string // display name, e.g. "ACME株式会社"
}

// Link is a titled URL, e.g. a runbook.
type Link struct {
	Title string
	URL   string
}

// Message is everything a channel needs to say about an alert, an incident
// or an SLA clock. It is rendered, never interpreted: channels must not
// branch on Labels.
type Message struct {
	Kind     Kind
	Status   Status
	Severity Severity
	Tenant   Tenant

	Title    string
	Summary  string
	Resource string // host name, or the cloud resource of an agentless item
	Service  string // the customer service the resource belongs to
	Labels   map[string]string
	Values   []string // what caused it, e.g. "cpu 93.5% > 90%"

	StartsAt time.Time
	EndsAt   time.Time // zero while the alert or incident is open

	URL string // link into the console
	// AckURL is a signed link that acknowledges this notice and stops its
	// escalation (internal/oncall); the outbox sets it per delivery.
	AckURL   string
	Runbooks []Link

	// IdempotencyKey is the same for every attempt to deliver one
	// notification, so receivers and mail clients can drop duplicates.
	IdempotencyKey string
	Language       Language // empty means English
	TimeZone       string   // IANA name; empty means UTC
}

// statusesOf lists the statuses each kind can report; an SLA clock warns or
// breaches, while alerts and incidents open, are acknowledged and resolve.
var statusesOf = map[Kind][]Status{
	KindAlert:    {StatusFiring, StatusAcknowledged, StatusResolved},
	KindIncident: {StatusFiring, StatusAcknowledged, StatusResolved},
	KindSLA:      {StatusWarning, StatusBreach},
}

// Validate reports the first field of m that no channel could render,
// as an *invalid.Error.
func (m Message) Validate() error {
	statuses, ok := statusesOf[m.Kind]
	if !ok {
		return invalid.New("kind", "must be alert, incident or sla, not %q", m.Kind)
	}
	if !slices.Contains(statuses, m.Status) {
		return invalid.New("status", "%q is not a status of a %s", m.Status, m.Kind)
	}
	switch m.Severity {
	case SeverityCritical, SeverityWarning, SeverityInfo:
	default:
		return invalid.New("severity", "must be critical, warning or info, not %q", m.Severity)
	}
	if m.Title == "" {
		return invalid.New("title", "is required")
	}
	if err := validateKey(m.IdempotencyKey); err != nil {
		return invalid.Prefix("idempotency_key", err)
	}
	if m.StartsAt.IsZero() {
		return invalid.New("starts_at", "is required")
	}
	switch m.Language {
	case "", Japanese, English:
	default:
		return invalid.New("language", "must be ja or en, not %q", m.Language)
	}
	if _, err := m.Location(); err != nil {
		return invalid.New("time_zone", "unknown time zone %q", m.TimeZone)
	}
	return m.validateLinks()
}

// validateLinks keeps every link a person may click to http(s): chat
// services refuse other schemes, and javascript: must never reach a mail.
func (m Message) validateLinks() error {
	if m.URL != "" && !isWebURL(m.URL) {
		return invalid.New("url", "must be an absolute http or https URL")
	}
	for i, l := range m.Runbooks {
		if !isWebURL(l.URL) {
			return invalid.New(fmt.Sprintf("runbooks[%d].url", i), "must be an absolute http or https URL")
		}
		if l.Title == "" {
			return invalid.New(fmt.Sprintf("runbooks[%d].title", i), "is required")
		}
	}
	return nil
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// Location returns the time zone the message's times are shown in.
func (m Message) Location() (*time.Location, error) {
	if m.TimeZone == "" {
		return time.UTC, nil
	}
	return time.LoadLocation(m.TimeZone)
}

// maxKeyLength keeps the key fit for an HTTP header and a log line.
const maxKeyLength = 200

// validateKey checks the idempotency key, which travels in HTTP headers.
func validateKey(key string) error {
	if key == "" {
		return invalid.New("", "is required")
	}
	if len(key) > maxKeyLength {
		return invalid.New("", "is longer than %d bytes", maxKeyLength)
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return invalid.New("", "contains a control character")
		}
	}
	return nil
}
