package exporter_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/backup/backuptest"
	"github.com/unyo-ops/unyo/internal/backup/exporter"
	"github.com/unyo-ops/unyo/internal/backup/poller"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/metricstore"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestExporterMetricIsTheLastGoodPoint: a policy whose selector names an
// exporter's last-success timestamp gets one good job per value, with that
// recovery point, from its own tenant's series only; a wildcard name takes
// every such metric; reading the same value again stores nothing; and the
// compliance status takes the value as the last good point.
func TestExporterMetricIsTheLastGoodPoint(t *testing.T) {
	ms, err := metricstore.Open(t.TempDir(), metricstore.Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ms.Close()
	now := time.Now().UTC().Truncate(time.Second)
	put := func(tenant, name, job string, v time.Time) {
		t.Helper()
		app := ms.AppenderV2(context.Background())
		lset := labels.FromStrings("__name__", name, "job", job, "host", "backup01", metricstore.TenantLabel, tenant)
		if _, err := app.Append(0, lset, 0, time.Now().UnixMilli(), float64(v.Unix()), nil, nil, storage.AOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := app.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	put("acme", "bacula_last_success_timestamp_seconds", "shop", now.Add(-2*time.Hour))
	put("acme", "restic_last_success_timestamp_seconds", "web", now.Add(-3*time.Hour))
	put("beta", "bacula_last_success_timestamp_seconds", "shop", now.Add(-time.Hour))

	env := backuptest.New(t)
	shop := env.Policy(t, "acme", backup.MethodOther, &backup.Source{Kind: backup.SourceMetric, Selector: `bacula_last_success_timestamp_seconds{job="shop"}`})
	any := env.Policy(t, "acme", backup.MethodOther, &backup.Source{Kind: backup.SourceMetric, Selector: `*_last_success_timestamp_seconds`})
	p := poller.New(env.Store, nil, map[backup.SourceKind]poller.Fetcher{backup.SourceMetric: exporter.New(ms.ForTenant)},
		poller.Options{Registerer: prometheus.NewRegistry()}, nil)
	p.Round(context.Background())
	p.Round(context.Background())

	jobs := env.Jobs(t, "acme", shop.ID)
	if len(jobs) != 1 || jobs[0].Status != backup.StatusOK || !jobs[0].RecoveryPoint.Equal(now.Add(-2*time.Hour)) || jobs[0].Source != "metric" {
		t.Fatalf("shop jobs %+v: want one good job at the metric's time, from beta nothing", jobs)
	}
	if n := len(env.Jobs(t, "acme", any.ID)); n != 2 {
		t.Errorf("wildcard policy: %d jobs, want one per matching series of acme (2)", n)
	}

	put("acme", "bacula_last_success_timestamp_seconds", "shop", now.Add(-10*time.Minute))
	p.Round(context.Background())
	if n := len(env.Jobs(t, "acme", shop.ID)); n != 2 {
		t.Errorf("after a new value: %d jobs, want 2", n)
	}
	st, err := env.Store.Status(context.Background(), shop, now)
	if err != nil {
		t.Fatal(err)
	}
	if st.LastGoodPoint == nil || !st.LastGoodPoint.Equal(now.Add(-10*time.Minute)) {
		t.Errorf("status last good point %v, want the metric's newest value %v", st.LastGoodPoint, now.Add(-10*time.Minute))
	}
}

// TestResultRefusesImplausibleValues: values that are not a recent unix
// time are not recovery points.
func TestResultRefusesImplausibleValues(t *testing.T) {
	now := time.Now()
	lset := labels.FromStrings("__name__", "x_last_success_timestamp_seconds")
	for _, v := range []float64{0, -1, 12345, float64(now.Add(time.Hour).Unix())} {
		if j, ok := exporter.Result(lset, v, now); ok {
			t.Errorf("value %v gave job %+v", v, j)
		}
	}
	if _, ok := exporter.Result(lset, float64(now.Add(-time.Minute).Unix()), now); !ok {
		t.Error("a minute-old timestamp refused")
	}
}
