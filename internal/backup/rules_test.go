package backup

import (
	"slices"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
)

// TestSizeRule: the newest good job against the median of the good jobs
// before it, with the policy's own bounds; too short a history says nothing.
func TestSizeRule(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	sched, _ := ParseSchedule("0 2 * * *")
	f := func(name string, low, high int, sizes []int64, want bool, median int64) {
		t.Helper()
		p := &Policy{ID: 1, Name: "db", EffectiveRPO: model.Duration(48 * time.Hour), Grace: DefaultGrace, CreatedAt: now.Add(-time.Hour),
			SizeLowPercent: low, SizeHighPercent: high}
		last := &Job{Status: StatusOK, StartedAt: now, FinishedAt: now, RecoveryPoint: now, SizeBytes: sizes[0]}
		st := Evaluate(p, Facts{LastGood: last, Last: last, LastStart: now, Sizes: sizes}, sched, time.UTC, now)
		if got := slices.Contains(st.Conditions, ConditionSize); got != want || st.MedianSize != median {
			t.Errorf("%s: size_anomaly %v median %d, want %v median %d (%v)", name, got, st.MedianSize, want, median, st.Conditions)
		}
		if want && st.State != StateAtRisk {
			t.Errorf("%s: state %s, want at_risk", name, st.State)
		}
	}
	ten := []int64{100, 100, 100, 100, 100, 100, 100, 100, 100, 100}
	f("normal", 50, 200, append([]int64{100}, ten...), false, 100)
	f("exactly half", 50, 200, append([]int64{50}, ten...), false, 100)
	f("under half", 50, 200, append([]int64{49}, ten...), true, 100)
	f("exactly double", 50, 200, append([]int64{200}, ten...), false, 100)
	f("over double", 50, 200, append([]int64{201}, ten...), true, 100)
	f("the policy's tighter bound", 90, 110, append([]int64{89}, ten...), true, 100)
	f("the policy's looser bound", 10, 1000, append([]int64{11}, ten...), false, 100)
	// The median, not the mean: one huge job does not move it; even counts take the middle two.
	f("median of four", 50, 200, []int64{70, 100, 120, 10000, 140}, false, 130)
	f("median of three", 50, 200, []int64{40, 100, 120, 10000}, true, 120)
	f("two before: too few", 50, 200, []int64{1, 100, 100}, false, 0)
	f("sizes not sent are left out", 50, 200, []int64{1, 0, 100, 0, 100}, false, 0)
	f("newest without a size", 50, 200, append([]int64{0}, ten...), false, 0)
	// Only the ten before count: an eleventh (huge) would change the median if read.
	f("ten before", 50, 200, []int64{40, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, true, 100)
}

// TestRetentionRule: once the policy is older than its retention, the
// oldest point kept must be at least retention - RPO old.
func TestRetentionRule(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	sched, _ := ParseSchedule("every 1h")
	p := &Policy{ID: 1, Name: "db", EffectiveRPO: model.Duration(2 * time.Hour), Retention: model.Duration(24 * time.Hour),
		Grace: DefaultGrace, SizeLowPercent: 50, SizeHighPercent: 200}
	at := func(ago time.Duration) *Job {
		return &Job{Status: StatusOK, StartedAt: now.Add(-ago), FinishedAt: now.Add(-ago), RecoveryPoint: now.Add(-ago)}
	}
	last := at(10 * time.Minute)
	f := func(name string, created time.Duration, oldest *Job, want bool, wake time.Time) {
		t.Helper()
		p.CreatedAt = now.Add(-created)
		st := Evaluate(p, Facts{LastGood: last, Last: last, LastStart: last.StartedAt, Oldest: oldest}, sched, time.UTC, now)
		if got := slices.Contains(st.Conditions, ConditionRetention); got != want {
			t.Errorf("%s: retention_short %v, want %v (%v)", name, got, want, st.Conditions)
		}
		if !wake.IsZero() && !st.next.Equal(wake) {
			t.Errorf("%s: next %s, want %s", name, st.next, wake)
		}
	}
	f("younger than its retention", 20*time.Hour, nil, false, time.Time{})
	f("oldest 23h old: within one RPO of 24h", 30*24*time.Hour, at(23*time.Hour), false, time.Time{})
	f("oldest exactly 22h old", 30*24*time.Hour, at(22*time.Hour), false, time.Time{})
	f("oldest 21h59m old: history missing", 30*24*time.Hour, at(22*time.Hour-time.Minute), true, time.Time{})
	f("nothing kept", 30*24*time.Hour, nil, true, time.Time{})
	// The oldest expires at its point + retention: the next one is judged then.
	f("wakes when the oldest expires", 30*24*time.Hour, at(23*time.Hour+59*time.Minute), false, now.Add(time.Minute))
}

// TestRestoreRule: an interval plan is due after the last test (or the
// plan's start), a cron plan at each run; overdue after the grace.
func TestRestoreRule(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	since := time.Date(2026, 1, 15, 9, 0, 0, 0, tokyo)
	sched, _ := ParseSchedule("0 2 * * *")
	f := func(name, plan string, last time.Time, now time.Time, overdue bool, due time.Time) {
		t.Helper()
		p := &Policy{ID: 1, Name: "db", Schedule: "0 2 * * *", EffectiveRPO: model.Duration(24 * 365 * time.Hour), Grace: DefaultGrace,
			CreatedAt: since.AddDate(-1, 0, 0), RestorePlan: plan, RestoreGrace: model.Duration(7 * 24 * time.Hour), RestorePlanSince: &since}
		var facts Facts
		facts.LastStart = now
		if !last.IsZero() {
			facts.LastRestore = &RestoreTest{StartedAt: last, FinishedAt: last.Add(time.Hour), Result: RestoreOK}
		}
		st := Evaluate(p, facts, sched, tokyo, now)
		if got := slices.Contains(st.Conditions, ConditionRestoreOverdue); got != overdue {
			t.Errorf("%s: overdue %v, want %v (%v)", name, got, overdue, st.Conditions)
		}
		if st.RestoreDue == nil || !st.RestoreDue.Equal(due) {
			t.Errorf("%s: due %v, want %s", name, st.RestoreDue, due)
		}
	}
	q1 := since.AddDate(0, 3, 0) // 2026-04-15 09:00
	f("quarterly, never tested, within", "quarterly", time.Time{}, q1.AddDate(0, 0, 6), false, q1)
	f("quarterly, never tested, grace over", "quarterly", time.Time{}, q1.AddDate(0, 0, 7), true, q1)
	tested := time.Date(2026, 4, 1, 10, 0, 0, 0, tokyo)
	f("quarterly, tested early", "quarterly", tested, q1.AddDate(0, 0, 7), false, tested.AddDate(0, 3, 0))
	f("every 720h", "every 720h", tested, tested.Add(720*time.Hour+7*24*time.Hour), true, tested.Add(720*time.Hour))
	// Cron: the 1st of each quarter at 10:00 Tokyo.
	run := time.Date(2026, 4, 1, 10, 0, 0, 0, tokyo)
	f("cron, no test for the run", "0 10 1 1,4,7,10 *", time.Time{}, run.AddDate(0, 0, 7), true, run)
	f("cron, one minute before the grace ends", "0 10 1 1,4,7,10 *", time.Time{}, run.AddDate(0, 0, 7).Add(-time.Minute), false, run)
	f("cron, tested a week before the run", "0 10 1 1,4,7,10 *", run.AddDate(0, 0, -7), run.AddDate(0, 0, 8), false, time.Date(2026, 7, 1, 10, 0, 0, 0, tokyo))
	f("cron, tested before the previous run", "0 10 1 1,4,7,10 *", time.Date(2025, 12, 20, 0, 0, 0, 0, tokyo), run.AddDate(0, 0, 8), true, run)
	// A run before the plan was set asks nothing.
	f("cron, run before the plan", "0 10 1 1,4,7,10 *", time.Time{}, time.Date(2026, 1, 20, 0, 0, 0, 0, tokyo), false, run)

	for _, bad := range []string{"weekly-ish", "every 30m", "every x", "61 * * * *"} {
		if _, err := ParseRestorePlan(bad); err == nil {
			t.Errorf("plan %q accepted", bad)
		}
	}
}

// FuzzParseRestorePlan: any text is a plan or an error, never a panic, and
// a plan's due moment is never before the plan began.
func FuzzParseRestorePlan(f *testing.F) {
	for _, s := range []string{"", "quarterly", "monthly", "every 2160h", "every 1h", "0 10 1 1,4,7,10 *", "*/5 * * * *", "every -1h", "yearly "} {
		f.Add(s)
	}
	since := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		plan, err := ParseRestorePlan(s)
		if err != nil || !plan.Planned() {
			return
		}
		due, _, _ := plan.Due(time.Time{}, since, time.Hour, time.UTC, since.AddDate(0, 4, 0))
		if !due.IsZero() && due.Before(since) {
			t.Errorf("plan %q due %s before it began %s", s, due, since)
		}
	})
}

