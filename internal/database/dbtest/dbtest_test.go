package dbtest

import (
	"context"
	"testing"

	"github.com/unyo-ops/unyo/internal/database"
)

func TestMain(m *testing.M) { Main(m) }

// Both dialects open, migrate to the same version, and take a write.
func TestPostgresClusterServesMigratedDatabases(t *testing.T) {
	ctx := context.Background()
	for range 2 {
		db, err := database.Open(ctx, NewPostgres(t, true))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if database.DialectOf(db) != database.Postgres {
			t.Fatalf("dialect = %s, want postgres", database.DialectOf(db))
		}
		if v, err := database.Version(ctx, db); err != nil || v != database.SchemaVersion() {
			t.Fatalf("version = %d, %v; want %d", v, err, database.SchemaVersion())
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO tenants (id, name, language, time_zone, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`, "acme", "Acme", "ja", "Asia/Tokyo", 0, 0); err != nil {
			t.Fatal(err)
		}
	}
}
