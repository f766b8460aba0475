package monitoring

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/secret"
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
	extra     []RowSource // other domains' checks in the item list (backup policies)
	box       *secret.Box // seals the credentials of snmp items (snmp.go)
	scopes    *scopeCache // the items' queries scoped to each host (promql.go)

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

// Changed tells the OnChange functions that the design changed outside
// the store's own methods' commits: a shared transaction (a design applied
// by internal/blueprint) committed after they had reloaded.
func (s *Store) Changed() {
	var err error
	s.changed(&err)
}

// NewStore returns a Store on a database migrated by internal/database.
func NewStore(db *sql.DB, objects *storage.Store) *Store {
	return &Store{db: db, resources: objects, now: time.Now, scopes: &scopeCache{}}
}

// querier is what both *sql.DB and *sql.Tx offer, so helpers run in either.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// writeErr maps a failed write to ErrConflict on a duplicate name, and
// wraps anything else with what was being done.
func writeErr(what string, err error) error {
	if database.IsUnique(err) {
		return storage.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("monitoring: unable to %s: %w", what, err)
	}
	return nil
}
