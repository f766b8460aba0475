package backup

import (
	"slices"
	"time"
)

// The rules beyond the RPO, the failed job and the missed run. Each adds
// its condition to st and the moment it next changes by the clock alone.

// sizeRule: the newest good job is suspect when smaller than
// SizeLowPercent or larger than SizeHighPercent of the median size of the
// good jobs before it (up to SizeHistory, at least SizeMinHistory; jobs
// that sent no size are left out). A backup that suddenly halves has often
// lost a database; one that doubles often holds what should not be there.
func (st *Status) sizeRule(p *Policy, f Facts) {
	if len(f.Sizes) == 0 || f.Sizes[0] <= 0 || f.LastGood == nil {
		return
	}
	prior := make([]int64, 0, SizeHistory)
	for _, v := range f.Sizes[1:] {
		if v > 0 && len(prior) < SizeHistory {
			prior = append(prior, v)
		}
	}
	if len(prior) < SizeMinHistory {
		return
	}
	st.MedianSize, st.lastGoodSize = median(prior), f.Sizes[0]
	size, m := f.Sizes[0], st.MedianSize
	if size*100 < m*int64(p.SizeLowPercent) || size*100 > m*int64(p.SizeHighPercent) {
		st.add(ConditionSize, f.LastGood.FinishedAt)
	}
}

// median of vs (the mean of the middle two for an even count); vs is
// reordered.
func median(vs []int64) int64 {
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

// retentionRule: once the policy is older than its retention, the oldest
// good point still kept (the oldest recovery point its vaults hold when the
// poller reads them, else the oldest good job's point within the
// retention) must be
// at least retention - RPO old: points are taken at least once per RPO, so
// a younger oldest point means the history the retention promises is not
// there (jobs deleted early, a gap of failures, a tool keeping less).
func (st *Status) retentionRule(p *Policy, f Facts, now time.Time) {
	retention := time.Duration(p.Retention)
	if retention <= 0 {
		return
	}
	if full := p.CreatedAt.Add(retention); now.Before(full) {
		st.wake(full)
		return
	}
	want := retention - time.Duration(p.EffectiveRPO)
	var point time.Time
	switch {
	case p.Restorable != nil:
		// The vault knows what it keeps; the history only what unyo saw
		// (jobs from before unyo, points the vault already deleted).
		point = p.Restorable.Oldest
	case f.Oldest != nil:
		point = f.Oldest.RecoveryPoint
	default:
		st.add(ConditionRetention, now)
		return
	}
	st.OldestPoint = &point
	st.wake(point.Add(retention)) // it expires: the next one is the oldest
	if now.Sub(point) < want {
		st.add(ConditionRetention, now)
		st.wake(point.Add(want))
	}
}

// restoreRule: the restore test plan's due test must have started by its
// due moment plus the plan's grace.
func (st *Status) restoreRule(p *Policy, f Facts, loc *time.Location, now time.Time) {
	st.LastRestoreTest = f.LastRestore
	plan, err := ParseRestorePlan(p.RestorePlan)
	if err != nil || !plan.Planned() {
		return
	}
	since := p.CreatedAt
	if p.RestorePlanSince != nil {
		since = *p.RestorePlanSince
	}
	var last time.Time
	if f.LastRestore != nil {
		last = f.LastRestore.StartedAt
	}
	grace := time.Duration(p.RestoreGrace)
	due, overdue, next := plan.Due(last, since, grace, loc, now)
	if !due.IsZero() {
		st.RestoreDue = &due
	}
	if overdue {
		st.add(ConditionRestoreOverdue, due.Add(grace))
	} else if !next.IsZero() {
		st.wake(next)
	}
}
