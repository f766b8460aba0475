package remotestore

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/unyo-ops/unyo/internal/remotewrite"
)

// forwardRequest is a snappy remote-write body of n series of ten labels,
// one sample each, as Prometheus sends by default.
func forwardRequest(b testing.TB, n int) []byte {
	req := &prompb.WriteRequest{Timeseries: make([]prompb.TimeSeries, n)}
	for i := range req.Timeseries {
		host := i / 500
		req.Timeseries[i] = prompb.TimeSeries{
			Labels: []prompb.Label{
				{Name: "__name__", Value: fmt.Sprintf("node_metric_%d", i%10)},
				{Name: "cluster", Value: fmt.Sprintf("prod-%d", host%4)},
				{Name: "customer", Value: fmt.Sprintf("customer-%03d", host%37)},
				{Name: "datacenter", Value: "tokyo-1"},
				{Name: "env", Value: "production"},
				{Name: "instance", Value: fmt.Sprintf("host-%05d.example.internal:9100", host)},
				{Name: "job", Value: "node"},
				{Name: "device", Value: fmt.Sprintf("dev%d", i/10%50)},
				{Name: "os", Value: "linux"},
				{Name: "team", Value: "platform"},
			},
			Samples: []prompb.Sample{{Value: float64(i) + 0.5, Timestamp: 1_760_000_000_000}},
		}
	}
	raw, err := req.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	return snappy.Encode(nil, raw)
}

// BenchmarkForward is one replica's whole ingest path in front of a remote
// store, in process: the remote-write handler decodes and checks a request
// of 2,000 series, the store's appender re-encodes it for the tenant, and
// the senders post it to a loopback sink that reads and discards the body.
// An op is a request accepted and sent; a full queue is waited out, so the
// senders' cost is in the figure. Profile it with -cpuprofile.
func BenchmarkForward(b *testing.B) {
	var bodies atomic.Int64
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		bodies.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer sink.Close()
	s, err := New(Options{WriteURL: sink.URL + "/api/v1/write", QueryURL: sink.URL, Mode: ExtraLabel, QueueRequests: 16},
		slog.New(slog.DiscardHandler), nil)
	if err != nil {
		b.Fatal(err)
	}
	h := remotewrite.NewHandler(s, remotewrite.DefaultLimits, slog.New(slog.DiscardHandler), nil)
	body := forwardRequest(b, 2000)
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	sent := 0
	for b.Loop() {
		for {
			err := h.Ingest(ctx, "acme", body)
			if err == nil {
				break
			}
			if !strings.Contains(err.Error(), " 429 ") {
				b.Fatal(err)
			}
			for len(s.queue) == cap(s.queue) { // the store is behind: wait for room
				runtime.Gosched()
			}
		}
		sent++
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if int(bodies.Load()) != sent {
		b.Fatalf("the sink got %d requests, want %d", bodies.Load(), sent)
	}
	b.ReportMetric(2000*float64(sent)/b.Elapsed().Seconds(), "samples/s")
}
