package incident

import (
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/sla"
)

// ClockName names one of an incident's SLA clocks.
type ClockName string

// The three clocks; each has its target in the service level.
const (
	ClockAcknowledge ClockName = "acknowledge"
	ClockIdentify    ClockName = "identify" // 原因特定: stops when the cause is recorded
	ClockResolve     ClockName = "resolve"
)

// clockNames is the order clocks are shown in.
var clockNames = []ClockName{ClockAcknowledge, ClockIdentify, ClockResolve}

// target returns the clock's target in level; zero means the service sets none.
func (c ClockName) target(level model.ServiceLevel) time.Duration {
	switch c {
	case ClockAcknowledge:
		return level.AcknowledgeTarget.Std()
	case ClockIdentify:
		return level.IdentifyTarget.Std()
	case ClockResolve:
		return level.ResolveTarget.Std()
	}
	return 0
}

// ClockStatus is one SLA clock of an incident as of an instant.
type ClockStatus struct {
	Clock      ClockName      `json:"clock"`
	Target     model.Duration `json:"target"`
	State      sla.State      `json:"state"`
	Elapsed    model.Duration `json:"elapsed"`
	Remaining  model.Duration `json:"remaining"`
	Deadline   *time.Time     `json:"deadline,omitempty"`
	WarnAt     *time.Time     `json:"warn_at,omitempty"`
	Warned     bool           `json:"warned"`
	BreachedAt *time.Time     `json:"breached_at,omitempty"`
}

// clockEvents are the stored events of an incident's clocks, by clock.
type clockEvents map[ClockName][]sla.Event

// last returns the kind of the clock's last event, "" when it has none.
func (ce clockEvents) last(c ClockName) sla.EventKind {
	ev := ce[c]
	if len(ev) == 0 {
		return ""
	}
	return ev[len(ev)-1].Kind
}

// clocks rebuilds the clocks that have a target in level; a clock whose
// events do not replay is left out and reported, so one bad row does not hide
// the others.
func (ce clockEvents) clocks(level model.ServiceLevel) (map[ClockName]sla.Clock, error) {
	sched, err := level.Calendar.Compile()
	if err != nil {
		sched = nil // validated on the way in; count 24x7 rather than stop unseen
	}
	out := map[ClockName]sla.Clock{}
	var firstErr error
	for _, name := range clockNames {
		target := name.target(level)
		if target <= 0 || len(ce[name]) == 0 {
			continue
		}
		c, err := sla.FromEvents(target, sched, ce[name])
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		out[name] = c
	}
	return out, firstErr
}

// statuses evaluates the clocks as of now, in display order.
func statuses(clocks map[ClockName]sla.Clock, now time.Time) []ClockStatus {
	var out []ClockStatus
	for _, name := range clockNames {
		c, ok := clocks[name]
		if !ok {
			continue
		}
		st := sla.Evaluate(c, now)
		out = append(out, ClockStatus{
			Clock: name, Target: model.Duration(c.Target), State: st.State,
			Elapsed: model.Duration(st.Elapsed), Remaining: model.Duration(st.Remaining),
			Deadline: instant(st.Deadline), WarnAt: instant(st.WarnAt), Warned: st.Warned,
			BreachedAt: instant(st.BreachedAt),
		})
	}
	return out
}

func instant(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
