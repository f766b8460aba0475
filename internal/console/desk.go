package console

import (
	"context"
	"html/template"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/escalation"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/report"
)

// The operations pages (alerts, incidents, reports) reach their packages
// through these interfaces; internal/cli adapts the real stores and
// services. A nil one leaves its pages unregistered (404) and out of the
// navigation.

// AlertDesk lists alerts and records what operators do with them.
type AlertDesk interface {
	Alerts(ctx context.Context, tenant string, f alert.Filter) ([]*alert.Alert, error)
	// Alert returns one alert with its events; an unknown ID is storage.ErrNotFound.
	Alert(ctx context.Context, tenant string, id int64) (*alert.Alert, error)
	Acknowledge(ctx context.Context, tenant string, id int64, actor string) error
	Silence(ctx context.Context, tenant string, id int64, until time.Time, actor string) error
}

// IncidentDesk lists incidents and applies the lifecycle's changes.
type IncidentDesk interface {
	// Incidents lists incidents of tenant with their clocks filled in.
	Incidents(ctx context.Context, tenant string, f incident.Filter) ([]*incident.Incident, error)
	Incident(ctx context.Context, tenant string, id int64) (*incident.Incident, error)
	Timeline(ctx context.Context, tenant string, id int64, withInternal bool) ([]incident.Entry, error)
	Acknowledge(ctx context.Context, tenant string, id int64, actor string) (*incident.Incident, error)
	Transition(ctx context.Context, tenant string, id int64, actor string, sc incident.StateChange) (*incident.Incident, error)
	RecordCause(ctx context.Context, tenant string, id int64, actor string, c incident.Cause) (*incident.Incident, error)
	AddNote(ctx context.Context, tenant string, id int64, actor, text string, internal bool) (*incident.Incident, error)
}

// ReportDesk is the operations report workflow: drafts, editing, publishing.
type ReportDesk interface {
	Reports(ctx context.Context, tenant string, publishedOnly bool) ([]*report.Stored, error)
	Report(ctx context.Context, tenant string, id int64) (*report.Stored, error)
	EditDraft(ctx context.Context, tenant string, id int64, e report.Edit) (*report.Stored, error)
	Publish(ctx context.Context, tenant string, id int64, actor string) (*report.Stored, error)
	// File is the report's "html" or "pdf": frozen once published.
	File(ctx context.Context, st *report.Stored, kind string) ([]byte, error)
}

// RunbookReader finds the runbooks the given monitoring items name.
type RunbookReader interface {
	Runbooks(ctx context.Context, tenant string, itemIDs []int64) ([]RunbookRef, error)
}

// RunbookRef is one runbook of an item: a stored runbook (Title and its
// rendered, sanitised HTML) or an outside URL.
type RunbookRef struct {
	ItemID int64
	Title  string
	URL    string
	HTML   template.HTML
}

// MaintenanceDesk keeps a tenant's maintenance windows. It must be the
// store the alert engine consults, so that a new window holds alerts at once.
type MaintenanceDesk interface {
	Windows(ctx context.Context, tenant string) ([]*maintenance.Stored, error)
	CreateWindow(ctx context.Context, w *maintenance.Stored) error
	// DeleteWindow removes a window; an unknown ID is storage.ErrNotFound.
	DeleteWindow(ctx context.Context, tenant string, id int64) error
}

// NotifySettings keeps a tenant's notification channels, contacts and
// escalation policies. Channels come back redacted: the console never
// holds a secret it could show.
type NotifySettings interface {
	Channels(ctx context.Context, tenant string) ([]*channel.Channel, error)
	CreateChannel(ctx context.Context, tenant string, in channel.Input) (*channel.Channel, error)
	// TestChannel sends the test message to channel id now, bypassing the
	// outbox; the error says what the destination answered, secrets removed.
	TestChannel(ctx context.Context, tenant string, id int64) error
	Contacts(ctx context.Context, tenant string) ([]*channel.Contact, error)
	CreateContact(ctx context.Context, c *channel.Contact) error
	Policies(ctx context.Context, tenant string) ([]*escalation.Policy, error)
	CreatePolicy(ctx context.Context, p *escalation.Policy) error
}
