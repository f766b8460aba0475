package remotewrite

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
)

func TestObserverSeesCommittedLastSamples(t *testing.T) {
	h, _ := newTestHandler(t, DefaultLimits)
	type seen struct {
		tenant, lset string
		t            int64
		v            float64
	}
	var got []seen
	h.SetObserver(func(tenant string, lset labels.Labels, t int64, v float64) {
		got = append(got, seen{tenant, lset.String(), t, v})
	})
	two := ts(1000, 1, "__name__", "node_load5", "host", "web-01", "tenant", "beta")
	two.Samples = append(two.Samples, prompb.Sample{Timestamp: 2000, Value: 7.5})
	if w := post(h, "acme", ingest, encode(two)); w.Code != 204 {
		t.Fatalf("write = %d %s", w.Code, w.Body)
	}
	want := seen{"acme", `{__name__="node_load5", exported_tenant="beta", host="web-01", tenant="acme"}`, 2000, 7.5}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("observed %+v, want [%+v]", got, want)
	}
	// A refused request appends nothing, and nothing is observed.
	got = nil
	if w := post(h, "acme", ingest, encode(ts(3000, 1, "host", "no-name"))); w.Code != 400 {
		t.Fatalf("write without a name = %d", w.Code)
	}
	if len(got) != 0 {
		t.Fatalf("observed %+v from a refused request", got)
	}
}

// BenchmarkHandlerObserved is BenchmarkHandler with an observer that looks
// each series' metric name up, as the alert engine's does: the cost of
// evaluating thresholds as samples arrive, to compare with BenchmarkHandler.
func BenchmarkHandlerObserved(b *testing.B) {
	const seriesPerReq, requests = 2000, 25
	h, _ := newTestHandler(b, DefaultLimits)
	watched := map[string]bool{"node_load5": true}
	var hits int
	h.SetObserver(func(_ string, lset labels.Labels, _ int64, _ float64) {
		if watched[lset.Get(labels.MetricName)] {
			hits++
		}
	})
	t0 := time.Now().Add(-time.Hour).UnixMilli()
	round := func(n int) [][]byte {
		out := make([][]byte, requests)
		for r := range out {
			ss := make([]prompb.TimeSeries, seriesPerReq)
			for i := range ss {
				ss[i] = ts(t0+int64(n)*15000, float64(n*i), "__name__", "node_cpu_seconds_total", "cpu", fmt.Sprint(i%16),
					"mode", "user", "instance", fmt.Sprintf("host-%d:9100", (r*seriesPerReq+i)/16), "job", "node", "env", "prod")
			}
			out[r] = encode(ss...)
		}
		return out
	}
	for _, body := range round(0) {
		post(h, "acme", ingest, body)
	}
	var bodies [][]byte
	for n := 1; len(bodies) < b.N; n++ {
		bodies = append(bodies, round(n)...)
	}
	b.ResetTimer()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if w := post(h, "acme", ingest, bodies[i]); w.Code != 204 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(b.N*seriesPerReq)/b.Elapsed().Seconds(), "samples/s")
}
