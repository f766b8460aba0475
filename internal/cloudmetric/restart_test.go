package cloudmetric_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/cloudmetric"
	"github.com/unyo-ops/unyo/internal/cloudtype"
	"github.com/unyo-ops/unyo/internal/model"
)

// TestRestartNoDuplicateNoGap records a series over a restart: three
// pulls, the server stopped (TSDB closed) for 20 minutes — longer than
// the first pull's backfill — then a new poller on the same database and
// TSDB. The stored series of an Azure SQL database and of an AWS ALB are
// every minute from the first to the delay's edge, each once, with the
// values the clouds served; the sink never took a point twice.
func TestRestartNoDuplicateNoGap(t *testing.T) {
	e := newEnv(t, false)
	az, aws := e.azureAccount("acme"), e.awsAccount("acme")
	sql := e.azureResource("acme", az, "sqldb-orders", "sql_database", "japaneast", nil)
	arn := e.awsResource("acme", aws, "alb-web", "alb")
	first := e.clock.Now().Add(-cloudmetric.AzureDelay).Truncate(time.Minute).Add(-10 * time.Minute)
	firstAWS := e.clock.Now().Add(-cloudmetric.AWSDelay).Truncate(time.Minute).Add(-10 * time.Minute)

	p := e.poller(true)
	for range 3 {
		e.cycle(p)
		e.clock.Advance(time.Minute)
	}
	e.closeTSDB()
	e.clock.Advance(20 * time.Minute)
	e.openTSDB()
	p = e.poller(true) // a new process: nothing in memory
	e.cycle(p)
	e.clock.Advance(time.Minute)
	e.cycle(p)

	edge := e.clock.Now().Add(-cloudmetric.AzureDelay).Truncate(time.Minute)
	samePoints(t, "azure sql over the restart", e.stored("acme", "azure_sql_database_dtu_consumption_percent")["host=sqldb-orders"],
		want(sql, "dtu_consumption_percent", "", first, edge))
	edgeAWS := e.clock.Now().Add(-cloudmetric.AWSDelay).Truncate(time.Minute)
	samePoints(t, "aws alb over the restart", e.stored("acme", "aws_alb_httpcode_elb_5xx_count")["host=alb-web"],
		want(cloudmetric.DimensionValue("LoadBalancer", arn), "HTTPCode_ELB_5XX_Count", "", firstAWS, edgeAWS))
	if d := e.duplicates(); len(d) > 0 {
		t.Fatalf("written twice: %v", d)
	}
}

// TestTargetsAndTenancy: only resources discovery registered with a known
// type and still listed are pulled; a resource of tenant beta naming
// acme's account reaches nothing (the account is looked up in beta), and
// acme's series stay in acme.
func TestTargetsAndTenancy(t *testing.T) {
	e := newEnv(t, false)
	acc := e.azureAccount("acme")
	e.azureResource("acme", acc, "lb-web", "lb", "japaneast", nil)
	gone := e.azureResource("acme", acc, "lb-old", "lb", "japaneast", nil)
	ctx := context.Background()
	for _, r := range []*model.Resource{
		{TenantID: "acme", Name: "lb-gone", Kind: "load_balancer", Labels: map[string]string{cloudtype.LabelType: "lb", cloudtype.LabelID: gone,
			cloudtype.LabelAccount: itoa(acc), cloudtype.LabelRegion: "japaneast", cloudtype.LabelGone: "2026-12-01T00:00:00Z"}},
		{TenantID: "acme", Name: "unknown-type", Kind: "other", Labels: map[string]string{cloudtype.LabelType: "no_such_type", cloudtype.LabelID: gone,
			cloudtype.LabelAccount: itoa(acc), cloudtype.LabelRegion: "japaneast"}},
		{TenantID: "beta", Name: "lb-stolen", Kind: "load_balancer", Labels: map[string]string{cloudtype.LabelType: "lb", cloudtype.LabelID: gone,
			cloudtype.LabelAccount: itoa(acc), cloudtype.LabelRegion: "japaneast"}},
	} {
		if err := e.objects.CreateResource(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	groups, err := cloudmetric.TargetsIn(e.objects)(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range groups {
		for _, r := range g.Resources {
			names = append(names, g.Tenant+"/"+r.Name)
		}
	}
	if len(names) != 3 || names[0] != "acme/lb-old" || names[1] != "acme/lb-web" || names[2] != "beta/lb-stolen" {
		t.Fatalf("targets = %v", names)
	}
	e.cycle(e.poller(true))
	if got := e.stored("beta", "azure_lb_data_path_availability_percent"); len(got) != 0 {
		t.Fatalf("beta got acme's account's metrics: %v", got)
	}
	if got := e.stored("acme", "azure_lb_data_path_availability_percent"); len(got) != 2 {
		t.Fatalf("acme's series = %v", got)
	}
}

// TestSelfMetrics: the calls, metrics requested, throttles and lag of an
// account are counted per tenant and account.
func TestSelfMetrics(t *testing.T) {
	e := newEnv(t, false)
	acc := e.awsAccount("acme")
	for _, n := range []string{"alb-a", "alb-b", "alb-c"} {
		e.awsResource("acme", acc, n, "alb")
	}
	reg := prometheus.NewRegistry()
	m := cloudmetric.NewMetrics(reg)
	p := e.poller(false, func(o *cloudmetric.Options) { o.Metrics = m })
	e.cycle(p)
	e.cw.Throttle(1)
	e.clock.Advance(time.Minute)
	e.cycle(p)
	l := prometheus.Labels{"tenant": "acme", "account": itoa(acc), "provider": "aws"}
	expect := func(name string, want float64, extra ...string) {
		t.Helper()
		ls := prometheus.Labels{}
		for k, v := range l {
			ls[k] = v
		}
		for i := 0; i+1 < len(extra); i += 2 {
			ls[extra[i]] = extra[i+1]
		}
		got := -1.0
		mfs, _ := reg.Gather()
		for _, mf := range mfs {
			if mf.GetName() != name {
				continue
			}
		next:
			for _, mm := range mf.GetMetric() {
				for _, lp := range mm.GetLabel() {
					if ls[lp.GetName()] != lp.GetValue() {
						continue next
					}
				}
				if mm.Counter != nil {
					got = mm.GetCounter().GetValue()
				} else {
					got = mm.GetGauge().GetValue()
				}
			}
		}
		if got != want {
			t.Errorf("%s%v = %v, want %v", name, ls, got, want)
		}
	}
	expect("unyo_cloud_metrics_api_calls_total", 2, "operation", "GetMetricData") // the throttled call counts
	expect("unyo_cloud_metrics_requested_total", 24)                              // 3 load balancers × 4 unsplit metrics, twice
	expect("unyo_cloud_metrics_api_calls_total", 2, "operation", "ListMetrics")   // the 2 split metrics, listed once
	expect("unyo_cloud_metrics_throttles_total", 1)
	expect("unyo_cloud_metrics_errors_total", 0)
	expect("unyo_cloud_metrics_samples_total", 120)
	expect("unyo_cloud_metrics_lag_seconds", (cloudmetric.AWSDelay + time.Minute + 30*time.Second).Seconds())
}
