package alert

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/unyo-ops/unyo/internal/monitoring"
)

// BenchmarkObserve is the cost the remote-write path pays per series with
// the engine's observer set: 200 hosts of acme watched by one single-series
// item each, and a request of 2,000 series of which 1 in 10 is watched.
func BenchmarkObserve(b *testing.B) {
	e := New(nil, nil, nil, nil, Options{}, nil)
	rules := map[string]*rule{}
	for h := range 200 {
		host := fmt.Sprintf("web-%03d", h)
		res := newTestResource()
		res.ID, res.Name = int64(h+1), host
		it := monitoring.ResolvedItem{Item: monitoring.Item{ID: 1, Name: "load", Kind: monitoring.KindMetric,
			Metric:    &monitoring.Metric{Series: "node_load5"},
			Threshold: &monitoring.Threshold{Op: ">", Critical: ptr(1e9)}}, Resource: host,
			Query: fmt.Sprintf(`node_load5{host=%q}`, host)}
		r := newRule("acme", res, it, 15*time.Second)
		rules[r.key] = r
	}
	e.index.Store(buildIndex(rules))
	names := []string{"node_load5", "node_cpu_seconds_total", "node_memory_MemAvailable_bytes", "node_filesystem_avail_bytes",
		"node_network_receive_bytes_total", "node_disk_read_bytes_total", "node_load1", "node_load15", "node_boot_time_seconds", "node_procs_running"}
	series := make([]labels.Labels, 2000)
	for i := range series {
		series[i] = labels.FromStrings("__name__", names[i%len(names)], "host", fmt.Sprintf("web-%03d", i/10), "tenant", "acme")
	}
	go func() { // the engine's consumer, so the queue never fills
		for range e.observed {
		}
	}()
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range series {
			e.Observe("acme", s, 0, 0.5)
		}
	}
	b.ReportMetric(float64(len(series))*float64(b.N)/b.Elapsed().Seconds(), "series/s")
}
