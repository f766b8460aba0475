// Package testwait awaits a condition in a test: it polls the condition
// until it holds or a deadline passes, instead of sleeping a fixed time and
// hoping. Polls start every few milliseconds and back off to every 100 ms,
// so a fast condition is seen at once and a slow one (a server's schedule)
// is not hammered.
package testwait

import (
	"testing"
	"time"
)

// For polls cond until it holds and returns how long that took; it fails t,
// naming what, when cond does not hold within within.
func For(t testing.TB, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	return Until(t, within, func() string {
		if cond() {
			return ""
		}
		return what
	})
}

// Until polls check, which says why its condition does not hold yet ("" once
// it does), and returns how long it took to hold; it fails t with check's
// last reason when it does not hold within within.
func Until(t testing.TB, within time.Duration, check func() string) time.Duration {
	t.Helper()
	start := time.Now()
	pause := 5 * time.Millisecond
	for {
		why := check()
		if why == "" {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("not within %v: %s", within, why)
		}
		time.Sleep(pause)
		pause = min(2*pause, 100*time.Millisecond)
	}
}
