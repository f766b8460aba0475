package remotewrite

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"

	"github.com/unyo-ops/unyo/internal/cputime"
)

// nodeMetrics are node_exporter metric names with the labels that vary per
// series, for requests that look like what a Prometheus scraping hosts sends.
var nodeMetrics = []struct{ name, label string }{
	{"node_cpu_seconds_total", "cpu"},
	{"node_disk_read_bytes_total", "device"},
	{"node_disk_written_bytes_total", "device"},
	{"node_filesystem_avail_bytes", "mountpoint"},
	{"node_filesystem_size_bytes", "mountpoint"},
	{"node_memory_MemAvailable_bytes", "numa_node"},
	{"node_network_receive_bytes_total", "device"},
	{"node_network_transmit_bytes_total", "device"},
	{"node_load1", "core"},
	{"node_systemd_unit_state", "name"},
}

// nodeRequest returns a WriteRequest of n series with the given number of
// samples each, ten sorted labels per series.
func nodeRequest(n, samples int) *prompb.WriteRequest {
	req := &prompb.WriteRequest{Timeseries: make([]prompb.TimeSeries, n)}
	for i := range req.Timeseries {
		m := nodeMetrics[i%len(nodeMetrics)]
		host := i / 500
		ts := &req.Timeseries[i]
		ts.Labels = []prompb.Label{
			{Name: "__name__", Value: m.name},
			{Name: "cluster", Value: fmt.Sprintf("prod-%d", host%4)},
			{Name: "customer", Value: fmt.Sprintf("customer-%03d", host%37)},
			{Name: "datacenter", Value: "tokyo-1"},
			{Name: "env", Value: "production"},
			{Name: "instance", Value: fmt.Sprintf("host-%05d.example.internal:9100", host)},
			{Name: "job", Value: "node"},
			{Name: m.label, Value: fmt.Sprintf("%s%d", m.label, i/len(nodeMetrics)%50)},
			{Name: "os", Value: "linux"},
			{Name: "team", Value: "platform"},
		}
		for j := range samples {
			ts.Samples = append(ts.Samples, prompb.Sample{Value: float64(i*j) + 0.5, Timestamp: 1_760_000_000_000 + int64(j)*15_000})
		}
	}
	return req
}

// benchRequest is the realistic request of the benchmarks: 2,000 series of
// one sample each, as Prometheus sends by default (max_samples_per_send).
func benchRequest(b *testing.B) []byte {
	buf, err := nodeRequest(2000, 1).Marshal()
	if err != nil {
		b.Fatal(err)
	}
	return buf
}

func BenchmarkUnmarshal(b *testing.B) {
	buf := benchRequest(b)
	// Measure the steady state: a Request that has decoded a request before.
	var r Request
	if err := r.Unmarshal(buf); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Unmarshal(buf); err != nil {
			b.Fatal(err)
		}
	}
	reportSamples(b, 2000)
}

// BenchmarkUnmarshalLazy is BenchmarkUnmarshal as the handler decodes:
// the labels' bounds only (Request.lazy).
func BenchmarkUnmarshalLazy(b *testing.B) {
	buf := benchRequest(b)
	r := Request{lazy: true}
	if err := r.unmarshal(buf); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if err := r.unmarshal(buf); err != nil {
			b.Fatal(err)
		}
	}
	reportSamples(b, 2000)
}

func BenchmarkPrompbUnmarshal(b *testing.B) {
	buf := benchRequest(b)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		var req prompb.WriteRequest
		if err := req.Unmarshal(buf); err != nil {
			b.Fatal(err)
		}
	}
	reportSamples(b, 2000)
}

