//go:build dedupelabels

package remotewrite

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"
	"weak"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
)

// TestSymbolTableRebuild: series come in through the handler, the head is
// compacted (and so rebuilds its symbol table), and the next request finds
// the series cache emptied and a new table in the handler; the handler's
// old table, which held the names and values of every series it built,
// series since gone included, is no longer reachable (released by the
// collector); and the samples sent after the rebuild, to known series and
// a new one, land each on its own series.
func TestSymbolTableRebuild(t *testing.T) {
	const n = 300
	h, ms := newTestHandler(t, DefaultLimits)
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC).UnixMilli()
	t1 := t0 + 3*time.Hour.Milliseconds() + 1 // the head then spans more than 1.5 × its 2-hour range
	t2 := t1 + 60_000
	round := func(at int64, from, to int, offset float64) {
		t.Helper()
		var series []prompb.TimeSeries
		for i := from; i < to; i++ {
			series = append(series, ts(at, float64(i)+offset, "__name__", "rebuild_test", "i", strconv.Itoa(i), "gone", fmt.Sprint(i >= n)))
		}
		if w := post(h, "acme", ingest, encode(series...)); w.Code != 204 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	round(t0, 0, 2*n, 0) // series n..2n-1 get no sample after t0: the compaction drops them
	round(t1, 0, n, 0)
	if got := h.cache.len(); got != 2*n {
		t.Fatalf("%d series cached before the compaction, want %d", got, 2*n)
	}
	old := h.syms.Load()
	oldTable := weak.Make(old.table)
	old = nil

	if err := ms.Compact(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ms.SymbolGeneration() == 0 {
		t.Fatal("the head was compacted and its symbol table not seen rebuilt")
	}
	round(t2, 0, n+1, 0.5) // the known series, and one new one (i = n, not gone before: a new label set)

	cur := h.syms.Load()
	if cur.gen != ms.SymbolGeneration() {
		t.Fatalf("the handler is at generation %d, the store at %d", cur.gen, ms.SymbolGeneration())
	}
	if got := h.cache.len(); got != n+1 {
		t.Fatalf("%d series cached after the rebuild, want the %d sent since", got, n+1)
	}
	deadline := time.Now().Add(10 * time.Second)
	for oldTable.Value() != nil {
		if time.Now().After(deadline) {
			t.Fatal("the handler's symbol table of before the rebuild is still reachable")
		}
		runtime.GC() // pools drop what they hold over two collections
	}

	q, err := ms.Queryable().Querier(t2, t2)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	set := q.Select(context.Background(), false, nil, labels.MustNewMatcher(labels.MatchEqual, "__name__", "rebuild_test"))
	found := 0
	for set.Next() {
		s := set.At()
		i, err := strconv.Atoi(s.Labels().Get("i"))
		if err != nil {
			t.Fatalf("series %s: %v", s.Labels(), err)
		}
		it := s.Iterator(nil)
		for it.Next() == chunkenc.ValFloat {
			if tt, v := it.At(); tt != t2 || v != float64(i)+0.5 {
				t.Fatalf("series %s: sample (%d, %g), want (%d, %g)", s.Labels(), tt, v, t2, float64(i)+0.5)
			}
			found++
		}
	}
	if err := set.Err(); err != nil {
		t.Fatal(err)
	}
	if found != n+1 {
		t.Fatalf("%d samples at the time sent after the rebuild, want %d", found, n+1)
	}
}
