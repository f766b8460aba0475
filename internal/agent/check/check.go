// Package check runs synthetic checks: HTTP(S) with status, body and
// certificate expiry, TCP connect, a TLS handshake with certificate expiry,
// and DNS resolution. The host agent runs them, and so does the server's
// (or a collector's) probe poller for hosts without an agent. Each result
// is a few samples labelled {item, target}: unyo_check_up and
// unyo_check_duration_seconds for every kind, unyo_check_failure_info with
// the reason when it failed, plus what the kind knows.
package check

import (
	"context"
	"net"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// The series every check writes.
const (
	UpMetric       = "unyo_check_up"               // 1: the check passed; 0: it failed
	DurationMetric = "unyo_check_duration_seconds" // how long the run took
	// FailureMetric is 1, labelled reason, on each failed run: the alert of
	// a failing check says why it failed, not only that it did.
	FailureMetric = "unyo_check_failure_info"
	ReasonLabel   = "reason"
)

// DialFunc connects to an address; checks run by the server are given the
// outbound policy's, so tenants reach only what the MSP admin allows.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// dialer returns dial, or a plain net.Dialer's when nil.
func dialer(dial DialFunc) DialFunc {
	if dial != nil {
		return dial
	}
	var d net.Dialer
	return d.DialContext
}

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

// finish adds up, the duration since start, and the reason of a failure.
func (r *result) finish(err error, start time.Time) []sample.Sample {
	r.add(UpMetric, b2f(err == nil))
	r.add(DurationMetric, time.Since(start).Seconds())
	if err != nil {
		r.out = append(r.out, Failure(r.labels, err, r.ms))
	}
	return r.out
}

// Failure is the sample saying why a check labelled labels failed at ms.
func Failure(labels []sample.Label, err error, ms int64) sample.Sample {
	l := make([]sample.Label, 0, len(labels)+1)
	l = append(append(l, labels...), sample.Label{Name: ReasonLabel, Value: Reason(err)})
	return sample.Sample{Name: FailureMetric, Labels: l, Value: 1, TimeMs: ms}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
