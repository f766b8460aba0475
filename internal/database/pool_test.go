package database

import (
	"context"
	"sync"
	"testing"
)

// TestSQLiteKeepsABurstsConnections: 64 reads at once open 64 connections;
// when they are done the connections stay for the next burst, which opens
// none (at 2,000 agents the opens, serialised inside the SQLite library,
// were where requests waited most).
func TestSQLiteKeepsABurstsConnections(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	burst := func() {
		t.Helper()
		var start, done sync.WaitGroup
		start.Add(64)
		errs := make(chan error, 64)
		for range 64 {
			done.Add(1)
			go func() {
				defer done.Done()
				conn, err := db.Conn(ctx) // held until all 64 are open
				start.Done()
				if err != nil {
					errs <- err
					return
				}
				defer conn.Close()
				start.Wait()
				var n int
				errs <- conn.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&n)
			}()
		}
		done.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	burst()
	opened := db.Stats().OpenConnections
	if opened < 64 {
		t.Fatalf("%d connections after a burst of 64", opened)
	}
	burst()
	if s := db.Stats(); s.MaxIdleClosed > 0 || s.OpenConnections != opened {
		t.Fatalf("between two bursts %d connections were closed as surplus idle ones; %d open now, %d after the first", s.MaxIdleClosed, s.OpenConnections, opened)
	}
}
