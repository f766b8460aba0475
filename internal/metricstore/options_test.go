package metricstore

import (
	"testing"
	"time"
)

func TestMaxBlockDuration(t *testing.T) {
	h := func(d time.Duration) int64 { return d.Milliseconds() }
	min := h(2 * time.Hour)
	f := func(retention time.Duration, want time.Duration) {
		t.Helper()
		if got := maxBlockDuration(h(retention), min); got != h(want) {
			t.Errorf("retention %v: max block %v, want %v", retention, time.Duration(got)*time.Millisecond, want)
		}
	}
	f(400*24*time.Hour, 31*24*time.Hour) // the default retention: capped at 31 days
	f(15*24*time.Hour, 36*time.Hour)     // a tenth, in whole 2-hour ranges
	f(10*time.Hour, 2*time.Hour)         // never below the head's range
}
