package main

import (
	"math"
	"slices"
	"sync"
	"time"
)

// latencies collects durations from many goroutines.
type latencies struct {
	mu     sync.Mutex
	d      []time.Duration
	errors int
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) fail() {
	l.mu.Lock()
	l.errors++
	l.mu.Unlock()
}

// summary is the count and nearest-rank percentiles of a set of durations.
type summary struct {
	N        int     `json:"n"`
	Errors   int     `json:"errors"`
	P50, P99 float64 `json:"-"` // milliseconds; NaN when there is none
}

func (l *latencies) summary() summary {
	l.mu.Lock()
	d := slices.Clone(l.d)
	errs := l.errors
	l.mu.Unlock()
	slices.Sort(d)
	return summary{N: len(d), Errors: errs, P50: ms(quantile(d, 0.50)), P99: ms(quantile(d, 0.99))}
}

// quantile is the nearest-rank quantile q of sorted: the smallest value with
// at least q of the values at or below it; none for none.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return none
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// none stands for no value.
const none = time.Duration(math.MinInt64)

// ms is d in milliseconds, NaN for none.
func ms(d time.Duration) float64 {
	if d == none {
		return math.NaN()
	}
	return float64(d) / float64(time.Millisecond)
}

var nan = math.NaN()

// reset forgets what was collected, at the start of the steady window.
func (l *latencies) reset() {
	l.mu.Lock()
	l.d, l.errors = nil, 0
	l.mu.Unlock()
}

// take is the summary of what was collected since the last take (or
// reset), and forgets it: one sampling interval's figures.
func (l *latencies) take() summary {
	l.mu.Lock()
	d, errs := l.d, l.errors
	l.d, l.errors = nil, 0
	l.mu.Unlock()
	slices.Sort(d)
	return summary{N: len(d), Errors: errs, P50: ms(quantile(d, 0.50)), P99: ms(quantile(d, 0.99))}
}
