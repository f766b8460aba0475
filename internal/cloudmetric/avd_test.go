package cloudmetric_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
	"github.com/unyo-ops/unyo/internal/cloudmetric"
)

// officePool is a host pool of five session hosts, the limit ten
// sessions a host: three Available (one draining), one Unavailable whose
// update failed, one Shut down.
func officePool(id string) cloudtest.AVDHostPool {
	return cloudtest.AVDHostPool{ID: id, MaxSessionLimit: 10, Hosts: []cloudtest.AVDSessionHost{
		{Name: "avd-0.contoso.local", Status: "Available", Sessions: 7, AllowNewSession: true, UpdateState: "Succeeded"},
		{Name: "avd-1.contoso.local", Status: "Available", Sessions: 4, AllowNewSession: false, UpdateState: "Succeeded"},
		{Name: "avd-2.contoso.local", Status: "Unavailable", Sessions: 0, AllowNewSession: true, UpdateState: "Failed"},
		{Name: "avd-3.contoso.local", Status: "Available", Sessions: 9, AllowNewSession: true, UpdateState: "Succeeded"},
		{Name: "avd-4.contoso.local", Status: "Shutdown", Sessions: 0, AllowNewSession: true, UpdateState: "Succeeded"},
	}}
}

// avdSeries are the host pool series, in the order checkAVD takes values.
var avdSeries = []string{
	"azure_avd_host_pool_session_hosts_total",
	"azure_avd_host_pool_session_hosts_available",
	"azure_avd_host_pool_session_hosts_accepting",
	"azure_avd_host_pool_session_hosts_update_failed",
	"azure_avd_host_pool_sessions",
	"azure_avd_host_pool_session_capacity",
}

// checkAVD checks that every host pool series of host holds exactly the
// points of want, one map per series in avdSeries' order.
func (e *env) checkAVD(t *testing.T, tenant, host string, want map[string][]point) {
	t.Helper()
	for _, s := range avdSeries {
		samePoints(t, s, e.stored(tenant, s)["host="+host], want[s])
	}
}

// avdPoints is, for each series, its points: values[i] at times[i].
func avdPoints(times []time.Time, values ...[6]float64) map[string][]point {
	out := map[string][]point{}
	for i, v := range values {
		for j, s := range avdSeries {
			out[s] = append(out[s], point{times[i], v[j]})
		}
	}
	return out
}

// TestAVDSessionHostsExact: a discovered AVD host pool is read from
// Resource Manager (the host pool, then its sessionHosts list through
// every nextLink page) once a pull, never from Azure Monitor; its series
// hold the exact counts of the hosts' state at each pull, stamped at the
// start of the last whole minute (no ingestion delay), once each, and
// the calls are counted in the self metrics.
func TestAVDSessionHostsExact(t *testing.T) {
	e := newEnv(t, false)
	e.avd.PageSize = 2
	acc := e.azureAccount("acme")
	id := e.azureResource("acme", acc, "hp-office", "avd_host_pool", "japaneast", nil)
	pool := officePool(id)
	e.avd.Set(pool)
	reg := prometheus.NewRegistry()
	p := e.poller(true, func(o *cloudmetric.Options) { o.Metrics = cloudmetric.NewMetrics(reg) })
	e.cycle(p) // 10:00:30
	t0 := e.clock.Now().Truncate(time.Minute).Add(-time.Minute)
	// total, available, accepting, update failed, sessions, capacity (10 × accepting)
	first := [6]float64{5, 3, 2, 1, 20, 20}
	e.checkAVD(t, "acme", "hp-office", avdPoints([]time.Time{t0}, first))
	calls := e.avd.Calls()
	wantCalls := []string{"hostPool " + id, "sessionHosts " + id + " 0", "sessionHosts " + id + " 2", "sessionHosts " + id + " 4"}
	if !slices.Equal(calls, wantCalls) {
		t.Fatalf("calls %q, want %q", calls, wantCalls)
	}
	if mc := e.monitor.Calls(); len(mc) != 0 {
		t.Fatalf("Azure Monitor asked for a host pool: %+v", mc)
	}

	// avd-2 comes back with two sessions and its update done, avd-1 leaves drain mode.
	pool.Hosts[2] = cloudtest.AVDSessionHost{Name: "avd-2.contoso.local", Status: "Available", Sessions: 2, AllowNewSession: true, UpdateState: "Succeeded"}
	pool.Hosts[1].AllowNewSession = true
	e.avd.Set(pool)
	e.clock.Advance(time.Minute)
	e.cycle(p)
	e.cycle(p) // the same minute again: nothing new to ask for
	second := [6]float64{5, 4, 4, 0, 22, 40}
	e.checkAVD(t, "acme", "hp-office", avdPoints([]time.Time{t0, t0.Add(time.Minute)}, first, second))
	if n := len(e.avd.Calls()); n != 8 {
		t.Fatalf("%d calls after two pulls, want 8", n)
	}
	if d := e.duplicates(); len(d) > 0 {
		t.Fatalf("written twice: %v", d)
	}
	for _, c := range []struct {
		name string
		want float64
		op   string
	}{
		{"unyo_cloud_metrics_api_calls_total", 2, "hostPool"},
		{"unyo_cloud_metrics_api_calls_total", 6, "sessionHosts"},
		{"unyo_cloud_metrics_requested_total", 12, ""}, // 6 series a pull
		{"unyo_cloud_metrics_samples_total", 12, ""},
	} {
		if got := counter(t, reg, c.name, acc, c.op); got != c.want {
			t.Errorf("%s{operation=%q} = %v, want %v", c.name, c.op, got, c.want)
		}
	}
}

