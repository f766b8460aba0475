package alert

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/unyo-ops/unyo/internal/metricstore"
)

// TestTimedEvaluationWaitsForALaggingStore: a remote store shows a sample
// some seconds after it was written, while the engine applies it as it
// arrives. The timed evaluation that follows must not take the store's
// older value (or its not knowing the series yet) for a recovery: with
// EvalDelay it reads the store as of before the alert's last sample and
// the alert stays firing, notified once; also when later samples changed
// nothing and the first is older than the delay. Without it, the same evaluation
// resolves the alert, as it did on VictoriaMetrics (the case that shows
// the test can fail).
func TestTimedEvaluationWaitsForALaggingStore(t *testing.T) {
	f := func(name string, delay time.Duration, stored bool, want State) {
		t.Helper()
		w := newWorld(t, func(o *Options) { o.EvalDelay = delay })
		web := w.host("acme", "web-01")
		w.item("acme", web, cpuItem())
		w.start()
		if stored { // the store knows the series, at 20
			w.push("acme", w.clock(), 20, "__name__", "node_cpu_busy_percent", "host", "web-01")
		}
		// 93.5 arrives and is applied; the store does not show it yet.
		lset := labels.FromStrings("__name__", "node_cpu_busy_percent", "host", "web-01", metricstore.TenantLabel, "acme")
		w.engine.Observe("acme", lset, w.advance(15*time.Second).UnixMilli(), 93.5)
		w.drain()
		// The same value keeps arriving for longer than the delay: it
		// changes nothing, and the store still does not show it.
		for range 10 {
			w.engine.Observe("acme", lset, w.advance(2*time.Second).UnixMilli(), 93.5)
			w.drain()
		}
		w.advance(2 * time.Second)
		w.engine.evaluateDue(context.Background())
		list := w.alerts("acme")
		if len(list) != 1 || list[0].State != want {
			t.Errorf("%s: alerts after the timed evaluation %+v; want one %s", name, list, want)
		}
	}
	f("older value in the store, delayed", 15*time.Second, true, StateFiring)
	f("new series not in the store yet, delayed", 15*time.Second, false, StateFiring)
	f("older value in the store, not delayed", 0, true, StateResolved)
	f("new series not in the store yet, not delayed", 0, false, StateResolved)
}

// TestResolvedAlertNotFiredAgainByALaggingStore: an alert resolved by an
// arriving sample stays resolved when the timed evaluation, looking behind
// the store's lag, still reads the value from before the resolution.
func TestResolvedAlertNotFiredAgainByALaggingStore(t *testing.T) {
	w := newWorld(t, func(o *Options) { o.EvalDelay = 15 * time.Second })
	web := w.host("acme", "web-01")
	w.item("acme", web, cpuItem())
	w.start()
	lset := labels.FromStrings("__name__", "node_cpu_busy_percent", "host", "web-01", metricstore.TenantLabel, "acme")
	// 93.5 is in the store and arrives: the alert fires.
	at := w.advance(15 * time.Second)
	w.push("acme", at, 93.5, "__name__", "node_cpu_busy_percent", "host", "web-01")
	w.engine.Observe("acme", lset, at.UnixMilli(), 93.5)
	w.drain()
	if list := w.alerts("acme"); len(list) != 1 || list[0].State != StateFiring {
		t.Fatalf("alerts after 93.5 = %+v; want one firing", list)
	}
	// 60 arrives and resolves it; the store does not show 60 yet.
	w.engine.Observe("acme", lset, w.advance(10*time.Second).UnixMilli(), 60)
	w.drain()
	// The timed evaluation reads 15 s back: 93.5.
	w.advance(5 * time.Second)
	w.engine.evaluateDue(context.Background())
	if list := w.alerts("acme"); len(list) != 1 || list[0].State != StateResolved {
		t.Errorf("alerts after the timed evaluation = %+v; want the one alert, resolved, not fired again", list)
	}
	// Long after, the resolved alert's sample time is forgotten.
	w.advance(20 * time.Minute)
	w.engine.evaluateDue(context.Background())
	w.engine.mu.Lock()
	n := len(w.engine.seen)
	w.engine.mu.Unlock()
	if n != 0 {
		t.Errorf("%d sample times kept 20 minutes after the resolution, want none", n)
	}
}
