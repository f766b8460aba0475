package remotewrite

import (
	"math"
	"sync"

	"github.com/cespare/xxhash/v2"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
)

// seriesCache maps the raw label bytes of an incoming series, per tenant, to
// the label set unyo stores and the TSDB's reference for it. A hit skips
// building and sorting labels and the head's hash lookup: that is most of the
// cost of an append for series that already exist.
//
// An entry holds no copy of the raw bytes: its label set is the one the
// TSDB's head keeps for the series (the same string, not a copy), and a hit
// is confirmed by walking it against the request's labels (matches, through
// matchesRaw from the raw label bytes). The
// cache so costs about 40 bytes per active series where a copy of the raw
// bytes cost 300 more (docs/BENCHMARKS.md, "Memory per active series").
//
// Each shard is a table of its own (open addressing, linear probing) rather
// than a Go map: a hit reads one 24-byte slot, key and entry together, where
// a map of such values reads its control word and then the slot in another
// cache line. Under remote write at 200,000 series the map lookup alone was
// a quarter of the server's CPU, mostly waiting on memory
// (docs/BENCHMARKS.md, "Memory per active series").
type seriesCache struct {
	shards [64]cacheShard
	max    int // entries per shard before the shard is emptied
}

type cacheShard struct {
	mu    sync.Mutex
	slots []cacheSlot // a power of two long
	n     int         // slots in use
	gen   uint64      // the store's symbol generation its entries were made in (reset)
}

// cacheSlot is an entry in a shard's table. It keeps 32 bits of the key
// (tag; 0 marks a free slot), enough to find the slot again as the table
// grows and to pass over most others: a hit is confirmed by matches anyway.
type cacheSlot struct {
	lset labels.Labels
	tag  uint32
	ref  uint32 // the head's references count up from 1; a larger one is not cached
}

type cacheEntry struct {
	lset labels.Labels // the stored label set, tenant label included
	ref  storage.SeriesRef
}

// minSlots is the size of a shard's table when it is made.
const minSlots = 256

func newSeriesCache(maxEntries int) *seriesCache {
	c := &seriesCache{}
	c.max = maxEntries/len(c.shards) + 1
	for i := range c.shards {
		c.shards[i].slots = make([]cacheSlot, minSlots)
	}
	return c
}

// cacheKey is the cache's key for the raw label bytes of a series of
// tenant: the tenant is in it, so that two tenants sending the same series
// do not take each other's slot.
func cacheKey(tenant string, raw []byte) uint64 {
	return rawKey(tenantKey(tenant), raw)
}

// tenantKey is what cacheKey takes of the tenant, once per request. The
// multiplication (by an odd number: no two tenants get the same) keeps it
// from cancelling out against a raw key of the same bytes.
func tenantKey(tenant string) uint64 {
	return xxhash.Sum64String(tenant) * 0x9e3779b97f4a7c15
}

// rawKey is cacheKey for a tenant's tenantKey: one pass of xxhash over the
// raw bytes. A streaming digest of tenant and bytes together, its short
// writes buffered, took about twice as long a series
// (docs/BENCHMARKS.md, "rwconfirm").
func rawKey(tenant uint64, raw []byte) uint64 {
	return xxhash.Sum64(raw) ^ tenant
}

// shard returns the shard of key: its low bits pick it; the table within
// uses the high 32 (tag).
func (c *seriesCache) shard(key uint64) *cacheShard {
	return &c.shards[key%uint64(len(c.shards))]
}

// tag returns what a slot keeps of key, never 0.
func tag(key uint64) uint32 { return max(uint32(key>>32), 1) }

// get returns the entry under key, if any. The caller confirms it with
// matches: a hash collision must never put a sample on another series.
func (c *seriesCache) get(key uint64) (cacheEntry, bool) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.probe(tag(key))
}

