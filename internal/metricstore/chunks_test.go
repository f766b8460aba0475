package metricstore

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
)

// TestSamplesPerChunk: the head cuts a series' chunks at the length
// Options.SamplesPerChunk asks for, and at the TSDB's 120 when it is 0.
// 240 samples 15 s apart (one hour, in one block range) make 2 chunks of
// 120, 4 of 60.
func TestSamplesPerChunk(t *testing.T) {
	f := func(perChunk, wantChunks int) {
		t.Helper()
		s, err := Open(t.TempDir(), Options{SamplesPerChunk: perChunk}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		const n, step = 240, 15_000
		for i := range n {
			appendOne(t, s, int64(i)*step, float64(i), "__name__", "up", TenantLabel, "acme")
		}
		q, err := s.db.ChunkQuerier(0, n*step)
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		set := q.Select(context.Background(), false, nil, labels.MustNewMatcher(labels.MatchEqual, TenantLabel, "acme"))
		var chunks, samples int
		for set.Next() {
			it := set.At().Iterator(nil)
			for it.Next() {
				chunks++
				samples += it.At().Chunk.NumSamples()
			}
			if err := it.Err(); err != nil {
				t.Fatal(err)
			}
		}
		if err := set.Err(); err != nil {
			t.Fatal(err)
		}
		if chunks != wantChunks || samples != n {
			t.Errorf("SamplesPerChunk %d: %d samples in %d chunks, want %d in %d", perChunk, samples, chunks, n, wantChunks)
		}
	}
	f(0, 2)
	f(60, 4)
	f(240, 1)
}
