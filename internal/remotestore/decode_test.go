package remotestore

import (
	"log/slog"
	"math"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
)

func decodeStore(t testing.TB) *querier {
	s, err := New(Options{WriteURL: "http://127.0.0.1:1/api/v1/write", QueryURL: "http://127.0.0.1:1", Mode: ExtraLabel},
		slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	q, _ := (&queryable{s: s, tenant: "a"}).Querier(0, 1000)
	return q.(*querier)
}

// TestDecodeExportDropsForeignSeries: whatever the store answers, a series
// outside the tenant or the matchers never reaches the engine; the blocks of
// one series are merged in time order; null is a staleness marker.
func TestDecodeExportDropsForeignSeries(t *testing.T) {
	q := decodeStore(t)
	body := `{"metric":{"__name__":"cpu","tenant":"a"},"values":[2,null],"timestamps":[20,30]}
{"metric":{"__name__":"cpu","tenant":"b"},"values":[100],"timestamps":[10]}
{"metric":{"__name__":"cpu","tenant":"a"},"values":[1,"Infinity",5],"timestamps":[10,25,5000]}
{"metric":{"__name__":"mem","tenant":"a"},"values":[9],"timestamps":[10]}
`
	ms := q.matchers([]*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, "__name__", "cpu")})
	series, err := q.decodeExport(strings.NewReader(body), ms, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 1 || series[0].Labels().Get("tenant") != "a" || series[0].Labels().Get("__name__") != "cpu" {
		t.Fatalf("series = %v; want only cpu of tenant a", series)
	}
	it := series[0].Iterator(nil)
	var ts []int64
	var vs []float64
	for it.Next() != 0 {
		t, v := it.At()
		ts, vs = append(ts, t), append(vs, v)
	}
	if len(ts) != 4 || ts[0] != 10 || ts[1] != 20 || ts[2] != 25 || ts[3] != 30 {
		t.Fatalf("timestamps = %v; want [10 20 25 30] (5000 is past maxt)", ts)
	}
	if vs[0] != 1 || vs[1] != 2 || !math.IsInf(vs[2], 1) || !value.IsStaleNaN(vs[3]) {
		t.Errorf("values = %v; want 1, 2, +Inf, stale", vs)
	}
	if counter(q.s.metrics.foreign) != 2 {
		t.Errorf("foreign series counted = %v; want 2 (tenant b's cpu, a's mem)", counter(q.s.metrics.foreign))
	}
	if _, err := q.decodeExport(strings.NewReader(`{"metric":{},"values":[1],"timestamps":[]}`), ms, 0, 1000); err == nil {
		t.Error("values and timestamps of different lengths were accepted")
	}
}

// FuzzDecodeExport: an export answer, however malformed, is an error or
// series of the tenant only, never a panic.
func FuzzDecodeExport(f *testing.F) {
	f.Add(`{"metric":{"__name__":"cpu","tenant":"a"},"values":[1,null,"NaN"],"timestamps":[1,2,3]}`)
	f.Add(`{"metric":{"tenant":"b"},"values":[1],"timestamps":[1]}` + "\n" + `{}`)
	f.Fuzz(func(t *testing.T, body string) {
		q := decodeStore(t)
		series, err := q.decodeExport(strings.NewReader(body), q.matchers(nil), math.MinInt64, math.MaxInt64)
		if err != nil {
			return
		}
		for _, s := range series {
			if s.Labels().Get("tenant") != "a" {
				t.Fatalf("series of another tenant decoded: %v", s.Labels())
			}
		}
	})
}
