package remotewrite

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
)

func newTestHandler(t testing.TB, limits Limits) (*Handler, *metricstore.Store) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ms, err := metricstore.Open(t.TempDir(), metricstore.Options{}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	return NewHandler(ms, limits, logger, nil), ms
}

func encode(ts ...prompb.TimeSeries) []byte {
	b, _ := (&prompb.WriteRequest{Timeseries: ts}).Marshal()
	return snappy.Encode(nil, b)
}

func ts(t int64, v float64, lbls ...string) prompb.TimeSeries {
	s := prompb.TimeSeries{Samples: []prompb.Sample{{Timestamp: t, Value: v}}}
	for i := 0; i < len(lbls); i += 2 {
		s.Labels = append(s.Labels, prompb.Label{Name: lbls[i], Value: lbls[i+1]})
	}
	return s
}

// post sends body as tenant's ingest token would.
func post(h http.Handler, tenant string, scopes []model.Scope, body []byte) *httptest.ResponseRecorder {
	return postAs(h, tenant, scopes, bytes.NewReader(body))
}

// postReader sends what body yields, as tenant's ingest token would.
func postReader(h http.Handler, tenant string, body io.Reader) *httptest.ResponseRecorder {
	return postAs(h, tenant, ingest, body)
}

func postAs(h http.Handler, tenant string, scopes []model.Scope, body io.Reader) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/api/v1/write", body)
	r.Header.Set("Content-Encoding", "snappy")
	p := auth.TokenPrincipal(&model.Token{Name: "t", TenantID: tenant, Scopes: scopes})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	return w
}

var ingest = []model.Scope{model.ScopeIngest}

