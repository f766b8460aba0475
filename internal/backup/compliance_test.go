package backup

import (
	"slices"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
)

// TestEvaluate: each rule of compliance, and the moment the status next
// changes by the clock alone.
func TestEvaluate(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, tokyo)
	p := &Policy{ID: 1, Name: "db", Schedule: "0 2 * * *", EffectiveRPO: model.Duration(26 * time.Hour),
		Grace: model.Duration(time.Hour), CreatedAt: day.AddDate(0, 0, -30)}
	sched, _ := ParseSchedule(p.Schedule)
	ok := func(point time.Time) *Job {
		return &Job{Status: StatusOK, StartedAt: point, FinishedAt: point.Add(20 * time.Minute), RecoveryPoint: point}
	}
	f := func(name string, facts Facts, now time.Time, state State, conds []Condition, next time.Time) {
		t.Helper()
		st := Evaluate(p, facts, sched, tokyo, now)
		if st.State != state || !slices.Equal(st.Conditions, conds) || !st.next.Equal(next) {
			t.Errorf("%s: %s %v next %s, want %s %v next %s", name, st.State, st.Conditions, st.next.In(tokyo), state, conds, next.In(tokyo))
		}
	}
	last := ok(day.Add(2 * time.Hour)) // today's 02:00 run
	good := Facts{LastGood: last, Last: last, LastStart: last.StartedAt}
	// At 10:00: fine; next change is tomorrow's run grace end (03:00), before the RPO (04:00).
	f("fresh", good, day.Add(10*time.Hour), StateOK, []Condition{}, day.Add(27*time.Hour))
	// Tomorrow 03:00: the 02:00 run did not start: missing; the RPO crosses at 04:00 exactly.
	f("missed", good, day.Add(27*time.Hour), StateAtRisk, []Condition{ConditionMissed}, day.Add(28*time.Hour))
	f("one ms before the RPO", good, day.Add(28*time.Hour-time.Millisecond), StateAtRisk, []Condition{ConditionMissed}, day.Add(28*time.Hour))
	f("at the RPO", good, day.Add(28*time.Hour), StateAtRisk, []Condition{ConditionRPO, ConditionMissed}, day.Add(51*time.Hour))
	// A failed job after a good one: failed, though the good point is within the RPO.
	failed := &Job{Status: StatusFailed, StartedAt: day.Add(26 * time.Hour), FinishedAt: day.Add(26*time.Hour + 5*time.Minute)}
	f("failed", Facts{LastGood: last, Last: failed, LastStart: failed.StartedAt}, day.Add(27*time.Hour), StateFailed, []Condition{ConditionFailed}, day.Add(28*time.Hour))
	// A run started 30 minutes early counts (within the grace).
	early := ok(day.Add(25*time.Hour + 30*time.Minute))
	f("early run", Facts{LastGood: early, Last: early, LastStart: early.StartedAt}, day.Add(27*time.Hour), StateOK, []Condition{}, day.Add(51*time.Hour))
	// No job ever: the RPO runs from the policy's creation; runs before it are not missing.
	p.CreatedAt = day.Add(10 * time.Hour)
	f("new policy", Facts{}, day.Add(11*time.Hour), StateOK, []Condition{}, day.Add(27*time.Hour))
	f("new policy, nothing by the RPO", Facts{}, day.Add(36*time.Hour), StateAtRisk, []Condition{ConditionRPO, ConditionMissed}, day.Add(51*time.Hour))
	// A partial job is not a good point and counts as failed.
	partial := &Job{Status: StatusPartial, StartedAt: day.Add(11 * time.Hour), FinishedAt: day.Add(11 * time.Hour), RecoveryPoint: day.Add(11 * time.Hour)}
	f("partial", Facts{Last: partial, LastStart: partial.StartedAt}, day.Add(12*time.Hour), StateFailed, []Condition{ConditionFailed}, day.Add(27*time.Hour))
}
