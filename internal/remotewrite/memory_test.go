package remotewrite

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"

	"github.com/golang/snappy"
)

// BenchmarkMemoryPerSeries measures the Go heap that active series keep
// after ingest through the handler into the embedded TSDB: 200,000 series
// (-memseries) of the ten labels bench/cmd/rwload sends, each given rounds samples, then
// a GC, and the heap in use above what it was before the first request.
// heap-B/series is what docs/BENCHMARKS.md ("Memory per active series")
// splits by allocation site with -memprofile:
//
//	go test -run '^$' -bench MemoryPerSeries -benchtime 1x ./internal/remotewrite/ -heapprofile $PWD/heap.out
//	go tool pprof -sample_index=inuse_space -top heap.out
//
// (-memprofile would be written after the store is closed.)
func BenchmarkMemoryPerSeries(b *testing.B) {
	const perReq, rounds = 2000, 8
	series := *memSeries
	if *heapProfile != "" {
		runtime.MemProfileRate = 16 << 10 // finer than the default 512 KiB, for the small sites
	}
	for b.Loop() {
		h, ms := newTestHandler(b, DefaultLimits)
		before := heapInUse()
		t0 := int64(1_760_000_000_000)
		for r := range rounds {
			for _, body := range seriesRound(series, perReq, t0+int64(r)*15_000) {
				if w := post(h, "acme", ingest, body); w.Code != 204 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		}
		after := heapInUse()
		if *heapProfile != "" {
			writeHeapProfile(b, *heapProfile)
		}
		b.ReportMetric(float64(after-before)/float64(series), "heap-B/series")
		b.ReportMetric(float64(h.cache.len()), "cached-series")
		runtime.KeepAlive(h)
		runtime.KeepAlive(ms)
	}
}

var memSeries = flag.Int("memseries", 200_000, "BenchmarkMemoryPerSeries's active series")

var heapProfile = flag.String("heapprofile", "", "BenchmarkMemoryPerSeries writes the heap profile of the live series to this file")

func writeHeapProfile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

// seriesRound returns the snappy bodies of one sample at t for each of n
// series, perReq series a request.
func seriesRound(n, perReq int, t int64) [][]byte {
	req := nodeRequest(n, 1)
	for i := range req.Timeseries {
		req.Timeseries[i].Samples[0].Timestamp = t
	}
	var out [][]byte
	for first := 0; first < n; first += perReq {
		sub := *req
		sub.Timeseries = req.Timeseries[first:min(first+perReq, n)]
		raw, err := sub.Marshal()
		if err != nil {
			panic(fmt.Sprint("marshal: ", err))
		}
		out = append(out, snappy.Encode(nil, raw))
	}
	return out
}

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
