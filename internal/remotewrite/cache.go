package remotewrite

import (
	"bytes"
	"sync"

	"github.com/cespare/xxhash/v2"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
)

// seriesCache maps the raw label bytes of an incoming series, per tenant, to
// the label set unyo stores and the TSDB's reference for it. A hit skips
// building and sorting labels and the head's hash lookup: that is most of the
// cost of an append for series that already exist.
type seriesCache struct {
	shards [64]cacheShard
	max    int // entries per shard before the shard is emptied
}

type cacheShard struct {
	mu sync.Mutex
	m  map[uint64]*cacheEntry
}

type cacheEntry struct {
	tenant string
	raw    []byte // owned copy of the series' label bytes
	lset   labels.Labels
	ref    storage.SeriesRef
}

func newSeriesCache(maxEntries int) *seriesCache {
	c := &seriesCache{}
	c.max = maxEntries/len(c.shards) + 1
	for i := range c.shards {
		c.shards[i].m = map[uint64]*cacheEntry{}
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

// get returns the entry for raw in tenant, or nil.
func (c *seriesCache) get(key uint64, tenant string, raw []byte) *cacheEntry {
	s := &c.shards[key%uint64(len(c.shards))]
	s.mu.Lock()
	e := s.m[key]
	s.mu.Unlock()
	// Compare, not just hash: a collision must never put a sample on another series.
	if e == nil || e.tenant != tenant || !bytes.Equal(e.raw, raw) {
		return nil
	}
	return e
}

// put stores an entry. A full shard is emptied rather than tracked by age:
// entries are cheap to rebuild and the bound only has to stop unbounded growth.
func (c *seriesCache) put(key uint64, e *cacheEntry) {
	s := &c.shards[key%uint64(len(c.shards))]
	s.mu.Lock()
	if len(s.m) >= c.max {
		s.m = make(map[uint64]*cacheEntry, len(s.m))
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
