package metricstore

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestSymbolGenerationFollowsHeadCompactions: the generation moves, once,
// on each Compact that compacts the head (writes its oldest range to a
// block, after which the head rebuilds its symbol table) in a build with
// -tags dedupelabels, and never in the default build, where the head has
// no table; a Compact with nothing to compact, on an empty head, on a head
// spanning less than one and a half ranges, or right after a compaction,
// leaves it. The ticker is kept out of the way (an hour). The TSDB's own
// lines reach the store's logger as they are.
func TestSymbolGenerationFollowsHeadCompactions(t *testing.T) {
	var log strings.Builder
	logger := slog.New(slog.NewTextHandler(&log, nil))
	s, err := Open(t.TempDir(), Options{compactPeriod: time.Hour}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	blocks, gen := 0, uint64(0)
	compact := func(what string, compacted bool) {
		t.Helper()
		if err := s.Compact(ctx); err != nil {
			t.Fatal(err)
		}
		n := len(s.db.Blocks())
		if got := n > blocks; got != compacted {
			t.Fatalf("%s: head compacted %v (%d blocks, %d before), want %v", what, got, n, blocks, compacted)
		}
		if compacted && dedupeLabels {
			gen++
		}
		if g := s.SymbolGeneration(); g != gen {
			t.Fatalf("%s: generation %d, want %d", what, g, gen)
		}
		blocks = n
	}
	compact("an empty head", false)
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC).UnixMilli()
	h := time.Hour.Milliseconds()
	appendOne(t, s, t0, 1, "__name__", "up", "series", "gone", TenantLabel, "acme")
	appendOne(t, s, t0, 1, "__name__", "up", "series", "kept", TenantLabel, "acme")
	appendOne(t, s, t0+2*h, 2, "__name__", "up", "series", "kept", TenantLabel, "acme")
	compact("a head spanning 2 hours", false)
	appendOne(t, s, t0+3*h+1, 3, "__name__", "up", "series", "kept", TenantLabel, "acme")
	compact("a head spanning 3 hours", true)
	compact("again, the head then spanning 1 hour", false)
	// Two ranges due at once (a server back after hours down) are one
	// Compact, so one step.
	appendOne(t, s, t0+4*h, 4, "__name__", "up", "series", "kept", TenantLabel, "acme")
	appendOne(t, s, t0+5*h, 5, "__name__", "up", "series", "kept", TenantLabel, "acme")
	compact("a head spanning 3 hours to the millisecond", false)
	appendOne(t, s, t0+7*h+1, 7, "__name__", "up", "series", "kept", TenantLabel, "acme")
	compact("a head spanning 5 hours", true)
	if n := len(s.db.Blocks()); n != 3 {
		t.Fatalf("%d blocks, want the head's three 2-hour ranges", n)
	}
	if !strings.Contains(log.String(), "component=tsdb") {
		t.Fatalf("no line of the TSDB reached the store's logger:\n%s", log.String())
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
