package incident

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/model"
)

// NoticeKind is what an SLA notice announces.
type NoticeKind string

// A clock warns once at 75% of its target and breaches once at 100%.
const (
	NoticeWarning NoticeKind = "warning"
	NoticeBreach  NoticeKind = "breach"
)

// SLANotice is one SLA warning or breach of an incident's clock, sent once.
type SLANotice struct {
	Tenant           string
	IncidentID       int64
	Number           string
	ShortDescription string
	Priority         int
	Clock            ClockName
	Kind             NoticeKind
	At               time.Time // when the clock reached the share or the target
	Target           time.Duration
	Deadline         time.Time // zero once breached
	Language         string    // the tenant's: "ja" or "en"
	Title            string    // in Language
}

// NotifyFunc sends an SLA notice through the alerting channels; the lead wires
// it to the notification outbox. A nil NotifyFunc sends nothing.
type NotifyFunc func(ctx context.Context, n SLANotice) error

// Scheduler watches the clocks of open incidents and records and sends each
// warning and breach once.
type Scheduler struct {
	store    *Desk
	notify   NotifyFunc
	interval time.Duration
	logger   *slog.Logger
	shard    func(tenant string) bool
}

// SetShard limits the scheduler to the tenants whose SLA lease this
// replica holds (internal/lease); nil, the default, is every tenant.
func (s *Scheduler) SetShard(owns func(tenant string) bool) { s.shard = owns }

// NewScheduler returns a Scheduler that looks every interval (30s when zero).
func NewScheduler(store *Desk, notify NotifyFunc, interval time.Duration, logger *slog.Logger) *Scheduler {
	if interval <= 0 {
		interval = 30 * time.Second
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Scheduler{store: store, notify: notify, interval: interval, logger: logger}
}

// Run checks the clocks every interval until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		if _, err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.logger.Error("SLA scheduler", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick checks every open incident's clocks as of the store's now and returns
// the notices it recorded. A notice is keyed on (incident, clock, kind) in
// the database, so a restart or a second scheduler does not send it twice.
func (s *Scheduler) Tick(ctx context.Context) ([]SLANotice, error) {
	now := s.store.now()
	open, err := s.store.openIncidents(ctx)
	if err != nil {
		return nil, err
	}
	var sent []SLANotice
	for _, inc := range open {
		if s.shard != nil && !s.shard(inc.TenantID) {
			continue // another replica's
		}
		clocks, err := s.store.Clocks(ctx, inc, now)
		if err != nil {
			return sent, err
		}
		for _, c := range clocks {
			for _, n := range noticesOf(inc, c) {
				ok, err := s.record(ctx, n)
				if err != nil {
					return sent, err
				}
				if ok {
					sent = append(sent, n)
				}
			}
		}
	}
	return sent, nil
}

func noticesOf(inc *Incident, c ClockStatus) []SLANotice {
	base := SLANotice{Tenant: inc.TenantID, IncidentID: inc.ID, Number: inc.Number, ShortDescription: inc.ShortDescription,
		Priority: inc.Priority, Clock: c.Clock, Target: c.Target.Std()}
	var out []SLANotice
	if c.Warned && c.WarnAt != nil {
		n := base
		n.Kind, n.At = NoticeWarning, *c.WarnAt
		if c.Deadline != nil {
			n.Deadline = *c.Deadline
		}
		out = append(out, n)
	}
	if c.BreachedAt != nil {
		n := base
		n.Kind, n.At = NoticeBreach, *c.BreachedAt
		out = append(out, n)
	}
	return out
}

// record sends the notice once, puts it on the timeline and stores it; it
// reports false when the notice was already recorded. A notice the channel
// refused is recorded too, without a notification entry, and not retried.
//
// The send comes before the record: the outbox keys the notice on
// (incident, clock, kind), so a scheduler that dies between the two, or
// two replicas racing over one tenant during a lease takeover, enqueue it
// twice and it is delivered once; recorded first, a death in between
// would lose it.
func (s *Scheduler) record(ctx context.Context, n SLANotice) (bool, error) {
	var seen int
	err := s.store.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM incident_notices WHERE incident_id=? AND clock=? AND kind=?`,
		n.IncidentID, n.Clock, n.Kind).Scan(&seen)
	if err != nil {
		return false, fmt.Errorf("incident: unable to read SLA notices: %w", err)
	}
	if seen > 0 {
		return false, nil
	}
	n.Language = s.store.language(ctx, n.Tenant)
	n.Title = noticeTitle(n)
	sent := false
	if s.notify != nil {
		if err := s.notify(ctx, n); err != nil {
			s.logger.Error("SLA notice not sent", "tenant", n.Tenant, "incident", n.Number, "clock", n.Clock, "kind", n.Kind, "err", err)
		} else {
			sent = true
		}
	}
	kind := EntrySLAWarning
	if n.Kind == NoticeBreach {
		kind = EntrySLABreach
	}
	detail := map[string]string{"clock": string(n.Clock), "kind": string(n.Kind)}
	recorded := false
	err = database.InTx(ctx, s.store.db, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO incident_notices (incident_id, clock, kind, at) VALUES (?,?,?,?) ON CONFLICT DO NOTHING`,
			n.IncidentID, n.Clock, n.Kind, database.Millis(n.At))
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return nil // another replica recorded it meanwhile
		}
		recorded = true
		if err := note(ctx, tx, n.Tenant, n.IncidentID, Entry{At: n.At, Author: "sla", Kind: kind, Internal: true, Body: n.Title}, detail); err != nil {
			return err
		}
		if !sent {
			return nil
		}
		return note(ctx, tx, n.Tenant, n.IncidentID, Entry{At: s.store.now().UTC(), Author: "sla", Kind: EntryNotification,
			Internal: true, Body: n.Title}, detail)
	})
	if err != nil {
		return false, fmt.Errorf("incident: unable to record SLA notice: %w", err)
	}
	return recorded, nil
}

