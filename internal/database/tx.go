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
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("database: cannot begin: %w", err)
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

// Querier is what both *sql.DB and *sql.Tx offer.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// On returns the transaction ctx carries (see WithTx), else db: a store
// reads through it so that, inside a shared transaction, it sees what that
// transaction wrote before.
func On(ctx context.Context, db *sql.DB) Querier {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return db
}
