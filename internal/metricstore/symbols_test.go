package metricstore

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSymbolTableRebuildObserved: a compaction of the head counts one
// symbol-table rebuild in a build with -tags dedupelabels, where the head
// rebuilds its table, and none in the default build, where it has none;
// a compaction with nothing to compact counts none. The TSDB's own log
// lines still reach the store's logger at its level.
func TestSymbolTableRebuildObserved(t *testing.T) {
	var log strings.Builder
	logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := Open(t.TempDir(), Options{}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if g := s.SymbolGeneration(); g != 0 {
		t.Fatalf("generation %d after a compaction of an empty head", g)
	}
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC).UnixMilli()
	appendOne(t, s, t0, 1, "__name__", "up", "series", "gone", TenantLabel, "acme")
	for i, ts := range []int64{t0, t0 + 3*time.Hour.Milliseconds() + 1} {
		appendOne(t, s, ts, float64(i), "__name__", "up", "series", "kept", TenantLabel, "acme")
	}
	if err := s.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(s.db.Blocks()); n == 0 {
		t.Fatal("the head was not compacted into a block")
	}
	want := uint64(0)
	if dedupeLabels {
		want = 1
	}
	if g := s.SymbolGeneration(); g != want {
		t.Fatalf("generation %d after one head compaction, want %d", g, want)
	}
	if strings.Contains(log.String(), rebuiltMessage) {
		t.Fatalf("an Info line of the TSDB reached a logger at Warn:\n%s", log.String())
	}
}

// TestRebuildWatchPassesOn: the TSDB's lines reach the store's logger with
// their attributes when its level takes them.
func TestRebuildWatchPassesOn(t *testing.T) {
	var log strings.Builder
	var n atomic.Uint64
	l := slog.New(rebuildWatch{slog.NewTextHandler(&log, nil).WithAttrs([]slog.Attr{slog.String("component", "tsdb")}), &n})
	l.With("k", "v").Info(rebuiltMessage, "size", 3)
	l.Debug("not taken")
	if got := log.String(); !strings.Contains(got, "component=tsdb k=v size=3") || strings.Contains(got, "not taken") {
		t.Fatalf("log: %q", got)
	}
	if n.Load() != 1 {
		t.Fatalf("%d rebuilds counted, want 1", n.Load())
	}
}

// TestBlockDurationCompactsSooner: with a block duration of 5 minutes the
// head is compacted once it spans 7.5 minutes (not 3 hours), so a soak sees
// compactions, and the symbol-table rebuilds after them, within the hour;
// with the default the same samples stay in the head.
func TestBlockDurationCompactsSooner(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC).UnixMilli()
	for _, c := range []struct {
		block  time.Duration
		blocks bool
	}{{5 * time.Minute, true}, {0, false}} {
		s, err := Open(t.TempDir(), Options{BlockDuration: c.block}, slog.New(slog.DiscardHandler), nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := int64(0); i <= 10; i++ {
			appendOne(t, s, t0+i*time.Minute.Milliseconds(), float64(i), "__name__", "up", TenantLabel, "acme")
		}
		if err := s.Compact(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := len(s.db.Blocks()) > 0; got != c.blocks {
			t.Errorf("block duration %v: blocks written %v, want %v", c.block, got, c.blocks)
		}
		if c.blocks && dedupeLabels && s.SymbolGeneration() == 0 {
			t.Errorf("block duration %v: no symbol-table rebuild after the head's compaction", c.block)
		}
		s.Close()
	}
}
