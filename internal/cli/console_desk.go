package cli

import (
	"context"
	"database/sql"
	"errors"
	"html/template"
	"log/slog"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/console"
	"github.com/unyo-ops/unyo/internal/escalation"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/runbook"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/storage"
)

// The console's operations pages, adapted from the alert engine, the
// incident desk and the report workflow. Changes go through the same
// engine and incident store the API uses, so the engine's in-memory state
// and the ServiceNow sync see them.

// deskParts are the running parts the console's operations pages use.
type deskParts struct {
	alerts     *alert.Engine   // nil: no alert pages
	incidents  *incident.Store // nil: no incident pages
	reportFont string          // the report PDF's font, as --report-font
	// maintenance must be the store the alert engine consults: its cache
	// is dropped by writes through it.
	maintenance *maintenance.Store // nil: no maintenance calendar
	secrets     *secret.Box        // opens the channels' sealed configurations
	outbound    *outbound.Policy   // what the channels' test messages may connect to
	store       *storage.Store
}

// consoleDesk fills opts with the operations pages' sources.
func consoleDesk(opts *console.Options, parts deskParts, db *sql.DB, design *monitoring.Store, logger *slog.Logger) error {
	if parts.alerts != nil {
		opts.AlertDesk = deskAlerts{engine: parts.alerts, store: alert.NewStore(db)}
		opts.Nav = append(opts.Nav, console.NavLink{Key: "nav.alerts", Path: "/alerts"})
	}
	if parts.incidents != nil {
		opts.IncidentDesk = deskIncidents{store: parts.incidents}
		opts.Nav = append(opts.Nav, console.NavLink{Key: "nav.incidents", Path: "/incidents"})
	}
	if parts.maintenance != nil {
		opts.Maintenance = deskMaintenance{parts.maintenance}
		opts.Nav = append(opts.Nav, console.NavLink{Key: "nav.maintenance", Path: "/maintenance"})
	}
	pdf, err := report.NewPDF(parts.reportFont)
	if err != nil {
		logger.Warn("console: report PDFs are off", "err", err)
		pdf = nil
	}
	// The console edits, publishes and reads reports; drafts are made by the
	// API and the monthly schedule, so this service needs no generator.
	svc := report.NewService(nil, report.NewStore(db), pdf, nil, logger)
	opts.ReportDesk = deskReports{svc: svc}
	opts.Nav = append(opts.Nav, console.NavLink{Key: "nav.reports", Path: "/reports"})
	opts.Runbooks = deskRunbooks{items: design, books: runbook.NewStore(db)}
	if parts.secrets != nil {
		// The same key as the API's channel store: configurations open only with it.
		channels := channel.NewStore(db, parts.secrets, channel.Builder{Outbound: parts.outbound})
		opts.Notify = deskNotify{channels: channels, policies: escalation.NewStore(db, channels.TargetExists)}
	}
	return nil
}

// deskAlerts implements console.AlertDesk.
type deskAlerts struct {
	engine *alert.Engine
	store  *alert.Store
}

func (d deskAlerts) Alerts(ctx context.Context, tenant string, f alert.Filter) ([]*alert.Alert, error) {
	return d.store.List(ctx, tenant, f)
}

func (d deskAlerts) Alert(ctx context.Context, tenant string, id int64) (*alert.Alert, error) {
	return d.store.Alert(ctx, tenant, id)
}

func (d deskAlerts) Acknowledge(ctx context.Context, tenant string, id int64, actor string) error {
	_, err := d.engine.Acknowledge(ctx, tenant, id, actor)
	return err
}

func (d deskAlerts) Silence(ctx context.Context, tenant string, id int64, until time.Time, actor string) error {
	_, err := d.engine.Silence(ctx, tenant, id, until, actor)
	return err
}

// deskIncidents implements console.IncidentDesk; the list fills each
// incident's clocks, which the store's list leaves out.
type deskIncidents struct{ store *incident.Store }

func (d deskIncidents) Incidents(ctx context.Context, tenant string, f incident.Filter) ([]*incident.Incident, error) {
	list, err := d.store.Incidents(ctx, tenant, f)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	for _, inc := range list {
		if inc.Clocks, err = d.store.Clocks(ctx, inc, now); err != nil {
			return nil, err
		}
	}
	return list, nil
}

func (d deskIncidents) Incident(ctx context.Context, tenant string, id int64) (*incident.Incident, error) {
	return d.store.Incident(ctx, tenant, id)
}

func (d deskIncidents) Timeline(ctx context.Context, tenant string, id int64, withInternal bool) ([]incident.Entry, error) {
	return d.store.Timeline(ctx, tenant, id, withInternal)
}

func (d deskIncidents) Acknowledge(ctx context.Context, tenant string, id int64, actor string) (*incident.Incident, error) {
	return d.store.Acknowledge(ctx, tenant, id, actor)
}