// stored returns every series of the store as label strings with their sample count.
func stored(t *testing.T, ms *metricstore.Store) map[string]int {
	q, err := ms.Queryable().Querier(0, time.Now().Add(time.Hour).UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	set := q.Select(context.Background(), true, nil, labels.MustNewMatcher(labels.MatchRegexp, "__name__", ".+"))
	out := map[string]int{}
	for set.Next() {
		n := 0
		it := set.At().Iterator(nil)
		for it.Next() != 0 {
			n++
		}
		out[set.At().Labels().String()] = n
	}
	return out
}

func TestTenantLabelIsForced(t *testing.T) {
	h, ms := newTestHandler(t, DefaultLimits)
	now := time.Now().UnixMilli()
	w := post(h, "acme", ingest, encode(
		ts(now, 1, "__name__", "up", "job", "node"),
		ts(now, 2, "__name__", "up", "job", "api", "tenant", "globex"),
	))
	if w.Code != 204 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	// The same series again goes through the cache and must land on the same series.
	w = post(h, "acme", ingest, encode(ts(now+1000, 1, "__name__", "up", "job", "node")))
	if w.Code != 204 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	// Another tenant sending the same bytes gets its own series.
	post(h, "globex", ingest, encode(ts(now, 5, "__name__", "up", "job", "node")))
	got := stored(t, ms)
	want := map[string]int{
		`{__name__="up", job="node", tenant="acme"}`:                          2,
		`{__name__="up", exported_tenant="globex", job="api", tenant="acme"}`: 1,
		`{__name__="up", job="node", tenant="globex"}`:                        1,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("stored series:\n got %v\nwant %v", got, want)
	}
}

func TestRefusals(t *testing.T) {
	limits := DefaultLimits
	limits.MaxSeries, limits.MaxLabels, limits.MaxBodyBytes = 3, 4, 4096
	h, ms := newTestHandler(t, limits)
	now := time.Now().UnixMilli()
	f := func(tenant string, scopes []model.Scope, body []byte, wantCode int, wantField string) {
		t.Helper()
		w := post(h, tenant, scopes, body)
		var eb struct{ Error, Field string }
		json.Unmarshal(w.Body.Bytes(), &eb)
		if w.Code != wantCode || eb.Field != wantField {
			t.Fatalf("status %d field %q (%s), want %d field %q", w.Code, eb.Field, w.Body, wantCode, wantField)
		}
	}
	good := encode(ts(now, 1, "__name__", "up"))
	f("", ingest, good, 403, "")
	f("acme", []model.Scope{model.ScopeRead}, good, 403, "")
	f("acme", ingest, []byte("not snappy"), 400, "body")
	f("acme", ingest, encode(ts(now, 1, "__name__", "a"), ts(now, 1, "__name__", "b"), ts(now, 1, "__name__", "c"), ts(now, 1, "__name__", "d")), 400, "timeseries")
	f("acme", ingest, encode(ts(now, 1, "__name__", "up", "a", "1", "b", "2", "c", "3")), 400, "timeseries[0].labels")
	f("acme", ingest, encode(ts(now, 1, "__name__", "up"), ts(now, 1, "__name__", "up", "bad-name", "x")), 400, "timeseries[1].labels[1]")
	f("acme", ingest, encode(ts(now, 1, "job", "x")), 400, "timeseries[0].labels")
	f("acme", ingest, encode(ts(now, 1, "__name__", "up", "job", "a", "job", "b")), 400, "timeseries[0].labels")
	f("acme", ingest, snappy.Encode(nil, bytes.Repeat([]byte{0}, 0)), 204, "")
	// Random values do not compress, so three series of 3,000 bytes pass 4,096 compressed.
	rng := rand.New(rand.NewPCG(1, 2))
	big := make([]prompb.TimeSeries, 3)
	for i := range big {
		v := make([]byte, 3000)
		for j := range v {
			v[j] = byte('a' + rng.IntN(26))
		}
		big[i] = ts(now, 1, "__name__", fmt.Sprint("m", i), "v", string(v))
	}
	f("acme", ingest, encode(big...), 400, "body")
	if n := len(stored(t, ms)); n != 0 {
		t.Fatalf("refused requests stored %d series", n)
	}
}

// TestTooOldSamplesAreRejectedOthersKept mirrors Prometheus: samples the TSDB
// cannot take are counted and reported with 400, the rest is committed.
func TestTooOldSamplesAreRejectedOthersKept(t *testing.T) {
	h, ms := newTestHandler(t, DefaultLimits)
	now := time.Now().UnixMilli()
	if w := post(h, "acme", ingest, encode(ts(now, 1, "__name__", "up"))); w.Code != 204 {
		t.Fatal(w.Body)
	}
	w := post(h, "acme", ingest, encode(ts(now-1000, 1, "__name__", "up"), ts(now, 7, "__name__", "other")))
	if w.Code != 400 || !strings.Contains(w.Body.String(), "1 samples rejected") {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	got := stored(t, ms)
	if got[`{__name__="other", tenant="acme"}`] != 1 || got[`{__name__="up", tenant="acme"}`] != 1 {
		t.Fatalf("stored %v", got)
	}
}

// BenchmarkHandler measures what a remote-write request costs unyo: snappy,
// decode, validation, label cache, append and WAL commit, for series that
// already exist (the steady state of monitoring). Bodies are built before the
// timer starts, one round per 15 s scrape, so each pass appends in order.
// limits=on adds the tenant limits as `unyo server` wires them (the series
// count in the head's callbacks, the ingest rate's bucket, the in-flight
// bound), with limits too high to refuse anything.
func BenchmarkHandler(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("limits=%v", onOff(on)), func(b *testing.B) { benchmarkHandler(b, on) })
	}
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// benchHandler returns a handler with or without the tenant limits.
func benchHandler(b *testing.B, withLimits bool) *Handler {
	if !withLimits {
		h, _ := newTestHandler(b, DefaultLimits)
		return h
	}
	h, _, _, _ := newLimitedHandler(b, limits.Limits{MaxSeries: 1 << 30, IngestRate: 1e12, IngestBurst: 1 << 40}, DefaultLimits)
	return h
}

func benchmarkHandler(b *testing.B, withLimits bool) {
	const seriesPerReq, requests = 2000, 25
	h := benchHandler(b, withLimits)
	t0 := time.Now().Add(-time.Hour).UnixMilli()
	round := func(n int) [][]byte {
		out := make([][]byte, requests)
		for r := range out {
			ss := make([]prompb.TimeSeries, seriesPerReq)
			for i := range ss {
				ss[i] = ts(t0+int64(n)*15000, float64(n*i), "__name__", "node_cpu_seconds_total", "cpu", fmt.Sprint(i%16),
					"mode", "user", "instance", fmt.Sprintf("host-%d:9100", (r*seriesPerReq+i)/16), "job", "node", "env", "prod")
			}
			out[r] = encode(ss...)
		}
		return out
	}
	for _, body := range round(0) {
		post(h, "acme", ingest, body)
	}
	var bodies [][]byte
	for n := 1; len(bodies) < b.N; n++ {
		bodies = append(bodies, round(n)...)
	}
	b.ResetTimer()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if w := post(h, "acme", ingest, bodies[i]); w.Code != 204 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(b.N*seriesPerReq)/b.Elapsed().Seconds(), "samples/s")
}

