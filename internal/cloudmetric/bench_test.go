//go:build unix

package cloudmetric_test

import (
	"context"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
	"github.com/unyo-ops/unyo/internal/cloudmetric"
	"github.com/unyo-ops/unyo/internal/cloudtype"
)

// BenchmarkPollCycle is the load: 1,000 resources × 10 metrics,
// one minute's pull per op against the contract fakes (which run in the
// same process and are part of the CPU measured), points written through
// the remote-write path into the real TSDB. It reports the API calls a
// cycle and the batching ratio: one call per metric would be 10,000.
//
//	go test -run XXX -bench PollCycle -benchmem ./internal/cloudmetric/
func BenchmarkPollCycle(b *testing.B) {
	for _, tc := range []struct {
		name  string
		cloud cloudtype.Provider
		batch bool
	}{{"azure-batch", cloudtype.Azure, true}, {"azure-per-resource", cloudtype.Azure, false}, {"aws", cloudtype.AWS, false}} {
		b.Run(tc.name, func(b *testing.B) {
			e := newEnv(b, false)
			typ := cloudtype.Type{Provider: tc.cloud, Short: "bench", Kind: "network", Namespace: "Microsoft.Network/benchGateways", Dimension: "LoadBalancer"}
			if tc.cloud == cloudtype.AWS {
				typ.Namespace = "AWS/ApplicationELB"
			}
			for i := range 10 {
				agg := "Average"
				typ.Metrics = append(typ.Metrics, cloudtype.Metric{Name: fmt.Sprintf("Metric%d", i), Aggregation: agg, Series: fmt.Sprintf("bench_metric_%d", i)})
			}
			var acc int64
			g := cloudmetric.Group{Tenant: "acme"}
			for i := range 1000 {
				r := &cloudmetric.Resource{Name: fmt.Sprintf("res-%04d", i), Region: "japaneast", Type: typ}
				if tc.cloud == cloudtype.AWS {
					r.Region = "ap-northeast-1"
					r.ID = fmt.Sprintf("arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:loadbalancer/app/res-%04d/50dc6c495c0c9188", i)
				} else {
					r.ID = fmt.Sprintf("/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Network/benchGateways/res-%04d", subID, i)
					e.monitor.Add(cloudtest.AzureResource{ID: r.ID, Namespace: typ.Namespace, Region: r.Region})
				}
				g.Resources = append(g.Resources, r)
			}
			if tc.cloud == cloudtype.AWS {
				acc = e.awsAccount("acme")
			} else {
				acc = e.azureAccount("acme")
			}
			g.Account = acc
			p := e.poller(tc.batch, func(o *cloudmetric.Options) {
				o.Targets = func(context.Context) ([]cloudmetric.Group, error) { return []cloudmetric.Group{g}, nil }
				o.Backfill = time.Minute // the first pull like any other: one point a series
			})
			calls := func() int {
				if tc.cloud == cloudtype.AWS {
					return len(e.cw.Calls())
				}
				return len(e.monitor.Calls())
			}
			e.cycle(p) // the first pull opens the series
			before := calls()
			cpu0 := cpuTime()
			b.ResetTimer()
			for range b.N {
				e.clock.Advance(time.Minute)
				if err := p.Cycle(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/cycle")
			var mem runtime.MemStats
			runtime.ReadMemStats(&mem)
			b.ReportMetric(float64(mem.HeapInuse)/(1<<20), "heap-MiB")
			perCycle := float64(calls()-before) / float64(b.N)
			b.ReportMetric(perCycle, "calls/cycle")
			b.ReportMetric(10000/perCycle, "metrics/call")
			if n := len(e.stored("acme", "bench_metric_0")); n != 1000 {
				b.Fatalf("%d series of bench_metric_0, want 1000", n)
			}
		})
	}
}

// cpuTime is the CPU the process has used, user and system: the poller's
// and the fakes' (they share the process).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
