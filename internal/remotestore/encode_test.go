package remotestore

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
	"github.com/prometheus/prometheus/storage"
)

// TestAppenderEncodesTheRequestPrompbReads: what the forwarder sends, read
// back with prompb (the reference decoder), is per tenant every series with
// its samples and histograms in the order appended: zero values and
// timestamps, a series appended again after another, two
// tenants in one commit.
func TestAppenderEncodesTheRequestPrompbReads(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]prompb.TimeSeries{}
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		raw, err := snappy.Decode(nil, body)
		var req prompb.WriteRequest
		if err == nil {
			err = req.Unmarshal(raw)
		}
		if err != nil {
			t.Errorf("the store got a body it cannot read: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		got[r.URL.Query().Get("extra_label")] = append(got[r.URL.Query().Get("extra_label")], req.Timeseries...)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer sink.Close()
	s, err := New(Options{WriteURL: sink.URL + "/api/v1/write", QueryURL: sink.URL, Mode: ExtraLabel}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	up := labels.FromStrings("__name__", "up", "job", "node", "tenant", "a")
	cpu := labels.FromStrings("__name__", "cpu", "host", "ホスト-01", "tenant", "a")
	lat := labels.FromStrings("__name__", "latency", "tenant", "b")
	h := &histogram.Histogram{Count: 5, Sum: 12.5, ZeroCount: 1, Schema: 0,
		PositiveSpans: []histogram.Span{{Offset: 0, Length: 2}}, PositiveBuckets: []int64{2, 0}}
	fh := &histogram.FloatHistogram{Count: 3, Sum: 1.5, Schema: 1,
		PositiveSpans: []histogram.Span{{Offset: 1, Length: 1}}, PositiveBuckets: []float64{3}}
	app := s.AppenderV2(context.Background())
	for _, a := range []struct {
		ls labels.Labels
		t  int64
		v  float64
		h  *histogram.Histogram
		fh *histogram.FloatHistogram
	}{
		{ls: up, t: 1000, v: 1}, {ls: up, t: 2000, v: 0}, {ls: up, t: 0, v: math.Float64frombits(0x7ff0000000000002)},
		{ls: cpu, t: -5, v: math.Inf(1)},
		{ls: lat, t: 3000, h: h}, {ls: lat, t: 4000, fh: fh}, {ls: lat, t: 5000, v: 2.5},
		{ls: up, t: 6000, v: 1e-300},
	} {
		if _, err := app.Append(0, a.ls, 0, a.t, a.v, a.h, a.fh, storage.AOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // sends what is queued
		t.Fatal(err)
	}
	want := map[string][]prompb.TimeSeries{
		"tenant=a": {
			{Labels: prompb.FromLabels(up, nil), Samples: []prompb.Sample{{Timestamp: 1000, Value: 1}, {Timestamp: 2000}, {Value: math.Float64frombits(0x7ff0000000000002)}}},
			{Labels: prompb.FromLabels(cpu, nil), Samples: []prompb.Sample{{Timestamp: -5, Value: math.Inf(1)}}},
			{Labels: prompb.FromLabels(up, nil), Samples: []prompb.Sample{{Timestamp: 6000, Value: 1e-300}}},
		},
		"tenant=b": {
			{Labels: prompb.FromLabels(lat, nil), Samples: []prompb.Sample{{Timestamp: 5000, Value: 2.5}},
				Histograms: []prompb.Histogram{prompb.FromIntHistogram(3000, h), prompb.FromFloatHistogram(4000, fh)}},
		},
	}
	for tenant, series := range want {
		w, _ := (&prompb.WriteRequest{Timeseries: series}).Marshal()
		g, _ := (&prompb.WriteRequest{Timeseries: got[tenant]}).Marshal()
		if !bytes.Equal(w, g) {
			t.Errorf("%s: the store read\n%v\nwant\n%v", tenant, got[tenant], series)
		}
	}
	if len(got) != len(want) {
		t.Errorf("the store got requests for %d tenants, want %d", len(got), len(want))
	}
}
