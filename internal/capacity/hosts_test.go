package capacity

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/metricstore"
)

// tsdb is the real embedded TSDB, with a way to write a host's sample.
type tsdb struct {
	t  *testing.T
	ms *metricstore.Store
}

func newTSDB(t *testing.T) *tsdb {
	ms, err := metricstore.Open(filepath.Join(t.TempDir(), "tsdb"), metricstore.Options{Retention: 24 * time.Hour, OutOfOrderWindow: 24 * time.Hour},
		slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	return &tsdb{t: t, ms: ms}
}

func (d *tsdb) sample(tenant, host, role string, at time.Time) {
	d.t.Helper()
	app := d.ms.AppenderV2(context.Background())
	ls := labels.FromStrings("__name__", "node_cpu_seconds_total", metricstore.TenantLabel, tenant, "host", host, "role", role, "mode", "idle")
	if _, err := app.Append(0, ls, 0, at.UnixMilli(), 1, nil, nil, storage.AOptions{}); err != nil {
		d.t.Fatal(err)
	}
	if err := app.Commit(); err != nil {
		d.t.Fatal(err)
	}
}

// TestHostsReportingData counts the tenant's hosts of the selector with a
// sample since the moment asked: not another role's, not another
// tenant's, not one that went quiet.
func TestHostsReportingData(t *testing.T) {
	d := newTSDB(t)
	now := time.Now()
	d.sample("acme", "web-1", "web", now.Add(-30*time.Second))
	d.sample("acme", "web-2", "web", now.Add(-10*time.Second))
	d.sample("acme", "web-3", "web", now.Add(-10*time.Minute)) // quiet
	d.sample("acme", "db-1", "db", now.Add(-10*time.Second))
	d.sample("beta", "web-9", "web", now.Add(-10*time.Second))
	hosts := HostsIn(d.ms.ForTenant)
	n, err := hosts(context.Background(), "acme", `role="web"`, now.Add(-2*time.Minute))
	if err != nil || n != 2 {
		t.Errorf("acme's web hosts reporting: %d %v, want 2", n, err)
	}
	if _, err := hosts(context.Background(), "acme", `role=web`, now); err == nil {
		t.Error("a bad selector is not an error")
	}
}

// TestStepVerifiesOnlyWhenTheHostsReport: a group whose hosts are
// monitored is verified once its platform runs the count and that many
// hosts report data, not before; short of them at the deadline, the step
// is unverified naming the hosts seen.
func TestStepVerifiesOnlyWhenTheHostsReport(t *testing.T) {
	fx := newFixture(t)
	d := newTSDB(t)
	f := newFleet(t)
	var g Group
	fx.must(t, 201, "POST", "/api/v1/tenants/acme/capacity/groups", admin, map[string]any{"name": "web", "service_id": fx.svc["acme"],
		"kind": "command", "config": map[string]any{"argv": []string{f.path}}, "min": 1, "max": 9, "host_selector": `role="web"`, "verify_within": "5m"}, &g)
	fx.agreed(t, "acme", &g, flat(3), "")
	sc := fx.scheduler()
	sc.hosts = func(ctx context.Context, tenant, selector string, _ time.Time) (int, error) {
		return HostsIn(d.ms.ForTenant)(ctx, tenant, selector, time.Now().Add(-2*time.Minute)) // the TSDB's clock is the real one
	}
	d.sample("acme", "web-1", "web", time.Now())
	d.sample("acme", "web-2", "web", time.Now())
	tick(t, sc)
	st := fx.steps(t, &g)
	if len(st) != 1 || st[0].State != StepApplied || st[0].Hosts == nil || *st[0].Hosts != 2 {
		t.Fatalf("with 2 of 3 hosts reporting: %+v", st[0])
	}
	d.sample("acme", "web-3", "web", time.Now())
	fx.clock.add(time.Minute)
	tick(t, sc)
	if st = fx.steps(t, &g); st[0].State != StepVerified || *st[0].Hosts != 3 {
		t.Fatalf("with 3 hosts reporting: %+v", st[0])
	}

	// The next step (a hold at 5) sees only 3 hosts until its deadline.
	fx.must(t, 201, "POST", fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d/hold", g.ID), ":read,write",
		map[string]any{"count": 5, "until": fx.clock.now().Add(time.Hour), "reason": "launch"}, nil)
	tick(t, sc)
	fx.clock.add(5*time.Minute + time.Second)
	tick(t, sc)
	st = fx.steps(t, &g)
	if last := st[len(st)-1]; last.State != StepUnverified || last.Error != "3 hosts report data, not 5, after 5m0s" {
		t.Errorf("the step short of hosts: %+v", last)
	}
}
