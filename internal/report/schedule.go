package report

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// ScheduleActor is the creator of the drafts the schedule makes; at most one
// such draft exists per tenant and period.
const ScheduleActor = "schedule"

// TenantLister lists every tenant; storage.(*Store) is one.
type TenantLister interface {
	Tenants(ctx context.Context, only string) ([]*model.Tenant, error)
}

// Scheduler makes last month's draft of every tenant once the month has
// ended in the tenant's time zone.
type Scheduler struct {
	svc      *Service
	tenants  TenantLister
	interval time.Duration
	logger   *slog.Logger
	now      func() time.Time
	shard    func(tenant string) bool // nil: every tenant
}

// SetShard limits the schedule to the tenants whose report lease this
// replica holds (internal/lease); nil, the default, is every tenant.
func (s *Scheduler) SetShard(owns func(tenant string) bool) { s.shard = owns }

// NewScheduler returns a Scheduler that looks every interval (an hour when 0).
func NewScheduler(svc *Service, tenants TenantLister, interval time.Duration, logger *slog.Logger) *Scheduler {
	if interval <= 0 {
		interval = time.Hour
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Scheduler{svc: svc, tenants: tenants, interval: interval, logger: logger, now: time.Now}
}

// Run makes the due drafts now and then every interval until ctx ends.
func (s *Scheduler) Run(ctx context.Context) error {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		s.RunOnce(ctx, s.now())
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// LastMonth is the calendar month before now's in loc.
func LastMonth(now time.Time, loc *time.Location) (from, to time.Time) {
	n := now.In(loc)
	to = time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, loc)
	return to.AddDate(0, -1, 0), to
}

// RunOnce makes, for each tenant, the draft of the month before now in its
// zone unless the schedule made it already. It returns how many it made.
func (s *Scheduler) RunOnce(ctx context.Context, now time.Time) int {
	ts, err := s.tenants.Tenants(ctx, "")
	if err != nil {
		s.logger.Error("report schedule: cannot list tenants", "err", err)
		return 0
	}
	made := 0
	for _, t := range ts {
		if ctx.Err() != nil {
			return made
		}
		if s.shard != nil && !s.shard(t.ID) {
			continue // another replica's
		}
		t.Normalize()
		loc, err := time.LoadLocation(t.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		from, to := LastMonth(now, loc)
		exists, err := s.svc.store.hasScheduled(ctx, t.ID, from, to)
		if err != nil || exists {
			continue
		}
		_, err = s.svc.CreateDraft(ctx, t.ID, from, to, ScheduleActor)
		switch {
		case errors.Is(err, storage.ErrConflict):
		case err != nil:
			s.logger.Error("report schedule: draft failed", "tenant", t.ID, "from", from, "err", err)
		default:
			made++
			s.logger.Info("report schedule: draft made", "tenant", t.ID, "from", from.Format("2006-01-02"))
		}
	}
	return made
}

// hasScheduled reports whether the schedule already made tenant's draft of
// the period, so a restart does not gather it again.
func (st *Store) hasScheduled(ctx context.Context, tenant string, from, to time.Time) (bool, error) {
	var n int
	err := st.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM reports WHERE tenant_id = ? AND period_from = ? AND period_to = ? AND created_by = ?`,
		tenant, ms(from), ms(to), ScheduleActor).Scan(&n)
	return n > 0, err
}
