package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/storage"
)

// AlertEvent is what the alert engine tells the incident desk: an alert of a
// monitoring item fired or resolved. The lead adapts the alert engine's own
// type to this one, so neither package imports the other.
type AlertEvent struct {
	Tenant       string
	AlertID      string // the alert's own ID: a replay of the same ID opens nothing new
	Fingerprint  string
	ResourceID   int64
	ResourceName string
	ServiceID    int64
	ItemID       int64
	Policy       string // the item's incident_policy: new, attach or none
	Severity     string // critical, warning, info
	Title        string
	// Titles is the alert's title in both languages, when it has them: the
	// incident it opens and its timeline show each reader theirs.
	Titles alert.Text
	Status string // firing or resolved
	At     time.Time
}

// AlertLink is an alert linked to an incident.
type AlertLink struct {
	AlertID     string     `json:"alert_id"`
	Fingerprint string     `json:"fingerprint"`
	ItemID      int64      `json:"item_id,omitempty"`
	ResourceID  int64      `json:"resource_id,omitempty"`
	Severity    string     `json:"severity"`
	Title       string     `json:"title"`
	Status      string     `json:"status"`
	FiredAt     time.Time  `json:"fired_at"`
	ResolvedAt  *time.Time `json:"resolved_at,omitempty"`
	// Titles is the alert's title in both languages, when it has them.
	Titles alert.Text `json:"-"`
}

// TitleIn is the alert's title in lang, as linked.
func (a AlertLink) TitleIn(lang string) string {
	if a.Titles != (alert.Text{}) {
		return a.Titles.In(lang)
	}
	return a.Title
}

// ActorAlert is the author of what alerts do to incidents.
const ActorAlert = "alert"

func (e AlertEvent) validate() error {
	switch {
	case e.Tenant == "":
		return invalid.New("tenant", "is required")
	case e.AlertID == "":
		return invalid.New("alert_id", "is required")
	case e.Status != "firing" && e.Status != "resolved":
		return invalid.New("status", "must be firing or resolved, not %q", e.Status)
	}
	switch monitoring.IncidentPolicy(e.Policy) {
	case monitoring.PolicyNew, monitoring.PolicyAttach, monitoring.PolicyNone:
		return nil
	}
	return invalid.New("incident_policy", "must be new, attach or none, not %q", e.Policy)
}

// severityImpact maps an alert's severity to impact and urgency: a critical
// alert is High (2), a warning Moderate (3), anything else Low (4).
func severityImpact(sev string) (impact, urgency int) {
	switch strings.ToLower(sev) {
	case "critical":
		return 2, 1
	case "warning":
		return 2, 2
	}
	return 3, 2
}

