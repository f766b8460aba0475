package yearplan

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/unyo-ops/unyo/internal/cputime"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/report"
	ustorage "github.com/unyo-ops/unyo/internal/storage"
)

// BenchmarkYearlyPlan is the yearly plan of a tenant with 100 capacity
// groups of 2 hosts each, from a year of 5-minute CPU samples (42 million
// samples) in the real TSDB, in compacted blocks of 30 days as the server's
// TSDB keeps them: the plan (reading the TSDB, forecasts, back-tests,
// counts, sizes), its HTML, its PDF, and all three. Writing the blocks is
// not measured.
//
//	go test -run '^$' -bench BenchmarkYearlyPlan -benchtime 3x ./internal/yearplan/
func BenchmarkYearlyPlan(b *testing.B) {
	const groupsN, hostsPer = 100, 2
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	st := ustorage.New(db)
	if err := st.CreateTenant(ctx, &model.Tenant{ID: "acme", Name: "ACME Corp.", Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
		b.Fatal(err)
	}
	from := now.Truncate(time.Hour).AddDate(0, 0, -HistoryDays)
	src := groups{list: map[string][]Group{}, counts: map[int64][]CountChange{}, events: map[int64][]Event{}}
	var hosts []string
	for i := range groupsN {
		g := Group{ID: int64(i + 1), Name: fmt.Sprintf("group-%03d", i), HostSelector: fmt.Sprintf(`host=~"g%03d-h.*"`, i),
			Size: "Standard_D4s_v5", HourlyPrice: 100, Currency: "JPY", Min: 2, Max: 20, Count: 4}
		for h := range hostsPer {
			hosts = append(hosts, fmt.Sprintf("g%03d-h%d", i, h))
		}
		src.list["acme"] = append(src.list["acme"], g)
		src.counts[g.ID] = []CountChange{{At: from, Count: 4}}
		for k := range 4 { // a campaign a quarter, and the next year's
			start := from.AddDate(0, 3*k+1, i%20)
			src.events[g.ID] = append(src.events[g.ID],
				Event{Name: fmt.Sprintf("campaign %d", k+1), Start: start, End: start.Add(72 * time.Hour)},
				Event{Name: fmt.Sprintf("campaign %d next year", k+1), Start: start.AddDate(1, 0, 0), End: start.AddDate(1, 0, 3)})
		}
	}
	dir := filepath.Join(b.TempDir(), "tsdb")
	w := newCPUWriter(map[string][]string{"acme": hosts}, func(_ string, ts time.Time) float64 {
		return benchCPU(ts, from)
	})
	writeBlocks(b, dir, w, from, now.Truncate(time.Hour))
	ms := openTSDBAt(b, dir)
	svc := NewService(src, TSDBLoad{Metrics: report.TSDB{Store: ms, Chunks: ms.Queryable().(storage.ChunkQueryable)}}, st, testPDF(b), nil)
	svc.now = func() time.Time { return now }
	p, err := svc.Generate(ctx, "acme", Options{})
	if err != nil {
		b.Fatal(err)
	}
	if g := p.Groups[0]; len(p.Groups) != groupsN || g.Note != "" || g.HistoryHours < 8000 || g.Accuracy == nil {
		b.Fatalf("data set: %d groups, first %+v", len(p.Groups), g.Accuracy)
	}
	b.Run("plan", func(b *testing.B) {
		defer cpuPerOp(b)()
		for b.Loop() {
			if _, err := svc.Generate(ctx, "acme", Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("html", func(b *testing.B) {
		defer cpuPerOp(b)()
		for b.Loop() {
			if _, err := HTML(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pdf", func(b *testing.B) {
		defer cpuPerOp(b)()
		for b.Loop() {
			if _, err := svc.PDF(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("all", func(b *testing.B) {
		defer cpuPerOp(b)()
		for b.Loop() {
			p, err := svc.Generate(ctx, "acme", Options{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := HTML(p); err != nil {
				b.Fatal(err)
			}
			if _, err := svc.PDF(p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchCPU is a busy group's CPU: 30% at night, 60% on weekday days, a
// rise of 10 points over the year, and a deterministic wobble.
func benchCPU(ts, from time.Time) float64 {
	t := ts.In(jst)
	v := 30.0
	if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday && t.Hour() >= 9 && t.Hour() < 18 {
		v = 60
	}
	return v + 10*ts.Sub(from).Hours()/(365*24) + 3*math.Sin(float64(ts.Unix())/997)
}

// writeBlocks writes [from, to] as blocks of 30 days into dir.
func writeBlocks(b *testing.B, dir string, w *cpuWriter, from, to time.Time) {
	const span = 30 * 24 * time.Hour
	logger := slog.New(slog.DiscardHandler)
	for start := from; start.Before(to); start = start.Add(span) {
		end := start.Add(span)
		if end.After(to) {
			end = to
		}
		bw, err := tsdb.NewBlockWriter(logger, dir, span.Milliseconds())
		if err != nil {
			b.Fatal(err)
		}
		w.write(b, bw, start, end)
		if _, err := bw.Flush(context.Background()); err != nil {
			b.Fatal(err)
		}
		if err := bw.Close(); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := os.Stat(dir); err != nil {
		b.Fatal(err)
	}
}

// cpuPerOp reports the process's CPU seconds per op: on a machine shared
// with other work the wall time per op grows with its load, the CPU time
// much less.
func cpuPerOp(b *testing.B) func() {
	start := cputime.Process()
	return func() { b.ReportMetric((cputime.Process()-start).Seconds()/float64(b.N), "cpu-s/op") }
}
