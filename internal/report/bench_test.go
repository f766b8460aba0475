package report

import (
	"context"
	"testing"
	"time"
)

// BenchmarkReport is the report of a 30-day month for 100 hosts at 15 s
// resolution (the CPU, memory and filesystem series the agent sends: 104
// million samples), from the real TSDB: gathering, HTML, PDF and all three.
// Writing the data set takes a minute or two and is not measured.
//
//	go test -run '^$' -bench BenchmarkReport -benchtime 3x ./internal/report/
func BenchmarkReport(b *testing.B) {
	f := newFixtureFrom(b, []string{"acme"}, 100, fromNov, 15*time.Second)
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
		for b.Loop() {
			if _, err := g.Generate(ctx, "acme", fromNov, toNov); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("html", func(b *testing.B) {
		for b.Loop() {
			if _, err := HTML(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pdf", func(b *testing.B) {
		for b.Loop() {
			if _, err := pdf.Render(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("all", func(b *testing.B) {
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
