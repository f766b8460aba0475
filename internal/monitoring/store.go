package monitoring

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/storage"
)

// Store reads and writes the monitoring design. Every method takes the
// tenant and puts it in the WHERE clause; global templates (tenant NULL) are
// readable by every tenant and writable by none through it.
type Store struct {
	db        *sql.DB
	resources *storage.Store
	now       func() time.Time
	onChange  []func()

	confineMu sync.Mutex
	confined  []confinement // hosts whose agent runs in the server (confine.go)
}

// OnChange adds a function told after every successful change of the
// design, e.g. the alert engine's Reload, so rules follow an edit at once.
// Call it before serving.
func (s *Store) OnChange(f func()) { s.onChange = append(s.onChange, f) }

// changed tells the OnChange functions, if *err is nil.
func (s *Store) changed(err *error) {
	if *err != nil {
		return
	}
	for _, f := range s.onChange {
		f()
	}
}

// NewStore returns a Store on a database migrated by internal/database.
func NewStore(db *sql.DB, objects *storage.Store) *Store {
	return &Store{db: db, resources: objects, now: time.Now}
}

// querier is what both *sql.DB and *sql.Tx offer, so helpers run in either.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs f in a transaction, committed when f returns nil.
func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// nullTenant stores the global tenant ("") as NULL.
func nullTenant(tenant string) sql.NullString {
	return sql.NullString{String: tenant, Valid: tenant != ""}
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func nullFloat(p *float64) sql.NullFloat64 {
	if p == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *p, Valid: true}
}

func floatPtr(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	return &n.Float64
}

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// notFound turns "no row" into storage.ErrNotFound, which the API answers with 404.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return storage.ErrNotFound
	}
	return err
}

func rowsAffected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return storage.ErrNotFound
	}
	return nil
}

// writeErr maps a failed write to ErrConflict on a duplicate name, and
// wraps anything else with what was being done.
func writeErr(what string, err error) error {
	if isUnique(err) {
		return storage.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("monitoring: unable to %s: %w", what, err)
	}
	return nil
}
