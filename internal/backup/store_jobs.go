package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
)

const jobColumns = `id, tenant_id, policy_id, status, started_at, finished_at, size_bytes, recovery_point, coalesce(external_id, ''), message, created_at, source`

func scanJob(sc func(...any) error) (*Job, error) {
	var j Job
	var started, finished, point, created int64
	if err := sc(&j.ID, &j.TenantID, &j.PolicyID, &j.Status, &started, &finished, &j.SizeBytes, &point, &j.ExternalID,
		&j.Message, &created, &j.Source); err != nil {
		return nil, err
	}
	j.StartedAt, j.FinishedAt = database.FromMillis(started), database.FromMillis(finished)
	j.RecoveryPoint, j.CreatedAt = database.FromMillis(point), database.FromMillis(created)
	return &j, nil
}

// AddJob stores a job result of one of tenant's policies. A job whose
// external ID the policy already has is not stored again: AddJob returns
// the stored one and false.
func (s *Store) AddJob(ctx context.Context, j *Job) (*Job, bool, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	if err := j.Validate(now); err != nil {
		return nil, false, err
	}
	if _, err := s.Policy(ctx, j.TenantID, j.PolicyID); err != nil {
		return nil, false, err
	}
	j.CreatedAt = now
	external := sql.NullString{String: j.ExternalID, Valid: j.ExternalID != ""}
	err := database.Writer(s.db).QueryRowContext(ctx, `INSERT INTO backup_jobs (tenant_id, policy_id, status, started_at, finished_at, size_bytes,
		recovery_point, external_id, message, created_at, source) VALUES (?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (policy_id, external_id) DO NOTHING RETURNING id`,
		j.TenantID, j.PolicyID, j.Status, j.StartedAt.UnixMilli(), j.FinishedAt.UnixMilli(), j.SizeBytes,
		j.RecoveryPoint.UnixMilli(), external, j.Message, now.UnixMilli(), j.Source).Scan(&j.ID)
	if errors.Is(err, sql.ErrNoRows) { // a repeat of a stored external ID
		old, err := scanJob(s.db.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM backup_jobs WHERE tenant_id=? AND policy_id=? AND external_id=?`,
			j.TenantID, j.PolicyID, j.ExternalID).Scan)
		if err != nil {
			return nil, false, fmt.Errorf("backup: unable to read the stored job: %w", err)
		}
		return old, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("backup: unable to store job: %w", err)
	}
	j.StartedAt, j.FinishedAt = j.StartedAt.UTC().Truncate(time.Millisecond), j.FinishedAt.UTC().Truncate(time.Millisecond)
	j.RecoveryPoint = j.RecoveryPoint.UTC().Truncate(time.Millisecond)
	s.notify(j.TenantID, j.PolicyID)
	return j, true, nil
}

// Jobs returns up to limit of the newest jobs of tenant's policy, newest first.
func (s *Store) Jobs(ctx context.Context, tenant string, policy int64, limit int) ([]*Job, error) {
	if _, err := s.Policy(ctx, tenant, policy); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+jobColumns+` FROM backup_jobs WHERE tenant_id=? AND policy_id=?
		ORDER BY finished_at DESC, id DESC LIMIT ?`, tenant, policy, limit)
	if err != nil {
		return nil, fmt.Errorf("backup: unable to list jobs: %w", err)
	}
	defer rows.Close()
	list := []*Job{}
	for rows.Next() {
		j, err := scanJob(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("backup: unable to list jobs: %w", err)
		}
		list = append(list, j)
	}
	return list, rows.Err()
}

// Facts is what compliance needs of a policy's history.
type Facts struct {
	LastGood *Job // the good job with the newest recovery point
	Last     *Job // the job that finished last
	// LastStart is when the latest job started (zero: none yet): a
	// scheduled run is missing when no job started around its time.
	LastStart time.Time
	// Sizes are the sizes of the newest good jobs, newest first, up to
	// SizeHistory+1 (0: the job sent none).
	Sizes []int64
	// Oldest is the good job with the oldest recovery point still within
	// the retention at the moment asked.
	Oldest *Job
	// LastRestore is the newest restore test.
	LastRestore *RestoreTest
}

// Facts reads what compliance needs of p's history at now.
func (s *Store) Facts(ctx context.Context, p *Policy, now time.Time) (Facts, error) {
	var f Facts
	tenant, policy := p.TenantID, p.ID
	one := func(q string, args ...any) (*Job, error) {
		j, err := scanJob(s.db.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM backup_jobs WHERE tenant_id=? AND policy_id=? `+q+` LIMIT 1`,
			append([]any{tenant, policy}, args...)...).Scan)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return j, err
	}
	// The newest good jobs: the last good point and the size history.
	rows, err := s.db.QueryContext(ctx, `SELECT `+jobColumns+` FROM backup_jobs WHERE tenant_id=? AND policy_id=? AND status='ok'
		ORDER BY recovery_point DESC, id DESC LIMIT ?`, tenant, policy, SizeHistory+1)
	if err != nil {
		return f, fmt.Errorf("backup: unable to read the last good jobs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		j, err := scanJob(rows.Scan)
		if err != nil {
			return f, fmt.Errorf("backup: unable to read the last good jobs: %w", err)
		}
		if f.LastGood == nil {
			f.LastGood = j
		}
		f.Sizes = append(f.Sizes, j.SizeBytes)
	}
	if err := rows.Err(); err != nil {
		return f, fmt.Errorf("backup: unable to read the last good jobs: %w", err)
	}
	rows.Close()
	if f.Last, err = one(`ORDER BY finished_at DESC, id DESC`); err != nil {
		return f, fmt.Errorf("backup: unable to read the last job: %w", err)
	}
	var start sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(started_at) FROM backup_jobs WHERE tenant_id=? AND policy_id=?`, tenant, policy).Scan(&start); err != nil {
		return f, fmt.Errorf("backup: unable to read the last start: %w", err)
	}
	if start.Valid {
		f.LastStart = database.FromMillis(start.Int64)
	}
	if f.LastGood == nil {
		return f, s.restoreFacts(ctx, p, &f)
	}
	kept := now.Add(-time.Duration(p.Retention)).UnixMilli()
	if f.Oldest, err = one(`AND status='ok' AND recovery_point>=? ORDER BY recovery_point, id`, kept); err != nil {
		return f, fmt.Errorf("backup: unable to read the oldest kept job: %w", err)
	}
	return f, s.restoreFacts(ctx, p, &f)
}

func (s *Store) restoreFacts(ctx context.Context, p *Policy, f *Facts) error {
	var err error
	f.LastRestore, err = s.lastRestore(ctx, p.TenantID, p.ID)
	return err
}
