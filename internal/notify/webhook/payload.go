package webhook

import (
	"maps"
	"time"

	"github.com/unyo-ops/unyo/internal/notify"
)

// PayloadVersion is the version of the JSON body; a field is never removed
// or changes meaning within a version, new fields may be added.
const PayloadVersion = "1"

// Payload is the JSON body of a webhook request, documented in
// docs/notifications.md.
type Payload struct {
	Version        string            `json:"version"`
	IdempotencyKey string            `json:"idempotency_key"`
	Kind           notify.Kind       `json:"kind"`
	Status         notify.Status     `json:"status"`
	Severity       notify.Severity   `json:"severity"`
	Tenant         Tenant            `json:"tenant"`
	Title          string            `json:"title"`
	Summary        string            `json:"summary"`
	Resource       string            `json:"resource"`
	Service        string            `json:"service"`
	Labels         map[string]string `json:"labels"`
	Values         []string          `json:"values"`
	StartsAt       time.Time         `json:"starts_at"`
	EndsAt         *time.Time        `json:"ends_at"` // null while open
	URL            string            `json:"url"`
	Runbooks       []Link            `json:"runbooks"`
	Language       notify.Language   `json:"language"`
	TimeZone       string            `json:"time_zone"`
	// Subject and Text are the message as unyo's other channels word it, in
	// Language, for receivers that only forward it to people.
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// Tenant is the customer in a Payload.
type Tenant struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Link is a runbook in a Payload.
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// NewPayload builds the body for m; the error is an *invalid.Error.
// Times are in UTC; time_zone says where people read them.
func NewPayload(m notify.Message) (Payload, error) {
	v, err := notify.Render(m)
	if err != nil {
		return Payload{}, err
	}
	p := Payload{
		Version:        PayloadVersion,
		IdempotencyKey: m.IdempotencyKey,
		Kind:           m.Kind,
		Status:         m.Status,
		Severity:       m.Severity,
		Tenant:         Tenant{ID: m.Tenant.ID, Name: m.Tenant.Name},
		Title:          m.Title,
		Summary:        m.Summary,
		Resource:       m.Resource,
		Service:        m.Service,
		Labels:         map[string]string{},
		Values:         append([]string{}, m.Values...),
		StartsAt:       m.StartsAt.UTC(),
		URL:            m.URL,
		Runbooks:       []Link{},
		Language:       v.Language,
		TimeZone:       m.TimeZone,
		Subject:        v.Subject,
		Text:           v.Text(),
	}
	maps.Copy(p.Labels, m.Labels)
	for _, l := range m.Runbooks {
		p.Runbooks = append(p.Runbooks, Link{Title: l.Title, URL: l.URL})
	}
	if !m.EndsAt.IsZero() {
		end := m.EndsAt.UTC()
		p.EndsAt = &end
	}
	if p.TimeZone == "" {
		p.TimeZone = "UTC"
	}
	return p, nil
}
