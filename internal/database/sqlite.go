package database

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
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
//
// A writer queues on the gate before it asks database/sql for a connection
// (InTx, Writer): at 5,000 hosts writers that took a connection first and
// then queued held some 4,000 of them, each with the database, WAL and shm
// files open, until the process ran out of file descriptors. The gate then
// travels to the connection in the context (a gateTicket), and the
// connection does not enter it again. A write that comes to a connection
// without a ticket (a store writing on a *sql.DB directly) still enters
// the gate there, as before.

// gateTimeout bounds the wait for the gate as busy_timeout bounds the wait
// for the lock: a writer that waits longer fails as SQLite's would
// (SQLITE_BUSY), rather than hanging.
const gateTimeout = 10 * time.Second

// errGateTimeout is what a writer that waited gateTimeout gets.
var errGateTimeout = errors.New("database is locked (waited 10 s for the write lock)")

// writeGate is one database file's queue of writers: a channel of one
// token, so that waiters are served as they came.
type writeGate = *gate

type gate struct {
	token   chan struct{}
	waiting atomic.Int64 // writers queued now
}

func newWriteGate() writeGate {
	g := &gate{token: make(chan struct{}, 1)}
	g.token <- struct{}{}
	return g
}

// enter waits for the gate; the caller must leave it.
func (g *gate) enter(ctx context.Context) error {
	select {
	case <-g.token:
		return nil
	default:
	}
	g.waiting.Add(1)
	defer g.waiting.Add(-1)
	t := time.NewTimer(gateTimeout)
	defer t.Stop()
	select {
	case <-g.token:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return errGateTimeout
	}
}

func (g *gate) leave() { g.token <- struct{}{} }

// gateTicket is the gate entered by a writer before it asked for a
// connection. Whoever finishes the write last gives it back, once: the
// connection when the transaction ends or the statement's rows are closed,
// the writer if database/sql failed before the connection got it.
type gateTicket struct {
	gate writeGate
	once sync.Once
}

func (t *gateTicket) leave() { t.once.Do(t.gate.leave) }

type ticketKey struct{}

// enterGate enters g for a write about to ask for a connection and returns
// ctx carrying the ticket the connection will recognise.
func enterGate(ctx context.Context, g writeGate) (context.Context, *gateTicket, error) {
	if err := g.enter(ctx); err != nil {
		return ctx, nil, err
	}
	t := &gateTicket{gate: g}
	return context.WithValue(ctx, ticketKey{}, t), t, nil
}

// ticketFor is the ticket ctx carries for gate g, or nil.
func ticketFor(ctx context.Context, g writeGate) *gateTicket {
	if t, ok := ctx.Value(ticketKey{}).(*gateTicket); ok && t.gate == g {
		return t
	}
	return nil
}

// sqliteDriver is what db.Driver() returns for a SQLite handle: the modernc
// driver, carrying the file's gate and the writers' own pool, so that
// InTx, Begin and Writer find them from the *sql.DB alone.
type sqliteDriver struct {
	*sqlite.Driver
	*writers
}

// writers is a file's gate and the pool of connections its holder writes
// on. The holder takes its connection from there, not from the pool the
// reads share: with that one bounded, the writer at the gate would wait
// behind every request queued for a connection, and every writer behind
// it (at 5,000 hosts thousands of configuration pulls queued so, and
// writes gave up after the gate's 10 s).
type writers struct {
	gate writeGate
	db   *sql.DB
	// shared is Writer's handle on the *sql.DB the requests share, built
	// once when it is opened: every read outside a transaction goes
	// through it (On), thousands a second at 5,000 hosts, and so asks
	// for no allocation.
	shared *gatedDB
}

// gateOf is db's writers, or nil (PostgreSQL, or a handle not opened here).
// The driver is a pointer, so that asking db for it allocates nothing.
func gateOf(db interface{ Driver() driver.Driver }) *writers {
	if d, ok := db.Driver().(*sqliteDriver); ok {
		return d.writers
	}
	return nil
}

// sqliteConnector opens connections to one file through the modernc
// driver, all sharing the file's gate.
type sqliteConnector struct {
	dsn string
	drv *sqliteDriver
}

