package sla

import (
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
)

// State is where a clock stands.
type State string

// A clock is breached from the instant its elapsed time reaches the target, whether
// or not it is still running; otherwise it is met once stopped, else paused or running.
const (
	StateRunning  State = "running"
	StatePaused   State = "paused"
	StateMet      State = "met"
	StateBreached State = "breached"
)

// Status is a clock as of one instant.
type Status struct {
	State     State
	Elapsed   time.Duration // business time counted, pauses excluded
	Remaining time.Duration // Target - Elapsed; negative once breached: how far over
	// Deadline is when the clock reaches its target if it keeps running: in the past
	// once breached; zero while paused and once stopped.
	Deadline time.Time
	// Warned reports that Elapsed has reached the warning share of the target.
	Warned bool
	// WarnAt is when Elapsed reached (Warned) or, running, will reach the warning share;
	// zero otherwise. It depends only on the events, so it can key a notification sent once.
	WarnAt time.Time
	// BreachedAt is when Elapsed reached the target; zero unless breached.
	BreachedAt time.Time
}

// Evaluate returns the clock as of now. Events after now are ignored: a stop or a
// pause in the future has not happened yet. The clock should be valid (FromEvents or
// Validate); an invalid one gives meaningless figures but Evaluate still returns.
func Evaluate(c Clock, now time.Time) Status {
	tl := timelineOf(c, now)
	elapsed := tl.elapsed(now)
	warn := warnShare(c)
	st := Status{
		Elapsed:   elapsed,
		Remaining: c.Target - elapsed,
		Warned:    elapsed >= warn,
		WarnAt:    tl.reach(warn),
	}
	breached := elapsed >= c.Target
	if breached {
		st.BreachedAt = tl.reach(c.Target)
	}
	if tl.phase == running {
		st.Deadline = tl.reach(c.Target)
	}
	st.State = stateOf(tl.phase, breached)
	return st
}

func stateOf(p phase, breached bool) State {
	switch {
	case breached:
		return StateBreached
	case p == stopped:
		return StateMet
	case p == paused:
		return StatePaused
	}
	return StateRunning
}

// warnShare is the elapsed time that raises the warning. Rounding the product to the
// nanosecond is harmless and keeps 75% of whole minutes exact.
func warnShare(c Clock) time.Duration {
	w := c.Warning
	if w == 0 {
		w = DefaultWarning
	}
	return time.Duration(float64(c.Target) * w)
}

type phase int

const (
	running phase = iota
	paused
	stopped
)

// timeline is the stretches during which a clock counted, as of some instant. While
// running, the last stretch is open (zero End): it counts up to now, and is projected
// forward for the deadline.
type timeline struct {
	cal   *calendar.Schedule
	runs  []calendar.Interval
	phase phase
}

func timelineOf(c Clock, now time.Time) timeline {
	tl := timeline{cal: c.Calendar, phase: running}
	horizon := now
	if !c.Stop.IsZero() && !c.Stop.After(now) {
		horizon, tl.phase = c.Stop, stopped
	}
	from := c.Start
	for _, p := range c.Pauses {
		if p.Start.After(horizon) {
			break // not paused yet as of horizon; a pause at horizon has taken effect
		}
		tl.runs = append(tl.runs, calendar.Interval{Start: from, End: p.Start})
		if p.End.IsZero() || p.End.After(horizon) {
			if tl.phase == running {
				tl.phase = paused
			}
			return tl
		}
		from = p.End
	}
	end := horizon
	if tl.phase == running {
		end = time.Time{}
	}
	tl.runs = append(tl.runs, calendar.Interval{Start: from, End: end})
	return tl
}

func (tl timeline) elapsed(now time.Time) time.Duration {
	var total time.Duration
	for _, r := range tl.runs {
		end := r.End
		if end.IsZero() {
			end = now
		}
		total += tl.cal.Elapsed(r.Start, end)
	}
	return total
}

// reach returns the instant at which the clock's elapsed time reaches x, projecting an
// open last stretch into the future; zero if the clock paused or stopped short of x.
func (tl timeline) reach(x time.Duration) time.Time {
	for _, r := range tl.runs {
		if r.End.IsZero() {
			return tl.cal.Add(r.Start, x)
		}
		n := tl.cal.Elapsed(r.Start, r.End)
		if x <= n {
			return tl.cal.Add(r.Start, x)
		}
		x -= n
	}
	return time.Time{}
}
