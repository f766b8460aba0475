package backup

import (
	"context"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
)

// State is a policy's compliance at one moment.
type State string

// The states, worst last.
const (
	StateOK     State = "ok"
	StateAtRisk State = "at_risk" // the RPO is exceeded or a scheduled run is missing
	StateFailed State = "failed"  // the newest job failed (or saved only part)
)

// Condition is one reason a policy is not ok; each is one alert.
type Condition string

// The conditions.
const (
	ConditionRPO    Condition = "rpo_exceeded" // the newest good recovery point is older than the RPO
	ConditionFailed Condition = "job_failed"   // the newest job failed or was partial
	ConditionMissed Condition = "run_missed"   // no job started for a scheduled run within the grace
	// ConditionSize: the newest good job's size is outside the policy's
	// bounds around the median of its previous good jobs.
	ConditionSize Condition = "size_anomaly"
	// ConditionRetention: the oldest point still kept is younger than the
	// retention promises (by more than one RPO).
	ConditionRetention Condition = "retention_short"
	// ConditionRestoreOverdue: the restore test plan's due test is later
	// than its grace.
	ConditionRestoreOverdue Condition = "restore_test_overdue"
)

// Conditions lists every condition, in the order they are evaluated.
var Conditions = []Condition{ConditionRPO, ConditionFailed, ConditionMissed, ConditionSize, ConditionRetention, ConditionRestoreOverdue}

// The size rule compares a good job with the median of up to SizeHistory
// good jobs before it, once there are at least SizeMinHistory of them.
const (
	SizeHistory    = 10
	SizeMinHistory = 3
)

// Status is a policy's compliance, as the status API shows it.
type Status struct {
	PolicyID   int64       `json:"policy_id"`
	Policy     string      `json:"policy"`
	State      State       `json:"state"`
	Conditions []Condition `json:"conditions"`
	// LastGoodPoint is the newest good recovery point; its age is measured
	// against the RPO.
	LastGoodPoint *time.Time     `json:"last_good_point"`
	Age           model.Duration `json:"age,omitempty"`
	RPO           model.Duration `json:"rpo"`
	// RPODeadline is when the RPO is (or was) crossed without a newer good
	// point: the last good point plus the RPO, or the policy's creation
	// plus the RPO while it has none.
	RPODeadline *time.Time `json:"rpo_deadline,omitempty"`
	MissedRun   *time.Time `json:"missed_run,omitempty"` // the scheduled run that did not start
	LastJob     *Job       `json:"last_job"`
	// MedianSize is the median size of the good jobs before the newest
	// one (0: too few to judge); the size rule compares with it.
	MedianSize int64 `json:"median_size,omitempty"`
	// OldestPoint is the oldest good recovery point still within the
	// retention; the retention rule measures its age.
	OldestPoint *time.Time `json:"oldest_point,omitempty"`
	// RestoreDue is when the restore test plan wants the next test (or
	// wanted the overdue one); LastRestoreTest is the newest test.
	RestoreDue      *time.Time   `json:"restore_due,omitempty"`
	LastRestoreTest *RestoreTest `json:"last_restore_test"`
	lastGoodSize    int64        // the newest good job's size, for the size alert
	// next is the first moment the status can change without new data.
	next  time.Time
	since map[Condition]time.Time // when each condition began
}

// Evaluate computes p's compliance at now from its history; sched and loc
// are its schedule and its tenant's time zone.
func Evaluate(p *Policy, f Facts, sched Schedule, loc *time.Location, now time.Time) Status {
	st := Status{PolicyID: p.ID, Policy: p.Name, State: StateOK, Conditions: []Condition{}, RPO: p.EffectiveRPO,
		LastJob: f.Last, since: map[Condition]time.Time{}}
	ref := p.CreatedAt
	var point *time.Time
	if f.LastGood != nil {
		point = &f.LastGood.RecoveryPoint
	}
	// The vault's newest recovery point counts when newer than the jobs
	// say: a point made by a job unyo did not see is still restorable.
	if p.Restorable != nil && (point == nil || p.Restorable.Newest.After(*point)) {
		point = &p.Restorable.Newest
	}
	if point != nil {
		at := *point
		st.LastGoodPoint, ref = &at, at
		st.Age = model.Duration(now.Sub(at).Truncate(time.Second))
	}
	if p.EffectiveRPO > 0 {
		deadline := ref.Add(time.Duration(p.EffectiveRPO))
		st.RPODeadline = &deadline
		if !now.Before(deadline) {
			st.add(ConditionRPO, deadline)
		} else {
			st.wake(deadline)
		}
	}
	// A failed run of an agent's backup item is alerted by the item itself
	// (its severity, its incident policy): one failure, one alert.
	if f.Last != nil && !f.Last.Good() && f.Last.Source != OriginAgent {
		st.add(ConditionFailed, f.Last.FinishedAt)
	}
	// The newest run whose grace has ended by now must have started
	// within the grace of its time.
	grace := time.Duration(p.Grace)
	if run := sched.Prev(now.Add(-grace), loc); !run.IsZero() && !run.Before(p.CreatedAt) && f.LastStart.Before(run.Add(-grace)) {
		st.MissedRun = &run
		st.add(ConditionMissed, run.Add(grace))
	}
	if next := sched.Next(now.Add(-grace), loc); !next.IsZero() {
		st.wake(next.Add(grace))
	}
	st.sizeRule(p, f)
	st.retentionRule(p, f, now)
	st.restoreRule(p, f, loc, now)
	switch {
	case st.has(ConditionFailed):
		st.State = StateFailed
	case len(st.Conditions) > 0:
		st.State = StateAtRisk
	}
	return st
}

