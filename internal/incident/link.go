package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// LinkAlert links an alert to incident id by hand, as an operator does when
// the alert belongs to a fault its item's policy did not attach it to. An
// alert belongs to one incident: one linked elsewhere is refused, naming it.
func (s *Desk) LinkAlert(ctx context.Context, tenant string, id int64, actor string, e AlertEvent) (*Incident, error) {
	e.Tenant = tenant
	if e.AlertID == "" {
		return nil, invalid.New("alert_id", "is required")
	}
	if e.Status != "firing" && e.Status != "resolved" {
		return nil, invalid.New("status", "must be firing or resolved, not %q", e.Status)
	}
	return s.change(ctx, tenant, id, actor, func(tx *sql.Tx, inc *Incident, ct *clockTx) (Change, error) {
		if inc.Kind != KindIncident {
			return Change{}, invalid.New("incident", "%s is a %s: only incidents take alerts", inc.Number, inc.Kind)
		}
		if other, err := alertIncident(ctx, tx, tenant, e.AlertID); err != nil {
			return Change{}, err
		} else if other != nil {
			return Change{}, invalid.New("alert_id", "is already linked to %s", other.Number)
		}
		var resolved any
		if e.Status == "resolved" {
			resolved = database.Millis(ct.at)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_alerts (tenant_id, alert_id, incident_id, fingerprint, item_id,
			resource_id, severity, title, titles, status, fired_at, resolved_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
			tenant, e.AlertID, inc.ID, e.Fingerprint, database.NullID(e.ItemID), database.NullID(e.ResourceID), e.Severity, e.Title,
			titlesJSON(e.Titles), e.Status, database.Millis(e.At), resolved); err != nil {
			return Change{}, fmt.Errorf("incident: unable to link alert: %w", err)
		}
		err := note(ctx, tx, tenant, inc.ID, Entry{At: ct.at, Author: actor, Kind: EntryAlert, Body: "linked: " + e.Title},
			e.detail(map[string]any{"alert_id": e.AlertID, "severity": e.Severity, "status": e.Status, "linked": true}))
		return Change{Kind: ChangeUpdated, Fields: []string{"alerts"}}, err
	})
}

// AlertIncident returns the incident alertID of tenant is linked to, nil for none.
func (s *Desk) AlertIncident(ctx context.Context, tenant, alertID string) (*Incident, error) {
	return alertIncident(ctx, database.Writer(s.db), tenant, alertID)
}

func alertIncident(ctx context.Context, q querier, tenant, alertID string) (*Incident, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT incident_id FROM incident_alerts WHERE tenant_id=? AND alert_id=?`, tenant, alertID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("incident: unable to find the alert's incident: %w", err)
	}
	inc, err := get(ctx, q, tenant, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	return inc, err
}
