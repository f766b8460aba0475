package remotewrite

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/metricstore"
)

// seriesOf returns the decoded Series of one series of name=value pairs.
func seriesOf(pairs ...string) *Series {
	s := &Series{}
	for i := 0; i+1 < len(pairs); i += 2 {
		s.Labels = append(s.Labels, Label{Name: []byte(pairs[i]), Value: []byte(pairs[i+1])})
	}
	return s
}

// built is the label set tenantLabels stores for pairs under tenant.
func built(t testing.TB, tenant string, pairs ...string) labels.Labels {
	b := labels.NewScratchBuilder(0)
	lset, err := tenantLabels(tenant, seriesOf(pairs...), &b)
	if err != nil {
		t.Fatal(err)
	}
	return lset
}

// TestMatches: a cached label set is taken for a request's series only when
// it is exactly what the series would be stored as, whatever the order of
// its labels; anything else (another tenant, value or label, a label twice,
// or the client's own tenant label) is built again rather than trusted.
func TestMatches(t *testing.T) {
	stored := built(t, "acme", "__name__", "up", "instance", "a:9100", "job", "node")
	f := func(tenant string, want bool, pairs ...string) {
		t.Helper()
		if got := matches(stored, tenant, seriesOf(pairs...).Labels); got != want {
			t.Errorf("matches(%s, %q, %q) = %v, want %v", stored, tenant, pairs, got, want)
		}
	}
	f("acme", true, "__name__", "up", "instance", "a:9100", "job", "node")
	f("globex", false, "__name__", "up", "instance", "a:9100", "job", "node")
	f("acme", false, "__name__", "up", "instance", "b:9100", "job", "node")
	f("acme", false, "__name__", "up", "instance", "a:9100")
	f("acme", false, "__name__", "up", "instance", "a:9100", "job", "node", "zone", "a")
	f("acme", true, "instance", "a:9100", "__name__", "up", "job", "node") // in any order
	f("acme", false, "instance", "a:9100", "__name__", "up", "instance", "a:9100")
	f("acme", false, "__name__", "up", "__name__", "up", "instance", "a:9100", "job", "node")
	f("acme", false, "__name__", "up", "instance", "a:9100", "job", "node", "tenant", "acme")
	f("acme", false)

	// The client's own tenant label is stored as exported_tenant: such a
	// series is never confirmed by the walk, and is built every time.
	renamed := built(t, "acme", "__name__", "up", "tenant", "globex")
	if matches(renamed, "acme", seriesOf("__name__", "up", "tenant", "globex").Labels) {
		t.Errorf("%s confirmed for a series with its own tenant label", renamed)
	}
}

// FuzzMatches holds matches to what the cache needs of it: whenever it
// confirms the label set stored for one series as another's, both series
// are stored as the same label set, so that a hash collision in the cache
// can never put a sample on another series.
func FuzzMatches(f *testing.F) {
	f.Add("__name__\x00up\x00job\x00node", "__name__\x00up\x00job\x00node", "acme")
	f.Add("__name__\x00up\x00job\x00node", "job\x00node\x00__name__\x00up", "acme")
	f.Add("__name__\x00up\x00tenant\x00x", "__name__\x00up\x00exported_tenant\x00x", "acme")
	f.Add("a\x00b", "a\x00b\x00tenant\x00acme", "acme")
	f.Fuzz(func(t *testing.T, cached, sent, tenant string) {
		a, b := pairsOf(cached), pairsOf(sent)
		sb := labels.NewScratchBuilder(0)
		lsetA, err := tenantLabels(tenant, seriesOf(a...), &sb)
		if err != nil {
			return
		}
		if !matches(lsetA, tenant, seriesOf(b...).Labels) {
			return
		}
		lsetB, err := tenantLabels(tenant, seriesOf(b...), &sb)
		if err != nil {
			t.Fatalf("%q confirmed for %q, which cannot be stored: %v", lsetA, b, err)
		}
		if !labels.Equal(lsetA, lsetB) {
			t.Fatalf("%s confirmed for %q, stored as %s", lsetA, b, lsetB)
		}
	})
}

// pairsOf splits s at NUL bytes into name, value, name, value...
func pairsOf(s string) []string {
	if s == "" {
		return nil
	}
	p := strings.Split(s, "\x00")
	return p[:len(p)/2*2]
}

