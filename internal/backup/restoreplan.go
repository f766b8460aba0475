package backup

import (
	"fmt"
	"strings"
	"time"
)

// RestorePlan is how often a policy's restore is to be tested (リカバリ訓練):
// "monthly", "quarterly", "half-yearly" or "yearly" (calendar months after
// the last test), "every <duration>" after the last test ("every 2160h"),
// or five cron fields whose every run asks for a test ("0 10 1 1,4,7,10 *").
// The zero plan plans nothing.
type RestorePlan struct {
	months int
	every  time.Duration
	cron   *Schedule
}

// namedPlans are the calendar plans, in months.
var namedPlans = map[string]int{"monthly": 1, "quarterly": 3, "half-yearly": 6, "yearly": 12}

// ParseRestorePlan reads a restore test plan; "" is no plan.
func ParseRestorePlan(s string) (RestorePlan, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return RestorePlan{}, nil
	}
	if m, ok := namedPlans[s]; ok {
		return RestorePlan{months: m}, nil
	}
	if rest, ok := strings.CutPrefix(s, "every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil || d < time.Hour {
			return RestorePlan{}, fmt.Errorf("%q is not a duration of at least 1h, such as 2160h", rest)
		}
		return RestorePlan{every: d}, nil
	}
	if len(strings.Fields(s)) == 5 {
		sc, err := ParseSchedule(s)
		if err != nil {
			return RestorePlan{}, err
		}
		return RestorePlan{cron: &sc}, nil
	}
	return RestorePlan{}, fmt.Errorf("%q is none of monthly, quarterly, half-yearly, yearly, \"every <duration>\" or five cron fields", s)
}

// Planned says whether the plan asks for tests at all.
func (rp RestorePlan) Planned() bool { return rp.months > 0 || rp.every > 0 || rp.cron != nil }

// Due returns when the next restore test is due, given the start of the
// newest test (zero: none yet) and since, when the plan was set; overdue is
// true once that moment plus grace has passed at now. next is the moment
// the answer next changes by the clock alone (zero: never).
//
// An interval plan is due its interval after the newest test (after since
// when there is none). A cron plan is due at each run: the run is met by a
// test started after the run before it, so a test done a little early counts.
func (rp RestorePlan) Due(last, since time.Time, grace time.Duration, loc *time.Location, now time.Time) (due time.Time, overdue bool, next time.Time) {
	switch {
	case rp.cron != nil:
		run := rp.cron.Prev(now.Add(-grace), loc)
		if !run.IsZero() && !run.Before(since) {
			before := rp.cron.Prev(run.Add(-time.Minute), loc)
			if last.IsZero() || !last.After(before) {
				return run, true, time.Time{}
			}
		}
		due = rp.cron.Next(now.Add(-grace), loc)
		if due.IsZero() {
			return due, false, time.Time{}
		}
		return due, false, due.Add(grace)
	case rp.months > 0 || rp.every > 0:
		ref := since
		if !last.IsZero() {
			ref = last
		}
		if rp.months > 0 {
			due = ref.In(loc).AddDate(0, rp.months, 0)
		} else {
			due = ref.Add(rp.every)
		}
		if !now.Before(due.Add(grace)) {
			return due, true, time.Time{}
		}
		return due, false, due.Add(grace)
	}
	return time.Time{}, false, time.Time{}
}
