package database

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
	"time"
)

// await polls cond until it holds or the deadline passes.
func await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 20 s for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// Writers that queue behind a transaction hold no connection while they
// wait, whether they write in a transaction (InTx), outside one (Writer,
// On) or with RETURNING; a read meanwhile does not wait; once the
// transaction commits every queued write lands.
func TestSQLiteWritersQueueHoldingNoConnection(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	tx, err := Begin(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(insertTenant, "first", "first"); err != nil {
		t.Fatal(err)
	}
	const writers = 40
	errs := make(chan error, writers)
	for i := range writers {
		id := fmt.Sprintf("w%02d", i)
		go func() {
			var err error
			switch i % 4 {
			case 0:
				err = InTx(ctx, db, func(tx *sql.Tx) error { _, err := tx.Exec(insertTenant, id, id); return err })
			case 1:
				_, err = Writer(db).ExecContext(ctx, insertTenant, id, id)
			case 2:
				_, err = On(ctx, db).ExecContext(ctx, insertTenant, id, id)
			case 3:
				var got string
				err = Writer(db).QueryRowContext(ctx, insertTenant+` RETURNING id`, id, id).Scan(&got)
				if err == nil && got != id {
					err = fmt.Errorf("RETURNING gave %q, want %q", got, id)
				}
			}
			errs <- err
		}()
	}
	w := gateOf(db)
	await(t, "40 writers queued on the gate", func() bool { return w.gate.waiting.Load() == writers })
	if r, w := db.Stats(), w.db.Stats(); r.InUse != 0 || w.InUse != 1 {
		t.Fatalf("%d connections in use while 40 writers queue behind one transaction, %d of the writers' pool; want none and 1 (the transaction's)", r.InUse, w.InUse)
	}
	if n := countTenants(t, db); n != 0 {
		t.Fatalf("a read saw %d tenants during the transaction, want 0", n)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := countTenants(t, db); n != writers+1 {
		t.Fatalf("%d tenants stored, want %d", n, writers+1)
	}
}

// With connections bounded at 4, 50 writers of every kind and 50 readers at
// once all complete: the writer holding the gate always gets a connection,
// since the others wait for the gate holding none. No more than 4
// connections are ever open.
func TestSQLiteBoundedConnectionsDoNotDeadlock(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db := openTemp(t)
	const bound = 4
	db.SetMaxOpenConns(bound)
	if _, err := db.ExecContext(ctx, insertTenant, "seed", "seed"); err != nil {
		t.Fatal(err)
	}
	var maxOpen atomic.Int64
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			if n := int64(db.Stats().OpenConnections); n > maxOpen.Load() {
				maxOpen.Store(n)
			}
			select {
			case <-stop:
				return
			default:
				time.Sleep(100 * time.Microsecond)
			}
		}
	}()
	const writers, readers, each = 50, 50, 5
	var wg sync.WaitGroup
	errs := make(chan error, (writers+readers)*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("w%02d-%d", w, i)
				var err error
				switch (w + i) % 4 {
				case 0:
					err = InTx(ctx, db, func(tx *sql.Tx) error {
						var n int
						if err := tx.QueryRow(`SELECT COUNT(*) FROM tenants WHERE id<>?`, id).Scan(&n); err != nil {
							return err
						}
						_, err := tx.Exec(insertTenant, id, id)
						return err
					})
				case 1:
					_, err = Writer(db).ExecContext(ctx, insertTenant, id, id)
				case 2:
					var got string
					err = Writer(db).QueryRowContext(ctx, insertTenant+` RETURNING id`, id, id).Scan(&got)
				case 3:
					var tx *sql.Tx
					if tx, err = Begin(ctx, db); err == nil {
						if _, err = tx.Exec(insertTenant, id, id); err == nil {
							err = tx.Commit()
						} else {
							tx.Rollback()
						}
					}
				}
				errs <- err
			}
		}()
	}
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				var name string
				errs <- db.QueryRowContext(ctx, `SELECT name FROM tenants WHERE id=?`, "seed").Scan(&name)
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-watched
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := countTenants(t, db); n != writers*each+1 {
		t.Fatalf("%d tenants stored, want %d", n, writers*each+1)
	}
	if m := maxOpen.Load(); m > bound {
		t.Fatalf("%d connections open at once, bound %d", m, bound)
	}
}

