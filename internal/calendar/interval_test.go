package calendar

import (
	"testing"
	"time"
)

// h returns hour n of 2026-01-01 UTC, for interval-set cases.
func h(n int) time.Time { return ts("2026-01-01T00:00:00Z").Add(time.Duration(n) * time.Hour) }

func iv(a, b int) Interval { return Interval{h(a), h(b)} }

func TestMerge(t *testing.T) {
	in := []Interval{iv(5, 7), iv(1, 3), iv(3, 4), iv(2, 2), iv(9, 8), iv(6, 10), iv(12, 13)}
	// [1,3)+[3,4) touch -> [1,4); [2,2) and the inverted [9,8) are empty; [5,7)+[6,10) overlap.
	assertIntervals(t, Merge(in), []Interval{iv(1, 4), iv(5, 10), iv(12, 13)})
	if !in[0].Start.Equal(h(5)) {
		t.Fatal("Merge modified its input")
	}
	if got := Total(in); got != 9*time.Hour { // 3 + 5 + 1
		t.Fatalf("Total = %v, want 9h", got)
	}
	if Merge(nil) == nil || len(Merge(nil)) != 0 {
		t.Fatal("Merge(nil) must be empty")
	}
}

func TestIntersect(t *testing.T) {
	a := []Interval{iv(0, 5), iv(8, 12)}
	b := []Interval{iv(3, 9), iv(11, 20), iv(4, 6)}
	// b merges to [3,9) [11,20); with [0,5): [3,5); with [8,12): [8,9) and [11,12).
	assertIntervals(t, Intersect(a, b), []Interval{iv(3, 5), iv(8, 9), iv(11, 12)})
	assertIntervals(t, Intersect(a, []Interval{iv(2, 10)}), []Interval{iv(2, 5), iv(8, 10)})
	assertIntervals(t, Intersect(a, nil), nil)
}

func TestSubtract(t *testing.T) {
	f := func(a, b, want []Interval) {
		t.Helper()
		assertIntervals(t, Subtract(a, b), want)
	}
	f([]Interval{iv(0, 10)}, []Interval{iv(2, 3), iv(5, 7)}, []Interval{iv(0, 2), iv(3, 5), iv(7, 10)})
	f([]Interval{iv(0, 10)}, []Interval{iv(0, 10)}, nil)
	f([]Interval{iv(0, 10)}, nil, []Interval{iv(0, 10)})
	// A cut spanning two intervals trims the end of one and the start of the next.
	f([]Interval{iv(0, 4), iv(6, 10)}, []Interval{iv(3, 7)}, []Interval{iv(0, 3), iv(7, 10)})
	// Cuts wholly before, after and between touch nothing.
	f([]Interval{iv(5, 6), iv(8, 9)}, []Interval{iv(0, 1), iv(6, 8), iv(20, 30)}, []Interval{iv(5, 6), iv(8, 9)})
}

func TestIntervalDuration(t *testing.T) {
	if iv(2, 5).Duration() != 3*time.Hour || iv(5, 2).Duration() != 0 {
		t.Fatal("Duration")
	}
	if !iv(2, 5).Contains(h(2)) || iv(2, 5).Contains(h(5)) {
		t.Fatal("Contains must be half-open")
	}
}
