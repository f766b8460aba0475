package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// openPostgres opens a PostgreSQL database through pgx's database/sql
// driver, wrapped so that the stores' portable `?` placeholders become `$n`.
func openPostgres(ctx context.Context, dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("database: bad PostgreSQL URL %q: %w", Redact(dsn), err)
	}
	c := stdlib.GetConnector(*cfg)
	db := sql.OpenDB(pgConnector{c: c, drv: pgDriver{c.Driver()}})
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database: cannot open %s: %w", Redact(dsn), err)
	}
	return db, nil
}

// pgConnector hands out pgConns; its Driver marks a handle as PostgreSQL.
// The driver is boxed once, here: On and DialectOf ask for it on every
// statement, and boxing it anew each time was an allocation.
type pgConnector struct {
	c   driver.Connector
	drv driver.Driver // a pgDriver
}

func (p pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := p.c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return pgConn{c.(*stdlib.Conn)}, nil
}

func (p pgConnector) Driver() driver.Driver { return p.drv }

// pgDriver is the driver of a PostgreSQL handle (see DialectOf).
type pgDriver struct{ driver.Driver }

// pgConn rebinds every statement's placeholders and turns Go booleans into
// the 0/1 integers both dialects store them as.
type pgConn struct{ *stdlib.Conn }

func (c pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(Rebind(query))
}

func (c pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, Rebind(query))
}

func (c pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, Rebind(query), args)
}

func (c pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, Rebind(query), args)
}

// CheckNamedValue stores a bool as 0 or 1: boolean columns are INTEGER in
// both dialects, and PostgreSQL will not cast a bool to a bigint itself.
func (c pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	if v, ok := nv.Value.(driver.Valuer); ok { // sql.NullBool and the like
		val, err := v.Value()
		if err != nil {
			return err
		}
		nv.Value = val
	}
	if b, ok := nv.Value.(bool); ok {
		nv.Value = int64(0)
		if b {
			nv.Value = int64(1)
		}
		return nil
	}
	return c.Conn.CheckNamedValue(nv)
}

// Rebind turns the `?` placeholders of a portable statement into
// PostgreSQL's `$1, $2, …`, leaving quoted strings, quoted identifiers and
// comments alone.
func Rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		ch := query[i]
		switch {
		case ch == '\'' || ch == '"':
			j := i + 1
			for j < len(query) && query[j] != ch {
				j++
			}
			b.WriteString(query[i:min(j+1, len(query))])
			i = j
		case ch == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = len(query) - i
			}
			b.WriteString(query[i : i+j])
			i += j - 1
		case ch == '/' && i+1 < len(query) && query[i+1] == '*':
			j := strings.Index(query[i+2:], "*/")
			end := len(query)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			b.WriteString(query[i:end])
			i = end - 1
		case ch == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}