func (d deskIncidents) Transition(ctx context.Context, tenant string, id int64, actor string, sc incident.StateChange) (*incident.Incident, error) {
	return d.store.Transition(ctx, tenant, id, actor, sc)
}

func (d deskIncidents) RecordCause(ctx context.Context, tenant string, id int64, actor string, c incident.Cause) (*incident.Incident, error) {
	return d.store.RecordCause(ctx, tenant, id, actor, c)
}

func (d deskIncidents) AddNote(ctx context.Context, tenant string, id int64, actor, text string, internal bool) (*incident.Incident, error) {
	return d.store.AddNote(ctx, tenant, id, actor, text, internal)
}

// deskReports implements console.ReportDesk.
type deskReports struct{ svc *report.Service }

func (d deskReports) Reports(ctx context.Context, tenant string, publishedOnly bool) ([]*report.Stored, error) {
	return d.svc.Store().List(ctx, tenant, publishedOnly)
}

func (d deskReports) Report(ctx context.Context, tenant string, id int64) (*report.Stored, error) {
	return d.svc.Store().Get(ctx, tenant, id)
}

func (d deskReports) EditDraft(ctx context.Context, tenant string, id int64, e report.Edit) (*report.Stored, error) {
	return d.svc.EditDraft(ctx, tenant, id, e)
}

func (d deskReports) Publish(ctx context.Context, tenant string, id int64, actor string) (*report.Stored, error) {
	return d.svc.Publish(ctx, tenant, id, actor)
}

func (d deskReports) File(ctx context.Context, st *report.Stored, kind string) ([]byte, error) {
	return d.svc.File(ctx, st, kind)
}

// deskRunbooks implements console.RunbookReader: an item's runbook_id is a
// stored runbook of the tenant (or a global one), its runbook_url a link.
type deskRunbooks struct {
	items *monitoring.Store
	books *runbook.Store
}

func (d deskRunbooks) Runbooks(ctx context.Context, tenant string, itemIDs []int64) ([]console.RunbookRef, error) {
	var out []console.RunbookRef
	seen := map[int64]bool{}
	for _, id := range itemIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		it, err := d.items.Item(ctx, tenant, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue // the item was deleted since the alert fired
		}
		if err != nil {
			return nil, err
		}
		if it.RunbookID != 0 {
			rb, err := d.books.Get(ctx, tenant, it.RunbookID)
			switch {
			case err == nil:
				// runbook.Render sanitises the Markdown's HTML (goldmark without unsafe).
				out = append(out, console.RunbookRef{ItemID: id, Title: rb.Title, HTML: template.HTML(rb.HTML)})
			case !errors.Is(err, storage.ErrNotFound):
				return nil, err
			}
		}
		if it.RunbookURL != "" {
			out = append(out, console.RunbookRef{ItemID: id, URL: it.RunbookURL})
		}
	}
	return out, nil
}

// deskMaintenance implements console.MaintenanceDesk.
type deskMaintenance struct{ store *maintenance.Store }

func (d deskMaintenance) Windows(ctx context.Context, tenant string) ([]*maintenance.Stored, error) {
	return d.store.List(ctx, tenant)
}

func (d deskMaintenance) CreateWindow(ctx context.Context, w *maintenance.Stored) error {
	return d.store.Create(ctx, w)
}

func (d deskMaintenance) DeleteWindow(ctx context.Context, tenant string, id int64) error {
	return d.store.Delete(ctx, tenant, id)
}

// deskNotify implements console.NotifySettings over the channel and
// escalation stores.
type deskNotify struct {
	channels *channel.Store
	policies *escalation.Store
}

func (d deskNotify) Channels(ctx context.Context, tenant string) ([]*channel.Channel, error) {
	return d.channels.List(ctx, tenant)
}

func (d deskNotify) CreateChannel(ctx context.Context, tenant string, in channel.Input) (*channel.Channel, error) {
	return d.channels.Create(ctx, tenant, in)
}

func (d deskNotify) TestChannel(ctx context.Context, tenant string, id int64) error {
	ch, m, err := d.channels.PrepareTest(ctx, tenant, id)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, channel.TestTimeout)
	defer cancel()
	return ch.Send(ctx, m)
}

func (d deskNotify) Contacts(ctx context.Context, tenant string) ([]*channel.Contact, error) {
	return d.channels.Contacts(ctx, tenant)
}

func (d deskNotify) CreateContact(ctx context.Context, c *channel.Contact) error {
	return d.channels.CreateContact(ctx, c)
}

func (d deskNotify) Policies(ctx context.Context, tenant string) ([]*escalation.Policy, error) {
	return d.policies.List(ctx, tenant, false)
}

func (d deskNotify) CreatePolicy(ctx context.Context, p *escalation.Policy) error {
	return d.policies.Create(ctx, p)
}
