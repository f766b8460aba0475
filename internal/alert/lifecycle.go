package alert

import "time"

// change is what one observation does to an alert: a transition, a
// severity change, or nothing (nil).
type change struct {
	from, to State
	reason   string
	severity Severity
	value    *float64
	// Filled by the engine, not by step.
	valueText  string
	valueTexts Text // valueText in both languages, when unyo wrote it
	actor      string
}

// step applies one observation of a rule's series at time at to the alert
// the series has (nil when none is active). v is nil when the series is
// absent, which ends a pending alert and resolves a firing one, as in
// Prometheus. It is a pure function: the engine stores what it returns.
func step(c *condition, forDur time.Duration, cur *Alert, v *float64, at time.Time) *change {
	var sev Severity
	breach := false
	if v != nil {
		sev, breach = c.level(*v)
	}
	if cur == nil {
		switch {
		case !breach:
			return nil
		case forDur > 0:
			return &change{to: StatePending, reason: ReasonCondition, severity: sev, value: v}
		default:
			return &change{to: StateFiring, reason: ReasonCondition, severity: sev, value: v}
		}
	}
	switch cur.State {
	case StatePending:
		switch {
		case !breach:
			return &change{from: StatePending, to: StateResolved, reason: ReasonCleared, severity: cur.Severity, value: v}
		case !at.Before(cur.StartedAt.Add(forDur)):
			return &change{from: StatePending, to: StateFiring, reason: ReasonCondition, severity: sev, value: v}
		case sev != cur.Severity:
			return &change{from: StatePending, to: StatePending, reason: ReasonSeverity, severity: sev, value: v}
		}
	case StateFiring:
		switch {
		case v == nil || !c.holds(*v):
			return &change{from: StateFiring, to: StateResolved, reason: ReasonRecovered, severity: cur.Severity, value: v}
		case breach && sev != cur.Severity:
			return &change{from: StateFiring, to: StateFiring, reason: ReasonSeverity, severity: sev, value: v}
		}
	}
	return nil
}
