package alert

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/metricstore"
)

// TestTakeoverRestartsFromStoredState: two replicas over one database and
// one metrics store. A sample arriving at the replica that does not own
// the tenant's rules is not applied there; the owner's timed evaluation
// fires the alert, notified once. The owner dies and the other takes the
// lease over: it goes on from the stored alert (still firing: no second
// firing notice) and resolves it, notified once.
func TestTakeoverRestartsFromStoredState(t *testing.T) {
	var mu sync.Mutex
	owner, token := "a", int64(1)
	ownsAs := func(me string) func(string) (int64, bool) {
		return func(string) (int64, bool) {
			mu.Lock()
			defer mu.Unlock()
			return token, owner == me
		}
	}
	w := newWorld(t, func(o *Options) { o.Owns = ownsAs("a") })
	web := w.host("acme", "web-01")
	w.item("acme", web, cpuItem())
	w.start()
	a := w.engine
	b := New(NewStore(w.raw), w.db, w.design, w.metrics, Options{Now: w.clock, Notify: w.notify, Owns: ownsAs("b")},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	if err := b.loadActive(ctx); err != nil {
		t.Fatal(err)
	}
	b.reloadRules(ctx)
	sample := func(at time.Time, v float64) labels.Labels {
		lset := labels.FromStrings("__name__", "node_cpu_busy_percent", "host", "web-01", metricstore.TenantLabel, "acme")
		app := w.metrics.AppenderV2(ctx)
		if _, err := app.Append(0, lset, 0, at.UnixMilli(), v, nil, nil, storage.AOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := app.Commit(); err != nil {
			t.Fatal(err)
		}
		return lset
	}
	tick := func() {
		for _, e := range []*Engine{a, b} {
			e.evaluateDue(ctx)
			e.offerPending(ctx)
		}
	}

	// The sample arrives at b, which does not own acme's rules.
	lset := sample(w.clock(), 93.5)
	b.Observe("acme", lset, w.clock().UnixMilli(), 93.5)
	for len(b.observed) > 0 {
		b.applyObserved(ctx, <-b.observed, nil)
	}
	if got := w.alerts("acme"); len(got) != 0 {
		t.Fatalf("b applied a sample of a tenant it does not own: %+v", got)
	}
	tick() // a's timed evaluation
	if got := w.alerts("acme"); len(got) != 1 || got[0].State != StateFiring {
		t.Fatalf("after a's evaluation: %+v, want one firing alert", got)
	}

	// a dies; b takes the lease over with a new token.
	mu.Lock()
	owner, token = "b", 2
	mu.Unlock()
	sample(w.advance(15*time.Second), 95)
	tick()
	if got := w.alerts("acme"); len(got) != 1 || got[0].State != StateFiring {
		t.Fatalf("after the takeover: %+v, want the same alert still firing", got)
	}
	sample(w.advance(15*time.Second), 70)
	tick()
	got := w.alerts("acme")
	if len(got) != 1 || got[0].State != StateResolved {
		t.Fatalf("after recovery under b: %+v, want it resolved", got)
	}
	var statuses []string
	for _, tr := range w.transitions() {
		statuses = append(statuses, string(tr.Status))
	}
	if len(statuses) != 2 || statuses[0] != string(StateFiring) || statuses[1] != string(StateResolved) {
		t.Fatalf("notified %v, want firing then resolved, once each", statuses)
	}
}
