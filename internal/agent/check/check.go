// Package check runs synthetic checks from the host: HTTP(S) with status,
// body and certificate expiry, TCP connect, and DNS resolution. Each result
// is a few samples labelled {item, target}: unyo_check_up and
// unyo_check_duration_seconds for every kind, plus what the kind knows.
package check

import (
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// result collects the samples of one check run.
type result struct {
	labels []sample.Label
	ms     int64
	out    []sample.Sample
}

func newResult(labels []sample.Label, now time.Time) *result {
	return &result{labels: labels, ms: now.UnixMilli(), out: make([]sample.Sample, 0, 5)}
}

func (r *result) add(name string, v float64) {
	r.out = append(r.out, sample.Sample{Name: name, Labels: r.labels, Value: v, TimeMs: r.ms})
}

// finish adds up and the duration since start.
func (r *result) finish(up bool, start time.Time) []sample.Sample {
	r.add("unyo_check_up", b2f(up))
	r.add("unyo_check_duration_seconds", time.Since(start).Seconds())
	return r.out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
