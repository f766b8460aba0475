package database

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// pinned is one connection of db and a way to read its statement cache.
func pinned(t *testing.T, db *sql.DB) (*sql.Conn, func() (prepares, cached int)) {
	t.Helper()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, func() (prepares, cached int) {
		if err := conn.Raw(func(dc any) error {
			c := dc.(*sqliteConn)
			prepares, cached = c.prepares, c.lru.Len()
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return prepares, cached
	}
}

// The same statement run again on a connection is not prepared again, and
// gives each run its own answer; a statement without arguments (a script,
// such as a migration) is not cached.
func TestStatementCachePreparesOnce(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	conn, cache := pinned(t, db)
	p0, _ := cache()
	for _, id := range []string{"a", "b", "c"} {
		if _, err := conn.ExecContext(ctx, insertTenant, id, "name-"+id); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"a", "b", "c", "a"} {
		var name string
		if err := conn.QueryRowContext(ctx, `SELECT name FROM tenants WHERE id=?`, id).Scan(&name); err != nil {
			t.Fatal(err)
		}
		if name != "name-"+id {
			t.Fatalf("tenant %s is named %q, want %q", id, name, "name-"+id)
		}
	}
	if p, _ := cache(); p-p0 != 2 {
		t.Fatalf("two statements run 3 and 4 times were prepared %d times, want 2", p-p0)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE a (x INTEGER); CREATE TABLE b (y INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO b (y) VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	if p, _ := cache(); p-p0 != 2 {
		t.Fatalf("statements without arguments were prepared for the cache (%d, want 2)", p-p0)
	}
}

// A cached statement still runs after the schema changed under it: SQLite
// compiles it again by itself (a column added shows; a dropped table is an
// error, and once created again the statement works again), without the
// cache preparing it anew.
func TestStatementCacheAfterSchemaChange(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	conn, cache := pinned(t, db)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE TABLE x (id INTEGER PRIMARY KEY, a TEXT)`)
	exec(`INSERT INTO x (id, a) VALUES (?, ?)`, 1, "one")
	columns := func() ([]string, []any, error) {
		rows, err := conn.QueryContext(ctx, `SELECT * FROM x WHERE id=?`, 1)
		if err != nil {
			return nil, nil, err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return nil, nil, err
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if !rows.Next() {
			return cols, nil, fmt.Errorf("no row: %v", rows.Err())
		}
		return cols, vals, rows.Scan(ptrs...)
	}
	if cols, _, err := columns(); err != nil || len(cols) != 2 {
		t.Fatalf("before the change: columns %v (%v)", cols, err)
	}
	p0, _ := cache()
	exec(`ALTER TABLE x ADD COLUMN b TEXT NOT NULL DEFAULT 'zz'`)
	cols, vals, err := columns()
	if err != nil || len(cols) != 3 || cols[2] != "b" || fmt.Sprint(vals[2]) != "zz" {
		t.Fatalf("after ADD COLUMN: columns %v, values %v (%v), want b = zz", cols, vals, err)
	}
	exec(`DROP TABLE x`)
	if _, _, err := columns(); err == nil {
		t.Fatal("the cached statement ran on a dropped table")
	}
	exec(`CREATE TABLE x (id INTEGER PRIMARY KEY, c INTEGER, a TEXT)`)
	exec(`INSERT INTO x (id, a) VALUES (?, ?)`, 1, "again")
	cols, vals, err = columns()
	if err != nil || fmt.Sprint(cols) != "[id c a]" || fmt.Sprint(vals[2]) != "again" {
		t.Fatalf("after the table was created again: columns %v, values %v (%v)", cols, vals, err)
	}
	if p, _ := cache(); p != p0 {
		t.Fatalf("the cache prepared %d statements across the schema changes, want none (SQLite recompiles)", p-p0)
	}
}

// The same query asked for again while the rows of the first are open (a
// loop over rows that queries inside a transaction) runs apart from the
// cached statement: both read every row.
func TestStatementCacheNestedQuery(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	for _, id := range []string{"a", "b", "c"} {
		if _, err := db.ExecContext(ctx, insertTenant, id, id); err != nil {
			t.Fatal(err)
		}
	}
	const q = `SELECT id FROM tenants WHERE id>=? ORDER BY id`
	err := InTx(ctx, db, func(tx *sql.Tx) error {
		outer, err := tx.Query(q, "a")
		if err != nil {
			return err
		}
		defer outer.Close()
		var got []string
		for outer.Next() {
			var id string
			if err := outer.Scan(&id); err != nil {
				return err
			}
			inner, err := tx.Query(q, id)
			if err != nil {
				return err
			}
			n := 0
			for inner.Next() {
				n++
			}
			if err := inner.Close(); err != nil {
				return err
			}
			got = append(got, fmt.Sprintf("%s:%d", id, n))
		}
		if fmt.Sprint(got) != "[a:3 b:2 c:1]" {
			return fmt.Errorf("nested queries read %v, want [a:3 b:2 c:1]", got)
		}
		return outer.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A connection keeps at most stmtCacheSize statements.
func TestStatementCacheBounded(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "unyo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, cache := pinned(t, db)
	for i := range stmtCacheSize + 50 {
		var n int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) + %d FROM tenants WHERE id<>?`, i), "x").Scan(&n); err != nil || n != i {
			t.Fatalf("query %d gave %d (%v)", i, n, err)
		}
	}
	if p, c := cache(); c != stmtCacheSize || p < stmtCacheSize+50 {
		t.Fatalf("%d statements cached after %d prepared, want %d", c, p, stmtCacheSize)
	}
}
