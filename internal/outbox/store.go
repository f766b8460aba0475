package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Delivery is one notification's delivery to one target, as the API shows it.
type Delivery struct {
	ID          int64      `json:"id"`
	Tenant      string     `json:"tenant"`
	Key         string     `json:"key"`
	Ref         string     `json:"ref,omitempty"`
	Group       string     `json:"group,omitempty"`
	Target      string     `json:"target"` // channel name or contact:<name>; "" = no route
	Step        string     `json:"step,omitempty"`
	State       string     `json:"state"`
	Attempts    int        `json:"attempts"`
	NextAttempt *time.Time `json:"next_attempt_at,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	Kind        string     `json:"kind"`
	Status      string     `json:"status"`
	Severity    string     `json:"severity"`
	Title       string     `json:"title"`
	CreatedAt   time.Time  `json:"created_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

// Filter selects deliveries of a tenant.
type Filter struct {
	State string // one of the states, "" = all
	Ref   string
	Limit int // default 100, at most 1000
}

const selectDeliveries = `SELECT d.id, d.tenant_id, m.key, m.ref, m.grp, d.target, d.step, d.state, d.attempts, d.next_at,
	d.last_error, m.message, d.created_at, d.delivered_at FROM outbox_deliveries d JOIN outbox_messages m ON m.id=d.message_id`

// Deliveries lists the deliveries of tenant, newest first.
func (o *Outbox) Deliveries(ctx context.Context, tenant string, f Filter) ([]*Delivery, error) {
	switch f.State {
	case "", StatePending, StateSending, StateDelivered, StateDead:
	default:
		return nil, invalid.New("state", "must be pending, sending, delivered or dead, not %q", f.State)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	q, args := selectDeliveries+` WHERE d.tenant_id=?`, []any{tenant}
	if f.State != "" {
		q, args = q+` AND d.state=?`, append(args, f.State)
	}
	if f.Ref != "" {
		q, args = q+` AND m.ref=?`, append(args, f.Ref)
	}
	rows, err := o.db.QueryContext(ctx, q+` ORDER BY d.id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("outbox: cannot list deliveries: %w", err)
	}
	defer rows.Close()
	list := []*Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("outbox: cannot list deliveries: %w", err)
		}
		list = append(list, d)
	}
	return list, rows.Err()
}

// Delivery returns the delivery id of tenant, storage.ErrNotFound if none.
func (o *Outbox) Delivery(ctx context.Context, tenant string, id int64) (*Delivery, error) {
	d, err := scanDelivery(o.db.QueryRowContext(ctx, selectDeliveries+` WHERE d.tenant_id=? AND d.id=?`, tenant, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("outbox: cannot read delivery: %w", err)
	}
	return d, nil
}

// Retry makes a dead delivery of tenant pending again with a fresh count
// of attempts, after the operator fixed what made it fail.
func (o *Outbox) Retry(ctx context.Context, tenant string, id int64) (*Delivery, error) {
	d, err := o.Delivery(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if d.State != StateDead {
		return nil, invalid.New("state", "only a dead delivery can be retried; this one is %s", d.State)
	}
	if d.Target == noRoute {
		return nil, invalid.New("target", "the notification had no route; there is nothing to retry")
	}
	now := o.now()
	err = storage.Change(ctx, o.db, now, func(tx *sql.Tx) (storage.Object, error) {
		_, err := tx.ExecContext(ctx, `UPDATE outbox_deliveries SET state=?, attempts=0, next_at=?, updated_at=? WHERE tenant_id=? AND id=? AND state=?`,
			StatePending, now.UnixMilli(), now.UnixMilli(), tenant, id, StateDead)
		return storage.Object{ID: id, Detail: map[string]string{"key": d.Key, "target": d.Target}}, err
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: cannot retry delivery: %w", err)
	}
	o.poke()
	return o.Delivery(ctx, tenant, id)
}

func scanDelivery(f func(...any) error) (*Delivery, error) {
	var (
		d             Delivery
		next, created int64
		delivered     sql.NullInt64
		raw           string
	)
	if err := f(&d.ID, &d.Tenant, &d.Key, &d.Ref, &d.Group, &d.Target, &d.Step, &d.State, &d.Attempts, &next,
		&d.LastError, &raw, &created, &delivered); err != nil {
		return nil, err
	}
	var m notify.Message
	if err := json.Unmarshal([]byte(raw), &m); err == nil {
		d.Kind, d.Status, d.Severity, d.Title = string(m.Kind), string(m.Status), string(m.Severity), m.Title
	}
	if d.State == StatePending {
		t := time.UnixMilli(next).UTC()
		d.NextAttempt = &t
	}
	d.CreatedAt = time.UnixMilli(created).UTC()
	if delivered.Valid {
		t := time.UnixMilli(delivered.Int64).UTC()
		d.DeliveredAt = &t
	}
	return &d, nil
}
