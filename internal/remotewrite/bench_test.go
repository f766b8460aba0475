package remotewrite

import (
	"fmt"
	"testing"

	"github.com/prometheus/prometheus/prompb"
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
