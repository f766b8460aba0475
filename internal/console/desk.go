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
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/runbook"
)

// The operations pages reach their packages' services directly: the
// alert engine, the incident desk, the report service, the runbook finder,
// the maintenance, channel and escalation stores satisfy these interfaces
// as they are (tests may give fakes). A nil one leaves its pages
// unregistered (404) and out of the navigation.

// AlertDesk lists alerts and records what operators do with them;
// *alert.Engine is one.
type AlertDesk interface {
	List(ctx context.Context, tenant string, f alert.Filter) ([]*alert.Alert, error)
	// Alert returns one alert with its events; an unknown ID is storage.ErrNotFound.
	Alert(ctx context.Context, tenant string, id int64) (*alert.Alert, error)
	Acknowledge(ctx context.Context, tenant string, id int64, actor string) (*alert.Alert, error)
	Silence(ctx context.Context, tenant string, id int64, until time.Time, actor string) (*alert.Alert, error)
	// Silences by label matcher (silence_pages.go).
	Silences(ctx context.Context, tenant string) ([]*alert.Silence, error)
	CreateSilence(ctx context.Context, s *alert.Silence, actor string) error
	ExpireSilence(ctx context.Context, tenant string, id int64) error
	PreviewSilence(ctx context.Context, tenant string, ms []alert.Matcher) ([]*alert.Alert, error)
}

// IncidentDesk lists incidents and applies the lifecycle's changes;
// *incident.Desk, the ITSM desk, is one: its hooks (ServiceNow, the
// escalation stop) see the console's changes as they see the API's.
type IncidentDesk interface {
	Incidents(ctx context.Context, tenant string, f incident.Filter) ([]*incident.Incident, error)
	// Clocks are the incident's SLA clocks as of now.
	Clocks(ctx context.Context, inc *incident.Incident, now time.Time) ([]incident.ClockStatus, error)
	Incident(ctx context.Context, tenant string, id int64) (*incident.Incident, error)
	Timeline(ctx context.Context, tenant string, id int64, withInternal bool) ([]incident.Entry, error)
	Acknowledge(ctx context.Context, tenant string, id int64, actor string) (*incident.Incident, error)
	Transition(ctx context.Context, tenant string, id int64, actor string, sc incident.StateChange) (*incident.Incident, error)
	RecordCause(ctx context.Context, tenant string, id int64, actor string, c incident.Cause) (*incident.Incident, error)
	AddNote(ctx context.Context, tenant string, id int64, actor, text string, internal bool) (*incident.Incident, error)
	// Open opens an incident by hand; Update assigns or edits an open one.
	Open(ctx context.Context, tenant, actor string, f incident.Fields) (*incident.Incident, error)
	Update(ctx context.Context, tenant string, id int64, actor string, f incident.Fields) (*incident.Incident, error)
	// LinkAlert links an alert to an incident by hand; AlertIncident is the
	// incident an alert is linked to, nil for none.
	LinkAlert(ctx context.Context, tenant string, id int64, actor string, e incident.AlertEvent) (*incident.Incident, error)
	AlertIncident(ctx context.Context, tenant, alertID string) (*incident.Incident, error)
}

// ReportDesk is the operations report workflow: drafts, editing,
// publishing; *report.Service is one.
type ReportDesk interface {
	List(ctx context.Context, tenant string, publishedOnly bool) ([]*report.Stored, error)
	Get(ctx context.Context, tenant string, id int64) (*report.Stored, error)
	// CreateServiceDraft gathers a draft for [from, to), of one service by
	// name or ("") of the whole tenant.
	CreateServiceDraft(ctx context.Context, tenant, service string, from, to time.Time, actor string) (*report.Stored, error)
	EditDraft(ctx context.Context, tenant string, id int64, e report.Edit) (*report.Stored, error)
	Publish(ctx context.Context, tenant string, id int64, actor string) (*report.Stored, error)
	// File is the report's "html" or "pdf": frozen once published.
	File(ctx context.Context, st *report.Stored, kind string) ([]byte, error)
}

// RunbookReader finds the runbooks the given monitoring items name;
// *runbook.Finder is one.
type RunbookReader interface {
	Runbooks(ctx context.Context, tenant string, itemIDs []int64) ([]runbook.Ref, error)
}

// RunbookRef is one runbook of an item as a page shows it: a stored
// runbook (Title and its rendered, sanitised HTML) or an outside URL.
type RunbookRef struct {
	ItemID int64
	Title  string
	URL    string
	HTML   template.HTML
}

// runbookRefs trusts the HTML runbook.Render sanitised (goldmark without unsafe).
func runbookRefs(list []runbook.Ref) []RunbookRef {
	out := make([]RunbookRef, len(list))
	for i, r := range list {
		out[i] = RunbookRef{ItemID: r.ItemID, Title: r.Title, URL: r.URL, HTML: template.HTML(r.HTML)}
	}
	return out
}

// MaintenanceDesk keeps a tenant's maintenance windows. It must be the
// store the alert engine consults, so that a new window holds alerts at
// once; *maintenance.Store is one.
type MaintenanceDesk interface {
	List(ctx context.Context, tenant string) ([]*maintenance.Stored, error)
	Create(ctx context.Context, w *maintenance.Stored) error
	// Delete removes a window; an unknown ID is storage.ErrNotFound.
	Delete(ctx context.Context, tenant string, id int64) error
}

// Channels keeps a tenant's notification channels and contacts;
// *channel.Store is one. Channels come back redacted: the console never
// holds a secret it could show.
type Channels interface {
	List(ctx context.Context, tenant string) ([]*channel.Channel, error)
	Create(ctx context.Context, tenant string, in channel.Input) (*channel.Channel, error)
	// SendTest sends the test message to channel id now, bypassing the
	// outbox; a refused send is a *channel.SendError, secrets removed.
	SendTest(ctx context.Context, tenant string, id int64) (notify.Message, error)
	Contacts(ctx context.Context, tenant string) ([]*channel.Contact, error)
	CreateContact(ctx context.Context, c *channel.Contact) error
	// The edit pages (channel_edit.go): secrets left empty keep their value.
	Get(ctx context.Context, tenant string, id int64) (*channel.Channel, error)
	Update(ctx context.Context, tenant string, id int64, in channel.Input) (*channel.Channel, error)
	Delete(ctx context.Context, tenant string, id int64) error
	Contact(ctx context.Context, tenant string, id int64) (*channel.Contact, error)
	UpdateContact(ctx context.Context, c *channel.Contact) error
	DeleteContact(ctx context.Context, tenant string, id int64) error
}

// Policies keeps a tenant's escalation policies; *escalation.Store is one.
type Policies interface {
	List(ctx context.Context, tenant string, defaults bool) ([]*escalation.Policy, error)
	Create(ctx context.Context, p *escalation.Policy) error
	Get(ctx context.Context, tenant string, id int64) (*escalation.Policy, error)
	Update(ctx context.Context, p *escalation.Policy) error
	Delete(ctx context.Context, tenant string, id int64) error
}
