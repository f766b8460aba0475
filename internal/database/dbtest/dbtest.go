// Package dbtest gives tests a fresh, migrated database of the dialect
// under test: a SQLite file in t.TempDir(), or a new database in a
// throwaway PostgreSQL 15 cluster that this package starts once per test
// binary (UNYO_TEST_DATABASE=postgres). A package using it calls Main from
// its TestMain, so the cluster stops when the tests end.
package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/unyo-ops/unyo/internal/database"
)

// EnvDatabase selects the dialect of the store tests: "postgres" or
// "sqlite" (the default). `make test` runs the store tests once with each.
const EnvDatabase = "UNYO_TEST_DATABASE"

// Main runs a package's tests and then stops the PostgreSQL cluster, if
// one was started: call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Dialect is the dialect the tests of this run use.
func Dialect() database.Dialect {
	if os.Getenv(EnvDatabase) == string(database.Postgres) {
		return database.Postgres
	}
	return database.SQLite
}

var seq atomic.Int64

// EnvRecord names a directory where each test binary notes, one line per
// test, the top-level tests that took a database from this package: the
// package's directory, a tab, the test's name. `make test` sets it for its
// run on SQLite and then runs on PostgreSQL only the tests noted, the
// others being the same on both dialects.
const EnvRecord = "UNYO_TEST_DB_RECORD"

var noted sync.Map // top-level test name → struct{}

// note records that tb's top-level test took a database, if EnvRecord is
// set. A test whose note cannot be written fails: the run on PostgreSQL
// would leave it out.
func note(tb testing.TB) {
	dir := os.Getenv(EnvRecord)
	if dir == "" {
		return
	}
	name, _, _ := strings.Cut(tb.Name(), "/")
	if _, done := noted.LoadOrStore(name, struct{}{}); done {
		return
	}
	wd, err := os.Getwd()
	if err == nil {
		var f *os.File
		f, err = os.OpenFile(filepath.Join(dir, fmt.Sprintf("%d.tests", os.Getpid())), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err == nil {
			_, err = fmt.Fprintf(f, "%s\t%s\n", wd, name)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
	}
	if err != nil {
		noted.Delete(name)
		tb.Fatalf("dbtest: noting the test for %s: %v", EnvRecord, err)
	}
}

// URL returns the URL of a fresh, migrated database for tb, which can be
// opened again (a restart) with database.Open.
func URL(tb testing.TB) string {
	tb.Helper()
	return URLFor(tb, Dialect())
}

// Dialects lists both dialects, for benchmarks that compare them in one run.
var Dialects = []database.Dialect{database.SQLite, database.Postgres}

// URLFor is URL on the dialect d, whatever UNYO_TEST_DATABASE says.
func URLFor(tb testing.TB, d database.Dialect) string {
	tb.Helper()
	note(tb)
	if d == database.Postgres {
		return NewPostgres(tb, true)
	}
	file, err := sqliteTemplate()
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "unyo.db")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		tb.Fatal(err)
	}
	return "sqlite://" + path
}

// sqliteTemplate is the file of a SQLite database migrated once per test
// binary, kept in memory: each test's database is a copy of it, as on
// PostgreSQL each is a copy of a template database, which spares every
// test the migrations.
var sqliteTemplate = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "unyo-dbtest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	db, err := database.Open(context.Background(), "sqlite://"+path)
	if err != nil {
		return nil, fmt.Errorf("dbtest: migrating the SQLite template: %w", err)
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	// The last connection's close checkpoints the write-ahead log into
	// the file and deletes it; a log left behind would hold part of the
	// schema.
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		return nil, fmt.Errorf("dbtest: the SQLite template kept a write-ahead log of %d bytes after closing", fi.Size())
	}
	return os.ReadFile(path)
})

// Open opens a fresh, migrated database for tb, closed when tb ends.
func Open(tb testing.TB) *sql.DB {
	tb.Helper()
	db, err := database.Open(context.Background(), URL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// NewPostgres creates a new database in the shared cluster, starting the
// cluster on first use, and returns its URL. A migrated database is copied
// from a template migrated once; an empty one is left for a server to
// migrate.
func NewPostgres(tb testing.TB, migrated bool) string {
	tb.Helper()
	note(tb)
	c, err := cluster()
	if err != nil {
		tb.Fatal(err)
	}
	name := fmt.Sprintf("unyo_%d_%d", os.Getpid(), seq.Add(1))
	template := "template0"
	if migrated {
		template = templateName
	}
	if err := c.createDatabase(name, template); err != nil {
		tb.Fatal(err)
	}
	return c.url(name)
}