// dbFiles counts this process's file descriptors open on the database at
// path (the file, its WAL and shm).
func dbFiles(t *testing.T, path string) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	n := 0
	for _, fd := range fds {
		if l, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.HasPrefix(l, path) {
			n++
		}
	}
	return n
}

// A burst of 300 requests at once (reads that hold their rows open, and
// writes) opens no more than sqliteMaxOpen connections, and so no more than
// three file descriptors each: the others wait for a connection. Closing
// the database closes every one of them, cached statements and all (an
// unfinalised statement would keep its connection's files open).
func TestSQLiteConnectionsBounded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "unyo.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var maxFiles, maxOpen, reading atomic.Int64
	see := func() {
		if n := int64(db.Stats().OpenConnections); n > maxOpen.Load() {
			maxOpen.Store(n)
		}
		if n := int64(dbFiles(t, path)); n > maxFiles.Load() {
			maxFiles.Store(n)
		}
	}
	const readers, writers = 200, 100
	var wg sync.WaitGroup
	release := make(chan struct{})
	errs := make(chan error, readers+writers)
	for i := range readers + writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprint(i)
			if i >= readers {
				_, err := Writer(db).ExecContext(ctx, insertTenant, id, id)
				errs <- err
				return
			}
			rows, err := db.QueryContext(ctx, `SELECT id FROM tenants WHERE id<>?`, id)
			if err != nil {
				errs <- err
				return
			}
			reading.Add(1)
			see()
			<-release
			for rows.Next() {
			}
			errs <- rows.Close()
		}()
	}
	// Every reader holds its rows, or the pool is exhausted and the others
	// wait for a connection.
	await(t, "all readers reading, or readers waiting for a connection", func() bool {
		return reading.Load() == readers || (db.Stats().WaitCount > 0 && db.Stats().InUse >= sqliteMaxOpen)
	})
	see()
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if m := maxOpen.Load(); m > sqliteMaxOpen {
		t.Fatalf("%d connections open at most during the burst, bound %d", m, sqliteMaxOpen)
	}
	if f := maxFiles.Load(); f > 3*sqliteMaxOpen {
		t.Fatalf("%d descriptors open on the database during the burst, want at most %d", f, 3*sqliteMaxOpen)
	}
	t.Logf("at most %d connections, %d descriptors on the database", maxOpen.Load(), maxFiles.Load())
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if n := dbFiles(t, path); n != 0 {
		t.Fatalf("%d descriptors still open on the database after Close", n)
	}
}

// The writer at the gate does not wait behind the reads for a connection:
// with every connection of the shared pool held by open rows, writes of
// every kind still commit (they take theirs from the writers' own pool).
func TestSQLiteWriterDoesNotWaitBehindReaders(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := openTemp(t)
	db.SetMaxOpenConns(4)
	if _, err := Writer(db).ExecContext(ctx, insertTenant, "seed", "seed"); err != nil {
		t.Fatal(err)
	}
	var held []*sql.Rows
	for range 4 {
		rows, err := db.QueryContext(ctx, `SELECT id FROM tenants WHERE id<>?`, "x")
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, rows)
	}
	if s := db.Stats(); s.InUse != 4 {
		t.Fatalf("%d connections in use, want all 4", s.InUse)
	}
	if err := InTx(ctx, db, func(tx *sql.Tx) error { _, err := tx.Exec(insertTenant, "a", "a"); return err }); err != nil {
		t.Fatalf("a transaction while the reads hold every connection: %v", err)
	}
	if _, err := Writer(db).ExecContext(ctx, insertTenant, "b", "b"); err != nil {
		t.Fatalf("a write while the reads hold every connection: %v", err)
	}
	var got string
	if err := Writer(db).QueryRowContext(ctx, insertTenant+` RETURNING id`, "c", "c").Scan(&got); err != nil || got != "c" {
		t.Fatalf("a write with RETURNING while the reads hold every connection: %q, %v", got, err)
	}
	for _, r := range held {
		r.Close()
	}
	if n := countTenants(t, db); n != 4 {
		t.Fatalf("%d tenants, want 4", n)
	}
}