func (st *Status) add(c Condition, since time.Time) {
	st.Conditions = append(st.Conditions, c)
	st.since[c] = since
}

func (st *Status) wake(t time.Time) {
	if st.next.IsZero() || t.Before(st.next) {
		st.next = t
	}
}

func (st *Status) has(c Condition) bool {
	_, ok := st.since[c]
	return ok
}

// Status evaluates p's compliance at now from its stored history, in its
// tenant's time zone: what a job arriving or a changed policy asks.
func (s *Store) Status(ctx context.Context, p *Policy, now time.Time) (Status, error) {
	f, err := s.Facts(ctx, p, now)
	if err != nil {
		return Status{}, err
	}
	loc, err := s.zone(ctx, p.TenantID)
	if err != nil {
		return Status{}, err
	}
	sched, err := ParseSchedule(p.Schedule)
	if err != nil {
		return Status{}, fmt.Errorf("backup: policy %d: %w", p.ID, err)
	}
	return Evaluate(p, f, sched, loc, now), nil
}

// Statuses evaluates every policy of tenant at now.
func (s *Store) Statuses(ctx context.Context, tenant string, now time.Time) ([]Status, error) {
	list, err := s.Policies(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return s.StatusesOf(ctx, tenant, list, now)
}

// StatusesOf evaluates policies of tenant ("": of any tenant, as Policies
// lists them for the watch) at now, in the order given, reading the
// history of all of them at once: a handful of queries in all, where
// Status asks six for each policy.
func (s *Store) StatusesOf(ctx context.Context, tenant string, policies []*Policy, now time.Time) ([]Status, error) {
	facts, err := s.factsOf(ctx, tenant, now)
	if err != nil {
		return nil, err
	}
	zones := map[string]*time.Location{}
	if tenant == "" && len(policies) > 0 {
		// Every tenant's: their zones in one query, not one a tenant.
		if zones, err = s.zones(ctx); err != nil {
			return nil, err
		}
	}
	scheds := map[string]Schedule{} // most policies share a few schedules
	out := make([]Status, 0, len(policies))
	for _, p := range policies {
		if tenant != "" && p.TenantID != tenant {
			return nil, fmt.Errorf("backup: policy %d is not of tenant %s", p.ID, tenant)
		}
		loc := zones[p.TenantID]
		if loc == nil {
			if loc, err = s.zone(ctx, p.TenantID); err != nil {
				return nil, err
			}
			zones[p.TenantID] = loc
		}
		var f Facts
		if pf := facts[p.ID]; pf != nil {
			f = *pf
		}
		sched, ok := scheds[p.Schedule]
		if !ok {
			if sched, err = ParseSchedule(p.Schedule); err != nil {
				return nil, fmt.Errorf("backup: policy %d: %w", p.ID, err)
			}
			scheds[p.Schedule] = sched
		}
		out = append(out, Evaluate(p, f, sched, loc, now))
	}
	return out, nil
}

// zones are every tenant's time zones (UTC for one this system does not
// know), by tenant.
func (s *Store) zones(ctx context.Context) (map[string]*time.Location, error) {
	ts, err := s.objects.Tenants(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("backup: unable to read tenants: %w", err)
	}
	out := make(map[string]*time.Location, len(ts))
	for _, t := range ts {
		out[t.ID] = zoneOf(t.TimeZone)
	}
	return out, nil
}

// zoneOf is the location named zone, UTC when this system knows none.
func zoneOf(zone string) *time.Location {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// zone is tenant's time zone (UTC when it names none this system knows).
func (s *Store) zone(ctx context.Context, tenant string) (*time.Location, error) {
	t, err := s.objects.Tenant(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("backup: unable to read tenant: %w", err)
	}
	return zoneOf(t.TimeZone), nil
}
