package database

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// InTx runs f in a transaction on db and commits it when f returns nil;
// on an error from f, or a panic, nothing f wrote stays. The wait to begin
// and the committed transaction's time are self metrics (see Collectors).
//
// Inside a transaction that ctx carries (see WithTx), f runs in that one
// instead, and its owner commits or rolls back everything at once.
func InTx(ctx context.Context, db *sql.DB, f func(tx *sql.Tx) error) error {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return f(tx)
	}
	start := time.Now()
	tx, err := Begin(ctx, db)
	if err != nil {
		return err
	}
	observeSince(txWait, start)
	begun := time.Now()
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("database: cannot commit: %w", err)
	}
	observeSince(txDuration, begun)
	return nil
}

// Begin begins a transaction on db, for a caller that commits or rolls it
// back itself (InTx is the usual way). On SQLite it first queues on the
// file's write gate holding no connection; the connection it then gets
// takes the gate over and gives it back when the transaction ends
// (sqlite.go).
func Begin(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
	bctx := ctx
	var ticket *gateTicket
	if w := gateOf(db); w != nil {
		var err error
		if bctx, ticket, err = enterGate(ctx, w.gate); err != nil {
			return nil, fmt.Errorf("database: cannot begin: %w", err)
		}
		db = w.db
	}
	tx, err := db.BeginTx(bctx, nil)
	if err != nil {
		if ticket != nil {
			ticket.leave()
		}
		return nil, fmt.Errorf("database: cannot begin: %w", err)
	}
	return tx, nil
}

// NullIDPtr is an optional reference column: NULL when id is nil.
func NullIDPtr(id *int64) sql.NullInt64 {
	if id == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *id, Valid: true}
}

type txKey struct{}

// WithTx returns ctx carrying tx: every store's InTx and On in that context
// joins tx, so that changes made through several stores (a design applied to
// a tenant) commit together or not at all. The caller owns tx.
func WithTx(ctx context.Context, tx *sql.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

// Writer returns db for statements outside a transaction: on SQLite a
// statement that may write (anything but a SELECT) first queues on the
// file's write gate and only then asks for a connection, so that writers
// waiting their turn hold none (sqlite.go). Reads go straight through. On
// PostgreSQL it is db. It allocates nothing for a handle from Open.
func Writer(db *sql.DB) Querier {
	w := gateOf(db)
	if w == nil {
		return db
	}
	if g := w.shared; g != nil && g.db == db {
		return g
	}
	return &gatedDB{db: db, w: w}
}

// gatedDB is a SQLite *sql.DB whose writes enter the gate before they take
// a connection, from the writers' pool.
type gatedDB struct {
	db *sql.DB
	w  *writers
}

func (g *gatedDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if !isWrite(query) {
		return g.db.ExecContext(ctx, query, args...)
	}
	ctx, t, err := enterGate(ctx, g.w.gate)
	if err != nil {
		return nil, err
	}
	defer t.leave()
	return g.w.db.ExecContext(ctx, query, args...)
}

func (g *gatedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if !isWrite(query) {
		return g.db.QueryContext(ctx, query, args...)
	}
	ctx, t, err := enterGate(ctx, g.w.gate)
	if err != nil {
		return nil, err
	}
	rows, err := g.w.db.QueryContext(ctx, query, args...)
	if err != nil {
		t.leave()
		return nil, err
	}
	// The connection gives the gate back when the rows are closed.
	return rows, nil
}

func (g *gatedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if !isWrite(query) {
		return g.db.QueryRowContext(ctx, query, args...)
	}
	ctx, t, err := enterGate(ctx, g.w.gate)
	if err != nil {
		// A Row can only carry the error of a context: ctx's own, or, for
		// the gate's timeout, context.DeadlineExceeded.
		if ctx.Err() == nil {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, time.Time{})
			defer cancel()
		}
		return g.db.QueryRowContext(ctx, query, args...)
	}
	row := g.w.db.QueryRowContext(ctx, query, args...)
	if row.Err() != nil {
		t.leave()
	}
	return row
}

// Querier is what both *sql.DB and *sql.Tx offer.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// On returns the transaction ctx carries (see WithTx), else db (its writes
// queued as Writer's): a store
// reads through it so that, inside a shared transaction, it sees what that
// transaction wrote before.
func On(ctx context.Context, db *sql.DB) Querier {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return Writer(db)
}
