package calendar

import (
	"testing"
	"time"
)

// BenchmarkElapsedYear measures the span the monthly and yearly reports ask for.
func BenchmarkElapsedYear(b *testing.B) {
	s := mustCompile(b, tokyo)
	from, to := jst("2026-01-01 00:00"), jst("2027-01-01 00:00")
	for b.Loop() {
		if s.Elapsed(from, to) != 2322*time.Hour {
			b.Fatal("wrong")
		}
	}
}

// BenchmarkAddYearDST walks a year of DST changes in New York.
func BenchmarkAddYearDST(b *testing.B) {
	s := mustCompile(b, newYork)
	from := ts("2026-01-01T00:00:00-05:00")
	for b.Loop() {
		s.Add(from, 52*32*time.Hour)
	}
}
