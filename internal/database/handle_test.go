package database_test

import (
	"context"
	"testing"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
)

// Asking for the handle a store reads through outside a transaction (On,
// Writer) allocates nothing, on either dialect: every configuration pull
// and token lookup asks for it. Reads and writes through it still work.
func TestHandleAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	var q database.Querier
	if n := testing.AllocsPerRun(100, func() { q = database.On(ctx, db) }); n != 0 {
		t.Errorf("On allocates %v times a call, want none", n)
	}
	if n := testing.AllocsPerRun(100, func() { q = database.Writer(db) }); n != 0 {
		t.Errorf("Writer allocates %v times a call, want none", n)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO tenants (id, name, language, time_zone, created_at, updated_at) VALUES (?,?,'ja','UTC',0,0)`, "a", "A"); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := database.On(ctx, db).QueryRowContext(ctx, `SELECT name FROM tenants WHERE id=?`, "a").Scan(&name); err != nil || name != "A" {
		t.Fatalf("read back %q, %v; want A", name, err)
	}
}
