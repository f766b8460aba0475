package remotestore

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"

	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/remotewrite"
)

// writeBody is a snappy remote-write request of one sample at ts for each
// metric name.
func writeBody(t *testing.T, ts int64, names ...string) []byte {
	t.Helper()
	req := &prompb.WriteRequest{}
	for _, n := range names {
		req.Timeseries = append(req.Timeseries, prompb.TimeSeries{
			Labels:  []prompb.Label{{Name: "__name__", Value: n}, {Name: "host", Value: "h1"}},
			Samples: []prompb.Sample{{Timestamp: ts, Value: 1}},
		})
	}
	raw, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return snappy.Encode(nil, raw)
}

// TestMaxSeriesWithRemoteStore: with samples forwarded to VictoriaMetrics,
// a tenant at its max_series has its new series refused by the real
// remote-write receiver (400 naming max_series, the rest of the request
// stored), the refused series never reaches the store, and its known series
// go on being written.
func TestMaxSeriesWithRemoteStore(t *testing.T) {
	root := startVM(t)
	e := limits.New(limits.Limits{MaxSeries: 2}, nil, nil)
	e.Enforce()
	s, err := New(Options{WriteURL: root + "/api/v1/write", QueryURL: root, Mode: ExtraLabel,
		Series: limits.NewTracker(e, time.Hour)}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	h := remotewrite.NewHandler(s, remotewrite.DefaultLimits, slog.New(slog.DiscardHandler), nil)

	now := time.Now().Truncate(time.Second)
	err = h.Ingest(context.Background(), "acme", writeBody(t, now.Add(-time.Minute).UnixMilli(), "m_0", "m_1", "m_2"))
	if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "max_series") {
		t.Fatalf("3 series at max_series 2 = %v; want 400 naming max_series", err)
	}
	if err := h.Ingest(context.Background(), "acme", writeBody(t, now.UnixMilli(), "m_0", "m_1")); err != nil {
		t.Fatalf("the 2 admitted series written again: %v", err)
	}
	if err := h.Ingest(context.Background(), "other", writeBody(t, now.UnixMilli(), "m_0", "m_1")); err != nil {
		t.Fatalf("another tenant's series: %v", err)
	}
	if n := e.ActiveSeries("acme"); n != 2 {
		t.Errorf("acme's active series = %d; want 2", n)
	}

	q, err := s.ForTenant("acme").Querier(now.Add(-time.Hour).UnixMilli(), now.UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	await(t, "acme's two series, each with both samples, in VictoriaMetrics", 20*time.Second, func() bool {
		flushVM(t, root)
		got = got[:0]
		set := q.Select(context.Background(), true, nil, labels.MustNewMatcher(labels.MatchRegexp, "__name__", ".+"))
		for set.Next() {
			ts, _ := samplesOf(set.At())
			got = append(got, fmt.Sprintf("%s:%d", set.At().Labels().Get("__name__"), len(ts)))
		}
		return strings.Join(got, " ") == "m_0:2 m_1:2"
	})
}