// probe returns the entry of tag t; the caller holds s.mu.
func (s *cacheShard) probe(t uint32) (cacheEntry, bool) {
	mask := uint32(len(s.slots) - 1)
	for i := t & mask; ; i = (i + 1) & mask {
		switch s.slots[i].tag {
		case t:
			return cacheEntry{s.slots[i].lset, storage.SeriesRef(s.slots[i].ref)}, true
		case 0:
			return cacheEntry{}, false
		}
	}
}

// lookup is what the series cache holds for one series of a request.
type lookup struct {
	key   uint64
	e     cacheEntry // the entry under key, if found
	found bool       // an entry is under key: hit confirms it is this series'
	hit   bool       // found, and confirmed by matches
}

// getAll looks every lookup's key up, taking each shard's lock once for
// all the keys it holds rather than once a key: a locked instruction is a
// fence, and between fences the probes' misses in memory (the tables are
// megabytes, read at random) could not overlap. order is scratch space.
func (c *seriesCache) getAll(ls []lookup, order *[]int32) {
	var count [len(c.shards) + 1]int32
	for i := range ls {
		count[ls[i].key%uint64(len(c.shards))+1]++
	}
	for k := 1; k < len(count); k++ {
		count[k] += count[k-1]
	}
	// count[k] is now where shard k's keys start in ord.
	ord := append((*order)[:0], make([]int32, len(ls))...)
	*order = ord
	for i := range ls {
		k := ls[i].key % uint64(len(c.shards))
		ord[count[k]] = int32(i)
		count[k]++
	}
	// count[k] is now where shard k's keys end.
	start := int32(0)
	for k := range c.shards {
		end := count[k]
		if start == end {
			continue
		}
		s := &c.shards[k]
		s.mu.Lock()
		for _, i := range ord[start:end] {
			ls[i].e, ls[i].found = s.probe(tag(ls[i].key))
		}
		s.mu.Unlock()
		start = end
	}
}

// put stores an entry made in the store's symbol generation gen. A full
// shard is emptied rather than tracked by age: entries are cheap to rebuild
// and the bound only has to stop unbounded growth. An entry of another
// generation than the cache's is dropped: a request that began before a
// reset may still hold a label set on the old symbol table.
func (c *seriesCache) put(key uint64, e cacheEntry, gen uint64) {
	if e.ref > math.MaxUint32 {
		return
	}
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen {
		return
	}
	if s.n >= c.max {
		clear(s.slots)
		s.n = 0
	}
	// At most seven slots in eight in use, so that a probe ends soon.
	if 8*(s.n+1) > 7*len(s.slots) {
		s.grow()
	}
	if s.insert(cacheSlot{e.lset, tag(key), uint32(e.ref)}) {
		s.n++
	}
}

// insert puts e in its tag's slot, or a free one, and reports whether it
// took a free slot.
func (s *cacheShard) insert(e cacheSlot) bool {
	mask := uint32(len(s.slots) - 1)
	for i := e.tag & mask; ; i = (i + 1) & mask {
		switch s.slots[i].tag {
		case e.tag:
			s.slots[i] = e
			return false
		case 0:
			s.slots[i] = e
			return true
		}
	}
}

// grow doubles the table and moves every entry into it.
func (s *cacheShard) grow() {
	old := s.slots
	s.slots = make([]cacheSlot, 2*len(old))
	for i := range old {
		if old[i].tag != 0 {
			s.insert(old[i])
		}
	}
}

// reset empties the cache and takes only entries of generation gen from
// then on: the head has rebuilt its symbol table, and the label sets the
// cache holds would keep the old one alive. Each shard keeps its table's
// size, as the same series come back.
func (c *seriesCache) reset(gen uint64) {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		clear(s.slots)
		s.n, s.gen = 0, gen
		s.mu.Unlock()
	}
}

func (c *seriesCache) len() int {
	n := 0
	for i := range c.shards {
		c.shards[i].mu.Lock()
		n += c.shards[i].n
		c.shards[i].mu.Unlock()
	}
	return n
}
