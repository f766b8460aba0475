// Package sla keeps the SLA clocks of an incident or request: time to acknowledge,
// time to identify the cause (原因特定までの目標時間) and time to resolve. A clock
// counts business time on the service's calendar, pauses while the ticket is On Hold,
// and is evaluated as of any instant, so the scheduler, the incident page and the
// monthly report all read the same figures. docs/sla-and-calendars.md has the rules.
package sla

import (
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// DefaultWarning is the share of the target after which a clock warns, when Clock.Warning is 0.
const DefaultWarning = 0.75

// EventKind is what happened to a clock.
type EventKind string

// The events of a clock's life, in the only orders FromEvents accepts:
// start (pause resume)* [pause] [stop].
const (
	EventStart  EventKind = "start"
	EventPause  EventKind = "pause"  // the ticket went On Hold
	EventResume EventKind = "resume" // it left On Hold
	EventStop   EventKind = "stop"   // acknowledged, cause identified, or resolved
)

// Event is one stored change of a clock.
type Event struct {
	At   time.Time `json:"at"`
	Kind EventKind `json:"kind"`
}

// Pause is a stretch during which the clock did not count; End is zero while still paused.
type Pause struct {
	Start time.Time
	End   time.Time
}

// Clock is one SLA clock: a target of business time, counted on Calendar from Start,
// except during Pauses, until Stop (zero while it has not stopped).
type Clock struct {
	Target   time.Duration
	Calendar *calendar.Schedule // nil counts 24x7
	Start    time.Time
	Pauses   []Pause // in order, not overlapping; only the last may be open
	Stop     time.Time
	Warning  float64 // share of Target that raises the warning, in (0, 1); 0 means DefaultWarning
}

// FromEvents replays the stored events of a clock. Events must be in time order
// (equal instants are kept in the order given) and follow the life of a clock:
// one start first, pause and resume alternating, at most one stop and nothing after it.
// A stop while paused is allowed: the ticket was resolved straight from On Hold.
func FromEvents(target time.Duration, cal *calendar.Schedule, events []Event) (Clock, error) {
	c := Clock{Target: target, Calendar: cal}
	if target <= 0 {
		return c, invalid.New("target", "must be positive, got %v", target)
	}
	if len(events) == 0 {
		return c, invalid.New("events", "must begin with a start event")
	}
	for i, e := range events {
		field := fmt.Sprintf("events[%d]", i)
		if e.At.IsZero() {
			return c, invalid.New(field+".at", "is required")
		}
		if i > 0 && e.At.Before(events[i-1].At) {
			return c, invalid.New(field+".at", "%s is before events[%d].at %s: events must be in time order",
				e.At.Format(time.RFC3339Nano), i-1, events[i-1].At.Format(time.RFC3339Nano))
		}
		if err := c.apply(e); err != nil {
			return c, invalid.Prefix(field+".kind", err)
		}
	}
	return c, nil
}

func (c *Clock) apply(e Event) error {
	started, stopped, paused := !c.Start.IsZero(), !c.Stop.IsZero(), c.paused()
	switch {
	case e.Kind != EventStart && e.Kind != EventPause && e.Kind != EventResume && e.Kind != EventStop:
		return invalid.New("", "must be start, pause, resume or stop, got %q", e.Kind)
	case stopped:
		return invalid.New("", "%s after the clock stopped", e.Kind)
	case e.Kind == EventStart && started:
		return invalid.New("", "start of a clock already started")
	case e.Kind != EventStart && !started:
		return invalid.New("", "%s before the clock started", e.Kind)
	case e.Kind == EventPause && paused:
		return invalid.New("", "pause of a clock already paused")
	case e.Kind == EventResume && !paused:
		return invalid.New("", "resume of a clock that is not paused")
	}
	switch e.Kind {
	case EventStart:
		c.Start = e.At
	case EventPause:
		c.Pauses = append(c.Pauses, Pause{Start: e.At})
	case EventResume:
		c.Pauses[len(c.Pauses)-1].End = e.At
	case EventStop:
		c.Stop = e.At
	}
	return nil
}

func (c Clock) paused() bool { return len(c.Pauses) > 0 && c.Pauses[len(c.Pauses)-1].End.IsZero() }

// Validate checks a Clock built by hand rather than by FromEvents.
func (c Clock) Validate() error {
	if c.Target <= 0 {
		return invalid.New("target", "must be positive, got %v", c.Target)
	}
	if c.Warning < 0 || c.Warning >= 1 {
		return invalid.New("warning", "must be between 0 and 1 (0 for the default %v), got %v", DefaultWarning, c.Warning)
	}
	if c.Start.IsZero() {
		return invalid.New("start", "is required")
	}
	last := c.Start // no pause may begin before the previous one ended
	for i, p := range c.Pauses {
		field := fmt.Sprintf("pauses[%d]", i)
		if p.Start.Before(last) {
			return invalid.New(field+".start", "must not be before %s", last.Format(time.RFC3339Nano))
		}
		if p.End.IsZero() && i != len(c.Pauses)-1 {
			return invalid.New(field+".end", "is required: only the last pause may still be open")
		}
		if !p.End.IsZero() && p.End.Before(p.Start) {
			return invalid.New(field+".end", "must not be before its start")
		}
		last = later(p.Start, p.End)
	}
	if !c.Stop.IsZero() && c.Stop.Before(last) {
		return invalid.New("stop", "must not be before %s", last.Format(time.RFC3339Nano))
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
