package cloudtest

import (
	"hash/fnv"
	"time"
)

// MetricValue is the value the metric fakes serve for one grain of one
// series: deterministic, so a test can assert the exact value written at
// each timestamp, and different per resource, metric, split value and
// minute. It is exact in float64 (a whole number plus quarters).
func MetricValue(resource, metric, split string, at time.Time) float64 {
	h := fnv.New32a()
	h.Write([]byte(resource + "\x00" + metric + "\x00" + split))
	return float64(h.Sum32()%1000) + float64((at.Unix()/60)%1000)*0.25
}

// Partial is the value of a grain still filling (its end after the
// fake's now): half the final value, as a provider's running aggregate
// would differ from the final one. A poller that writes it is wrong.
func Partial(v float64) float64 { return v / 2 }

// buckets are the grain starts from start (cut down to the grain) up to
// end, end included when inclusive, and none after now.
func buckets(start, end, now time.Time, grain time.Duration, inclusive bool) []time.Time {
	var out []time.Time
	for t := start.Truncate(grain); t.Before(end) || (inclusive && t.Equal(end)); t = t.Add(grain) {
		if t.After(now) {
			break
		}
		out = append(out, t)
	}
	return out
}
