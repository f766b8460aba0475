package logwatch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkPoll is one second of the agent benchmark's log: 20 lines
// appended, one poll, a match for one line in ten.
func BenchmarkPoll(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "app.log")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	chunk := strings.Repeat("2026-12-01T22:00:00Z INFO request served in 12ms path=/api/v1/items status=200\n", 18) +
		"2026-12-01T22:00:00Z WARN slow upstream\n2026-12-01T22:00:00Z ERROR gateway timeout\n"
	cfg := Config{Item: "app", Glob: path, Patterns: []Pattern{
		{Name: "timeout", Regexp: `ERROR .* timeout`, Severity: SeverityCritical},
		{Name: "warn", Regexp: `WARN`, Severity: SeverityWarning},
	}}
	events := 0
	w, err := New([]Config{cfg}, filepath.Join(dir, "positions.json"), func(Event) { events++ }, nil, WithSaveEvery(5e9))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		f.WriteString(chunk)
		if err := w.Poll(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if events == 0 {
		b.Fatal("no events")
	}
}
