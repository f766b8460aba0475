package calendar

import (
	"slices"
	"time"
)

// Interval is the half-open range of instants [Start, End).
type Interval struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Duration returns End-Start, or zero for an empty or inverted interval.
func (iv Interval) Duration() time.Duration {
	if !iv.Start.Before(iv.End) {
		return 0
	}
	return iv.End.Sub(iv.Start)
}

// Contains reports whether t is in [Start, End).
func (iv Interval) Contains(t time.Time) bool { return !t.Before(iv.Start) && t.Before(iv.End) }

// Merge returns the union of ivs as sorted, disjoint, non-empty intervals; intervals
// that overlap or touch become one. ivs is not modified.
func Merge(ivs []Interval) []Interval {
	out := make([]Interval, 0, len(ivs))
	for _, iv := range ivs {
		if iv.Start.Before(iv.End) {
			out = append(out, iv)
		}
	}
	slices.SortFunc(out, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	n := 0
	for _, iv := range out {
		if n > 0 && !iv.Start.After(out[n-1].End) {
			out[n-1].End = later(out[n-1].End, iv.End)
			continue
		}
		out[n] = iv
		n++
	}
	return out[:n]
}

// Total returns the real time covered by the union of ivs.
func Total(ivs []Interval) time.Duration {
	var total time.Duration
	for _, iv := range Merge(ivs) {
		total += iv.End.Sub(iv.Start)
	}
	return total
}

// Intersect returns the instants in both a and b, merged.
// Intersect(ivs, []Interval{{from, to}}) clips ivs to a range.
func Intersect(a, b []Interval) []Interval {
	a, b = Merge(a), Merge(b)
	var out []Interval
	for i, j := 0, 0; i < len(a) && j < len(b); {
		start, end := later(a[i].Start, b[j].Start), earlier(a[i].End, b[j].End)
		if start.Before(end) {
			out = append(out, Interval{start, end})
		}
		if a[i].End.Before(b[j].End) {
			i++
		} else {
			j++
		}
	}
	return out
}

// Subtract returns the instants in a that are not in b, merged:
// outages minus maintenance windows, for instance.
func Subtract(a, b []Interval) []Interval {
	a, b = Merge(a), Merge(b)
	var out []Interval
	j := 0
	for _, iv := range a {
		for j < len(b) && !b[j].End.After(iv.Start) {
			j++ // b[j] lies wholly before iv, and so before every later interval of a
		}
		cur := iv.Start
		for k := j; k < len(b) && b[k].Start.Before(iv.End); k++ {
			if cur.Before(b[k].Start) {
				out = append(out, Interval{cur, b[k].Start})
			}
			cur = later(cur, b[k].End)
		}
		if cur.Before(iv.End) {
			out = append(out, Interval{cur, iv.End})
		}
	}
	return out
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