func (c *sqliteConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &sqliteConn{inner: conn.(sqliteDriverConn), gate: c.drv.gate, stmts: map[string]*list.Element{}, lru: list.New()}, nil
}

func (c *sqliteConnector) Driver() driver.Driver { return c.drv }

// Close closes the writers' pool with the handle (database/sql closes a
// connector that is an io.Closer).
func (c *sqliteConnector) Close() error { return c.drv.writers.db.Close() }

// writersConnector is the writers' pool's view of the same connector,
// which their pool's Close leaves open.
type writersConnector struct{ c *sqliteConnector }

func (w writersConnector) Connect(ctx context.Context) (driver.Conn, error) { return w.c.Connect(ctx) }
func (w writersConnector) Driver() driver.Driver                            { return w.c.Driver() }

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

// stmtCacheSize bounds the statements a connection keeps prepared. The
// stores' queries with arguments number a few hundred in all; a connection
// serves the few a request makes.
const stmtCacheSize = 256

// sqliteConn takes the gate for its writes: for a transaction from BEGIN to
// its end, for a statement outside one while it runs. database/sql uses a
// connection from one goroutine at a time, so its fields need no lock.
//
// It also keeps the statements it ran with arguments prepared, by their
// text (at 2,000 hosts 12-13 % of the server's CPU went to preparing the
// same statements anew): modernc keeps a single statement's compiled form
// in its stmt and resets it after each use, and SQLite compiles it again
// by itself when the schema changed (SQLITE_SCHEMA).
type sqliteConn struct {
	inner sqliteDriverConn
	gate  writeGate
	inTx  bool
	// txLeave gives the gate back when the transaction ends.
	txLeave func()

	stmts    map[string]*list.Element // of *cachedStmt, by query text
	lru      *list.List               // most recently used first
	prepares int                      // statements this connection prepared for its cache
}

