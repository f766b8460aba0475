package remotestore

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"
)

// seed writes two tenants' series through the store's own write path and
// waits until the store answers them (flush makes what it took searchable).
func seed(t *testing.T, s *Store, now time.Time, flush func()) {
	t.Helper()
	app := s.AppenderV2(context.Background())
	for i := range 5 {
		ts := now.Add(-time.Duration(4-i) * 30 * time.Second).UnixMilli()
		for _, smp := range []struct {
			lset labels.Labels
			v    float64
		}{
			{labels.FromStrings("__name__", "cpu", "host", "h1", "tenant", "a"), 1},
			{labels.FromStrings("__name__", "cpu", "host", "h1", "tenant", "b"), 100},
			{labels.FromStrings("__name__", "secret", "host", "h9", "tenant", "b"), 42},
		} {
			if _, err := app.Append(0, smp.lset, 0, ts, smp.v, nil, nil, storage.AOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	// Each tenant's series must be there before isolation means anything.
	raw := &queryable{s: s}
	await(t, "both tenants' series readable in the store", 20*time.Second, func() bool {
		flush()
		for _, tenant := range []string{"a", "b"} {
			raw.tenant = tenant
			q, _ := raw.Querier(now.Add(-time.Hour).UnixMilli(), now.UnixMilli())
			set := q.Select(context.Background(), false, nil, labels.MustNewMatcher(labels.MatchEqual, "__name__", "cpu"))
			if !set.Next() {
				return false
			}
		}
		return true
	})
}

// escapes are PromQL queries written to reach past the tenant's matcher:
// the one table every store and read protocol is run against (escapeMatrix).
var escapes = []string{
	`secret`,
	`{__name__=~".+"}`,
	`{tenant="b"}`,
	`cpu{tenant="b"}`,
	`cpu{tenant=~"a|b"}`,
	`cpu{tenant!="a"}`,
	`cpu or secret`,
	`cpu or on() secret`,
	`cpu + on() group_left secret`,
	`sum by (tenant) ({__name__=~".+"})`,
	`count({__name__=~".+"})`,
	`max_over_time(secret[5m:30s])`,
	`max_over_time({__name__=~".+"}[5m:30s])`,
	`label_replace(cpu, "tenant", "b", "", "")`,
	`label_replace({__name__=~"s.*"}, "tenant", "a", "", "")`,
	`absent(secret)`,
	`absent({tenant="b"})`,
	`{__name__=~"cpu|secret", tenant=""}`,
	`sum(rate({__name__=~".+"}[5m])) by (__name__)`,
}

// empty are the escapes that must answer nothing at all.
var empty = map[string]bool{`secret`: true, `{tenant="b"}`: true, `cpu{tenant="b"}`: true, `cpu{tenant!="a"}`: true,
	`max_over_time(secret[5m:30s])`: true, `{__name__=~"cpu|secret", tenant=""}`: true}

// TestTenantIsolationOnVictoriaMetrics runs the escape matrix as tenant a
// over two tenants' series in one real VictoriaMetrics. orgid-header mode
// against single-node VictoriaMetrics (which ignores the header) proves that
// unyo enforces the tenant itself, with no help from the store.
func TestTenantIsolationOnVictoriaMetrics(t *testing.T) {
	root := startVM(t)
	for _, mode := range []Mode{ExtraLabel, OrgIDHeader} {
		t.Run(string(mode), func(t *testing.T) {
			s := newStore(t, root, mode)
			now := time.Now().Truncate(time.Second)
			if mode == ExtraLabel {
				seed(t, s, now, func() { flushVM(t, root) })
			}
			escapeMatrix(t, s, now)
		})
	}
	// Deleting tenant b takes its series, and only its, out of the store.
	s := newStore(t, root, ExtraLabel)
	if err := s.DeleteTenant(context.Background(), "b"); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for tenant, want := range map[string]bool{"a": true, "b": false} {
		q, _ := s.ForTenant(tenant).Querier(now.Add(-time.Hour).UnixMilli(), now.UnixMilli())
		if got := q.Select(context.Background(), false, nil, labels.MustNewMatcher(labels.MatchEqual, "__name__", "cpu")).Next(); got != want {
			t.Errorf("after deleting tenant b, tenant %s has cpu = %v; want %v", tenant, got, want)
		}
	}
}

// escapeMatrix runs the escape queries as tenant a over the seeded series in
// s's store: no answer may hold tenant b's values (100, 42) or label; each
// tenant still reads its own series, label names and values.
func escapeMatrix(t *testing.T, s *Store, now time.Time) {
	t.Helper()
	ng := promql.NewEngine(promql.EngineOpts{MaxSamples: 1e6, Timeout: 10 * time.Second, LookbackDelta: 5 * time.Minute})
	a := s.ForTenant("a")
	for _, qs := range escapes {
		q, err := ng.NewInstantQuery(context.Background(), a, nil, qs, now)
		if err != nil {
			t.Fatalf("%s: %v", qs, err)
		}
		res := q.Exec(context.Background())
		if res.Err != nil {
			t.Fatalf("%s: %v", qs, res.Err)
		}
		vec, err := res.Vector()
		if err != nil {
			t.Fatalf("%s: %v", qs, err)
		}
		for _, smp := range vec {
			// label_replace and absent may write tenant="b" on tenant a's
			// own data (value 1): only b's values or hosts are a leak.
			if smp.F == 100 || smp.F == 42 || smp.F == 101 || smp.F == 143 || smp.F == 3 || smp.Metric.Get("host") == "h9" {
				t.Errorf("%s as tenant a returned tenant b's data: %v", qs, smp)
			}
		}
		if empty[qs] && len(vec) != 0 {
			t.Errorf("%s as tenant a = %v; want nothing", qs, vec)
		}
		q.Close()
	}
	// Tenant a still sees its own series; b sees its own.
	for tenant, want := range map[string]float64{"a": 1, "b": 100} {
		q, _ := ng.NewInstantQuery(context.Background(), s.ForTenant(tenant), nil, `cpu`, now)
		vec, err := q.Exec(context.Background()).Vector()
		if err != nil || len(vec) != 1 || vec[0].F != want {
			t.Errorf("cpu as tenant %s = %v, %v; want one sample %v", tenant, vec, err, want)
		}
		q.Close()
	}
	q, _ := ng.NewInstantQuery(context.Background(), a, nil, `absent(secret)`, now)
	if vec, _ := q.Exec(context.Background()).Vector(); len(vec) != 1 || math.IsNaN(vec[0].F) {
		t.Errorf("absent(secret) as tenant a = %v; want 1 (a has no secret series)", vec)
	}
	q.Close()

	// Label names and values, as the API's /labels and /label/<n>/values read them.
	lq, err := a.Querier(now.Add(-time.Hour).UnixMilli(), now.UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"__name__": "cpu", "tenant": "a", "host": "h1"} {
		vals, _, err := lq.LabelValues(context.Background(), name, nil)
		if err != nil || len(vals) != 1 || vals[0] != want {
			t.Errorf("label %s values as tenant a = %v, %v; want [%s]", name, vals, err, want)
		}
	}
	vals, _, err := lq.LabelValues(context.Background(), "host", nil, labels.MustNewMatcher(labels.MatchEqual, "tenant", "b"))
	if err != nil || len(vals) != 0 {
		t.Errorf("host values of {tenant=\"b\"} as tenant a = %v, %v; want none", vals, err)
	}
	// The raw querier adds the tenant even without metricstore.Scope.
	raw, _ := (&queryable{s: s, tenant: "a"}).Querier(now.Add(-time.Hour).UnixMilli(), now.UnixMilli())
	if set := raw.Select(context.Background(), false, nil, labels.MustNewMatcher(labels.MatchEqual, "__name__", "secret")); set.Next() {
		t.Errorf("unscoped Select of secret as tenant a found %v", set.At().Labels())
	}
}
