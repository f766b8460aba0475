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
