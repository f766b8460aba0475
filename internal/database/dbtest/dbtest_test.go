package dbtest

import (
	"context"
	"os"
	"path/filepath"
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

// With UNYO_TEST_DB_RECORD set, a test that takes a database is noted once,
// by its top-level name, with its package's directory: the run on
// PostgreSQL is chosen from these notes.
func TestNotesTheTestsThatTakeADatabase(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvRecord, dir)
	t.Run("sub", func(t *testing.T) {
		URL(t)
		URLFor(t, database.SQLite)
	})
	Open(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.tests"))
	if err != nil || len(files) != 1 {
		t.Fatalf("note files = %v, %v; want one", files, err)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if want := wd + "\t" + t.Name() + "\n"; string(b) != want {
		t.Fatalf("notes = %q, want %q", b, want)
	}
}