// openIncidents lists the open incidents of every tenant, for the scheduler only.
func (s *Desk) openIncidents(ctx context.Context) ([]*Incident, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE state IN ('new','in_progress','on_hold') ORDER BY id LIMIT 100000`)
	if err != nil {
		return nil, fmt.Errorf("incident: unable to list open incidents: %w", err)
	}
	defer rows.Close()
	var list []*Incident
	for rows.Next() {
		inc, err := scanIncident(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("incident: unable to list open incidents: %w", err)
		}
		list = append(list, inc)
	}
	return list, rows.Err()
}

// language returns the tenant's language, English when unknown.
func (s *Desk) language(ctx context.Context, tenant string) string {
	t, err := s.resources.Tenant(ctx, tenant)
	if err != nil || t.Language == "" {
		return "en"
	}
	return t.Language
}

var clockLabel = map[string]map[ClockName]string{
	"en": {ClockAcknowledge: "acknowledge", ClockIdentify: "identify the cause", ClockResolve: "resolve"},
	"ja": {ClockAcknowledge: "受付", ClockIdentify: "原因特定", ClockResolve: "解決"},
}

// noticeTitle is the one line a notice shows, in the tenant's language.
func noticeTitle(n SLANotice) string {
	lang := n.Language
	if _, ok := clockLabel[lang]; !ok {
		lang = "en"
	}
	label, target := clockLabel[lang][n.Clock], model.Duration(n.Target).Std().String()
	switch {
	case lang == "ja" && n.Kind == NoticeWarning:
		return fmt.Sprintf("%s: %s の目標時間 %s の75%%に達しました", n.Number, label, target)
	case lang == "ja":
		return fmt.Sprintf("%s: %s の目標時間 %s を超過しました", n.Number, label, target)
	case n.Kind == NoticeWarning:
		return fmt.Sprintf("%s: 75%% of the time to %s (%s) has passed", n.Number, label, target)
	}
	return fmt.Sprintf("%s: the time to %s (%s) is breached", n.Number, label, target)
}