// cachedStmt is a prepared statement of the cache; busy while rows read
// from it are open (the same text asked for again then runs unprepared).
type cachedStmt struct {
	query string
	stmt  driver.Stmt
	busy  bool
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

func (c *sqliteConn) Close() error {
	for e := c.lru.Front(); e != nil; e = e.Next() {
		e.Value.(*cachedStmt).stmt.Close()
	}
	c.stmts, c.lru = nil, list.New()
	return c.inner.Close()
}

// cached returns the prepared statement for query, preparing it on first
// use, or nil when it cannot serve now (in use by open rows, or the text
// does not prepare: the caller then runs it directly, which reports the
// error).
func (c *sqliteConn) cached(ctx context.Context, query string) *cachedStmt {
	if e, ok := c.stmts[query]; ok {
		cs := e.Value.(*cachedStmt)
		if cs.busy {
			return nil
		}
		c.lru.MoveToFront(e)
		return cs
	}
	if c.stmts == nil {
		return nil
	}
	s, err := c.inner.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.prepares++
	cs := &cachedStmt{query: query, stmt: s}
	c.stmts[query] = c.lru.PushFront(cs)
	for c.lru.Len() > stmtCacheSize {
		old := c.lru.Back()
		for old != nil && old.Value.(*cachedStmt).busy {
			old = old.Prev()
		}
		if old == nil {
			break
		}
		c.lru.Remove(old)
		delete(c.stmts, old.Value.(*cachedStmt).query)
		old.Value.(*cachedStmt).stmt.Close()
	}
	return cs
}

func (c *sqliteConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx takes the gate for the transaction's whole life (on SQLite every
// transaction begins IMMEDIATE, a writer, see openSQLite), unless its
// caller entered it already (InTx).
func (c *sqliteConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	leave := c.gate.leave
	if t := ticketFor(ctx, c.gate); t != nil {
		leave = t.leave
	} else if err := c.gate.enter(ctx); err != nil {
		return nil, err
	}
	tx, err := c.inner.BeginTx(ctx, opts)
	if err != nil {
		leave()
		return nil, err
	}
	c.inTx = true
	c.txLeave = leave
	return &sqliteTx{inner: tx, conn: c}, nil
}

func (c *sqliteConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	leave, err := c.enterFor(ctx, true)
	if err != nil {
		return nil, err
	}
	defer leave()
	if len(args) > 0 {
		if cs := c.cached(ctx, query); cs != nil {
			return cs.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
		}
	}
	return c.inner.ExecContext(ctx, query, args)
}

func (c *sqliteConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	// A write that returns rows (RETURNING) runs when it is stepped, so
	// the gate is held until its rows are closed.
	write := isWrite(query)
	leave, err := c.enterFor(ctx, write)
	if err != nil {
		return nil, err
	}
	var done func() // when the rows are closed
	if write && !c.inTx {
		done = leave
	}
	var rows driver.Rows
	if cs := c.cachedFor(ctx, query, args); cs != nil {
		rows, err = cs.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
		if err == nil {
			cs.busy = true
			done = func() { cs.busy = false; leave() }
		}
	} else {
		rows, err = c.inner.QueryContext(ctx, query, args)
	}
	if err != nil {
		leave()
		return nil, err
	}
	return wrapRows(rows, done), nil
}

func (c *sqliteConn) cachedFor(ctx context.Context, query string, args []driver.NamedValue) *cachedStmt {
	if len(args) == 0 {
		return nil
	}
	return c.cached(ctx, query)
}

func (c *sqliteConn) Ping(ctx context.Context) error         { return c.inner.Ping(ctx) }
func (c *sqliteConn) ResetSession(ctx context.Context) error { return c.inner.ResetSession(ctx) }
func (c *sqliteConn) IsValid() bool                          { return c.inner.IsValid() }
func (c *sqliteConn) CheckNamedValue(nv *driver.NamedValue) error {
	return checkNamedValue(c.inner, nv)
}

// enterFor takes the gate for one write outside a transaction (inside one
// the transaction holds it; a writer that entered it before asking for the
// connection hands it over in ctx) and returns how to give it back.
func (c *sqliteConn) enterFor(ctx context.Context, write bool) (func(), error) {
	if !write || c.inTx {
		return nop, nil
	}
	if t := ticketFor(ctx, c.gate); t != nil {
		return t.leave, nil
	}
	if err := c.gate.enter(ctx); err != nil {
		return nil, err
	}
	var once sync.Once
	return func() { once.Do(c.gate.leave) }, nil
}

func nop() {}

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
		leave := t.conn.txLeave
		t.conn.txLeave = nil
		leave()
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
	return wrapRows(rows, leave), nil
}

// wrapRows returns rows that call done when closed (giving back the gate a
// write holds, or a cached statement); with nothing to do (nil), rows as
// they are.
func wrapRows(rows driver.Rows, done func()) driver.Rows {
	if done == nil {
		return rows
	}
	return &sqliteRows{Rows: rows, done: done}
}

// sqliteRows calls done once its rows are closed; it passes on the column
// types the driver tells.
type sqliteRows struct {
	driver.Rows
	done   func()
	closed bool
}

func (r *sqliteRows) Close() error {
	err := r.Rows.Close()
	if !r.closed {
		r.closed = true
		r.done()
	}
	return err
}

func (r *sqliteRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *sqliteRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *sqliteRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *sqliteRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *sqliteRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

// isWrite tells a statement that may write from a read: anything but a
// SELECT (a WITH may end in an INSERT, and is rare enough to queue).
func isWrite(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	return len(q) < 6 || !strings.EqualFold(q[:6], "select")
}

// newSQLiteConnector connects to the database dsn names (a file: URL with
// the driver's parameters), its writers queued on one gate.
func newSQLiteConnector(dsn string) *sqliteConnector {
	w := &writers{gate: newWriteGate()}
	c := &sqliteConnector{dsn: dsn, drv: &sqliteDriver{Driver: &sqlite.Driver{}, writers: w}}
	w.db = sql.OpenDB(writersConnector{c})
	// One writer holds the gate at a time; the second connection spares
	// the next one the wait for the first to be put back.
	w.db.SetMaxOpenConns(sqliteWriterConns)
	w.db.SetMaxIdleConns(sqliteWriterConns)
	w.db.SetConnMaxIdleTime(time.Minute)
	return c
}
