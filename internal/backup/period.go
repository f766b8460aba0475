package backup

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Period is one policy's backup record over a period: what the monthly
// report's バックアップ / Backups section says of it.
type Period struct {
	Policy *Policy
	// Jobs and Succeeded count the jobs that finished in the period.
	Jobs, Succeeded int
	// Measured is the part of the period the policy existed; WithinRPO the
	// part of it during which the newest good point known was within the
	// RPO.
	Measured, WithinRPO time.Duration
	Failures            []*Job         // failed or partial jobs of the period, oldest first
	RestoreTests        []*RestoreTest // started in the period, oldest first, against the effective RTO
	// RestoreOverdue is the due moment of a planned restore test overdue at
	// the period's end, nil when none is.
	RestoreOverdue *time.Time
}

// Coverage measures, over [from, to), how long the newest good recovery
// point known at each moment was within p's effective RPO, as the watch
// judges it: a point counts from when its job finished until the point
// plus the RPO, and the policy's creation counts as a point until its first
// job. good are p's good jobs (any order); measured is the part of
// [from, to) after the policy's creation.
func Coverage(p *Policy, good []*Job, from, to time.Time) (measured, within time.Duration) {
	if p.CreatedAt.After(from) {
		from = p.CreatedAt
	}
	if !to.After(from) || p.EffectiveRPO <= 0 {
		return 0, 0
	}
	rpo := time.Duration(p.EffectiveRPO)
	type span struct{ a, b time.Time }
	spans := []span{{p.CreatedAt, p.CreatedAt.Add(rpo)}}
	for _, j := range good {
		spans = append(spans, span{j.FinishedAt, j.RecoveryPoint.Add(rpo)})
	}
	slices.SortFunc(spans, func(x, y span) int { return x.a.Compare(y.a) })
	end := from // everything before end is counted
	for _, s := range spans {
		a, b := maxTime(s.a, end), minTime(s.b, to)
		if b.After(a) {
			within += b.Sub(a)
			end = b
		}
	}
	return to.Sub(from), within
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Periods gathers every policy of tenant over [from, to).
func (s *Store) Periods(ctx context.Context, tenant string, from, to time.Time) ([]Period, error) {
	ps, err := s.Policies(ctx, tenant)
	if err != nil {
		return nil, err
	}
	tests, err := s.RestoreTests(ctx, tenant, 0, from, to)
	if err != nil {
		return nil, err
	}
	t, err := s.objects.Tenant(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("backup: unable to read tenant: %w", err)
	}
	loc, err := time.LoadLocation(t.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	out := make([]Period, 0, len(ps))
	for _, p := range ps {
		pr := Period{Policy: p}
		jobs, err := s.jobsAround(ctx, p, from, to)
		if err != nil {
			return nil, err
		}
		var good []*Job
		for _, j := range jobs {
			if j.Good() {
				good = append(good, j)
			}
			if j.FinishedAt.Before(from) || !j.FinishedAt.Before(to) {
				continue
			}
			pr.Jobs++
			if j.Good() {
				pr.Succeeded++
			} else {
				pr.Failures = append(pr.Failures, j)
			}
		}
		pr.Measured, pr.WithinRPO = Coverage(p, good, from, to)
		for i := len(tests) - 1; i >= 0; i-- {
			if tests[i].PolicyID == p.ID {
				pr.RestoreTests = append(pr.RestoreTests, tests[i])
			}
		}
		if err := s.overdueAt(ctx, &pr, loc, to); err != nil {
			return nil, err
		}
		out = append(out, pr)
	}
	return out, nil
}

// jobsAround returns p's jobs that finished in [from, to) and the good ones
// before whose point is within the RPO at from, oldest first.
func (s *Store) jobsAround(ctx context.Context, p *Policy, from, to time.Time) ([]*Job, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+jobColumns+` FROM backup_jobs WHERE tenant_id=? AND policy_id=? AND finished_at<?
		AND (finished_at>=? OR (status='ok' AND recovery_point>?)) ORDER BY finished_at, id`,
		p.TenantID, p.ID, to.UnixMilli(), from.UnixMilli(), from.Add(-time.Duration(p.EffectiveRPO)).UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("backup: unable to read the period's jobs: %w", err)
	}
	defer rows.Close()
	var list []*Job
	for rows.Next() {
		j, err := scanJob(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("backup: unable to read the period's jobs: %w", err)
		}
		list = append(list, j)
	}
	return list, rows.Err()
}

// overdueAt sets pr's overdue restore test at the period's end, from the
// newest test started before it.
func (s *Store) overdueAt(ctx context.Context, pr *Period, loc *time.Location, to time.Time) error {
	p := pr.Policy
	plan, err := ParseRestorePlan(p.RestorePlan)
	if err != nil || !plan.Planned() {
		return nil
	}
	var last time.Time
	var ms int64
	err = s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(started_at), 0) FROM backup_restore_tests WHERE tenant_id=? AND policy_id=? AND started_at<?`,
		p.TenantID, p.ID, to.UnixMilli()).Scan(&ms)
	if err != nil {
		return fmt.Errorf("backup: unable to read the last restore test: %w", err)
	}
	if ms != 0 {
		last = time.UnixMilli(ms)
	}
	since := p.CreatedAt
	if p.RestorePlanSince != nil {
		since = *p.RestorePlanSince
	}
	if due, overdue, _ := plan.Due(last, since, time.Duration(p.RestoreGrace), loc, to); overdue {
		pr.RestoreOverdue = &due
	}
	return nil
}
