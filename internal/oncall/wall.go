package oncall

import "time"

// civil is a wall-clock date and minute, without a zone. It is kept as a
// time.Time in UTC so civil arithmetic (add 24h, add 7 days) is exact and
// knows nothing of daylight saving.
type civil time.Time

func civilOf(t time.Time) civil {
	return civil(time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC))
}

func (c civil) add(d time.Duration) civil { return civil(time.Time(c).Add(d)) }

func (c civil) before(o civil) bool { return time.Time(c).Before(time.Time(o)) }

// at returns the first instant whose wall clock in loc reads c or later.
// That is the instant itself on an ordinary day, the first of the two on a
// fall-back night (01:30 happens twice; the hand-off is at the first), and
// the moment the clocks jump on a spring-forward night (02:30 never
// happens; the hand-off is at 03:00): so hand-offs never go backwards in
// time and a shift is never lost, only shortened or lengthened by the jump.
func (c civil) at(loc *time.Location) time.Time {
	ct := time.Time(c)
	guess := time.Date(ct.Year(), ct.Month(), ct.Day(), ct.Hour(), ct.Minute(), ct.Second(), 0, loc)
	// The candidates are c read with each offset in force around guess.
	var best time.Time
	for _, probe := range []time.Time{guess.Add(-26 * time.Hour), guess, guess.Add(26 * time.Hour)} {
		_, off := probe.Zone()
		cand := ct.Add(-time.Duration(off) * time.Second).In(loc)
		if civilOf(cand) == c && (best.IsZero() || cand.Before(best)) {
			best = cand
		}
	}
	if !best.IsZero() {
		return best
	}
	// c falls in a gap: the clocks jumped over it, and the hand-off is at
	// the jump, a bound of a zone period near guess.
	for _, probe := range []time.Time{guess.Add(-26 * time.Hour), guess, guess.Add(26 * time.Hour)} {
		start, end := probe.ZoneBounds()
		for _, jump := range []time.Time{start, end} {
			if jump.IsZero() || civilOf(jump.In(loc)).before(c) || !civilOf(jump.Add(-time.Second).In(loc)).before(c) {
				continue
			}
			if best.IsZero() || jump.Before(best) {
				best = jump
			}
		}
	}
	if !best.IsZero() {
		return best.In(loc)
	}
	return guess
}
