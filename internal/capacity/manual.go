package capacity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/unyo-ops/unyo/internal/actuator"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/outbox"
	"github.com/unyo-ops/unyo/internal/storage"
)

// KindManual is the actuator that is a person: asked through the tenant's
// notification channels to set the count by hand, who then confirms the
// count the group runs in the console or the API. A group without a cloud
// API (or a change a customer wants made by hand) is planned and verified
// all the same.
const KindManual = "manual"

// ManualFactory returns the factory of the manual kind: a request goes to
// q (the tenant's default escalation policy), linking to the group under
// consoleURL.
func (s *Store) ManualFactory(q outbox.Enqueuer, consoleURL string) Factory {
	return func(ctx context.Context, tenant string, _ actuator.Spec) (actuator.Actuator, error) {
		g := GroupOf(ctx)
		if g == nil {
			return nil, errors.New("capacity: the manual actuator needs its group")
		}
		return &manual{store: s, q: q, url: consoleURL, tenant: tenant, group: g.ID, name: g.Name}, nil
	}
}

type manual struct {
	store  *Store
	q      outbox.Enqueuer
	url    string
	tenant string
	group  int64
	name   string
}

// Apply records the count asked for and sends the request.
func (m *manual) Apply(ctx context.Context, count int) error {
	now := m.store.now().UTC().Truncate(time.Millisecond)
	if _, err := database.Writer(m.store.db).ExecContext(ctx, `UPDATE capacity_groups SET manual_asked=? WHERE tenant_id=? AND id=?`, count, m.tenant, m.group); err != nil {
		return fmt.Errorf("capacity: unable to record the manual request: %w", err)
	}
	t, err := m.store.objects.Tenant(ctx, m.tenant)
	if err != nil {
		return fmt.Errorf("capacity: unable to read tenant: %w", err)
	}
	key := fmt.Sprintf("capacity-manual:%s:%d:%d:%d", m.tenant, m.group, count, now.UnixMilli())
	// The request reads in the tenant's language, as the alerts it sends do.
	title := fmt.Sprintf("運行作業依頼: %s → %d", m.name, count)
	summary := fmt.Sprintf("%s を %d 台にして、コンソールで台数を確認してください。", m.name, count)
	if t.Language == "en" {
		title = fmt.Sprintf("Scale by hand: %s → %d", m.name, count)
		summary = fmt.Sprintf("Set %s to %d instances, then confirm the count in the console.", m.name, count)
	}
	return m.q.Enqueue(ctx, outbox.Notification{
		Tenant: m.tenant, Key: key, Ref: fmt.Sprintf("capacity:%d", m.group),
		Message: notify.Message{
			Kind: notify.KindAlert, Status: notify.StatusFiring, Severity: notify.SeverityWarning,
			Tenant: notify.Tenant{ID: t.ID, Name: t.Name}, Title: title, Summary: summary, StartsAt: now, IdempotencyKey: key,
			Language: notify.Language(t.Language), TimeZone: t.TimeZone,
			URL: m.url + fmt.Sprintf("/tenants/%s/capacity/groups/%d", url.PathEscape(m.tenant), m.group),
		},
	})
}

// Observe reads the count asked for and the count a person confirmed.
func (m *manual) Observe(ctx context.Context) (actuator.State, error) {
	var asked, confirmed sql.NullInt64
	if err := m.store.db.QueryRowContext(ctx, `SELECT manual_asked, manual_confirmed FROM capacity_groups WHERE tenant_id=? AND id=?`,
		m.tenant, m.group).Scan(&asked, &confirmed); err != nil {
		return actuator.State{}, fmt.Errorf("capacity: unable to read the manual group: %w", err)
	}
	s := actuator.State{Desired: int(asked.Int64), Running: int(confirmed.Int64)}
	if !asked.Valid {
		s.Desired = s.Running
	}
	return s, nil
}

// Confirm records the count a person saw running in a manual group.
func (s *Store) Confirm(ctx context.Context, tenant string, group int64, count int) error {
	g, err := s.Group(ctx, tenant, group)
	if err != nil {
		return err
	}
	if g.Kind != KindManual {
		return invalid.New("kind", "only a manual group's count is confirmed by hand; this one is %s", g.Kind)
	}
	if count < 0 || count > maxCount {
		return invalid.New("count", "must be from 0 to %d", maxCount)
	}
	err = storage.Change(ctx, s.db, s.now(), func(tx *sql.Tx) (storage.Object, error) {
		res, err := tx.ExecContext(ctx, `UPDATE capacity_groups SET manual_confirmed=? WHERE tenant_id=? AND id=?`, count, tenant, group)
		return storage.Object{ID: group}, storage.RowsAffected(res, err)
	})
	if err != nil {
		return fmt.Errorf("capacity: unable to confirm: %w", err)
	}
	s.notify(tenant, group)
	return nil
}
