package metricstore

import (
	"context"
	"log/slog"
	"sync/atomic"
)

// rebuiltMessage is what the TSDB logs once its head has rebuilt its
// symbol table (tsdb.Head.RebuildSymbolTable, after every head compaction,
// only in builds with -tags dedupelabels). The head keeps no accessor for
// its table and no hook, so the store learns of a rebuild from this line;
// TestSymbolTableRebuildObserved (-tags dedupelabels) fails if an upgrade
// renames it.
const rebuiltMessage = "RebuildSymbolTable finished"

// SymbolGeneration counts the head's symbol-table rebuilds since the store
// opened. A holder of label sets built before a rebuild (the remote-write
// series cache) drops them when it changes: they keep the old table, with
// every name and value of series since gone, alive. It stays 0 in a build
// without -tags dedupelabels, where label sets have no table.
func (s *Store) SymbolGeneration() uint64 { return s.rebuilds.Load() }

// Compact runs the TSDB's compaction now, as its own loop does once a
// minute: the head's oldest chunk range is written to a block when the head
// spans one and a half of it, and the head's symbol table is rebuilt.
func (s *Store) Compact(ctx context.Context) error { return s.db.Compact(ctx) }

// rebuildWatch passes the TSDB's log records on and counts the symbol-table
// rebuilds among them, whatever level the next handler logs at.
type rebuildWatch struct {
	next     slog.Handler
	rebuilds *atomic.Uint64
}

func (w rebuildWatch) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || w.next.Enabled(ctx, l)
}

func (w rebuildWatch) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == rebuiltMessage {
		w.rebuilds.Add(1)
	}
	if !w.next.Enabled(ctx, r.Level) {
		return nil
	}
	return w.next.Handle(ctx, r)
}

func (w rebuildWatch) WithAttrs(as []slog.Attr) slog.Handler {
	return rebuildWatch{w.next.WithAttrs(as), w.rebuilds}
}

func (w rebuildWatch) WithGroup(name string) slog.Handler {
	return rebuildWatch{w.next.WithGroup(name), w.rebuilds}
}
