package dbtest

import (
	"context"
	"database/sql"
	"testing"

	"github.com/unyo-ops/unyo/internal/database"
)

// AuditRefusal is the error message of the trigger RefuseAudit installs.
const AuditRefusal = "audit refused by test"

// RefuseAudit makes every insert into audit_log on db fail, by a trigger
// that raises, so a test can prove that a change and its audit entry
// commit together: with the entry refused, the change must not stay.
// AllowAudit removes the trigger again.
func RefuseAudit(tb testing.TB, db *sql.DB) {
	tb.Helper()
	stmts := []string{`CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, '` + AuditRefusal + `'); END`}
	if database.DialectOf(db) == database.Postgres {
		stmts = []string{
			`CREATE FUNCTION audit_refused() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '` + AuditRefusal + `'; END $$`,
			`CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_refused()`,
		}
	}
	run(tb, db, stmts)
}

// AllowAudit removes the trigger of RefuseAudit.
func AllowAudit(tb testing.TB, db *sql.DB) {
	tb.Helper()
	stmts := []string{`DROP TRIGGER audit_refused`}
	if database.DialectOf(db) == database.Postgres {
		stmts = []string{`DROP TRIGGER audit_refused ON audit_log`, `DROP FUNCTION audit_refused()`}
	}
	run(tb, db, stmts)
}

func run(tb testing.TB, db *sql.DB, stmts []string) {
	tb.Helper()
	for _, q := range stmts {
		if _, err := database.Writer(db).ExecContext(context.Background(), q); err != nil {
			tb.Fatalf("dbtest: %s: %v", q, err)
		}
	}
}
