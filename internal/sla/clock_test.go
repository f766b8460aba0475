package sla

import (
	"slices"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

func TestFromEvents(t *testing.T) {
	t0 := jst("2026-01-05 10:00")
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	c := mustClock(t, time.Hour, nil,
		start(at(0)), pause(at(5)), resume(at(9)), pause(at(20)), resume(at(20)), pause(at(30)), stop(at(40)))
	want := []Pause{{at(5), at(9)}, {at(20), at(20)}, {at(30), time.Time{}}}
	if !c.Start.Equal(at(0)) || !c.Stop.Equal(at(40)) || !slices.EqualFunc(c.Pauses, want, func(a, b Pause) bool {
		return a.Start.Equal(b.Start) && a.End.Equal(b.End)
	}) {
		t.Fatalf("FromEvents = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate of a replayed clock: %v", err)
	}
	// Counted: 0-5, 9-20, 20-30 = 5 + 11 + 10 = 26m; stopped while paused.
	if st := Evaluate(c, at(60)); st.Elapsed != 26*time.Minute || st.State != StateMet {
		t.Fatalf("Evaluate = %s", show(st))
	}
}

func TestFromEventsRejects(t *testing.T) {
	t0 := jst("2026-01-05 10:00")
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	f := func(target time.Duration, events []Event, want string) {
		t.Helper()
		_, err := FromEvents(target, nil, events)
		if _, ok := invalid.As(err); !ok || err.Error() != want {
			t.Fatalf("FromEvents = %v, want *invalid.Error %q", err, want)
		}
	}
	h := time.Hour
	f(0, []Event{start(at(0))}, "target: must be positive, got 0s")
	f(h, nil, "events: must begin with a start event")
	f(h, []Event{pause(at(0))}, "events[0].kind: pause before the clock started")
	f(h, []Event{start(at(0)), start(at(1))}, "events[1].kind: start of a clock already started")
	f(h, []Event{start(at(0)), resume(at(1))}, "events[1].kind: resume of a clock that is not paused")
	f(h, []Event{start(at(0)), pause(at(1)), pause(at(2))}, "events[2].kind: pause of a clock already paused")
	f(h, []Event{start(at(0)), stop(at(1)), resume(at(2))}, "events[2].kind: resume after the clock stopped")
	f(h, []Event{start(at(0)), stop(at(1)), stop(at(2))}, "events[2].kind: stop after the clock stopped")
	f(h, []Event{start(at(0)), {At: at(1), Kind: "hold"}}, `events[1].kind: must be start, pause, resume or stop, got "hold"`)
	f(h, []Event{start(at(0)), {Kind: EventStop}}, "events[1].at: is required")
	f(h, []Event{start(at(0)), pause(at(60)), resume(at(59))},
		"events[2].at: 2026-01-05T10:59:00+09:00 is before events[1].at 2026-01-05T11:00:00+09:00: events must be in time order")
}

func TestValidate(t *testing.T) {
	t0 := jst("2026-01-05 10:00")
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	f := func(c Clock, want string) {
		t.Helper()
		err := c.Validate()
		if want == "" {
			if err != nil {
				t.Fatalf("Validate = %v", err)
			}
			return
		}
		if _, ok := invalid.As(err); !ok || err.Error() != want {
			t.Fatalf("Validate = %v, want *invalid.Error %q", err, want)
		}
	}
	ok := Clock{Target: time.Hour, Start: at(0), Pauses: []Pause{{at(1), at(2)}, {Start: at(3)}}, Stop: at(4)}
	f(ok, "")
	f(Clock{Target: time.Hour, Start: at(0), Warning: 0.9}, "")

	bad := ok
	bad.Target = -time.Minute
	f(bad, "target: must be positive, got -1m0s")
	bad = ok
	bad.Warning = 1
	f(bad, "warning: must be between 0 and 1 (0 for the default 0.75), got 1")
	bad = ok
	bad.Start = time.Time{}
	f(bad, "start: is required")
	bad = ok
	bad.Pauses = []Pause{{at(-1), at(2)}}
	f(bad, "pauses[0].start: must not be before 2026-01-05T10:00:00+09:00")
	bad.Pauses = []Pause{{at(1), at(5)}, {at(3), at(6)}}
	f(bad, "pauses[1].start: must not be before 2026-01-05T10:05:00+09:00")
	bad.Pauses = []Pause{{Start: at(1)}, {Start: at(3)}}
	f(bad, "pauses[0].end: is required: only the last pause may still be open")
	bad.Pauses = []Pause{{at(2), at(1)}}
	f(bad, "pauses[0].end: must not be before its start")
	bad.Pauses = []Pause{{at(1), at(9)}}
	f(bad, "stop: must not be before 2026-01-05T10:09:00+09:00")
}
