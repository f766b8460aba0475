package flowlog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
)

// Marks keeps, per NSG of a tenant, how far each flow log blob was read
// (table flowlog_blobs) and the counts not yet written with the counters'
// running totals (flowlog_state), and moves both in one transaction: a
// restart reads on from the last complete record, neither counting a
// flow twice nor skipping one, and the counters carry on.
type Marks struct {
	db    *sql.DB
	fence func(ctx context.Context, tx *sql.Tx, tenant string) error
}

// SetFence makes every save first check, in its transaction, that this
// replica still reads tenant's flow logs (lease.Leases.FenceOf): a save
// it refuses leaves the taker's offsets as they are. Nil: no check.
func (m *Marks) SetFence(f func(ctx context.Context, tx *sql.Tx, tenant string) error) { m.fence = f }

// NewMarks returns the marks kept in db.
func NewMarks(db *sql.DB) *Marks { return &Marks{db: db} }

// blobsKept is how long a blob's offset is kept after its last read: a
// blob is appended to only within its hour, and a pull lists at most
// MaxLookback back.
const blobsKept = 48 * time.Hour

// state is one NSG's: the last minute written, the running totals and the
// minutes still open.
type state struct {
	// Through is the start (unix ms) of the last minute written; 0 before
	// the first pull.
	Through int64            `json:"through"`
	Flows   map[string]int64 `json:"flows,omitempty"` // flowKey → flows since the first pull
	Bytes   map[string]int64 `json:"bytes,omitempty"` // direction → bytes since the first pull
	// Pending are the counts of the minutes after Through, by minute.
	Pending map[int64]*bucket `json:"pending,omitempty"`
	// Blobs is how many bytes of each blob were read (its complete
	// records); it is kept in flowlog_blobs, not in the JSON.
	Blobs map[string]int64 `json:"-"`
}

// bucket is the counts of one minute.
type bucket struct {
	Flows  map[string]int64 `json:"flows,omitempty"`
	Bytes  map[string]int64 `json:"bytes,omitempty"`
	Denied int64            `json:"denied,omitempty"`
}

// load returns the state of tenant's NSG resource (its ARM ID).
func (m *Marks) load(ctx context.Context, tenant, resource string) (*state, error) {
	st := &state{Blobs: map[string]int64{}}
	var raw string
	err := m.db.QueryRowContext(ctx, `SELECT state FROM flowlog_state WHERE tenant_id=? AND resource=?`, tenant, resource).Scan(&raw)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("flowlog: unable to read the state: %w", err)
	default:
		if err := json.Unmarshal([]byte(raw), st); err != nil {
			return nil, fmt.Errorf("flowlog: unable to read the state: %w", err)
		}
	}
	rows, err := m.db.QueryContext(ctx, `SELECT blob, read_bytes FROM flowlog_blobs WHERE tenant_id=? AND resource=?`, tenant, resource)
	if err != nil {
		return nil, fmt.Errorf("flowlog: unable to read the blob marks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, fmt.Errorf("flowlog: unable to read the blob marks: %w", err)
		}
		st.Blobs[name] = n
	}
	return st, rows.Err()
}

// save writes st and the offsets of the blobs read (moved) in one
// transaction, and forgets the offsets of blobs not read for blobsKept.
func (m *Marks) save(ctx context.Context, tenant, resource string, st *state, moved map[string]int64, now time.Time) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("flowlog: unable to save the state: %w", err)
	}
	return database.InTx(ctx, m.db, func(tx *sql.Tx) error {
		if m.fence != nil {
			if err := m.fence(ctx, tx, tenant); err != nil {
				return fmt.Errorf("flowlog: state not saved: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO flowlog_state (tenant_id, resource, through_ms, state, updated_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (tenant_id, resource) DO UPDATE SET through_ms=excluded.through_ms, state=excluded.state, updated_at=excluded.updated_at`,
			tenant, resource, st.Through, string(raw), database.Millis(now)); err != nil {
			return fmt.Errorf("flowlog: unable to save the state: %w", err)
		}
		for name, n := range moved {
			if _, err := tx.ExecContext(ctx, `INSERT INTO flowlog_blobs (tenant_id, resource, blob, read_bytes, updated_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (tenant_id, resource, blob) DO UPDATE SET read_bytes=excluded.read_bytes, updated_at=excluded.updated_at`,
				tenant, resource, name, n, database.Millis(now)); err != nil {
				return fmt.Errorf("flowlog: unable to save a blob mark: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM flowlog_blobs WHERE tenant_id=? AND resource=? AND updated_at<?`,
			tenant, resource, database.Millis(now.Add(-blobsKept))); err != nil {
			return fmt.Errorf("flowlog: unable to prune the blob marks: %w", err)
		}
		return nil
	})
}
