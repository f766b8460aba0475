package outbox

import (
	"context"
	"strconv"
	"testing"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/notify"
)

// BenchmarkEnqueue is the producer's cost of one durable, idempotent
// enqueue (one committed insert), workers not running, on SQLite and on
// PostgreSQL in the same run.
func BenchmarkEnqueue(b *testing.B) {
	for _, d := range dbtest.Dialects {
		b.Run(string(d), func(b *testing.B) { benchmarkEnqueue(b, d) })
	}
}

func benchmarkEnqueue(b *testing.B, d database.Dialect) {
	e := &env{}
	e.path = dbtest.URLFor(b, d)
	e.logs = &syncBuffer{}
	e.openTB(b)
	if err := e.objects.CreateTenant(context.Background(), &model.Tenant{ID: "acme", Name: "acme", Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
		b.Fatal(err)
	}
	o := New(e.db, Options{}, e.resolve, nil, e.logger(), nil)
	n := alert("acme", "", "CPU high", notify.StatusFiring)
	n.Routes = []string{"ops"}
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		n.Key, n.Message.IdempotencyKey = "k"+strconv.Itoa(i), ""
		if err := o.Enqueue(ctx, n); err != nil {
			b.Fatal(err)
		}
	}
}
