package remotewrite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"testing/iotest"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/prompb"

	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/metricstore"
)

// newLimitedHandler is a handler over a TSDB that counts and limits each
// tenant's series, with the ingest rate held by lim, as `unyo server` wires it.
func newLimitedHandler(t testing.TB, lim limits.Limits, rw Limits) (*Handler, *metricstore.Store, *limits.Enforcer, *prometheus.Registry) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := prometheus.NewRegistry()
	enf := limits.New(lim, nil, reg)
	ms, err := metricstore.Open(t.TempDir(), metricstore.Options{Series: enf}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	enf.Enforce()
	h := NewHandler(ms, rw, logger, reg)
	h.SetTenantLimits(enf)
	return h, ms, enf, reg
}

// limitBody is the JSON of a refusal.
type limitBody struct{ Error, Limit, Field string }

func decodeBody(t *testing.T, w *httptest.ResponseRecorder) limitBody {
	t.Helper()
	var b limitBody
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
		t.Fatalf("answer %d is not JSON: %s", w.Code, w.Body)
	}
	return b
}

func seriesNamed(now int64, prefix string, from, to int) []prompb.TimeSeries {
	var out []prompb.TimeSeries
	for i := from; i < to; i++ {
		out = append(out, ts(now, float64(i), "__name__", fmt.Sprintf("%s_%d", prefix, i)))
	}
	return out
}

// TestSeriesLimit: a tenant at its max_series gets its new series refused
// with a non-retryable 400 naming the limit, while its existing series, the
// rest of the same request and other tenants go on.
func TestSeriesLimit(t *testing.T) {
	lim := limits.Limits{MaxSeries: 5}
	h, ms, enf, reg := newLimitedHandler(t, lim, DefaultLimits)
	now := time.Now().UnixMilli()
	if w := post(h, "acme", ingest, encode(seriesNamed(now, "m", 0, 5)...)); w.Code != 204 {
		t.Fatalf("the first 5 series: %d %s", w.Code, w.Body)
	}
	// The 5 existing series again, and 3 new ones.
	w := post(h, "acme", ingest, encode(append(seriesNamed(now+1000, "m", 0, 5), seriesNamed(now+1000, "new", 0, 3)...)...))
	b := decodeBody(t, w)
	if w.Code != 400 || b.Limit != "max_series" || w.Header().Get("Retry-After") != "" {
		t.Fatalf("over max_series: %d limit %q Retry-After %q: %s", w.Code, b.Limit, w.Header().Get("Retry-After"), w.Body)
	}
	if w := post(h, "acme", ingest, encode(seriesNamed(now+2000, "m", 0, 5)...)); w.Code != 204 {
		t.Fatalf("existing series at the limit: %d %s", w.Code, w.Body)
	}
	if w := post(h, "globex", ingest, encode(seriesNamed(now, "m", 0, 5)...)); w.Code != 204 {
		t.Fatalf("another tenant: %d %s", w.Code, w.Body)
	}
	got := stored(t, ms)
	for i := range 5 {
		if n := got[fmt.Sprintf(`{__name__="m_%d", tenant="acme"}`, i)]; n != 3 {
			t.Errorf("existing series m_%d has %d samples, want 3", i, n)
		}
	}
	for i := range 3 {
		if _, ok := got[fmt.Sprintf(`{__name__="new_%d", tenant="acme"}`, i)]; ok {
			t.Errorf("new series new_%d was stored over the limit", i)
		}
	}
	if len(got) != 10 {
		t.Errorf("stored %d series, want 5 of acme and 5 of globex: %v", len(got), got)
	}
	if n := enf.ActiveSeries("acme"); n != 5 {
		t.Errorf("acme's active series = %d, want 5", n)
	}
	if n := (refused(t, reg, "acme", "max_series")); n != 3 {
		t.Errorf("refusals counted for acme = %v, want 3", n)
	}
}

