package capacity

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/outbox"
)

// yearPlan is a year of plan: the weekly baseline and 50 events spread
// over the year, some overlapping, with leads and cool-downs.
func yearPlan(from time.Time) Document {
	d := shop()
	for i := range 50 {
		start := from.Add(time.Duration(i) * 7 * 24 * time.Hour).Add(time.Duration(i%5) * time.Hour)
		e := Event{Name: fmt.Sprintf("campaign %d", i), Start: start, End: start.Add(time.Duration(6+i%48) * time.Hour), Lead: 3600e9, CoolDown: 1800e9}
		if i%3 == 0 {
			e.Multiplier = 1.5
		} else {
			e.Count = 8 + i%7
		}
		d.Events = append(d.Events, e)
	}
	return d
}

// BenchmarkEvaluate1000Groups is the evaluation part of one tick: for
// 1,000 groups with a year of plan each, the count due now and the moment
// it became due (Compile + Current), as the scheduler does per group.
func BenchmarkEvaluate1000Groups(b *testing.B) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, tokyo)
	docs := make([]Document, 1000)
	for i := range docs {
		docs[i] = yearPlan(from.Add(time.Duration(i) * time.Hour))
	}
	now := from.Add(200 * 24 * time.Hour)
	b.ResetTimer()
	for b.Loop() {
		for i := range docs {
			Compile(&docs[i], tokyo, 1, 100, nil).Current(now, from)
		}
		now = now.Add(10 * time.Second)
	}
}

type discard struct{}

func (discard) Enqueue(context.Context, outbox.Notification) error { return nil }

// BenchmarkSchedulerTick1000Groups is a whole tick over 1,000 groups with
// a year of plan each, on the real database: read the groups, their
// active versions and holds, evaluate each, find its step claimed already
// (the steady state between changes of count), and check the open steps
// and the alerts.
func BenchmarkSchedulerTick1000Groups(b *testing.B) {
	ctx := context.Background()
	fx := newFixture(b)
	fx.store.AddKind(KindManual, fx.store.ManualFactory(discard{}, ""))
	now := fx.clock.now()
	doc := yearPlan(now.Add(-100 * 24 * time.Hour))
	for i := range 1000 {
		g := &Group{TenantID: "acme", ServiceID: fx.svc["acme"], Name: fmt.Sprintf("g%04d", i), Kind: KindManual, Max: 100}
		if err := fx.store.CreateGroup(ctx, g, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := fx.store.CreateVersion(ctx, "acme", g.ID, doc, "", "bench"); err != nil {
			b.Fatal(err)
		}
		if _, err := fx.store.Activate(ctx, "acme", g.ID, 1, "bench", true, "benchmark"); err != nil {
			b.Fatal(err)
		}
	}
	sc := fx.scheduler()
	sc.ObserveEvery = 365 * 24 * time.Hour
	if err := sc.Tick(ctx); err != nil { // claims and applies every group's step
		b.Fatal(err)
	}
	// Someone confirms every manual group; the next tick verifies them all.
	if _, err := fx.store.db.ExecContext(ctx, `UPDATE capacity_groups SET manual_confirmed = manual_asked`); err != nil {
		b.Fatal(err)
	}
	if err := sc.Tick(ctx); err != nil {
		b.Fatal(err)
	}
	if open, _ := fx.store.openSteps(ctx); len(open) != 0 {
		b.Fatalf("%d steps still open", len(open))
	}
	b.ResetTimer()
	for b.Loop() {
		if err := sc.Tick(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
