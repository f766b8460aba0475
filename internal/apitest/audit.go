package apitest

import (
	"context"
	"database/sql"
	"testing"

	"github.com/unyo-ops/unyo/internal/database/dbtest"
)

// Change is one API change that must commit together with its audit entry.
type Change struct {
	Method, Path string
	Body         any
	// State is what a user would see of the change (a listing, say); it
	// must read the same before and after a refused change.
	State func() string
	// Action and ObjectType are those of the one audit entry it writes.
	Action, ObjectType string
}

// Doer sends one request of a package's harness and returns the status and
// body of the answer.
type Doer func(method, path string, body any) (int, []byte)

// CheckAudited proves that c and its audit entry commit together on db:
// with audit_log refusing inserts (dbtest.RefuseAudit) the API answers 5xx
// and State does not change; with inserts allowed the change succeeds and
// adds exactly one audit row of tenant ("" for one of no tenant), of
// c.Action on c.ObjectType. It
// returns the body of the successful answer.
func CheckAudited(t *testing.T, db *sql.DB, do Doer, tenant string, c Change) []byte {
	t.Helper()
	name := c.Method + " " + c.Path
	before, rows := c.State(), auditRows(t, db, tenant)
	dbtest.RefuseAudit(t, db)
	code, body := do(c.Method, c.Path, c.Body)
	dbtest.AllowAudit(t, db)
	if code < 500 {
		t.Fatalf("%s with the audit entry refused = %d %s, want 5xx", name, code, body)
	}
	if after := c.State(); after != before {
		t.Fatalf("%s with the audit entry refused changed state:\nbefore %s\nafter  %s", name, before, after)
	}
	code, body = do(c.Method, c.Path, c.Body)
	if code >= 300 {
		t.Fatalf("%s = %d %s", name, code, body)
	}
	if after := auditRows(t, db, tenant); after != rows+1 {
		t.Fatalf("%s wrote %d audit rows, want 1", name, after-rows)
	}
	var action, objType string
	err := db.QueryRowContext(context.Background(), `SELECT action, object_type FROM audit_log WHERE COALESCE(tenant_id,'')=? ORDER BY id DESC LIMIT 1`, tenant).Scan(&action, &objType)
	if err != nil || action != c.Action || objType != c.ObjectType {
		t.Fatalf("%s audited as %q on %q (%v), want %q on %q", name, action, objType, err, c.Action, c.ObjectType)
	}
	return body
}

func auditRows(t *testing.T, db *sql.DB, tenant string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE COALESCE(tenant_id,'')=?`, tenant).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
