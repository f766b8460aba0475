package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/storage"
)

const restoreColumns = `id, tenant_id, policy_id, started_at, finished_at, performed_by, restored, verification, result, created_at`

func scanRestore(sc func(...any) error) (*RestoreTest, error) {
	var rt RestoreTest
	var started, finished, created int64
	if err := sc(&rt.ID, &rt.TenantID, &rt.PolicyID, &started, &finished, &rt.PerformedBy, &rt.Restored, &rt.Verification,
		&rt.Result, &created); err != nil {
		return nil, err
	}
	rt.StartedAt, rt.FinishedAt, rt.CreatedAt = database.FromMillis(started), database.FromMillis(finished), database.FromMillis(created)
	return &rt, nil
}

// AddRestoreTest records a restore test of one of tenant's policies, with
// its audit entry when ctx carries one.
func (s *Store) AddRestoreTest(ctx context.Context, rt *RestoreTest) error {
	now := s.now().UTC().Truncate(time.Millisecond)
	if err := rt.Validate(now); err != nil {
		return err
	}
	p, err := s.Policy(ctx, rt.TenantID, rt.PolicyID)
	if err != nil {
		return err
	}
	rt.StartedAt, rt.FinishedAt = rt.StartedAt.UTC().Truncate(time.Millisecond), rt.FinishedAt.UTC().Truncate(time.Millisecond)
	rt.CreatedAt = now
	err = storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO backup_restore_tests (tenant_id, policy_id, started_at, finished_at, performed_by,
		restored, verification, result, created_at) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id`,
			rt.TenantID, rt.PolicyID, rt.StartedAt.UnixMilli(), rt.FinishedAt.UnixMilli(), rt.PerformedBy, rt.Restored,
			rt.Verification, rt.Result, now.UnixMilli()).Scan(&rt.ID)
		return storage.Object{ID: rt.ID}, err
	})
	if err != nil {
		return fmt.Errorf("backup: unable to record restore test: %w", err)
	}
	rt.measure(p.EffectiveRTO)
	s.notify(rt.TenantID, rt.PolicyID)
	return nil
}

// RestoreTests returns tenant's restore tests started in [from, to), newest
// first, of one policy (0: every policy), measured against each policy's
// effective RTO; zero times leave that end open.
func (s *Store) RestoreTests(ctx context.Context, tenant string, policy int64, from, to time.Time) ([]*RestoreTest, error) {
	q, args := `SELECT `+restoreColumns+` FROM backup_restore_tests WHERE tenant_id=?`, []any{tenant}
	if policy != 0 {
		if _, err := s.Policy(ctx, tenant, policy); err != nil {
			return nil, err
		}
		q, args = q+` AND policy_id=?`, append(args, policy)
	}
	if !from.IsZero() {
		q, args = q+` AND started_at>=?`, append(args, from.UnixMilli())
	}
	if !to.IsZero() {
		q, args = q+` AND started_at<?`, append(args, to.UnixMilli())
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY started_at DESC, id DESC LIMIT 10000`, args...)
	if err != nil {
		return nil, fmt.Errorf("backup: unable to list restore tests: %w", err)
	}
	defer rows.Close()
	list := []*RestoreTest{}
	for rows.Next() {
		rt, err := scanRestore(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("backup: unable to list restore tests: %w", err)
		}
		list = append(list, rt)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("backup: unable to list restore tests: %w", err)
	}
	if len(list) == 0 {
		return list, nil
	}
	ps, err := s.Policies(ctx, tenant)
	if err != nil {
		return nil, err
	}
	rto := map[int64]*Policy{}
	for _, p := range ps {
		rto[p.ID] = p
	}
	for _, rt := range list {
		if p := rto[rt.PolicyID]; p != nil {
			rt.measure(p.EffectiveRTO)
		}
	}
	return list, nil
}

// lastRestore returns the newest restore test of tenant's policy, nil
// when there is none.
func (s *Store) lastRestore(ctx context.Context, tenant string, policy int64) (*RestoreTest, error) {
	rt, err := scanRestore(s.db.QueryRowContext(ctx, `SELECT `+restoreColumns+` FROM backup_restore_tests
		WHERE tenant_id=? AND policy_id=? ORDER BY started_at DESC, id DESC LIMIT 1`, tenant, policy).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("backup: unable to read the last restore test: %w", err)
	}
	return rt, nil
}