// OnAlert applies an alert to the incidents: policy new opens an incident,
// attach adds the alert to the open incident of its resource (or service) and
// opens one when there is none, none does nothing. It is idempotent on the
// alert ID: a replayed firing opens nothing; a resolved one marks the link.
func (s *Desk) OnAlert(ctx context.Context, e AlertEvent) error {
	if err := e.validate(); err != nil {
		return fmt.Errorf("incident: alert %q: %w", e.AlertID, err)
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	if e.Status == "resolved" {
		return s.alertResolved(ctx, e)
	}
	if monitoring.IncidentPolicy(e.Policy) == monitoring.PolicyNone {
		return nil
	}
	return database.InTx(ctx, s.db, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM incident_alerts WHERE tenant_id=? AND alert_id=?`, e.Tenant, e.AlertID).Scan(&n); err != nil {
			return fmt.Errorf("incident: unable to look up alert: %w", err)
		}
		if n > 0 {
			return nil // a replay
		}
		var target *Incident
		if monitoring.IncidentPolicy(e.Policy) == monitoring.PolicyAttach {
			var err error
			if target, err = openIncidentOf(ctx, tx, e); err != nil {
				return err
			}
		}
		c := Change{Kind: ChangeWorkNote, Actor: ActorAlert, Incident: target, Text: "alert linked: " + e.Title}
		if target == nil {
			target = s.fromAlert(ctx, tx, e)
			if err := s.insert(ctx, tx, target, ActorAlert); err != nil {
				return err
			}
			c = Change{Kind: ChangeOpened, Actor: ActorAlert, Incident: target}
		}
		if err := linkAlert(ctx, tx, target, e); err != nil {
			return err
		}
		return s.emit(ctx, tx, c)
	})
}

// fromAlert builds the incident an alert opens; a service or resource of
// another tenant is dropped rather than linked.
func (s *Desk) fromAlert(ctx context.Context, q querier, e AlertEvent) *Incident {
	impact, urgency := severityImpact(e.Severity)
	now := s.now().UTC()
	inc := &Incident{TenantID: e.Tenant, Kind: KindIncident, ShortDescription: e.incidentTitle(e.Title), Impact: impact, Urgency: urgency,
		Priority: Priority(impact, urgency), State: StateNew, OpenedBy: ActorAlert, OpenedAt: now, UpdatedAt: now, ResourceIDs: []int64{}}
	if e.Titles != (alert.Text{}) {
		inc.Titles = alert.Text{Ja: e.incidentTitle(e.Titles.In("ja")), En: e.incidentTitle(e.Titles.In("en"))}
	}
	if checkService(ctx, q, e.Tenant, e.ServiceID) == nil {
		inc.ServiceID = e.ServiceID
	}
	if e.ResourceID > 0 {
		if _, err := s.resources.Resource(ctx, e.Tenant, e.ResourceID); err == nil {
			inc.ResourceIDs = []int64{e.ResourceID}
		}
	}
	return inc
}

// incidentTitle is the short description an incident opened by e takes
// from the alert's title: its resource first, 160 characters at most.
func (e AlertEvent) incidentTitle(title string) string {
	if title == "" {
		title = "alert " + e.AlertID
	}
	if e.ResourceName != "" && !strings.Contains(title, e.ResourceName) {
		title = e.ResourceName + ": " + title
	}
	if r := []rune(title); len(r) > 160 {
		title = string(r[:160])
	}
	return title
}

// detail is what a timeline entry of e keeps besides its body: the
// alert's title in both languages, for the reader's.
func (e AlertEvent) detail(d map[string]any) map[string]any {
	if e.Titles != (alert.Text{}) {
		d["titles"] = e.Titles
	}
	return d
}

// openIncidentOf finds the newest open incident of the alert's resource, else of its service.
func openIncidentOf(ctx context.Context, q querier, e AlertEvent) (*Incident, error) {
	var id int64
	err := sql.ErrNoRows
	if e.ResourceID > 0 {
		err = q.QueryRowContext(ctx, `SELECT i.id FROM incidents i JOIN incident_resources r ON r.incident_id=i.id
			WHERE i.tenant_id=? AND i.kind='incident' AND r.resource_id=? AND i.state IN ('new','in_progress','on_hold') ORDER BY i.id DESC LIMIT 1`,
			e.Tenant, e.ResourceID).Scan(&id)
	}
	if errors.Is(err, sql.ErrNoRows) && e.ServiceID > 0 {
		err = q.QueryRowContext(ctx, `SELECT id FROM incidents WHERE tenant_id=? AND kind='incident' AND service_id=?
			AND state IN ('new','in_progress','on_hold') ORDER BY id DESC LIMIT 1`, e.Tenant, e.ServiceID).Scan(&id)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("incident: unable to find the open incident: %w", err)
	}
	return get(ctx, q, e.Tenant, id)
}

func linkAlert(ctx context.Context, q querier, inc *Incident, e AlertEvent) error {
	_, err := q.ExecContext(ctx, `INSERT INTO incident_alerts (tenant_id, alert_id, incident_id, fingerprint, item_id,
		resource_id, severity, title, titles, status, fired_at) VALUES (?,?,?,?,?,?,?,?,?,'firing',?)`,
		e.Tenant, e.AlertID, inc.ID, e.Fingerprint, database.NullID(e.ItemID), database.NullID(e.ResourceID), e.Severity, e.Title,
		titlesJSON(e.Titles), database.Millis(e.At))
	if err != nil {
		return fmt.Errorf("incident: unable to link alert: %w", err)
	}
	return note(ctx, q, inc.TenantID, inc.ID, Entry{At: e.At.UTC(), Author: ActorAlert, Kind: EntryAlert,
		Body: "firing: " + e.Title}, e.detail(map[string]any{"alert_id": e.AlertID, "severity": e.Severity, "status": "firing"}))
}

// alertResolved marks a linked alert resolved, once; an unknown alert is ignored.
func (s *Desk) alertResolved(ctx context.Context, e AlertEvent) error {
	return database.InTx(ctx, s.db, func(tx *sql.Tx) error {
		var incID int64
		err := tx.QueryRowContext(ctx, `UPDATE incident_alerts SET status='resolved', resolved_at=?
			WHERE tenant_id=? AND alert_id=? AND status='firing' RETURNING incident_id`, database.Millis(e.At), e.Tenant, e.AlertID).Scan(&incID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("incident: unable to resolve alert: %w", err)
		}
		return note(ctx, tx, e.Tenant, incID, Entry{At: e.At.UTC(), Author: ActorAlert, Kind: EntryAlert,
			Body: "resolved: " + e.Title}, e.detail(map[string]any{"alert_id": e.AlertID, "status": "resolved"}))
	})
}

func alertLinks(ctx context.Context, q querier, tenant string, id int64) ([]AlertLink, error) {
	rows, err := q.QueryContext(ctx, `SELECT alert_id, fingerprint, COALESCE(item_id,0), COALESCE(resource_id,0), severity,
		title, titles, status, fired_at, resolved_at FROM incident_alerts WHERE tenant_id=? AND incident_id=? ORDER BY fired_at, alert_id`, tenant, id)
	if err != nil {
		return nil, fmt.Errorf("incident: unable to read alerts: %w", err)
	}
	defer rows.Close()
	var list []AlertLink
	for rows.Next() {
		var a AlertLink
		var fired int64
		var resolved sql.NullInt64
		var titles string
		if err := rows.Scan(&a.AlertID, &a.Fingerprint, &a.ItemID, &a.ResourceID, &a.Severity, &a.Title, &titles, &a.Status, &fired, &resolved); err != nil {
			return nil, fmt.Errorf("incident: unable to read alerts: %w", err)
		}
		a.Titles = parseTitles(titles)
		a.FiredAt, a.ResolvedAt = database.FromMillis(fired), database.TimePtr(resolved)
		list = append(list, a)
	}
	return list, rows.Err()
}

// ItemReader reads a monitoring item; *monitoring.Store is one.
type ItemReader interface {
	Item(ctx context.Context, tenant string, id int64) (*monitoring.Item, error)
}

// alertRunbooks lists the runbook links the incident's alerts carry
// themselves, for alerts of no monitoring item (a backup policy's restore
// runbook, an external sender's runbook_url).
func (s *Desk) alertRunbooks(ctx context.Context, inc *Incident) []RunbookLink {
	seen := map[string]bool{}
	var out []RunbookLink
	for _, a := range inc.Alerts {
		id, err := strconv.ParseInt(a.AlertID, 10, 64)
		if a.ItemID != 0 || err != nil {
			continue
		}
		var u string
		err = s.db.QueryRowContext(ctx, `SELECT runbook_url FROM alerts WHERE tenant_id=? AND id=?`, inc.TenantID, id).Scan(&u)
		if err != nil || u == "" || seen[u] {
			continue
		}
		seen[u] = true
		out = append(out, RunbookLink{URL: u})
	}
	return out
}

// runbooks lists the runbooks named by the items of the incident's alerts.
func runbooks(ctx context.Context, items ItemReader, inc *Incident) []RunbookLink {
	if items == nil {
		return nil
	}
	seen := map[int64]bool{}
	var out []RunbookLink
	for _, a := range inc.Alerts {
		if a.ItemID == 0 || seen[a.ItemID] {
			continue
		}
		seen[a.ItemID] = true
		it, err := items.Item(ctx, inc.TenantID, a.ItemID)
		if errors.Is(err, storage.ErrNotFound) || err != nil || (it.RunbookID == 0 && it.RunbookURL == "") {
			continue
		}
		out = append(out, RunbookLink{ItemID: it.ID, RunbookID: it.RunbookID, URL: it.RunbookURL})
	}
	return out
}
