package maintenance

import (
	"testing"
	"time"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustCompile(t testing.TB, w Window) *Schedule {
	t.Helper()
	s, err := w.Compile()
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return s
}

func assertIntervals(t *testing.T, got []Interval, want ...Interval) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d intervals %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range got {
		if !got[i].Start.Equal(want[i].Start) || !got[i].End.Equal(want[i].End) {
			t.Fatalf("occurrence %d = [%v, %v), want [%v, %v)", i, got[i].Start, got[i].End, want[i].Start, want[i].End)
		}
	}
}

// ivz builds an interval from two instants with explicit offsets.
func ivz(start, end string) Interval { return Interval{Start: ts(start), End: ts(end)} }
