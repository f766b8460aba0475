// Package database opens unyo's relational state, on SQLite (a pure-Go
// driver, in WAL mode) or on PostgreSQL (pgx), and brings its schema up to
// date. Either way the caller gets one *sql.DB on which every store writes
// the same portable SQL: see docs/storage.md.
package database

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the SQL dialect of an open database.
type Dialect string

// The dialects unyo runs on.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DialectOf tells which dialect db speaks: a handle from Open carries it in
// its driver, so no caller has to pass it along.
func DialectOf(db *sql.DB) Dialect {
	if _, ok := db.Driver().(pgDriver); ok {
		return Postgres
	}
	return SQLite
}

// Open opens the database at dsn and migrates it: `sqlite:///path/unyo.db`
// (or a bare file path) for SQLite, `postgres://…` or `postgresql://…` for
// PostgreSQL. It refuses a database whose schema is newer than this binary
// knows.
func Open(ctx context.Context, dsn string) (*sql.DB, error) {
	db, err := Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Connect opens the database at dsn (see Open) without migrating it, for
// tools that inspect or fill a database as they find it.
func Connect(ctx context.Context, dsn string) (*sql.DB, error) {
	if IsPostgres(dsn) {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, SQLitePath(dsn))
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// SQLitePath returns the file path of a `sqlite://` URL (a bare path is
// returned as it is).
func SQLitePath(dsn string) string {
	return strings.TrimPrefix(dsn, "sqlite://")
}

// Redact returns dsn without its password, for logs and errors.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// sqliteMaxOpen bounds the connections open to a SQLite file, and so the
// file descriptors they hold (the database, its WAL and shm: three each).
// Unbounded, 5,000 simulated hosts opened some 4,000 and the server ran out
// of descriptors. Writers queue on the gate before they take a connection
// (sqlite.go), so the bound is shared by readers and the one writer at
// work; 64 is as many as the burst TestSQLiteKeepsABurstsConnections
// keeps, on a machine whose SQLite work runs on a few cores.
const sqliteMaxOpen = 64

// sqliteWriterConns is the writers' own pool (sqlite.go): the gate's
// holder writes on one of these, never waiting behind the reads.
const sqliteWriterConns = 2

// sqliteMaxIdle is how many of them are kept for reuse: all.
const sqliteMaxIdle = sqliteMaxOpen

// sqlitePragmas are set on every connection to a SQLite database.
var sqlitePragmas = []string{
	"journal_mode(WAL)",
	// For other processes on the same file; this one's writers queue on
	// its gate (sqlite.go).
	"busy_timeout(10000)",
	"foreign_keys(1)",
	// FULL: a committed change survives power loss, not just kill -9.
	"synchronous(FULL)",
}

func openSQLite(ctx context.Context, path string) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("database: bad path %q: %w", path, err)
	}
	q := url.Values{}
	for _, p := range sqlitePragmas {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	// Writers queue on the connector's gate (sqlite.go), not in SQLite's
	// busy handler.
	c := newSQLiteConnector("file:" + abs + "?" + q.Encode())
	db := sql.OpenDB(c)
	c.drv.shared = &gatedDB{db: db, w: c.drv.writers}
	// database/sql keeps 2 idle connections by default: under concurrent
	// reads (1,000 agents pulling their configuration) the others were
	// closed after each use and opened again, each open setting the
	// pragmas and reading the schema anew. At 2,000 agents on 2 starved
	// cores 16 were not enough either: requests in flight held a hundred
	// and more (writers hold theirs while they queue on the gate), and
	// the opens, serialised inside the SQLite library, were where the
	// goroutines waited most (mspsim's block profile, docs/BENCHMARKS.md).
	// A burst's connections are now kept for reuse and closed after a
	// minute unused. Since #21 they are bounded (sqliteMaxOpen).
	db.SetMaxOpenConns(sqliteMaxOpen)
	db.SetMaxIdleConns(sqliteMaxIdle)
	db.SetConnMaxIdleTime(time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database: cannot open %q: %w", abs, err)
	}
	return db, nil
}
