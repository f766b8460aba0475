package polling

import (
	"context"
	"testing"
	"time"
)

// TestOnTicksCallsAtOnceThenOnTheClock: the first cycle runs at once, the
// next ones each on a tick of the interval (a multiple of it since the
// epoch), and OnTicks returns when its context ends.
func TestOnTicksCallsAtOnceThenOnTheClock(t *testing.T) {
	const every = 50 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	calls := make(chan time.Time, 8)
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		OnTicks(ctx, every, func(context.Context) { calls <- time.Now() })
	}()
	first := <-calls
	if first.UnixNano()/int64(every) > start.UnixNano()/int64(every)+1 {
		t.Errorf("the first cycle came %v after the start, want at once", first.Sub(start))
	}
	// Each later cycle waits for a tick of its own: no two share a period
	// of the clock (timers fire at or after their tick, never before).
	prev := first
	for range 2 {
		at := <-calls
		if at.UnixNano()/int64(every) <= prev.UnixNano()/int64(every) {
			t.Errorf("cycles at %v and %v share a tick of %v", prev, at, every)
		}
		prev = at
	}
	cancel()
	<-done
}