// TestAVDThrottleAndMissingPool: a 429 with Retry-After: 120 on the host
// pool read stops the account's pulls for two minutes (no call reaches
// Azure), then the next pull writes the state of that minute; a host
// pool Azure no longer knows (404) leaves the other pool's series whole.
func TestAVDThrottleAndMissingPool(t *testing.T) {
	e := newEnv(t, false)
	acc := e.azureAccount("acme")
	id := e.azureResource("acme", acc, "hp-office", "avd_host_pool", "japaneast", nil)
	e.azureResource("acme", acc, "hp-deleted", "avd_host_pool", "japaneast", nil) // not in the fake
	e.avd.Set(officePool(id))
	reg := prometheus.NewRegistry()
	p := e.poller(true, func(o *cloudmetric.Options) { o.Metrics = cloudmetric.NewMetrics(reg) })
	e.cycle(p)
	t0 := e.clock.Now().Truncate(time.Minute).Add(-time.Minute)
	v := [6]float64{5, 3, 2, 1, 20, 20}
	e.checkAVD(t, "acme", "hp-office", avdPoints([]time.Time{t0}, v))
	if got := e.stored("acme", "azure_avd_host_pool_sessions")["host=hp-deleted"]; len(got) != 0 {
		t.Fatalf("points for a pool Azure does not know: %v", got)
	}
	if got := counter(t, reg, "unyo_cloud_metrics_errors_total", acc, ""); got != 1 {
		t.Fatalf("errors %v, want 1 (the missing pool)", got)
	}

	e.avd.Throttle(1, 120*time.Second)
	e.clock.Advance(time.Minute)
	e.cycle(p) // throttled
	before := len(e.avd.Calls())
	e.clock.Advance(time.Minute)
	e.cycle(p) // backing off
	if n := len(e.avd.Calls()); n != before {
		t.Fatalf("%d calls while backing off", n-before)
	}
	e.clock.Advance(time.Minute)
	e.cycle(p)
	e.checkAVD(t, "acme", "hp-office", avdPoints([]time.Time{t0, t0.Add(3 * time.Minute)}, v, v))
	if got := counter(t, reg, "unyo_cloud_metrics_throttles_total", acc, ""); got != 1 {
		t.Fatalf("throttles %v, want 1", got)
	}
}

// counter reads a self metric of acme's Azure account acc (with the
// operation label op when not "").
func counter(t *testing.T, reg *prometheus.Registry, name string, acc int64, op string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"tenant": "acme", "account": fmt.Sprint(acc), "provider": "azure"}
	if op != "" {
		want["operation"] = op
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if w, ok := want[l.GetName()]; ok && w != l.GetValue() {
					continue next
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}
