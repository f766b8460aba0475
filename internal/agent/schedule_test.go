package agent

import (
	"testing"
	"time"
)

func TestUntilTick(t *testing.T) {
	base := time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC) // a multiple of 15 s
	f := func(at, want time.Duration) {
		t.Helper()
		if got := untilTick(15*time.Second, base.Add(at)); got != want {
			t.Errorf("untilTick at +%v = %v, want %v", at, got, want)
		}
	}
	f(0, 15*time.Second)
	f(time.Second, 14*time.Second)
	f(7*time.Second, 8*time.Second)
	f(8*time.Second, 22*time.Second) // 7 s to the tick is under half an interval: the one after
	f(14*time.Second+999*time.Millisecond, 15*time.Second+time.Millisecond)
	// Items started apart meet on the same ticks.
	a, b := base.Add(3*time.Second), base.Add(5*time.Second)
	if ta, tb := a.Add(untilTick(15*time.Second, a)), b.Add(untilTick(15*time.Second, b)); !ta.Equal(tb) {
		t.Errorf("items started 2 s apart tick at %v and %v", ta, tb)
	}
}
