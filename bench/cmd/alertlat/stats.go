package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"slices"
	"time"
)

// result is the summary line of one run.
type result struct {
	target                           string
	alerts, delivered                int
	p50, p90, p99, max               time.Duration // math.MaxInt64: undelivered (infinitely late)
	duplicates, rejected, pushErrors int64
}

// summarize computes the latencies; an undelivered alert is infinitely late,
// so a percentile it reaches is reported as undelivered.
func summarize(hosts []string, sent []time.Time, arrived map[string]time.Time, timeout time.Duration) result {
	lat := make([]time.Duration, len(hosts))
	r := result{alerts: len(hosts)}
	for i, h := range hosts {
		at, ok := arrived[h]
		if !ok || at.Sub(sent[i]) > timeout {
			lat[i] = math.MaxInt64
			continue
		}
		lat[i] = at.Sub(sent[i])
		r.delivered++
	}
	slices.Sort(lat)
	r.p50, r.p90, r.p99, r.max = quantile(lat, 0.50), quantile(lat, 0.90), quantile(lat, 0.99), lat[len(lat)-1]
	return r
}

// quantile is the nearest-rank quantile q of sorted.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

func ms(d time.Duration) string {
	if d == math.MaxInt64 {
		return "undelivered"
	}
	return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond))
}

// String is the result line: key=value pairs for the script to read.
func (r result) String() string {
	return fmt.Sprintf("target=%s alerts=%d delivered=%d p50_ms=%s p90_ms=%s p99_ms=%s max_ms=%s duplicates=%d rejected=%d push_errors=%d",
		r.target, r.alerts, r.delivered, ms(r.p50), ms(r.p90), ms(r.p99), ms(r.max), r.duplicates, r.rejected, r.pushErrors)
}

// writeDetail writes one line per alert: host, send and arrival times
// (RFC 3339 with nanoseconds) and the latency in milliseconds.
func writeDetail(path string, hosts []string, sent []time.Time, arrived map[string]time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", path, err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "host\tsent\tarrived\tlatency_ms")
	for i, h := range hosts {
		at, ok := arrived[h]
		if !ok {
			fmt.Fprintf(w, "%s\t%s\t-\t-\n", h, sent[i].UTC().Format(time.RFC3339Nano))
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%.1f\n", h, sent[i].UTC().Format(time.RFC3339Nano), at.UTC().Format(time.RFC3339Nano),
			float64(at.Sub(sent[i]))/float64(time.Millisecond))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return f.Close()
}
