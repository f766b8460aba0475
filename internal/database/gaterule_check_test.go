package database

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// The checker of TestEveryWriteQueuesAtTheGate finds each way of writing
// past the gate planted in a small package, and lets the ways through it
// (and reads) be: a planted violation fails the rule.
func TestGateRuleFindsPlantedWrites(t *testing.T) {
	fset := token.NewFileSet()
	imp := exportImporter(fset, listPackages(t, "context", "database/sql", "fmt"))
	check := func(body string) []string {
		t.Helper()
		src := `package store

import (
	"context"
	"database/sql"
	"fmt"
)

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

type reader interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type Store struct {
	db *sql.DB
	e  execer
}

type embeds struct{ *sql.DB }

func audit(ctx context.Context, e execer) {}
func auditAll(ctx context.Context, es ...execer) {}
func read(r reader) {}

var _ = fmt.Sprint

func (s *Store) f(ctx context.Context, tx *sql.Tx, w execer, conn *sql.Conn, em embeds) (execer, error) {
	const insert = "INSERT INTO t (a) VALUES (1)"
	_, _, _, _, _ = ctx, tx, w, conn, em
	` + body + `
	return nil, nil
}
`
		f, err := parser.ParseFile(fset, "store.go", src, 0)
		if err != nil {
			t.Fatal(err)
		}
		found, err := checkGateRule(fset, "example.com/store", []*ast.File{f}, imp)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		return found
	}
	bad := func(body, want string) {
		t.Helper()
		found := check(body)
		if len(found) != 1 || !strings.Contains(found[0], want) {
			t.Errorf("%s\nfound %q, want one finding saying %q", body, found, want)
		}
	}
	good := func(body string) {
		t.Helper()
		if found := check(body); len(found) != 0 {
			t.Errorf("%s\nfound %q, want nothing", body, found)
		}
	}

	bad(`s.db.ExecContext(ctx, "DELETE FROM t")`, "ExecContext on a bare *sql.DB")
	bad(`s.db.Exec("UPDATE t SET a=1")`, "Exec on a bare *sql.DB")
	bad(`s.db.BeginTx(ctx, nil)`, "BeginTx on a bare *sql.DB")
	bad(`s.db.Begin()`, "Begin on a bare *sql.DB")
	bad(`conn.ExecContext(ctx, insert)`, "ExecContext on a bare *sql.Conn")
	bad(`em.ExecContext(ctx, insert)`, "ExecContext on a bare *sql.DB")
	bad(`f := s.db.ExecContext; _ = f`, "ExecContext on a bare *sql.DB")
	bad(`s.db.QueryRowContext(ctx, "INSERT INTO t (a) VALUES (1) RETURNING id")`, "QueryRowContext writing on a bare *sql.DB")
	bad(`s.db.QueryContext(ctx, insert+" RETURNING id")`, "QueryContext writing on a bare *sql.DB")
	bad(`s.db.PrepareContext(ctx, insert)`, "PrepareContext writing on a bare *sql.DB")
	bad(`audit(ctx, s.db)`, "a bare *sql.DB given as example.com/store.execer")
	bad(`auditAll(ctx, w, s.db)`, "a bare *sql.DB given as example.com/store.execer")
	bad(`w = s.db`, "a bare *sql.DB given as example.com/store.execer")
	bad(`var e execer = s.db; _ = e`, "a bare *sql.DB given as example.com/store.execer")
	bad(`_ = Store{e: s.db}`, "a bare *sql.DB given as example.com/store.execer")
	bad(`_ = []execer{w, s.db}`, "a bare *sql.DB given as example.com/store.execer")
	bad(`_ = execer(s.db)`, "a bare *sql.DB given as example.com/store.execer")
	bad(`ch := make(chan execer, 1); ch <- s.db`, "a bare *sql.DB given as example.com/store.execer")
	bad(`if s.db != nil { return s.db, nil }`, "a bare *sql.DB given as example.com/store.execer")
	bad(`g := func() execer { return s.db }; _ = g`, "a bare *sql.DB given as example.com/store.execer")

	good(`s.db.QueryRowContext(ctx, "SELECT a FROM t WHERE id=?", 1)`)
	good(`s.db.QueryContext(ctx, "  (SELECT a FROM t)")`)
	good(`s.db.PingContext(ctx); s.db.SetMaxOpenConns(1); s.db.Stats()`)
	good(`tx.ExecContext(ctx, insert); tx.QueryRowContext(ctx, insert+" RETURNING id")`)
	good(`w.ExecContext(ctx, insert)`)
	good(`read(s.db); fmt.Println(s.db)`)
	good(`_ = Store{db: s.db}`)
	good(`audit(ctx, tx)`)
}
