package report

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/prometheus/tsdb"

	"github.com/unyo-ops/unyo/internal/cputime"
)

// BenchmarkReport is the report of a 30-day month for 100 hosts at 15 s
// resolution (the CPU, memory and filesystem series the agent sends: 104
// million samples), from the real TSDB: gathering, HTML, PDF and all three.
// Writing the data set and waiting for the TSDB to compact it into blocks
// take a few minutes and are not measured.
//
//	go test -run '^$' -bench BenchmarkReport -benchtime 3x ./internal/report/
func BenchmarkReport(b *testing.B) {
	f := newFixtureFrom(b, []string{"acme"}, 100, fromNov, 15*time.Second)
	// Measure the steady state: a month of samples in a few compacted
	// blocks, not in the head and the 2-hour blocks that the TSDB is still
	// compacting after the write.
	waitCompacted(b, f.tsdbDir, f.metrics.Head())
	g := NewGenerator(f.src, nil)
	pdf, err := NewPDF("")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	r, err := g.Generate(ctx, "acme", fromNov, toNov)
	if err != nil {
		b.Fatal(err)
	}
	if len(r.Hosts) != 100 || r.Hosts[0].CPU.N != 8640 {
		b.Fatalf("data set: %d hosts, %d points", len(r.Hosts), r.Hosts[0].CPU.N)
	}
	b.Run("gather", func(b *testing.B) {
		defer cpuPerOp(b)()
		for b.Loop() {
			if _, err := g.Generate(ctx, "acme", fromNov, toNov); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("html", func(b *testing.B) {
		defer cpuPerOp(b)()
		for b.Loop() {
			if _, err := HTML(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pdf", func(b *testing.B) {
		defer cpuPerOp(b)()
		for b.Loop() {
			if _, err := pdf.Render(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("all", func(b *testing.B) {
		defer cpuPerOp(b)()
		for b.Loop() {
			r, err := g.Generate(ctx, "acme", fromNov, toNov)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := HTML(r); err != nil {
				b.Fatal(err)
			}
			if _, err := pdf.Render(r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// waitCompacted waits until the head holds the last hours only and the
// number of blocks has stopped changing for ten seconds.
func waitCompacted(b *testing.B, dir string, head *tsdb.Head) {
	deadline := time.Now().Add(20 * time.Minute)
	last, since := -1, time.Now()
	for {
		n := blocks(b, dir)
		if n != last {
			last, since = n, time.Now()
		}
		if head.MaxTime()-head.MinTime() <= (6*time.Hour).Milliseconds() && time.Since(since) > 10*time.Second {
			b.Logf("data set in %d blocks", n)
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("the TSDB did not finish compacting within 20 minutes (%d blocks)", n)
		}
		time.Sleep(time.Second)
	}
}

// blocks counts the persisted blocks in dir.
func blocks(b *testing.B, dir string) int {
	es, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "meta.json")); err == nil {
			n++
		}
	}
	return n
}

// cpuPerOp reports the process's CPU seconds per op, user and system: on a
// machine shared with other work the wall time per op grows with its load,
// the CPU time much less.
func cpuPerOp(b *testing.B) func() {
	start := cputime.Process()
	return func() { b.ReportMetric((cputime.Process()-start).Seconds()/float64(b.N), "cpu-s/op") }
}
