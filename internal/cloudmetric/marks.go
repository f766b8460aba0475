package cloudmetric

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/unyo-ops/unyo/internal/database"
)

// Marks remembers, per series of a resource, the timestamp of the last
// point written: the next pull starts one grain after it, so a restart
// neither repeats nor skips a point. A split metric's series (one per
// VPN tunnel) share the mark of their query, as they are read together.
type Marks struct{ db *sql.DB }

// NewMarks returns the marks kept in db (table cloud_metric_marks).
func NewMarks(db *sql.DB) *Marks { return &Marks{db: db} }

// markKey names one series of one resource within an account.
type markKey struct{ resource, series string }

// Load returns the marks of tenant's account, in unix millis.
func (m *Marks) Load(ctx context.Context, tenant string, account int64) (map[markKey]int64, error) {
	rows, err := m.db.QueryContext(ctx, `SELECT resource, series, last_ms FROM cloud_metric_marks WHERE tenant_id=? AND account_id=?`, tenant, account)
	if err != nil {
		return nil, fmt.Errorf("cloudmetric: unable to read the marks: %w", err)
	}
	defer rows.Close()
	out := map[markKey]int64{}
	for rows.Next() {
		var k markKey
		var ms int64
		if err := rows.Scan(&k.resource, &k.series, &ms); err != nil {
			return nil, fmt.Errorf("cloudmetric: unable to read the marks: %w", err)
		}
		out[k] = ms
	}
	return out, rows.Err()
}

// Save moves the marks of tenant's account forward (never back), in one
// transaction.
func (m *Marks) Save(ctx context.Context, tenant string, account int64, marks map[markKey]int64) error {
	if len(marks) == 0 {
		return nil
	}
	return database.InTx(ctx, m.db, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO cloud_metric_marks (tenant_id, account_id, resource, series, last_ms) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (tenant_id, account_id, resource, series) DO UPDATE SET last_ms=excluded.last_ms WHERE excluded.last_ms > cloud_metric_marks.last_ms`)
		if err != nil {
			return fmt.Errorf("cloudmetric: unable to save the marks: %w", err)
		}
		defer stmt.Close()
		for k, ms := range marks {
			if _, err := stmt.ExecContext(ctx, tenant, account, k.resource, k.series, ms); err != nil {
				return fmt.Errorf("cloudmetric: unable to save a mark: %w", err)
			}
		}
		return nil
	})
}
