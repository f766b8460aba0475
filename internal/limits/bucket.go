package limits

import "time"

// bucket is a token bucket of samples. It holds no clock of its own: the
// caller passes the time, so a test can move it.
type bucket struct {
	tokens float64
	last   time.Time
}

// take takes n samples from the bucket that fills at rate per second up to
// burst. It returns 0 when they may pass, or how long until they could.
//
// A request larger than the whole burst passes when the bucket is full and
// leaves it in debt, rather than never passing: Prometheus cannot split a
// batch it was refused, and the debt still holds the tenant to its rate.
func (b *bucket) take(now time.Time, rate float64, burst, n int) time.Duration {
	capacity := float64(burst)
	if capacity < rate {
		capacity = rate // at least one second's worth
	}
	if b.last.IsZero() {
		b.tokens = capacity
	} else if d := now.Sub(b.last); d > 0 {
		b.tokens = min(capacity, b.tokens+rate*d.Seconds())
	}
	b.last = now
	need := min(float64(n), capacity)
	if b.tokens >= need {
		b.tokens -= float64(n)
		return 0
	}
	return time.Duration((need - b.tokens) / rate * float64(time.Second))
}