// TestRestorableSpan: the span the vaults hold overrides the history for
// the retention (the vault's oldest, older or younger than the history's)
// and counts for the RPO only when its newest point is newer than the
// newest good job.
func TestRestorableSpan(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	sched, _ := ParseSchedule("every 1h")
	job := func(ago time.Duration) *Job {
		return &Job{Status: StatusOK, StartedAt: now.Add(-ago), FinishedAt: now.Add(-ago), RecoveryPoint: now.Add(-ago)}
	}
	f := func(name string, newestJob, oldestJob time.Duration, held *Restorable, rpo, retention bool, point time.Time) {
		t.Helper()
		p := &Policy{ID: 1, Name: "db", EffectiveRPO: model.Duration(2 * time.Hour), Retention: model.Duration(24 * time.Hour),
			Grace: DefaultGrace, SizeLowPercent: 50, SizeHighPercent: 200, CreatedAt: now.Add(-48 * time.Hour), Restorable: held}
		last := job(newestJob)
		st := Evaluate(p, Facts{LastGood: last, Last: last, LastStart: now, Oldest: job(oldestJob)}, sched, time.UTC, now)
		if got := slices.Contains(st.Conditions, ConditionRPO); got != rpo {
			t.Errorf("%s: rpo_exceeded %v, want %v (%v)", name, got, rpo, st.Conditions)
		}
		if got := slices.Contains(st.Conditions, ConditionRetention); got != retention {
			t.Errorf("%s: retention_short %v, want %v (%v)", name, got, retention, st.Conditions)
		}
		if st.LastGoodPoint == nil || !st.LastGoodPoint.Equal(point) {
			t.Errorf("%s: last good point %v, want %v", name, st.LastGoodPoint, point)
		}
	}
	span := func(oldest, newest time.Duration) *Restorable {
		return &Restorable{Oldest: now.Add(-oldest), Newest: now.Add(-newest)}
	}
	f("history only", 3*time.Hour, 23*time.Hour, nil, true, false, now.Add(-3*time.Hour))
	f("vault's newer point keeps the RPO", 3*time.Hour, 23*time.Hour, span(23*time.Hour, time.Hour), false, false, now.Add(-time.Hour))
	f("an older vault point does not hide a newer job", time.Hour, 23*time.Hour, span(23*time.Hour, 5*time.Hour), false, false, now.Add(-time.Hour))
	f("the vault keeps less than the history saw", time.Hour, 23*time.Hour, span(10*time.Hour, time.Hour), false, true, now.Add(-time.Hour))
	f("the vault keeps more than the history saw", time.Hour, 5*time.Hour, span(22*time.Hour, time.Hour), false, false, now.Add(-time.Hour))
}