func reportSamples(b *testing.B, perOp int) {
	b.ReportMetric(float64(perOp)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkIngest measures the handler's whole path in steady state into
// the real embedded TSDB (its WAL on disk): snappy decode, validation, the
// series cache, the head's append, the commit's WAL record, and an observer
// as the alert engine's for a tenant with no rules. Every series exists (a
// warm-up round creates them); each op is one request of 2,000 series of
// one sample, rwload's shape, each round a later timestamp and new values.
// The bodies of a round are encoded with the timer stopped.
//
//	go test -tags dedupelabels -run '^$' -bench Ingest -count 6 ./internal/remotewrite/
func BenchmarkIngest(b *testing.B) {
	const perReq = 2000
	series := *ingestSeries
	h, _ := newTestHandler(b, DefaultLimits)
	observed := 0
	h.SetObserver(func(_ string, lset labels.Labels, _ int64, _ float64) {
		if lset.Get(labels.MetricName) != "" {
			observed++
		}
	})
	raws := make([][]byte, 0, series/perReq+1)
	for first := 0; first < series; first += perReq {
		req := nodeRequest(min(perReq, series-first), 1)
		raw, err := req.Marshal()
		if err != nil {
			b.Fatal(err)
		}
		raws = append(raws, raw)
	}
	bodies := make([][]byte, len(raws))
	round, t0 := 0, int64(1_760_000_000_000)
	encodeRound := func() {
		for i, raw := range raws {
			setSamples(b, raw, t0+int64(round)*15_000, round)
			bodies[i] = snappy.Encode(bodies[i][:cap(bodies[i])], raw)
		}
		round++
	}
	send := func(body []byte) {
		if w := post(h, "acme", ingest, body); w.Code != 204 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	encodeRound()
	for _, body := range bodies {
		send(body) // series creation, not measured
	}
	b.ReportAllocs()
	next := len(bodies)
	var cpu, encoding time.Duration // the process's, and that of the rounds' encoding
	for b.Loop() {
		if next == len(bodies) {
			b.StopTimer()
			c0 := cputime.Process()
			encodeRound()
			encoding += cputime.Process() - c0
			next = 0
			b.StartTimer()
		}
		if cpu == 0 {
			cpu = cputime.Process()
		}
		send(bodies[next])
		next++
	}
	cpu = cputime.Process() - cpu - encoding
	reportSamples(b, perReq)
	// CPU time per sample, the TSDB's and the collector's goroutines
	// included: on a shared machine far steadier than the rate.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*perReq), "cpu-ns/sample")
	if observed == 0 {
		b.Fatal("the observer saw nothing")
	}
}

var ingestSeries = flag.Int("ingestseries", 200_000, "BenchmarkIngest's active series")

// setSamples rewrites, in the marshalled WriteRequest raw of one-sample
// series, every sample's timestamp to ts and its value to one for round.
// Each TimeSeries ends with its sample (prompb marshals fields in order),
// whose timestamp varint keeps its length for any ts of these years.
func setSamples(b *testing.B, raw []byte, ts int64, round int) {
	for i, n := 0, 0; i < len(raw); n++ {
		l, next := uvarint(raw, i+1)
		if raw[i] != 0x0a || next < 0 {
			b.Fatalf("not a TimeSeries at byte %d", i)
		}
		end := next + int(l)
		tsAt := end - 6
		if raw[tsAt-1] != 0x10 || raw[tsAt-10] != 0x09 {
			b.Fatalf("series %d does not end with a sample", n)
		}
		binary.LittleEndian.PutUint64(raw[tsAt-9:], math.Float64bits(float64(round)*float64(n%97+1)*1.5))
		for k := range 5 {
			raw[tsAt+k] = byte(ts>>(7*k)) | 0x80
		}
		raw[tsAt+5] = byte(ts >> 35)
		i = end
	}
}

// BenchmarkMatchesRaw measures the confirmation of cache hits alone: the
// 2,000 series of one request of BenchmarkIngest's shape, each against
// the label set the TSDB's head stores for it (found in the cache), from
// their raw label bytes. It reports the nanoseconds per series, and the CPU time per series.
//
//	go test -tags dedupelabels -run '^$' -bench MatchesRaw -count 6 ./internal/remotewrite/
func BenchmarkMatchesRaw(b *testing.B) {
	h, _ := newTestHandler(b, DefaultLimits)
	raw, err := nodeRequest(2000, 1).Marshal()
	if err != nil {
		b.Fatal(err)
	}
	if w := post(h, "acme", ingest, snappy.Encode(nil, raw)); w.Code != 204 {
		b.Fatalf("status %d: %s", w.Code, w.Body)
	}
	wk := &work{req: Request{lazy: true}}
	if err := wk.req.unmarshal(raw); err != nil {
		b.Fatal(err)
	}
	h.lookup("acme", wk)
	for i, l := range wk.lookups {
		if !l.hit {
			b.Fatalf("series %d is not a confirmed hit", i)
		}
	}
	series := wk.req.Series
	cpu := cputime.Process()
	for b.Loop() {
		for i := range wk.lookups {
			if !matchesRaw(wk.lookups[i].e.lset, "acme", series[i].Raw, &wk.confirm) {
				b.Fatalf("series %d not confirmed", i)
			}
		}
	}
	cpu = cputime.Process() - cpu
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(series)), "ns/series")
	// CPU time, which other work on a shared machine disturbs less.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*len(series)), "cpu-ns/series")
}