// TestCacheSharesHeadLabels: the series cache holds the label sets the
// TSDB's head keeps, not copies, also for series the head recreated from
// its WAL at a restart, which no request built.
func TestCacheSharesHeadLabels(t *testing.T) {
	dir := t.TempDir()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := time.Now().UnixMilli()
	body := func(t int64) []byte {
		return encode(ts(t, 1, "__name__", "up", "job", "node"), ts(t, 2, "__name__", "up", "job", "api"))
	}
	ms, err := metricstore.Open(dir, metricstore.Options{}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w := post(NewHandler(ms, DefaultLimits, logger, nil), "acme", ingest, body(now)); w.Code != 204 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if err := ms.Close(); err != nil {
		t.Fatal(err)
	}

	ms, err = metricstore.Open(dir, metricstore.Options{}, logger, nil) // the WAL replay creates both series
	if err != nil {
		t.Fatal(err)
	}
	defer ms.Close()
	h := NewHandler(ms, DefaultLimits, logger, nil)
	if w := post(h, "acme", ingest, body(now+15_000)); w.Code != 204 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if n := h.cache.len(); n != 2 {
		t.Fatalf("%d series cached, want 2", n)
	}
	for i := range h.cache.shards {
		for _, s := range h.cache.shards[i].slots {
			if s.tag == 0 {
				continue
			}
			e := cacheEntry{s.lset, storage.SeriesRef(s.ref)}
			head, ok := ms.SeriesLabels(e.ref)
			if !ok {
				t.Fatalf("%s: ref %d not in the head", e.lset, e.ref)
			}
			if !labels.Equal(head, e.lset) {
				t.Fatalf("cached %s for ref %d, the head has %s", e.lset, e.ref, head)
			}
			if unsafe.StringData(head.Get("job")) != unsafe.StringData(e.lset.Get("job")) {
				t.Errorf("%s: the cache holds a copy of the head's labels", e.lset)
			}
		}
	}
	// Both samples of each series are there, on the one series.
	got := stored(t, ms)
	if got[`{__name__="up", job="node", tenant="acme"}`] != 2 || got[`{__name__="up", job="api", tenant="acme"}`] != 2 || len(got) != 2 {
		t.Fatalf("stored series: %v", got)
	}
}

// TestUnsortedSenderHitsCache: a sender that does not sort its labels by
// name (bench/cmd/rwload does not) still finds its series in the cache,
// on the one series, rather than building its labels every request.
func TestUnsortedSenderHitsCache(t *testing.T) {
	h, ms := newTestHandler(t, DefaultLimits)
	now := time.Now().UnixMilli()
	body := func(t int64) []byte {
		return encode(ts(t, 1, "job", "node", "cpu", "0", "__name__", "node_cpu_seconds_total"))
	}
	for i := range 3 {
		if w := post(h, "acme", ingest, body(now+int64(i)*15_000)); w.Code != 204 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	var cached cacheEntry
	for i := range h.cache.shards {
		for _, e := range h.cache.shards[i].slots {
			if e.tag == 0 {
				continue
			}
			cached = cacheEntry{e.lset, storage.SeriesRef(e.ref)}
		}
	}
	// The series of a request as the handler decodes it.
	pb, err := snappy.Decode(nil, body(now))
	if err != nil {
		t.Fatal(err)
	}
	var wk work
	if err := wk.req.Unmarshal(pb); err != nil {
		t.Fatal(err)
	}
	h.lookup("acme", &wk)
	var sb labels.ScratchBuilder
	key, e, err := h.entry("acme", &wk.req.Series[0], &wk.lookups[0], &sb)
	if err != nil {
		t.Fatal(err)
	}
	if e.ref == 0 || e.ref != cached.ref || key == 0 {
		t.Fatalf("entry %+v, cached %+v: not a hit", e, cached)
	}
	if got := stored(t, ms); got[`{__name__="node_cpu_seconds_total", cpu="0", job="node", tenant="acme"}`] != 3 || len(got) != 1 {
		t.Fatalf("stored series: %v", got)
	}
}

// TestSeriesCacheTable: every entry put is found under its key, through
// the tables' growth, with its latest value; a key never put is not found,
// nor a reference the slot cannot hold; a shard that reaches the bound is emptied and fills again.
func TestSeriesCacheTable(t *testing.T) {
	const n = 50_000
	c := newSeriesCache(1 << 22)
	key := func(i int) uint64 { return cacheKey("acme", []byte(fmt.Sprint("series-", i))) }
	for i := range n {
		c.put(key(i), cacheEntry{ref: storage.SeriesRef(i + 1)}, 0)
	}
	for i := range n / 2 {
		c.put(key(i), cacheEntry{ref: storage.SeriesRef(i + 1 + n)}, 0) // the head gave it another reference
	}
	if got := c.len(); got != n {
		t.Fatalf("%d entries, want %d", got, n)
	}
	for i := range n {
		want := storage.SeriesRef(i + 1)
		if i < n/2 {
			want += n
		}
		if e, ok := c.get(key(i)); !ok || e.ref != want {
			t.Fatalf("series %d: got ref %d (found %v), want %d", i, e.ref, ok, want)
		}
	}
	if _, ok := c.get(cacheKey("globex", []byte("series-1"))); ok {
		t.Fatal("found a key never put")
	}
	big := cacheKey("acme", []byte("series-big"))
	c.put(big, cacheEntry{ref: 1 << 33}, 0)
	if e, ok := c.get(big); ok {
		t.Fatalf("a reference beyond 32 bits was cached as %d", e.ref)
	}

	small := newSeriesCache(64 * 100) // 101 entries per shard
	for i := range n {
		small.put(key(i), cacheEntry{ref: storage.SeriesRef(i + 1)}, 0)
	}
	if got := small.len(); got > 64*101 || got == 0 {
		t.Fatalf("%d entries in a cache bound to %d", got, 64*101)
	}
	if e, ok := small.get(key(n - 1)); !ok || e.ref != n {
		t.Fatalf("the entry put last: ref %d (found %v)", e.ref, ok)
	}
}

// TestSeriesCacheReset: a reset empties every shard, and from then on an
// entry made in an older generation (a request that began before the
// head's symbol-table rebuild) is not taken, one of the new generation is.
func TestSeriesCacheReset(t *testing.T) {
	const n = 5_000
	c := newSeriesCache(1 << 22)
	key := func(i int) uint64 { return cacheKey("acme", []byte(fmt.Sprint("series-", i))) }
	for i := range n {
		c.put(key(i), cacheEntry{ref: storage.SeriesRef(i + 1)}, 0)
	}
	c.reset(1)
	if got := c.len(); got != 0 {
		t.Fatalf("%d entries after a reset", got)
	}
	for i := range n {
		if _, ok := c.get(key(i)); ok {
			t.Fatalf("series %d found after a reset", i)
		}
		c.put(key(i), cacheEntry{ref: storage.SeriesRef(i + 1)}, 0) // too late: generation 0
	}
	if got := c.len(); got != 0 {
		t.Fatalf("%d entries of the old generation taken after the reset", got)
	}
	for i := range n {
		c.put(key(i), cacheEntry{ref: storage.SeriesRef(i + 1)}, 1)
	}
	if e, ok := c.get(key(n - 1)); !ok || e.ref != n || c.len() != n {
		t.Fatalf("after refilling: %d entries, last ref %d (found %v)", c.len(), e.ref, ok)
	}
}

// TestSeriesCacheGetAll: looking many keys up at once, grouped by shard,
// finds what one get at a time finds, each in its own place, and nothing
// for keys never put.
func TestSeriesCacheGetAll(t *testing.T) {
	const n = 5_000
	c := newSeriesCache(1 << 22)
	key := func(i int) uint64 { return cacheKey("acme", []byte(fmt.Sprint("series-", i))) }
	for i := range n {
		if i%3 != 0 { // every third key is never put
			c.put(key(i), cacheEntry{ref: storage.SeriesRef(i + 1)}, 0)
		}
	}
	var order []int32
	for _, size := range []int{0, 1, 7, 2000, n} {
		ls := make([]lookup, size)
		for j := range ls {
			ls[j].key = key((j * 7919) % n) // an order unlike the shards'
		}
		c.getAll(ls, &order)
		for j, l := range ls {
			i := (j * 7919) % n
			want, ok := c.get(key(i))
			if l.found != ok || l.e.ref != want.ref || ok != (i%3 != 0) || ok && l.e.ref != storage.SeriesRef(i+1) {
				t.Fatalf("size %d, lookup %d (series %d): found %v ref %d, get gives %v %d", size, j, i, l.found, l.e.ref, ok, want.ref)
			}
		}
	}
}

// TestCachedSeriesStillChecked: a series the cache knows skips the label
// checks (its labels are those of a series stored before), not the others:
// the same labels without samples are refused, and a request pairing a
// known series with a bad new one writes nothing.
func TestCachedSeriesStillChecked(t *testing.T) {
	h, ms := newTestHandler(t, DefaultLimits)
	now := time.Now().UnixMilli()
	known := []string{"__name__", "up", "job", "node"}
	if w := post(h, "acme", ingest, encode(ts(now, 1, known...))); w.Code != 204 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if h.cache.len() != 1 {
		t.Fatalf("%d series cached, want 1", h.cache.len())
	}
	empty := ts(now+1000, 1, known...)
	empty.Samples = nil
	f := func(body []byte, wantField string) {
		t.Helper()
		w := post(h, "acme", ingest, body)
		if w.Code != 400 || !strings.Contains(w.Body.String(), `"field":"`+wantField+`"`) {
			t.Fatalf("status %d %s, want 400 naming %s", w.Code, w.Body, wantField)
		}
	}
	f(encode(empty), "timeseries[0].samples")
	f(encode(ts(now+1000, 2, known...), ts(now+1000, 1, "__name__", "up", "bad-name", "x")), "timeseries[1].labels[1]")
	if got := stored(t, ms); len(got) != 1 || got[`{__name__="up", job="node", tenant="acme"}`] != 1 {
		t.Fatalf("stored %v: a refused request wrote samples", got)
	}
}
