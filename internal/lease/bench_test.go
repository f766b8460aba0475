package lease

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
)

// BenchmarkRenew: one replica holding every kind's lease of 100 tenants
// (900 leases) renews them in batches (renewHeld, what Pass does) against
// one upsert per lease (Acquire, what Pass did), on PostgreSQL.
func BenchmarkRenew(b *testing.B) {
	db, err := database.Open(context.Background(), dbtest.URLFor(b, database.Postgres))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var ts []string
	for i := range 100 {
		ts = append(ts, fmt.Sprintf("t%03d", i))
	}
	l := New(db, "a", Options{TTL: time.Hour, Tenants: func(context.Context) ([]string, error) { return ts, nil }}, nil, nil)
	ctx := context.Background()
	if err := l.Pass(ctx); err != nil {
		b.Fatal(err)
	}
	if n := l.count(); n != len(ts)*len(Kinds) {
		b.Fatalf("holds %d leases, want %d", n, len(ts)*len(Kinds))
	}
	b.Run("batched", func(b *testing.B) {
		for b.Loop() {
			if _, err := l.renewHeld(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("each", func(b *testing.B) {
		for b.Loop() {
			for _, k := range Kinds {
				for _, t := range ts {
					if _, _, err := l.Acquire(ctx, Name(k, t)); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	})
}
