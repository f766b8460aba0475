package testwait

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is a testing.TB that records a Fatalf instead of ending the
// test, so that the failure path is checked too.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = format
	for _, a := range args {
		if s, ok := a.(string); ok {
			r.failed += " " + s
		}
	}
}

func TestForReturnsOnceTheConditionHolds(t *testing.T) {
	var polls atomic.Int32
	took := For(t, 10*time.Second, "third poll", func() bool { return polls.Add(1) >= 3 })
	if polls.Load() != 3 {
		t.Fatalf("polled %d times, want 3 (it must stop once the condition holds)", polls.Load())
	}
	if took >= 10*time.Second {
		t.Fatalf("took %v", took)
	}
}

func TestUntilFailsWithTheLastReason(t *testing.T) {
	r := &recorder{TB: t}
	n := 0
	// Fatalf on the recorder does not stop the loop: the check ends it.
	Until(r, 20*time.Millisecond, func() string {
		n++
		if r.failed != "" {
			return ""
		}
		return "still 0 of 3 rows"
	})
	if !strings.Contains(r.failed, "not within") || !strings.Contains(r.failed, "still 0 of 3 rows") {
		t.Fatalf("failure %q does not give the deadline and the last reason", r.failed)
	}
	if n < 2 {
		t.Fatalf("polled %d times before giving up", n)
	}
}
