package database

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
)

// Changes made through InTx and On inside a transaction carried by the
// context join it: they see each other's writes and commit or roll back
// with it, all together.
func TestSharedTransaction(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "unyo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func() int {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM tenants`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	insert := func(ctx context.Context, id string) error {
		return InTx(ctx, db, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO tenants (id, name, language, time_zone, created_at, updated_at) VALUES (?,?,'ja','UTC',0,0)`, id, id)
			return err
		})
	}
	failed := errors.New("the third change is refused")
	err = InTx(ctx, db, func(tx *sql.Tx) error {
		ctx := WithTx(ctx, tx)
		if err := insert(ctx, "a"); err != nil {
			return err
		}
		if err := insert(ctx, "b"); err != nil {
			return err
		}
		var n int
		if err := On(ctx, db).QueryRowContext(ctx, `SELECT COUNT(*) FROM tenants`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("inside the transaction On sees %d tenants (%v), want 2", n, err)
		}
		return failed
	})
	if !errors.Is(err, failed) || count() != 0 {
		t.Fatalf("after a refusal: %v, %d tenants stored, want none", err, count())
	}
	err = InTx(ctx, db, func(tx *sql.Tx) error {
		ctx := WithTx(ctx, tx)
		if err := insert(ctx, "a"); err != nil {
			return err
		}
		return insert(ctx, "b")
	})
	if err != nil || count() != 2 {
		t.Fatalf("after a commit: %v, %d tenants", err, count())
	}
	if On(ctx, db) != Writer(db) {
		t.Fatal("without a transaction in the context On is not the database (its writes queued as Writer's)")
	}
}
