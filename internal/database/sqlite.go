package database

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
)

// SQLite lets one writer at a time hold its lock. A connection that finds
// it taken does not queue: SQLite's busy handler sleeps and retries (1, 2,
// 5, 10 … 100 ms), so under many writers the lock stands idle while the
// waiters sleep, the last in line wait longest, and every retry costs CPU.
// At 1,000 hosts (docs/BENCHMARKS.md, "An MSP's day") the mean wait grew
// from 8 ms to 396 ms. The writers of this process therefore queue in Go,
// on a gate taken before BEGIN and before a write outside a transaction and
// handed over at once at COMMIT or ROLLBACK; SQLite's busy handler is left
// for other processes (the `unyo` commands that open the same file).

// gateTimeout bounds the wait for the gate as busy_timeout bounds the wait
// for the lock: a writer that waits longer fails as SQLite's would
// (SQLITE_BUSY), rather than hanging.
const gateTimeout = 10 * time.Second

// errGateTimeout is what a writer that waited gateTimeout gets.
var errGateTimeout = errors.New("database is locked (waited 10 s for the write lock)")

// writeGate is one database file's queue of writers: a channel of one
// token, so that waiters are served as they came.
type writeGate chan struct{}

func newWriteGate() writeGate {
	g := make(writeGate, 1)
	g <- struct{}{}
	return g
}

// enter waits for the gate; the caller must leave it.
func (g writeGate) enter(ctx context.Context) error {
	select {
	case <-g:
		return nil
	default:
	}
	t := time.NewTimer(gateTimeout)
	defer t.Stop()
	select {
	case <-g:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return errGateTimeout
	}
}

func (g writeGate) leave() { g <- struct{}{} }

// sqliteConnector opens connections to one file through the modernc
// driver, all sharing the file's gate.
type sqliteConnector struct {
	dsn  string
	drv  *sqlite.Driver
	gate writeGate
}

func (c *sqliteConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &sqliteConn{inner: conn.(sqliteDriverConn), gate: c.gate}, nil
}

func (c *sqliteConnector) Driver() driver.Driver { return c.drv }

// sqliteDriverConn is what modernc's connection implements and
// database/sql uses.
type sqliteDriverConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// sqliteConn takes the gate for its writes: for a transaction from BEGIN to
// its end, for a statement outside one while it runs. database/sql uses a
// connection from one goroutine at a time, so inTx needs no lock.
type sqliteConn struct {
	inner sqliteDriverConn
	gate  writeGate
	inTx  bool
}

func (c *sqliteConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *sqliteConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.inner.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &sqliteStmt{Stmt: s, conn: c, write: isWrite(query)}, nil
}

func (c *sqliteConn) Close() error { return c.inner.Close() }

func (c *sqliteConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx takes the gate for the transaction's whole life: on SQLite every
// transaction begins IMMEDIATE (a writer), see openSQLite.
func (c *sqliteConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.gate.enter(ctx); err != nil {
		return nil, err
	}
	tx, err := c.inner.BeginTx(ctx, opts)
	if err != nil {
		c.gate.leave()
		return nil, err
	}
	c.inTx = true
	return &sqliteTx{inner: tx, conn: c}, nil
}

func (c *sqliteConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	leave, err := c.enterFor(ctx, true)
	if err != nil {
		return nil, err
	}
	defer leave()
	return c.inner.ExecContext(ctx, query, args)
}

func (c *sqliteConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if !isWrite(query) {
		return c.inner.QueryContext(ctx, query, args)
	}
	// A write that returns rows (RETURNING) runs when it is stepped, so
	// the gate is held until its rows are closed.
	leave, err := c.enterFor(ctx, true)
	if err != nil {
		return nil, err
	}
	rows, err := c.inner.QueryContext(ctx, query, args)
	if err != nil {
		leave()
		return nil, err
	}
	return &sqliteRows{Rows: rows, leave: leave}, nil
}

func (c *sqliteConn) Ping(ctx context.Context) error         { return c.inner.Ping(ctx) }
func (c *sqliteConn) ResetSession(ctx context.Context) error { return c.inner.ResetSession(ctx) }
func (c *sqliteConn) IsValid() bool                          { return c.inner.IsValid() }
func (c *sqliteConn) CheckNamedValue(nv *driver.NamedValue) error {
	return checkNamedValue(c.inner, nv)
}

// enterFor takes the gate for one write outside a transaction (inside one
// the transaction holds it) and returns how to give it back.
func (c *sqliteConn) enterFor(ctx context.Context, write bool) (func(), error) {
	if !write || c.inTx {
		return func() {}, nil
	}
	if err := c.gate.enter(ctx); err != nil {
		return nil, err
	}
	var once sync.Once
	return func() { once.Do(c.gate.leave) }, nil
}

// checkNamedValue defers to the driver's own conversions when it has them.
func checkNamedValue(inner driver.Conn, nv *driver.NamedValue) error {
	if ch, ok := inner.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// sqliteTx gives the gate back when the transaction ends, either way.
type sqliteTx struct {
	inner driver.Tx
	conn  *sqliteConn
	done  bool
}

func (t *sqliteTx) Commit() error   { defer t.end(); return t.inner.Commit() }
func (t *sqliteTx) Rollback() error { defer t.end(); return t.inner.Rollback() }

func (t *sqliteTx) end() {
	if !t.done {
		t.done = true
		t.conn.inTx = false
		t.conn.gate.leave()
	}
}

// sqliteStmt is a prepared statement that takes the gate as its connection
// does for the same SQL.
type sqliteStmt struct {
	driver.Stmt
	conn  *sqliteConn
	write bool
}

// Exec and Query are the context-less forms database/sql does not call on
// a statement that has the others; here for the interface.
func (s *sqliteStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), namedValues(args))
}

func (s *sqliteStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), namedValues(args))
}

func namedValues(args []driver.Value) []driver.NamedValue {
	nv := make([]driver.NamedValue, len(args))
	for i, v := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return nv
}

func (s *sqliteStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	leave, err := s.conn.enterFor(ctx, true)
	if err != nil {
		return nil, err
	}
	defer leave()
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *sqliteStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	leave, err := s.conn.enterFor(ctx, s.write)
	if err != nil {
		return nil, err
	}
	rows, err := s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		leave()
		return nil, err
	}
	if !s.write || s.conn.inTx {
		return rows, nil
	}
	return &sqliteRows{Rows: rows, leave: leave}, nil
}

// sqliteRows gives the gate back when a writing query's rows are closed.
type sqliteRows struct {
	driver.Rows
	leave func()
}

func (r *sqliteRows) Close() error { defer r.leave(); return r.Rows.Close() }

// isWrite tells a statement that may write from a read: anything but a
// SELECT (a WITH may end in an INSERT, and is rare enough to queue).
func isWrite(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	return len(q) < 6 || !strings.EqualFold(q[:6], "select")
}

// newSQLiteConnector connects to the database dsn names (a file: URL with
// the driver's parameters), its writers queued on one gate.
func newSQLiteConnector(dsn string) *sqliteConnector {
	return &sqliteConnector{dsn: dsn, drv: &sqlite.Driver{}, gate: newWriteGate()}
}