// TestExportedTenantRenamedFurther: a Prometheus scraping a target labelled
// tenant whose metrics carry tenant too sends tenant and exported_tenant.
// The client's tenant is renamed further, as Prometheus's scrape loop does,
// and the request with its unrelated series is stored whole.
func TestExportedTenantRenamedFurther(t *testing.T) {
	h, ms := newTestHandler(t, DefaultLimits)
	now := time.Now().UnixMilli()
	w := post(h, "acme", ingest, encode(
		ts(now, 1, "__name__", "up", "job", "node"),
		ts(now, 2, "__name__", "jobs", "exported_tenant", "inner", "tenant", "outer"),
		ts(now, 3, "__name__", "jobs", "exported_exported_tenant", "x", "exported_tenant", "inner", "tenant", "outer"),
	))
	if w.Code != 204 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	got := stored(t, ms)
	want := map[string]int{
		`{__name__="up", job="node", tenant="acme"}`:                                                                                         1,
		`{__name__="jobs", exported_exported_tenant="outer", exported_tenant="inner", tenant="acme"}`:                                        1,
		`{__name__="jobs", exported_exported_exported_tenant="outer", exported_exported_tenant="x", exported_tenant="inner", tenant="acme"}`: 1,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("stored series:\n got %v\nwant %v", got, want)
	}
}

// TestMetadataKeptPerTenant: the metadata of a request, alone or with
// series, is kept under the caller's tenant, whatever tenant label it names.
func TestMetadataKeptPerTenant(t *testing.T) {
	h, ms := newTestHandler(t, DefaultLimits)
	body, _ := (&prompb.WriteRequest{Metadata: []prompb.MetricMetadata{
		{Type: prompb.MetricMetadata_COUNTER, MetricFamilyName: "jobs_total", Help: "Jobs done."},
		{Type: prompb.MetricMetadata_GAUGE, MetricFamilyName: "queue_bytes", Help: "Queue size.", Unit: "bytes"},
	}}).Marshal()
	if w := post(h, "acme", ingest, snappy.Encode(nil, body)); w.Code != 204 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	got := ms.Metadata("acme", "", 0, 0)
	if len(got) != 2 || got["jobs_total"][0] != (metricstore.MetricMetadata{Type: "counter", Help: "Jobs done."}) ||
		got["queue_bytes"][0] != (metricstore.MetricMetadata{Type: "gauge", Help: "Queue size.", Unit: "bytes"}) {
		t.Fatalf("acme's metadata: %+v", got)
	}
	if got := ms.Metadata("globex", "", 0, 0); len(got) != 0 {
		t.Fatalf("globex's metadata: %+v", got)
	}
}

// BenchmarkHandlerNewSeries measures requests of 2,000 series the head has
// never seen, where the per-tenant series count and limit do their work
// (limits.Enforcer.PreCreation and PostCreation): counting=off is the TSDB
// without the callbacks.
func BenchmarkHandlerNewSeries(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("counting=%v", onOff(on)), func(b *testing.B) {
			const seriesPerReq = 2000
			h := benchHandler(b, on)
			now := time.Now().UnixMilli()
			bodies := make([][]byte, b.N)
			for r := range bodies {
				ss := make([]prompb.TimeSeries, seriesPerReq)
				for i := range ss {
					ss[i] = ts(now, float64(i), "__name__", "node_cpu_seconds_total", "cpu", fmt.Sprint(i%16),
						"mode", "user", "instance", fmt.Sprintf("host-%d-%d:9100", r, i/16), "job", "node", "env", "prod")
				}
				bodies[r] = encode(ss...)
			}
			b.ResetTimer()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if w := post(h, "acme", ingest, bodies[i]); w.Code != 204 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
			b.ReportMetric(float64(b.N*seriesPerReq)/b.Elapsed().Seconds(), "series/s")
		})
	}
}

// TestMalformedLabelRefused: the handler decodes labels only for series its
// cache does not know (Request.lazy); a Label message that does not decode
// is still refused, naming it, and nothing of the request is stored, also
// next to a series the cache knows.
func TestMalformedLabelRefused(t *testing.T) {
	h, ms := newTestHandler(t, DefaultLimits)
	now := time.Now().UnixMilli()
	good := encode(ts(now, 1, "__name__", "up", "job", "node"))
	if w := post(h, "acme", ingest, good); w.Code != 204 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	known, err := snappy.Decode(nil, encode(ts(now+1000, 2, "__name__", "up", "job", "node")))
	if err != nil {
		t.Fatal(err)
	}
	bad := series(label("__name__", "down"), lenField(fieldLabels, []byte{0x0a, 0x80}), sample(3, now+1000))
	w := post(h, "acme", ingest, snappy.Encode(nil, cat(known, bad)))
	var eb struct{ Error, Field string }
	json.Unmarshal(w.Body.Bytes(), &eb)
	if w.Code != 400 || !strings.HasPrefix(eb.Field, "timeseries[1].labels[1]") {
		t.Fatalf("status %d %s, want 400 naming timeseries[1].labels[1]", w.Code, w.Body)
	}
	if got := stored(t, ms); len(got) != 1 || got[`{__name__="up", job="node", tenant="acme"}`] != 1 {
		t.Fatalf("stored %v: a refused request wrote samples", got)
	}
}
