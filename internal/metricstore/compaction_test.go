package metricstore

import (
	"context"
	"log/slog"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"

	"github.com/unyo-ops/unyo/internal/testwait"
)

// await polls cond until it holds, for 30 s at most.
func await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testwait.For(t, 30*time.Second, what, cond)
}

// openTicking opens a store whose ticker compacts every 10 ms.
func openTicking(t *testing.T, opts Options, reg prometheus.Registerer) *Store {
	t.Helper()
	opts.compactPeriod = 10 * time.Millisecond
	s, err := Open(t.TempDir(), opts, slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC).UnixMilli()

// TestTickerCompacts: with 5-minute blocks, 10 minutes of samples are
// written to a block, the generation moves (with -tags dedupelabels) and
// prometheus_tsdb_compactions_total, which the soak reads, counts it, with
// no one calling Compact: the store's ticker does, the TSDB's own loop
// being off.
func TestTickerCompacts(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := openTicking(t, Options{BlockDuration: 5 * time.Minute}, reg)
	for i := int64(0); i <= 10; i++ {
		appendOne(t, s, t0+i*time.Minute.Milliseconds(), float64(i), "__name__", "up", TenantLabel, "acme")
	}
	await(t, "a block from the head", func() bool { return len(s.db.Blocks()) > 0 })
	if b := s.db.Blocks()[0].Meta(); b.MinTime != t0 || b.MaxTime != t0+5*time.Minute.Milliseconds() {
		t.Fatalf("block [%d, %d), want the head's first 5 minutes [%d, %d)", b.MinTime, b.MaxTime, t0, t0+5*time.Minute.Milliseconds())
	}
	if dedupeLabels { // moved once Compact has returned, after the block
		await(t, "the generation to move", func() bool { return s.SymbolGeneration() > 0 })
	}
	if n := counter(t, reg, "prometheus_tsdb_compactions_total"); n < 1 {
		t.Errorf("prometheus_tsdb_compactions_total %g after a head compaction", n)
	}
}

// TestTSDBLeavesCompactionToStore: the TSDB's own loop, woken by the commit
// that leaves the head compactable, skips the compaction (its counter of
// skipped ones says it did) and writes no block, so no head compaction
// escapes the generation; the store's Compact then does it.
func TestTSDBLeavesCompactionToStore(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, err := Open(t.TempDir(), Options{BlockDuration: 5 * time.Minute, compactPeriod: time.Hour}, slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := int64(0); i <= 10; i++ {
		appendOne(t, s, t0+i*time.Minute.Milliseconds(), float64(i), "__name__", "up", TenantLabel, "acme")
	}
	await(t, "the TSDB's loop to skip a compaction", func() bool {
		return counter(t, reg, "prometheus_tsdb_compactions_skipped_total") >= 1
	})
	if n := len(s.db.Blocks()); n != 0 || s.SymbolGeneration() != 0 {
		t.Fatalf("%d blocks, generation %d, before the store compacted", n, s.SymbolGeneration())
	}
	if err := s.Compact(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(s.db.Blocks()); n != 1 {
		t.Fatalf("%d blocks after Compact, want 1", n)
	}
}

// TestTickerAppliesRetention: with 30 minutes of retention and 5-minute
// blocks, an hour of samples leaves the blocks of the last half hour only:
// the ones past the retention are deleted as the ticker's compactions
// reload the blocks.
func TestTickerAppliesRetention(t *testing.T) {
	s := openTicking(t, Options{BlockDuration: 5 * time.Minute, Retention: 30 * time.Minute}, nil)
	m := time.Minute.Milliseconds()
	for i := int64(0); i <= 60; i++ {
		appendOne(t, s, t0+i*m, float64(i), "__name__", "up", TenantLabel, "acme")
	}
	// The head keeps less than one and a half blocks: it is compacted up
	// to minute 55.
	await(t, "the head compacted up to minute 55", func() bool {
		bs := s.db.Blocks()
		return len(bs) > 0 && bs[len(bs)-1].Meta().MaxTime == t0+55*m
	})
	bs := s.db.Blocks()
	if oldest := bs[0].Meta(); oldest.MinTime != t0+25*m {
		t.Fatalf("oldest block from minute %d, want 25: the blocks past the retention of 30 minutes were kept", (oldest.MinTime-t0)/m)
	}
}

// TestTickerCompactsOutOfOrder: a sample older than its series' last one,
// taken within the out-of-order window, is written to a block when the
// ticker compacts the head (the TSDB compacts out-of-order samples only
// after the head), and reads back. The test awaits the late sample in a
// block, which lasts: the block the out-of-order compaction writes lives
// only until a later compaction merges it into a larger one, and a poll
// can miss it (it did, 10 times in 30, polling every 100 ms).
func TestTickerCompactsOutOfOrder(t *testing.T) {
	s := openTicking(t, Options{BlockDuration: 5 * time.Minute, OutOfOrderWindow: time.Hour}, nil)
	m := time.Minute.Milliseconds()
	late := t0 + 2*m + 30_000
	for i := int64(0); i <= 10; i++ {
		if i == 8 { // the head spans 7 minutes: nothing to compact yet
			appendOne(t, s, late, 42, "__name__", "up", TenantLabel, "acme")
		}
		appendOne(t, s, t0+i*m, float64(i), "__name__", "up", TenantLabel, "acme")
	}
	// The in-order head never held the late sample, so only the
	// out-of-order compaction can have put it in a block.
	await(t, "the late sample in a block", func() bool { return inBlock(s, late) == 42 })
	if got := valueAt(t, s, late); got != 42 {
		t.Fatalf("the late sample reads back %g, want 42", got)
	}
}

// inBlock returns the value of up{tenant="acme"} at ts read from the
// store's blocks alone, the head left out; NaN when no block has it (or the
// block was closed under the read by a compaction that merged it).
func inBlock(s *Store, ts int64) float64 {
	for _, b := range s.db.Blocks() {
		if meta := b.Meta(); ts < meta.MinTime || ts >= meta.MaxTime {
			continue
		}
		q, err := tsdb.NewBlockQuerier(b, ts, ts)
		if err != nil {
			continue
		}
		set := q.Select(context.Background(), false, nil, labels.MustNewMatcher(labels.MatchEqual, "__name__", "up"))
		for set.Next() {
			it := set.At().Iterator(nil)
			for it.Next() == chunkenc.ValFloat {
				if at, v := it.At(); at == ts {
					q.Close()
					return v
				}
			}
		}
		q.Close()
	}
	return math.NaN()
}

// TestCloseStopsTicker: Close leaves no compaction goroutine running.
func TestCloseStopsTicker(t *testing.T) {
	before := compactLoops()
	s, err := Open(t.TempDir(), Options{compactPeriod: time.Millisecond}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	await(t, "the compaction loop to start", func() bool { return compactLoops() == before+1 })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	await(t, "the compaction loop to return", func() bool { return compactLoops() == before })
	if err := s.Close(); err != nil { // a second Close does no harm
		t.Fatal(err)
	}
}

// compactLoops counts the goroutines in Store.compactLoop.
func compactLoops() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "metricstore.(*Store).compactLoop(")
		}
		buf = make([]byte, 2*len(buf))
	}
}

func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// valueAt reads the one sample of up{tenant="acme"} at ts.
func valueAt(t *testing.T, s *Store, ts int64) float64 {
	t.Helper()
	q, err := s.Queryable().Querier(ts, ts)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	set := q.Select(context.Background(), false, nil, labels.MustNewMatcher(labels.MatchEqual, "__name__", "up"))
	v, n := 0.0, 0
	for set.Next() {
		it := set.At().Iterator(nil)
		for it.Next() == chunkenc.ValFloat {
			_, v = it.At()
			n++
		}
	}
	if err := set.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d samples at %d, want 1", n, ts)
	}
	return v
}
