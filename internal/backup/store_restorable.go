package backup

import (
	"context"
	"fmt"

	"github.com/unyo-ops/unyo/internal/database"
)

// SetRestorable records what the policy's vaults hold now, as a poller
// read it; nil forgets it (the vaults hold no point any more). It is the
// poller's reading, not a user's change, so it is not audited, and it is
// written (and the watch told) only when it changed: a poll that finds
// the same points writes nothing.
func (s *Store) SetRestorable(ctx context.Context, tenant string, policy int64, r *Restorable) error {
	var oldest, newest int64
	if r != nil {
		oldest, newest = r.Oldest.UnixMilli(), r.Newest.UnixMilli()
	}
	res, err := database.Writer(s.db).ExecContext(ctx, `UPDATE backup_policies SET restorable_oldest=?, restorable_newest=?
		WHERE tenant_id=? AND id=? AND (restorable_oldest<>? OR restorable_newest<>?)`, oldest, newest, tenant, policy, oldest, newest)
	if err != nil {
		return fmt.Errorf("backup: unable to record the restorable points: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		s.notify(tenant, policy)
	}
	return nil
}

// restorable reads the span recorded for tenant's policy (nil: none).
func (s *Store) restorable(ctx context.Context, tenant string, policy int64) (*Restorable, error) {
	var oldest, newest int64
	if err := database.On(ctx, s.db).QueryRowContext(ctx, `SELECT restorable_oldest, restorable_newest FROM backup_policies WHERE tenant_id=? AND id=?`,
		tenant, policy).Scan(&oldest, &newest); err != nil {
		return nil, fmt.Errorf("backup: unable to read the restorable points: %w", err)
	}
	if oldest == 0 || newest == 0 {
		return nil, nil
	}
	return &Restorable{Oldest: database.FromMillis(oldest), Newest: database.FromMillis(newest)}, nil
}
