package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/notify"
)

// Delivery states.
const (
	StatePending   = "pending"   // waiting for its time (a retry, or a group's window)
	StateSending   = "sending"   // claimed by a worker; back to pending after a crash
	StateDelivered = "delivered" // the channel accepted it
	StateDead      = "dead"      // failed for good; retry by hand through the API
)

// noRoute is the target of the dead delivery that records a notification
// nobody could be told about, so the operator sees it in the API.
const noRoute = ""

// message is a stored notification as the dispatcher reads it.
type message struct {
	id      int64
	tenant  string
	key     string
	ref     string
	group   string
	routes  []string
	service int64
	msg     notify.Message
}

// dispatchPending turns stored notifications into deliveries: to their
// routes, or to the first step of the escalation policy. It runs in the
// worker loop, so a notification committed just before a crash is
// dispatched after the restart.
func (o *Outbox) dispatchPending(ctx context.Context) error {
	rows, err := o.db.QueryContext(ctx, `SELECT id, tenant_id, key, ref, grp, routes, service_id, message
		FROM outbox_messages WHERE dispatched=0 ORDER BY id LIMIT 100`)
	if err != nil {
		return fmt.Errorf("outbox: cannot read new notifications: %w", err)
	}
	var list []*message
	for rows.Next() {
		var m message
		var routes, raw string
		if err := rows.Scan(&m.id, &m.tenant, &m.key, &m.ref, &m.group, &routes, &m.service, &raw); err != nil {
			rows.Close()
			return fmt.Errorf("outbox: cannot read new notifications: %w", err)
		}
		if err := json.Unmarshal([]byte(routes), &m.routes); err != nil {
			m.routes = nil
		}
		if err := json.Unmarshal([]byte(raw), &m.msg); err != nil {
			o.logger.Error("outbox: unreadable stored message", "tenant", m.tenant, "key", m.key, "err", err)
		}
		list = append(list, &m)
	}
	rows.Close()
	for _, m := range list {
		if err := o.dispatch(ctx, m); err != nil {
			// Left undispatched: the next pass tries again.
			o.logger.Warn("outbox: cannot dispatch notification", "tenant", m.tenant, "key", m.key, "err", err)
		}
	}
	return rows.Err()
}

// opens reports whether m starts something people must act on, which
// escalates; follow-ups (acknowledged, resolved) go to those already told.
func opens(m notify.Message) bool {
	return m.Kind == notify.KindSLA || m.Status == notify.StatusFiring
}

func (o *Outbox) dispatch(ctx context.Context, m *message) error {
	now := o.now()
	targets, step := m.routes, ""
	switch {
	case len(targets) > 0:
	case o.escalate == nil:
	case opens(m.msg):
		var err error
		if targets, step, err = o.escalate.Start(ctx, m.tenant, m.ref, m.id, m.service, now); err != nil {
			return err
		}
	default:
		if m.ref != "" {
			if err := o.escalate.Stop(ctx, m.tenant, m.ref); err != nil {
				return err
			}
		}
		var err error
		if targets, err = o.toldAbout(ctx, m.tenant, m.ref, m.id); err != nil {
			return err
		}
		if len(targets) == 0 {
			if targets, err = o.escalate.FirstTargets(ctx, m.tenant, m.service, now); err != nil {
				return err
			}
		}
	}
	group := ""
	if m.group != "" && m.msg.Status == notify.StatusFiring {
		group = m.group
	}
	tx, err := database.Begin(ctx, o.db)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if len(targets) == 0 {
		o.logger.Warn("outbox: notification has no route", "tenant", m.tenant, "key", m.key)
		_, err = tx.ExecContext(ctx, `INSERT INTO outbox_deliveries (tenant_id, message_id, target, step, state, attempts, next_at, last_error, group_key, created_at, updated_at)
			VALUES (?,?,?,?,?,0,?,?,?,?,?) ON CONFLICT DO NOTHING`, m.tenant, m.id, noRoute, "", StateDead, now.UnixMilli(),
			"no route: the notification names no channel and the tenant has no default escalation policy", "", now.UnixMilli(), now.UnixMilli())
	} else {
		err = o.insertDeliveries(ctx, tx, m.tenant, m.id, step, targets, group)
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outbox_messages SET dispatched=1 WHERE id=?`, m.id); err != nil {
		return err
	}
	return tx.Commit()
}

// toldAbout returns the targets that earlier notifications of ref went to.
func (o *Outbox) toldAbout(ctx context.Context, tenant, ref string, before int64) ([]string, error) {
	if ref == "" {
		return nil, nil
	}
	rows, err := o.db.QueryContext(ctx, `SELECT d.target FROM outbox_deliveries d JOIN outbox_messages m ON m.id=d.message_id
		WHERE m.tenant_id=? AND m.ref=? AND m.id<? AND d.target<>'' GROUP BY d.target ORDER BY MIN(d.id)`, tenant, ref, before)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// insertDeliveries adds one pending delivery per target. The first
// notification of a group to a target goes at once, so that grouping costs
// the first alert of a burst no latency; those that follow it within the
// group window wait for the window to close and go out as one message.
func (o *Outbox) insertDeliveries(ctx context.Context, tx *sql.Tx, tenant string, messageID int64, step string, targets []string, group string) error {
	now := o.now()
	for _, t := range targets {
		due := now
		if group != "" {
			var opened sql.NullInt64
			err := tx.QueryRowContext(ctx, `SELECT MIN(created_at) FROM outbox_deliveries WHERE tenant_id=? AND target=? AND group_key=? AND created_at>?`,
				tenant, t, group, now.Add(-o.opts.GroupWindow).UnixMilli()).Scan(&opened)
			if err != nil {
				return fmt.Errorf("outbox: cannot look up the group window: %w", err)
			}
			if opened.Valid {
				due = time.UnixMilli(opened.Int64).Add(o.opts.GroupWindow)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO outbox_deliveries (tenant_id, message_id, target, step, state, attempts, next_at, last_error, group_key, created_at, updated_at)
			VALUES (?,?,?,?,?,0,?,'',?,?,?) ON CONFLICT DO NOTHING`,
			tenant, messageID, t, step, StatePending, due.UnixMilli(), group, now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return fmt.Errorf("outbox: cannot queue delivery: %w", err)
		}
	}
	return nil
}
