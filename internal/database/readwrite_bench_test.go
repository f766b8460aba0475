package database

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"testing"
)

// BenchmarkSQLiteReadsAndWrites: 64 goroutines on one database, each
// operation a write transaction (one in ten, InTx) or a read by key (the
// others), as a server's requests are. ns/op is per operation; open-conns
// is the most connections open at the end of the run (database/sql's
// count).
func BenchmarkSQLiteReadsAndWrites(b *testing.B) {
	ctx := context.Background()
	db := openTemp(b)
	for i := range 1000 {
		id := fmt.Sprint("seed", i)
		if _, err := db.ExecContext(ctx, insertTenant, id, id); err != nil {
			b.Fatal(err)
		}
	}
	var n atomic.Int64
	b.SetParallelism(32) // 64 goroutines on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if i%10 == 0 {
				id := fmt.Sprint("w", i)
				if err := InTx(ctx, db, func(tx *sql.Tx) error {
					_, err := tx.ExecContext(ctx, insertTenant, id, id)
					return err
				}); err != nil {
					b.Error(err)
					return
				}
				continue
			}
			var name, lang string
			if err := db.QueryRowContext(ctx, `SELECT name, language FROM tenants WHERE id=?`, fmt.Sprint("seed", i%1000)).Scan(&name, &lang); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(db.Stats().OpenConnections), "open-conns")
}

// BenchmarkOnRead: one read by key outside a transaction, as a store makes
// it (a configuration pull, a token lookup): through On, the way every store
// reads, beside the same read on the bare *sql.DB (the floor On is measured
// against), and On's handle alone. On SQLite, whose handle On builds.
func BenchmarkOnRead(b *testing.B) {
	ctx := context.Background()
	db := openTemp(b)
	if _, err := Writer(db).ExecContext(ctx, insertTenant, "seed", "seed"); err != nil {
		b.Fatal(err)
	}
	const read = `SELECT name, language FROM tenants WHERE id=?`
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		var name, lang string
		for b.Loop() {
			if err := db.QueryRowContext(ctx, read, "seed").Scan(&name, &lang); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("On", func(b *testing.B) {
		b.ReportAllocs()
		var name, lang string
		for b.Loop() {
			if err := On(ctx, db).QueryRowContext(ctx, read, "seed").Scan(&name, &lang); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("handle", func(b *testing.B) {
		b.ReportAllocs()
		var q Querier
		for b.Loop() {
			q = On(ctx, db)
		}
		if q == nil {
			b.Fatal("no handle")
		}
	})
}
