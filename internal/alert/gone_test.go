package alert

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
)

// TestGoneCloudResource: a discovered load balancer's metric alert fires;
// when discovery labels it cloud_gone, the reload resolves the alert with
// the reason gone (not removed), and its series fires nothing more;
// ResolveGone closes its intake alert.
func TestGoneCloudResource(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	lb := &model.Resource{TenantID: "acme", Name: "lb-web", Kind: "load_balancer", Labels: map[string]string{"cloud_type": "lb"}}
	if err := w.db.CreateResource(ctx, lb); err != nil {
		t.Fatal(err)
	}
	w.item("acme", lb, cpuItem())
	w.start()
	w.push("acme", w.advance(15*time.Second), 96, "__name__", "node_cpu_busy_percent", "host", "lb-web")
	w.drain()
	if got := w.alerts("acme"); len(got) != 1 || got[0].State != StateFiring {
		t.Fatalf("a discovered resource's item does not fire: %+v", got)
	}
	if _, err := w.engine.Intake(ctx, "acme", []Signal{{Source: SourceAzure, Fingerprint: "lb-probe", Status: StateFiring, Severity: SeverityWarning, Resource: "lb-web"}}); err != nil {
		t.Fatal(err)
	}
	lb.Labels["cloud_gone"] = "2026-12-07T04:00:00Z"
	if err := w.db.UpdateResource(ctx, lb); err != nil {
		t.Fatal(err)
	}
	w.engine.reloadRules(ctx) // the rule goes with the resource: its alert resolves as gone
	if n := w.engine.ResolveGone(ctx, "acme", lb.ID); n != 1 {
		t.Fatalf("ResolveGone resolved %d alerts, want the intake's", n)
	}
	for _, a := range w.alerts("acme") {
		if ev := w.events("acme", a.ID); a.State != StateResolved || !strings.Contains(ev, ">resolved gone") {
			t.Fatalf("alert %d (%s): %s %s", a.ID, a.Source, a.State, ev)
		}
	}
	w.push("acme", w.advance(15*time.Second), 99, "__name__", "node_cpu_busy_percent", "host", "lb-web")
	w.drain()
	if n := len(w.alerts("acme")); n != 2 {
		t.Fatalf("a gone resource still fires: %d alerts", n)
	}
}

// TestGoneBeforeReloadDoesNotRefire: discovery labels a resource
// cloud_gone and calls ResolveGone at once, before the engine's next
// reload. Its series' last point is still in the lookback, so a rule left
// in place would fire again at the next evaluation, or on a late sample:
// ResolveGone drops the resource's rules itself, and the one alert stays
// resolved as gone.
func TestGoneBeforeReloadDoesNotRefire(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	db := &model.Resource{TenantID: "acme", Name: "sql-orders", Kind: "database", Labels: map[string]string{"cloud_type": "sql_database"}}
	if err := w.db.CreateResource(ctx, db); err != nil {
		t.Fatal(err)
	}
	w.item("acme", db, cpuItem())
	w.start()
	w.push("acme", w.advance(15*time.Second), 96, "__name__", "node_cpu_busy_percent", "host", "sql-orders")
	w.drain()
	if got := w.alerts("acme"); len(got) != 1 || got[0].State != StateFiring {
		t.Fatalf("the database's item does not fire: %+v", got)
	}
	db.Labels["cloud_gone"] = "2026-12-07T04:00:00Z"
	if err := w.db.UpdateResource(ctx, db); err != nil {
		t.Fatal(err)
	}
	if n := w.engine.ResolveGone(ctx, "acme", db.ID); n != 1 {
		t.Fatalf("ResolveGone resolved %d alerts, want 1", n)
	}
	w.advance(15 * time.Second)
	w.eval() // the point pushed above is 15 s old: in the lookback
	w.push("acme", w.clock(), 99, "__name__", "node_cpu_busy_percent", "host", "sql-orders")
	w.drain()
	got := w.alerts("acme")
	if len(got) != 1 || got[0].State != StateResolved || !strings.Contains(w.events("acme", got[0].ID), ">resolved gone") {
		t.Fatalf("after ResolveGone, before any reload: %+v", got)
	}
}
