package backup

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
)

// The facts of many policies at once, for the watch's resync and the
// status list: two queries whatever the number of policies, where Facts
// asks five of each policy. At 10,000 policies the per-policy reads cost
// 0.5–2 ms each, nearly all of it SQL; the rules cost a few µs.
//
// Both queries walk the policies and take what they need of each one's
// history by index seeks (migration 19), in the same order as Facts, so
// both paths pick the same rows, ties included (the id breaks them), and
// the cost follows the number of policies, not the length of their
// history. The size history is an ordered walk of each policy's good jobs
// from its (SizeHistory+1)th newest good point on, cut to SizeHistory+1
// here: ranking them in SQL with ROW_NUMBER() OVER (PARTITION BY
// policy_id ...) gives the same rows but cost SQLite three to five times
// as much (0.4–1 s against 0.1–0.2 s for 110,000 rows), the window's own
// work, sorted input or not.

// factsOf reads the facts of every policy of tenant ("": every tenant's,
// for the watch) at now, by policy ID; a policy without any job or test
// has zero Facts.
func (s *Store) factsOf(ctx context.Context, tenant string, now time.Time) (map[int64]*Facts, error) {
	out := map[int64]*Facts{}
	of := func(policy int64) *Facts {
		f := out[policy]
		if f == nil {
			f = &Facts{}
			out[policy] = f
		}
		return f
	}
	if err := s.sizes(ctx, tenant, of); err != nil {
		return nil, err
	}
	// Per policy: the good job with the newest point (g), the job that
	// finished last (l) and the latest start, the oldest good point
	// within the policy's own retention (o), the newest restore test (r).
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.tenant_id, `+jobsOf("g")+`, `+jobsOf("l")+`,
		(SELECT MAX(started_at) FROM backup_jobs WHERE policy_id=p.id), `+jobsOf("o")+`,
		r.id, r.started_at, r.finished_at, r.performed_by, r.restored, r.verification, r.result, r.created_at
		FROM backup_policies p
		LEFT JOIN backup_jobs g ON g.tenant_id=p.tenant_id AND g.id=(SELECT id FROM backup_jobs WHERE policy_id=p.id AND status='ok'
			ORDER BY recovery_point DESC, id DESC LIMIT 1)
		LEFT JOIN backup_jobs l ON l.tenant_id=p.tenant_id AND l.id=(SELECT id FROM backup_jobs WHERE policy_id=p.id
			ORDER BY finished_at DESC, id DESC LIMIT 1)
		LEFT JOIN backup_jobs o ON o.tenant_id=p.tenant_id AND o.id=(SELECT id FROM backup_jobs WHERE policy_id=p.id AND status='ok'
			AND recovery_point >= ? - p.retention_ms ORDER BY recovery_point, id LIMIT 1)
		LEFT JOIN backup_restore_tests r ON r.tenant_id=p.tenant_id AND r.id=(SELECT id FROM backup_restore_tests WHERE policy_id=p.id
			ORDER BY started_at DESC, id DESC LIMIT 1)
		WHERE 1=1`+andTenant(tenant), tenantArgs([]any{now.UnixMilli()}, tenant)...)
	if err != nil {
		return nil, fmt.Errorf("backup: unable to read the policies' history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var policy int64
		var owner string
		var good, last, oldest nullJob
		var start sql.NullInt64
		var rt nullRestore
		dest := append([]any{&policy, &owner}, good.dest()...)
		dest = append(append(append(dest, last.dest()...), &start), oldest.dest()...)
		if err := rows.Scan(append(dest, rt.dest()...)...); err != nil {
			return nil, fmt.Errorf("backup: unable to read the policies' history: %w", err)
		}
		f := of(policy)
		f.LastGood, f.Last, f.Oldest = good.job(owner, policy), last.job(owner, policy), oldest.job(owner, policy)
		f.LastRestore = rt.test(owner, policy)
		if start.Valid {
			f.LastStart = database.FromMillis(start.Int64)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("backup: unable to read the policies' history: %w", err)
	}
	return out, nil
}

// sizes gives each policy of tenant ("": every tenant's) the sizes of its
// newest good jobs, newest first, up to SizeHistory+1: the index walks
// each policy's good jobs newest first from its (SizeHistory+1)th newest
// point (ties at that point may add a few rows, cut here).
func (s *Store) sizes(ctx context.Context, tenant string, of func(int64) *Facts) error {
	rows, err := s.db.QueryContext(ctx, `SELECT j.policy_id, j.size_bytes FROM backup_policies p CROSS JOIN backup_jobs j
		WHERE j.policy_id=p.id AND j.tenant_id=p.tenant_id AND j.status='ok'
		AND j.recovery_point >= coalesce((SELECT recovery_point FROM backup_jobs WHERE policy_id=p.id AND status='ok'
		ORDER BY recovery_point DESC, id DESC LIMIT 1 OFFSET ?), ?)`+andTenant(tenant)+`
		ORDER BY p.id, j.recovery_point DESC, j.id DESC`, tenantArgs([]any{SizeHistory, int64(math.MinInt64)}, tenant)...)
	if err != nil {
		return fmt.Errorf("backup: unable to read the size history: %w", err)
	}
	defer rows.Close()
	var f *Facts // of policy cur: the rows come policy by policy
	var cur int64
	for rows.Next() {
		var policy, size int64
		if err := rows.Scan(&policy, &size); err != nil {
			return fmt.Errorf("backup: unable to read the size history: %w", err)
		}
		if f == nil || policy != cur {
			f, cur = of(policy), policy
		}
		if len(f.Sizes) <= SizeHistory {
			f.Sizes = append(f.Sizes, size)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("backup: unable to read the size history: %w", err)
	}
	return nil
}

// jobsOf is the columns of a job of a left join aliased a, as nullJob
// scans them.
func jobsOf(a string) string {
	return a + `.id, ` + a + `.status, ` + a + `.started_at, ` + a + `.finished_at, ` + a + `.size_bytes, ` + a + `.recovery_point, ` +
		a + `.external_id, ` + a + `.message, ` + a + `.created_at, ` + a + `.source`
}

// nullJob is a job of a left join: all NULL when there is none.
type nullJob struct {
	id, started, finished, size, point, created sql.NullInt64
	status, external, message, source           sql.NullString
}

func (n *nullJob) dest() []any {
	return []any{&n.id, &n.status, &n.started, &n.finished, &n.size, &n.point, &n.external, &n.message, &n.created, &n.source}
}

// job is the job scanned, as scanJob gives it; nil when there is none.
func (n *nullJob) job(tenant string, policy int64) *Job {
	if !n.id.Valid {
		return nil
	}
	return &Job{ID: n.id.Int64, TenantID: tenant, PolicyID: policy, Status: Result(n.status.String),
		StartedAt: database.FromMillis(n.started.Int64), FinishedAt: database.FromMillis(n.finished.Int64), SizeBytes: n.size.Int64,
		RecoveryPoint: database.FromMillis(n.point.Int64), ExternalID: n.external.String, Message: n.message.String,
		CreatedAt: database.FromMillis(n.created.Int64), Source: n.source.String}
}

// nullRestore is a restore test of a left join: all NULL when there is none.
type nullRestore struct {
	id, started, finished, created              sql.NullInt64
	performedBy, restored, verification, result sql.NullString
}

func (n *nullRestore) dest() []any {
	return []any{&n.id, &n.started, &n.finished, &n.performedBy, &n.restored, &n.verification, &n.result, &n.created}
}

// test is the restore test scanned, as scanRestore gives it; nil when
// there is none.
func (n *nullRestore) test(tenant string, policy int64) *RestoreTest {
	if !n.id.Valid {
		return nil
	}
	return &RestoreTest{ID: n.id.Int64, TenantID: tenant, PolicyID: policy, StartedAt: database.FromMillis(n.started.Int64),
		FinishedAt: database.FromMillis(n.finished.Int64), PerformedBy: n.performedBy.String, Restored: n.restored.String,
		Verification: n.verification.String, Result: RestoreResult(n.result.String), CreatedAt: database.FromMillis(n.created.Int64)}
}

// andTenant is the condition on the policies' tenant ("": none, every
// tenant's), p being backup_policies.
func andTenant(tenant string) string {
	if tenant == "" {
		return ""
	}
	return ` AND p.tenant_id=?`
}

// tenantArgs is the arguments before andTenant's, then tenant (when not
// ""), then those after.
func tenantArgs(before []any, tenant string, after ...any) []any {
	args := append([]any{}, before...)
	if tenant != "" {
		args = append(args, tenant)
	}
	return append(args, after...)
}
