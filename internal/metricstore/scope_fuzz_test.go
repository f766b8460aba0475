package metricstore

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
)

var fuzzStart = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// fill appends ten minutes of samples for tenant's series.
func fill(t testing.TB, s *Store, tenant string, names []string, base float64) {
	app := s.AppenderV2(context.Background())
	for i, name := range names {
		for _, host := range []string{"h1", "h2"} {
			lset := labels.FromStrings("__name__", name, "host", host, TenantLabel, tenant, "job", "node")
			for k := 0; k < 40; k++ {
				ts := fuzzStart.Add(time.Duration(k) * 15 * time.Second).UnixMilli()
				if _, err := app.Append(0, lset, 0, ts, base+float64(i*100+k), nil, nil, storage.AOptions{}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
}

func openTest(t testing.TB) *Store {
	s, err := Open(t.TempDir(), Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// FuzzScopedQuery: whatever the query text, tenant a's scoped view of a store
// shared with tenant b answers exactly what a store holding only a's data
// answers. If any query could read b's series, the two would differ.
func FuzzScopedQuery(f *testing.F) {
	for _, q := range []string{
		`up`, `{__name__=~".+"}`, `{tenant="b"}`, `{tenant!="a"}`, `{tenant=~"a|b"}`, `count({__name__!=""})`,
		`sum by (tenant) ({job="node"})`, `b_only`, `absent(b_only)`, `shared * on(host) group_left b_only`,
		`label_replace(shared, "tenant", "b", "", "")`, `count_values("v", shared)`, `shared or on() vector(1)`,
		`sum(rate(shared[5m])) by (host)`, `topk(3, {__name__=~"shared|b_only"})`, `shared offset -5m`,
		`max_over_time({tenant="b"}[10m])`, `{__name__="shared",tenant=""}`, `count by (__name__) ({host=~"h.*"})`,
	} {
		f.Add(q)
	}
	shared, only := openTest(f), openTest(f)
	fill(f, shared, "a", []string{"shared", "a_only"}, 0)
	fill(f, shared, "b", []string{"shared", "b_only"}, 10000)
	fill(f, only, "a", []string{"shared", "a_only"}, 0)
	engine := promql.NewEngine(promql.EngineOpts{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxSamples: 1e6, Timeout: 10 * time.Second,
		LookbackDelta: 5 * time.Minute, EnableAtModifier: true, EnableNegativeOffset: true,
	})
	scoped := shared.ForTenant("a")
	at := fuzzStart.Add(8 * time.Minute)

	f.Fuzz(func(t *testing.T, q string) {
		if _, err := parser.NewParser(parser.Options{}).ParseExpr(q); err != nil {
			return
		}
		got, want := eval(engine, scoped, q, at), eval(engine, only.Queryable(), q, at)
		if got != want {
			t.Fatalf("query %q differs between the scoped view and a-only data:\nscoped: %s\na-only: %s", q, got, want)
		}
	})
}

func eval(engine *promql.Engine, q storage.Queryable, qs string, at time.Time) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	qry, err := engine.NewInstantQuery(ctx, q, nil, qs, at)
	if err != nil {
		return "error: " + err.Error()
	}
	defer qry.Close()
	res := qry.Exec(ctx)
	if res.Err != nil {
		return "error: " + res.Err.Error()
	}
	lines := strings.Split(res.Value.String(), "\n")
	sort.Strings(lines)
	return fmt.Sprint(res.Value.Type(), lines)
}

func TestScopedLabelQueries(t *testing.T) {
	s := openTest(t)
	fill(t, s, "a", []string{"shared", "a_only"}, 0)
	fill(t, s, "b", []string{"shared", "b_only"}, 10000)
	q, err := s.ForTenant("a").Querier(0, fuzzStart.Add(time.Hour).UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	names, _, err := q.LabelValues(context.Background(), "__name__", nil)
	if err != nil || strings.Join(names, ",") != "a_only,shared" {
		t.Fatalf("metric names seen by a = %v, %v; want a_only,shared", names, err)
	}
	tenants, _, _ := q.LabelValues(context.Background(), TenantLabel, nil, labels.MustNewMatcher(labels.MatchRegexp, TenantLabel, ".*"))
	if strings.Join(tenants, ",") != "a" {
		t.Fatalf("tenants seen by a = %v, want only a", tenants)
	}
}
