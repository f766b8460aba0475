package database_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// column is what both dialects must agree on for each column.
type column struct {
	Name    string
	Type    string // integer, text, real or blob
	NotNull bool
}

// The two histories have the same length and, applied, give the same
// tables with the same columns in the same order, of the same kinds. A
// migration appended for SQLite only fails here until its PostgreSQL twin
// is appended too.
func TestMigrationsInStep(t *testing.T) {
	ctx := context.Background()
	lite, pg := database.Histories[database.SQLite], database.Histories[database.Postgres]
	if len(lite) != len(pg) {
		t.Fatalf("SQLite has %d migrations, PostgreSQL %d: append the missing ones to migrations_postgres.go (see docs/storage.md)", len(lite), len(pg))
	}
	ldb, err := database.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "unyo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer ldb.Close()
	pdb, err := database.Open(ctx, dbtest.NewPostgres(t, false))
	if err != nil {
		t.Fatal(err)
	}
	defer pdb.Close()
	want, got := sqliteSchema(t, ldb), postgresSchema(t, pdb)
	for table, cols := range want {
		if !reflect.DeepEqual(cols, got[table]) {
			t.Errorf("table %s:\n sqlite   %v\n postgres %v", table, cols, got[table])
		}
	}
	for table := range got {
		if _, ok := want[table]; !ok {
			t.Errorf("table %s is in PostgreSQL only", table)
		}
	}
	if len(want) < 30 {
		t.Fatalf("only %d tables in SQLite: the schema was not read", len(want))
	}
}

func sqliteSchema(t *testing.T, db *sql.DB) map[string][]column {
	rows, err := db.Query(`SELECT m.name, p.name, p.type, p."notnull" OR p.pk FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]column{}
	for rows.Next() {
		var table string
		var c column
		if err := rows.Scan(&table, &c.Name, &c.Type, &c.NotNull); err != nil {
			t.Fatal(err)
		}
		c.Type = strings.ToLower(c.Type)
		out[table] = append(out[table], c)
	}
	return out
}

func postgresSchema(t *testing.T, db *sql.DB) map[string][]column {
	rows, err := db.Query(`SELECT table_name, column_name, data_type, is_nullable = 'NO' FROM information_schema.columns
		WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	kinds := map[string]string{"bigint": "integer", "integer": "integer", "text": "text", "double precision": "real", "bytea": "blob"}
	out := map[string][]column{}
	for rows.Next() {
		var table, typ string
		var c column
		if err := rows.Scan(&table, &c.Name, &typ, &c.NotNull); err != nil {
			t.Fatal(err)
		}
		c.Type = kinds[typ]
		if c.Type == "" {
			c.Type = "postgres " + typ
		}
		out[table] = append(out[table], c)
	}
	return out
}

// A duplicate key is told apart from other errors by its code, in both
// dialects, through a ? placeholder rebound for PostgreSQL.
func TestIsUniqueOnBothDialects(t *testing.T) {
	ctx := context.Background()
	for name, dsn := range map[string]string{
		"sqlite":   "sqlite://" + filepath.Join(t.TempDir(), "unyo.db"),
		"postgres": dbtest.NewPostgres(t, true),
	} {
		t.Run(name, func(t *testing.T) {
			db, err := database.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			insert := `INSERT INTO tenants (id, name, language, time_zone, created_at, updated_at) VALUES (?, ?, 'ja', 'Asia/Tokyo', 0, 0)`
			if _, err := db.ExecContext(ctx, insert, "acme", "Acme"); err != nil {
				t.Fatal(err)
			}
			_, err = db.ExecContext(ctx, insert, "acme", "Acme again")
			if !database.IsUnique(err) {
				t.Fatalf("second insert: err = %v, want a unique violation", err)
			}
			_, err = db.ExecContext(ctx, `INSERT INTO tenants (id) VALUES (?)`, "beta")
			if err == nil || database.IsUnique(err) {
				t.Fatalf("NOT NULL violation: err = %v, want an error that is not a unique violation", err)
			}
			var key string
			err = db.QueryRowContext(ctx, `SELECT id FROM tenants WHERE name = '?' OR name = ?`, "Acme").Scan(&key)
			if err != nil || key != "acme" {
				t.Fatalf("select with a quoted ?: %q, %v", key, err)
			}
		})
	}
}

func TestRebind(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := database.Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
	}
	f(`SELECT 1`, `SELECT 1`)
	f(`a = ? AND b IN (?, ?)`, `a = $1 AND b IN ($2, $3)`)
	f(`x = '?' AND y = ? -- what?`+"\n"+`AND z = ?`, `x = '?' AND y = $1 -- what?`+"\n"+`AND z = $2`)
	f(`"we?rd" = ? /* ? */ OR v = 'it''s ?' OR w = ?`, `"we?rd" = $1 /* ? */ OR v = 'it''s ?' OR w = $2`)
	f(fmt.Sprintf("%s?", "'unterminated"), `'unterminated?`)
}

func TestDialectOfURL(t *testing.T) {
	ctx := context.Background()
	db, err := database.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if d := database.DialectOf(db); d != database.SQLite {
		t.Fatalf("dialect = %s", d)
	}
	if _, err := database.Open(ctx, "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"); err == nil || !strings.Contains(err.Error(), "cannot open") {
		t.Fatalf("unreachable PostgreSQL: err = %v", err)
	}
}
