package remotewrite

import (
	"sync"

	"github.com/cespare/xxhash/v2"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/metricstore"
)

// seriesCache maps the raw label bytes of an incoming series, per tenant, to
// the label set unyo stores and the TSDB's reference for it. A hit skips
// building and sorting labels and the head's hash lookup: that is most of the
// cost of an append for series that already exist.
//
// An entry holds no copy of the raw bytes: its label set is the one the
// TSDB's head keeps for the series (the same string, not a copy), and a hit
// is confirmed by walking it against the request's labels (matches). The
// cache so costs about 40 bytes per active series where a copy of the raw
// bytes cost 300 more (docs/BENCHMARKS.md, "Memory per active series").
type seriesCache struct {
	shards [64]cacheShard
	max    int // entries per shard before the shard is emptied
}

type cacheShard struct {
	mu sync.Mutex
	m  map[uint64]cacheEntry
}

type cacheEntry struct {
	lset labels.Labels // the stored label set, tenant label included
	ref  storage.SeriesRef
}

func newSeriesCache(maxEntries int) *seriesCache {
	c := &seriesCache{}
	c.max = maxEntries/len(c.shards) + 1
	for i := range c.shards {
		c.shards[i].m = map[uint64]cacheEntry{}
	}
	return c
}

func cacheKey(tenant string, raw []byte) uint64 {
	var d xxhash.Digest
	d.Reset()
	d.WriteString(tenant)
	d.Write([]byte{0xff})
	d.Write(raw)
	return d.Sum64()
}

// get returns the entry under key, if any. The caller confirms it with
// matches: a hash collision must never put a sample on another series.
func (c *seriesCache) get(key uint64) (cacheEntry, bool) {
	s := &c.shards[key%uint64(len(c.shards))]
	s.mu.Lock()
	e, ok := s.m[key]
	s.mu.Unlock()
	return e, ok
}

// put stores an entry. A full shard is emptied rather than tracked by age:
// entries are cheap to rebuild and the bound only has to stop unbounded growth.
func (c *seriesCache) put(key uint64, e cacheEntry) {
	s := &c.shards[key%uint64(len(c.shards))]
	s.mu.Lock()
	if len(s.m) >= c.max {
		s.m = make(map[uint64]cacheEntry, len(s.m))
	}
	s.m[key] = e
	s.mu.Unlock()
}

func (c *seriesCache) len() int {
	n := 0
	for i := range c.shards {
		c.shards[i].mu.Lock()
		n += len(c.shards[i].m)
		c.shards[i].mu.Unlock()
	}
	return n
}

// matches reports whether lset is exactly what tenantLabels builds of ls
// for tenant, without building it: each label of lset but one tenant label
// naming tenant must take a label of ls of the same name and value, none
// twice, and every label of ls must be taken. As lset's names are distinct,
// that only holds when ls's names are distinct and none is the tenant label
// (a client's own is stored renamed: such a series is built every time).
// ls may come in any order; in lset's (sorted, as Prometheus sends) each
// label is found at the first place looked.
func matches(lset labels.Labels, tenant string, ls []Label) bool {
	if len(ls) > 64 {
		return false // more than the bitmap holds: built instead
	}
	var taken uint64
	next, n := 0, 0
	ok, tenantSeen := true, false
	lset.Range(func(l labels.Label) {
		if !ok {
			return
		}
		if !tenantSeen && l.Name == metricstore.TenantLabel {
			tenantSeen = true
			ok = l.Value == tenant
			return
		}
		for k := range ls {
			j := (next + k) % len(ls)
			if taken&(1<<j) == 0 && string(ls[j].Name) == l.Name {
				taken |= 1 << j
				ok = string(ls[j].Value) == l.Value
				next, n = j+1, n+1
				return
			}
		}
		ok = false
	})
	return ok && tenantSeen && n == len(ls)
}
