package limits_test

import (
	"testing"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/unyo-ops/unyo/internal/limits"
)

// BenchmarkSeriesCallbacks is what counting and limiting adds to the head's
// creation of one series: PreCreation (the limit) and PostCreation (the count).
func BenchmarkSeriesCallbacks(b *testing.B) {
	e := limits.New(limits.Limits{MaxSeries: 1 << 62}, nil, nil)
	e.Enforce()
	lset := labels.FromStrings("__name__", "node_cpu_seconds_total", "cpu", "3", "instance", "host-17:9100",
		"job", "node", "mode", "user", "tenant", "acme")
	b.ReportAllocs()
	for b.Loop() {
		if err := e.PreCreation(lset); err != nil {
			b.Fatal(err)
		}
		e.PostCreation(lset)
	}
}
