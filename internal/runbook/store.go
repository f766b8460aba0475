package runbook

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Store keeps runbooks and checklists. A tenant reads its own runbooks and
// the global ones, and changes only its own; global runbooks are changed
// through the global methods, which only MSP-wide callers reach.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

// NewStore returns a Store on a database migrated by internal/database.
func NewStore(db *sql.DB) *Store { return &Store{db: db, now: time.Now} }

const runbookColumns = `id, COALESCE(tenant_id,''), title, body, created_by, created_at, updated_at`

func scanRunbook(sc func(...any) error) (*Runbook, error) {
	var r Runbook
	var created, updated int64
	if err := sc(&r.ID, &r.TenantID, &r.Title, &r.Body, &r.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	r.Global = r.TenantID == ""
	r.CreatedAt, r.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &r, nil
}

// Create stores a runbook of r.TenantID ("" for global).
func (s *Store) Create(ctx context.Context, r *Runbook) error {
	if err := r.Validate(); err != nil {
		return err
	}
	now := s.now().UTC()
	r.CreatedAt, r.UpdatedAt, r.Global = now, now, r.TenantID == ""
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO runbooks (tenant_id, title, body, created_by, created_at, updated_at)
			VALUES (?,?,?,?,?,?) RETURNING id`, database.NullString(r.TenantID), r.Title, r.Body, r.CreatedBy, now.UnixMilli(), now.UnixMilli()).Scan(&r.ID)
		return storage.Object{ID: r.ID}, err
	})
	if err != nil {
		return fmt.Errorf("runbook: unable to create runbook: %w", err)
	}
	return nil
}

// owned is the WHERE clause of the rows one owner may change: its own, or,
// for "", the global ones.
const owned = `id=? AND ((? = '' AND tenant_id IS NULL) OR tenant_id=?)`

// Update replaces the title and body of a runbook owned by r.TenantID.
func (s *Store) Update(ctx context.Context, r *Runbook) error {
	if err := r.Validate(); err != nil {
		return err
	}
	r.UpdatedAt = s.now().UTC()
	err := storage.Change(ctx, s.db, r.UpdatedAt, func(tx *sql.Tx) (storage.Object, error) {
		return storage.Object{ID: r.ID}, storage.RowsAffected(tx.ExecContext(ctx, `UPDATE runbooks SET title=?, body=?, updated_at=? WHERE `+owned,
			r.Title, r.Body, r.UpdatedAt.UnixMilli(), r.ID, r.TenantID, r.TenantID))
	})
	if err != nil {
		return fmt.Errorf("runbook: unable to update runbook: %w", err)
	}
	return nil
}

// Delete removes a runbook owned by tenant ("" for global).
func (s *Store) Delete(ctx context.Context, tenant string, id int64) error {
	return s.remove(ctx, "runbook", id, `DELETE FROM runbooks WHERE `+owned, id, tenant, tenant)
}

// Get returns a runbook the tenant may read (its own or a global one), rendered.
// tenant "" reads the global ones only.
func (s *Store) Get(ctx context.Context, tenant string, id int64) (*Runbook, error) {
	r, err := scanRunbook(database.On(ctx, s.db).QueryRowContext(ctx, `SELECT `+runbookColumns+` FROM runbooks
		WHERE id=? AND (tenant_id IS NULL OR tenant_id=?)`, id, tenant).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("runbook: unable to read runbook: %w", err)
	}
	if r.HTML, err = Render(r.Body); err != nil {
		return nil, err
	}
	return r, nil
}

// List returns the runbooks the tenant may read, global ones included, by title.
func (s *Store) List(ctx context.Context, tenant string) ([]*Runbook, error) {
	rows, err := database.On(ctx, s.db).QueryContext(ctx, `SELECT `+runbookColumns+` FROM runbooks WHERE tenant_id IS NULL OR tenant_id=?
		ORDER BY title, id LIMIT 10000`, tenant)
	if err != nil {
		return nil, fmt.Errorf("runbook: unable to list runbooks: %w", err)
	}
	defer rows.Close()
	list := []*Runbook{}
	for rows.Next() {
		r, err := scanRunbook(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("runbook: unable to list runbooks: %w", err)
		}
		list = append(list, r)
	}
	return list, rows.Err()
}
