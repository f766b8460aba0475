package database

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func histogram(t *testing.T, h prometheus.Histogram) (uint64, float64) {
	t.Helper()
	var m dto.Metric
	if err := h.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
}

// A write that waits for another's SQLite write lock shows the wait in
// unyo_database_write_wait_seconds, and each committed write is counted in
// unyo_database_write_seconds.
func TestInTxMetrics(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "unyo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	insert := func(id string) func(tx *sql.Tx) error {
		return func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO tenants (id, name, language, time_zone, created_at, updated_at) VALUES (?,?,'ja','Asia/Tokyo',0,0)`, id, id)
			return err
		}
	}
	writes0, _ := histogram(t, txDuration)
	waits0, waited0 := histogram(t, txWait)

	const hold = 300 * time.Millisecond
	holding := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- InTx(ctx, db, func(tx *sql.Tx) error {
			if err := insert("a")(tx); err != nil {
				return err
			}
			close(holding)
			time.Sleep(hold) // the lock held this long is what the other write must wait for
			return nil
		})
	}()
	<-holding
	if err := InTx(ctx, db, insert("b")); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	writes, _ := histogram(t, txDuration)
	waits, waited := histogram(t, txWait)
	if writes-writes0 != 2 || waits-waits0 != 2 {
		t.Fatalf("counted %d writes and %d waits, want 2 and 2", writes-writes0, waits-waits0)
	}
	if w := waited - waited0; w < (hold / 2).Seconds() {
		t.Fatalf("waits sum to %.3f s, want at least %.3f s: the second write waited for the lock", w, (hold / 2).Seconds())
	}
}
