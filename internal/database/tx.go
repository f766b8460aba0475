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
func InTx(ctx context.Context, db *sql.DB, f func(tx *sql.Tx) error) error {
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