// refused returns the refusals counted for tenant and limit.
func refused(t *testing.T, reg *prometheus.Registry, tenant, limit string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "unyo_limits_refused_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			if l["tenant"] == tenant && l["limit"] == limit {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestIngestRateLimit: over its samples per second a tenant gets the
// remote-write spec's retryable answer, 429 with Retry-After, and nothing
// of the refused request is stored; once the bucket refills it passes.
func TestIngestRateLimit(t *testing.T) {
	h, ms, enf, reg := newLimitedHandler(t, limits.Limits{IngestRate: 100, IngestBurst: 200}, DefaultLimits)
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	enf.SetClock(func() time.Time { return clock })
	now := time.Now().UnixMilli()
	if w := post(h, "acme", ingest, encode(seriesNamed(now, "a", 0, 150)...)); w.Code != 204 {
		t.Fatalf("150 of a burst of 200: %d %s", w.Code, w.Body)
	}
	w := post(h, "acme", ingest, encode(seriesNamed(now, "b", 0, 100)...))
	b := decodeBody(t, w)
	if w.Code != 429 || b.Limit != "ingest_rate" || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("100 more at once: %d limit %q Retry-After %q: %s", w.Code, b.Limit, w.Header().Get("Retry-After"), w.Body)
	}
	if w := post(h, "globex", ingest, encode(seriesNamed(now, "b", 0, 100)...)); w.Code != 204 {
		t.Fatalf("another tenant: %d %s", w.Code, w.Body)
	}
	clock = clock.Add(500 * time.Millisecond) // 50 left + 50 refilled
	if w := post(h, "acme", ingest, encode(seriesNamed(now, "b", 0, 100)...)); w.Code != 204 {
		t.Fatalf("after the wait: %d %s", w.Code, w.Body)
	}
	if w := post(h, "acme", ingest, encode(seriesNamed(now, "c", 0, 1)...)); w.Code != 429 {
		t.Fatalf("an empty bucket took a sample: %d %s", w.Code, w.Body)
	}
	got := stored(t, ms)
	if len(got) != 350 {
		t.Errorf("stored %d series, want 150 + 100 of acme and 100 of globex", len(got))
	}
	if n := (refused(t, reg, "acme", "ingest_rate")); n != 2 {
		t.Errorf("refusals counted for acme = %v, want 2", n)
	}
}

// TestInflightBytes: while one large body is being received, a second that
// would take the decoded bytes in flight past the bound is answered 429 with
// Retry-After; a small one still fits; when the first is done, the second passes.
func TestInflightBytes(t *testing.T) {
	big := encodeReq(t, nodeRequest(2000, 1))
	decoded, err := snappy.DecodedLen(big)
	if err != nil {
		t.Fatal(err)
	}
	rw := DefaultLimits
	rw.MaxInflightBytes = int64(decoded) * 3 / 2
	h, _, _, _ := newLimitedHandler(t, limits.Limits{}, rw)

	// The first body arrives slowly: all but its last byte, then a pause.
	pr, pw := io.Pipe()
	first := make(chan *httptest.ResponseRecorder)
	go func() { first <- postReader(h, "acme", pr) }()
	if _, err := pw.Write(big[:len(big)-1]); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for h.inflight.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the first body was never admitted")
		}
		time.Sleep(time.Millisecond)
	}
	w := post(h, "globex", ingest, big)
	b := decodeBody(t, w)
	if w.Code != 429 || w.Header().Get("Retry-After") == "" || b.Limit != "max_inflight_bytes" {
		t.Fatalf("a second large body in flight: %d Retry-After %q limit %q: %s", w.Code, w.Header().Get("Retry-After"), b.Limit, w.Body)
	}
	if w := post(h, "globex", ingest, encode(ts(time.Now().UnixMilli(), 1, "__name__", "small"))); w.Code != 204 {
		t.Fatalf("a small body beside the large one: %d %s", w.Code, w.Body)
	}
	pw.Write(big[len(big)-1:])
	pw.Close()
	if w := <-first; w.Code != 204 {
		t.Fatalf("the first body: %d %s", w.Code, w.Body)
	}
	if n := h.inflight.Load(); n != 0 {
		t.Fatalf("%d bytes still counted in flight", n)
	}
	if w := post(h, "globex", ingest, big); w.Code != 204 {
		t.Fatalf("the second body once the first is done: %d %s", w.Code, w.Body)
	}
}

func encodeReq(t *testing.T, req *prompb.WriteRequest) []byte {
	t.Helper()
	for i := range req.Timeseries {
		for j := range req.Timeseries[i].Samples {
			req.Timeseries[i].Samples[j].Timestamp = time.Now().UnixMilli()
		}
	}
	b, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return snappy.Encode(nil, b)
}

// FuzzReadRequestAdmission reads any body, a byte at a time, through the
// in-flight admission: it never panics, admits by the snappy header's size,
// gives back exactly what it took whether the body is good or not, and
// accepts exactly the bodies ReadRequest accepts without admission.
func FuzzReadRequestAdmission(f *testing.F) {
	f.Add(encode(ts(1, 1, "__name__", "up")))
	f.Add([]byte{0x00})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte("not snappy"))
	f.Fuzz(func(t *testing.T, body []byte) {
		var held int
		admit := func(n int) (func(), error) {
			if n < 0 || n > MaxDecodedBytes {
				t.Fatalf("admitted %d bytes", n)
			}
			held += n
			return func() { held -= n }, nil
		}
		var r1, r2 Request
		release, err := readRequest(iotest.OneByteReader(bytes.NewReader(body)), 1<<20, &r1, admit, false)
		plain, err2 := ReadRequest(bytes.NewReader(body), 1<<20, &r2)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("with admission: %v; without: %v", err, err2)
		}
		if err == nil {
			if len(r1.Series) != len(r2.Series) {
				t.Fatalf("%d series with admission, %d without", len(r1.Series), len(r2.Series))
			}
			release()
			plain()
		}
		if held != 0 {
			t.Fatalf("%d bytes still held after the body was done", held)
		}
	})
}
