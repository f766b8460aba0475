package sla

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	t0 := ts("2026-02-02T00:00:00Z")
	now := t0.Add(48 * time.Hour)
	h := time.Hour
	clocks := []Clock{
		mustClock(t, 4*h, nil, start(t0), stop(t0.Add(1*h))),                   // met, 1h
		mustClock(t, 4*h, nil, start(t0), pause(t0.Add(h)), stop(t0.Add(3*h))), // met, 1h (stopped while paused)
		mustClock(t, 4*h, nil, start(t0), stop(t0.Add(5*h))),                   // breached, 5h
		mustClock(t, 4*h, nil, start(now.Add(-h))),                             // open, within target
		mustClock(t, 4*h, nil, start(now.Add(-6*h))),                           // open, breached
		mustClock(t, 4*h, nil, start(t0), stop(now.Add(h))),                    // stops after now: still open, breached
	}
	got := Summarize(clocks, now)
	// Mean of the stopped: (1h + 1h + 5h) / 3 = 7h/3 = 2h20m.
	want := Summary{Clocks: 6, Stopped: 3, Open: 3, Met: 2, Breached: 3, Mean: 2*h + 20*time.Minute}
	if got != want {
		t.Fatalf("Summarize = %+v, want %+v", got, want)
	}
	if r, ok := got.Compliance(); !ok || r != 0.4 { // 2 met of 5 decided
		t.Fatalf("Compliance = %v, %v; want 0.4", r, ok)
	}
	if _, ok := (Summary{Open: 2}).Compliance(); ok {
		t.Fatal("Compliance with nothing decided must report !ok")
	}
	if got := Summarize(nil, now); got != (Summary{}) {
		t.Fatalf("Summarize(nil) = %+v", got)
	}
}

func TestMeanDoesNotOverflow(t *testing.T) {
	// 20,000 clocks of a year each sum to 6.3e20ns, far past int64 (9.2e18).
	var s durationSum
	year := 365 * 24 * time.Hour
	for range 20000 {
		s.add(year)
	}
	if got := s.mean(20000); got != year {
		t.Fatalf("mean = %v, want %v", got, year)
	}
	// 1s, 2s and 2s+1ns: 5s+1ns over 3 = 1666666667ns, truncated to 1.666666667s.
	var small durationSum
	small.add(time.Second)
	small.add(2 * time.Second)
	small.add(2*time.Second + 1)
	if got := small.mean(3); got != 1666666667 {
		t.Fatalf("mean = %d, want 1666666667", got)
	}
}
