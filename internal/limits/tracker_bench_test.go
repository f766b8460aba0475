package limits_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/metricstore"
)

// benchSeries is how many series each memory benchmark holds.
const benchSeries = 100_000

func nodeSeries(i int) labels.Labels {
	return labels.FromStrings("__name__", "node_cpu_seconds_total", "cpu", fmt.Sprint(i%64), "instance",
		fmt.Sprintf("host-%d:9100", i/64), "job", "node", "mode", "user", "tenant", "acme")
}

// heapAfter is the live heap once fill has run, less the heap before it.
func heapAfter(fill func()) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fill()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return float64(after.HeapAlloc) - float64(before.HeapAlloc)
}

// BenchmarkActiveSeriesMemory is what counting max_series costs per series
// with a remote store (the tracker) and with the embedded TSDB (its head,
// which the count rides on), for 100,000 series of 7 labels:
//
//	go test -run '^$' -bench BenchmarkActiveSeriesMemory -benchtime 3x ./internal/limits/
func BenchmarkActiveSeriesMemory(b *testing.B) {
	b.Run("tracker", func(b *testing.B) {
		lsets := make([]labels.Labels, benchSeries)
		for i := range lsets {
			lsets[i] = nodeSeries(i)
		}
		var total float64
		for b.Loop() {
			e := limits.New(limits.Limits{}, nil, nil)
			e.Enforce()
			var tr *limits.Tracker
			total += heapAfter(func() {
				tr = limits.NewTracker(e, time.Hour)
				for _, l := range lsets {
					if err := tr.Admit(l); err != nil {
						b.Fatal(err)
					}
				}
			})
			runtime.KeepAlive(tr)
		}
		b.ReportMetric(total/float64(b.N)/benchSeries, "B/series")
	})
	b.Run("tsdb-head", func(b *testing.B) {
		lsets := make([]labels.Labels, benchSeries)
		for i := range lsets {
			lsets[i] = nodeSeries(i)
		}
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		now := time.Now().UnixMilli()
		var total float64
		for b.Loop() {
			dir := b.TempDir()
			// Opening the TSDB is not the series' cost: measured from after it.
			ms, err := metricstore.Open(dir, metricstore.Options{}, logger, nil)
			if err != nil {
				b.Fatal(err)
			}
			total += heapAfter(func() {
				app := ms.AppenderV2(context.Background())
				for _, l := range lsets {
					if _, err := app.Append(0, l, 0, now, 1, nil, nil, storage.AOptions{}); err != nil {
						b.Fatal(err)
					}
				}
				if err := app.Commit(); err != nil {
					b.Fatal(err)
				}
			})
			ms.Close()
		}
		b.ReportMetric(total/float64(b.N)/benchSeries, "B/series")
	})
}
