package capacity

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/actuator"
	"github.com/unyo-ops/unyo/internal/alert"
)

// IntakeFunc puts signals of a tenant into the alert pipeline, as
// (*alert.Engine).Intake does: a failed step then opens an incident and
// reaches the tenant's channels like any other alert.
type IntakeFunc func(ctx context.Context, tenant string, signals []alert.Signal) (alert.IntakeResult, error)

// HostsFunc counts the hosts of tenant matching selector that reported
// data since since: where a group's hosts are monitored, a step is
// verified only once that many hosts report.
type HostsFunc func(ctx context.Context, tenant, selector string, since time.Time) (int, error)

// RetryPolicy is how often a step the actuator refuses is tried again: up
// to Attempts times in all, waiting Backoff, then twice as long each time.
type RetryPolicy struct {
	Attempts int
	Backoff  time.Duration
}

// DefaultRetry is the stated policy: three attempts, 30 s then 60 s apart.
var DefaultRetry = RetryPolicy{Attempts: 3, Backoff: 30 * time.Second}

// Scheduler runs every active plan (運行管理): each tick it finds the
// count due now for every group, claims the step that names it (once,
// ever: the claim is a unique row written before the actuator is called),
// applies it, verifies it, and raises an alert for a step that fails or
// does not verify.
type Scheduler struct {
	store  *Store
	intake IntakeFunc
	hosts  HostsFunc
	logger *slog.Logger
	now    func() time.Time

	// Interval is how often the plans are evaluated.
	Interval time.Duration
	// ObserveEvery is how often a group's actual count is recorded when
	// no step is being verified (the actual line of plan against actual).
	ObserveEvery time.Duration
	// Retry is the policy for steps the actuator refuses.
	Retry RetryPolicy
	// After, when set, holds the first tick until it is closed: the alert
	// engine's Loaded, so that an alert of the previous run is known.
	After <-chan struct{}

	kick chan struct{}
	mu   sync.Mutex // guards a tick: Run and the tests' Tick
	gate func(tenant string) (ok, fresh bool)

	// Owned by the tick.
	plans    map[int64]*current    // group → its current step's key, and until when it holds
	docs     map[int64]*Document   // active version ID → its document, read once
	observed map[int64]Observation // group → the last observation recorded
	sent     map[int64]told        // group → its alert, as last told to the pipeline
}

// NewScheduler returns a Scheduler; hosts may be nil (no host check).
func NewScheduler(store *Store, intake IntakeFunc, hosts HostsFunc, logger *slog.Logger) *Scheduler {
	if logger == nil {
		logger = slog.Default()
	}
	return &Scheduler{store: store, intake: intake, hosts: hosts, logger: logger, now: time.Now,
		Interval: 10 * time.Second, ObserveEvery: 5 * time.Minute, Retry: DefaultRetry, kick: make(chan struct{}, 1),
		plans: map[int64]*current{}, docs: map[int64]*Document{}, observed: map[int64]Observation{}, sent: map[int64]told{}}
}

// SetShard limits the ticks to the groups of the tenants whose plan lease
// this replica holds (internal/lease.Gate); nil, the default, is every
// tenant. What the scheduler remembers of a tenant it does not hold, or
// has just taken over, is dropped: the steps' claims and states are rows,
// read again at the next tick.
func (sc *Scheduler) SetShard(gate func(tenant string) (ok, fresh bool)) { sc.gate = gate }

// owned keeps the groups of the tenants this replica runs now.
func (sc *Scheduler) owned(groups []*Group) []*Group {
	if sc.gate == nil {
		return groups
	}
	type verdict struct{ ok, fresh bool }
	asked := map[string]verdict{}
	var out []*Group
	for _, g := range groups {
		v, seen := asked[g.TenantID]
		if !seen {
			v.ok, v.fresh = sc.gate(g.TenantID)
			asked[g.TenantID] = v
		}
		if !v.ok || v.fresh {
			delete(sc.plans, g.ID)
			delete(sc.observed, g.ID)
			delete(sc.sent, g.ID)
		}
		if v.ok {
			out = append(out, g)
		}
	}
	return out
}

// Touch asks for a tick now; Store.OnChange calls it.
func (sc *Scheduler) Touch(string, int64) {
	select {
	case sc.kick <- struct{}{}:
	default:
	}
}

// Run ticks until ctx ends.
func (sc *Scheduler) Run(ctx context.Context) error {
	if sc.After != nil {
		select {
		case <-sc.After:
		case <-ctx.Done():
			return nil
		}
	}
	t := time.NewTicker(sc.Interval)
	defer t.Stop()
	for {
		if err := sc.Tick(ctx); err != nil && ctx.Err() == nil {
			sc.logger.Error("capacity: tick failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-sc.kick:
		}
	}
}

// Tick evaluates every plan once: claims and applies the steps due,
// carries on the open ones, and tells the pipeline of failures.
func (sc *Scheduler) Tick(ctx context.Context) error {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	now := sc.now()
	groups, err := sc.store.Groups(ctx, "")
	if err != nil {
		return err
	}
	groups = sc.owned(groups)
	active, err := sc.store.activeAll(ctx)
	if err != nil {
		return err
	}
	holds, err := sc.store.holdsAll(ctx, now.Add(-lookback))
	if err != nil {
		return err
	}
	locs, err := sc.store.locations(ctx, groups)
	if err != nil {
		return err
	}
	byID := make(map[int64]*Group, len(groups))
	docs := make(map[int64]*Document, len(active))
	for _, g := range groups {
		byID[g.ID] = g
		v := active[g.ID]
		if v == nil {
			continue
		}
		doc := sc.docs[v.ID]
		if doc == nil {
			if doc, err = sc.store.document(ctx, v.ID); err != nil {
				sc.logger.Error("capacity: unable to read the active plan", "group", g.ID, "err", err)
				continue // the other groups run on
			}
		}
		docs[v.ID] = doc
		sc.due(ctx, g, v, doc, holds[g.ID], locs[g.ID], now)
	}
	sc.docs = docs // versions no longer active are forgotten
	open, err := sc.store.openSteps(ctx)
	if err != nil {
		return err
	}
	busy := map[int64]bool{}
	for i, st := range open {
		g := byID[st.GroupID]
		if g == nil {
			continue
		}
		if newer := later(open[i+1:], st.GroupID); newer {
			st.State, st.Error = StepSuperseded, "a newer step came due first"
			sc.save(ctx, st)
			continue
		}
		busy[g.ID] = true
		sc.carry(ctx, g, st, now)
	}
	for _, g := range groups {
		if active[g.ID] != nil && !busy[g.ID] && now.Sub(sc.observed[g.ID].At) >= sc.ObserveEvery {
			if act, err := sc.store.Actuator(ctx, g); err == nil {
				if obs, err := act.Observe(ctx); err == nil {
					sc.record(ctx, g, obs, now)
				}
			}
		}
	}
	return sc.alerts(ctx, byID)
}

func later(steps []*Step, group int64) bool {
	for _, st := range steps {
		if st.GroupID == group {
			return true
		}
	}
	return false
}

// current is what a group's plan asked for at the last evaluation: the
// step's key, claimed, and the moment the plan may next change. Until
// then, with the same version, group and holds, nothing is evaluated.
type current struct {
	version int64
	updated time.Time
	holds   string
	key     string
	next    time.Time
}

// recheck bounds how long an evaluation is trusted, for what changes
// outside the group (its service's time zone).
const recheck = 10 * time.Minute

func holdsKey(holds []Hold) string {
	var b strings.Builder
	for _, h := range holds {
		fmt.Fprintf(&b, "%d:%d;", h.ID, h.End().UnixMilli())
	}
	return b.String()
}

// due claims g's step of the count due now, unless this server claimed it
// already; a key claimed before (another replica, before a restart) is
// left alone. After a restart this is the catch-up: only the count due
// now is applied, never the steps missed.
func (sc *Scheduler) due(ctx context.Context, g *Group, v *Version, doc *Document, holds []Hold, loc *time.Location, now time.Time) {
	hk := holdsKey(holds)
	if c := sc.plans[g.ID]; c != nil && c.version == v.ID && c.updated.Equal(g.UpdatedAt) && c.holds == hk && now.Before(c.next) {
		return
	}
	tl := Compile(doc, loc, g.Min, g.Max, holds)
	start, p := tl.Current(now, *v.ActivatedAt)
	key := fmt.Sprintf("g%d/%d/%d", g.ID, start.UnixMilli(), p.Count)
	next := tl.Next(now)
	if limit := now.Add(recheck); next.After(limit) {
		next = limit
	}
	if c := sc.plans[g.ID]; c != nil && c.key == key {
		c.version, c.updated, c.holds, c.next = v.ID, g.UpdatedAt, hk, next
		return
	}
	planned := start
	if planned.Before(*v.ActivatedAt) {
		planned = *v.ActivatedAt
	}
	st := &Step{GroupID: g.ID, Key: key, Version: v.Version, PlannedAt: planned.UTC().Truncate(time.Millisecond), Count: p.Count,
		Winner: p.Winner, Events: p.Events}
	if _, err := sc.store.claim(ctx, g, st); err != nil {
		sc.logger.Error("capacity: claim failed", "group", g.ID, "key", key, "err", err)
		return
	}
	sc.plans[g.ID] = &current{version: v.ID, updated: g.UpdatedAt, holds: hk, key: key, next: next}
}

// carry moves an open step on: apply it when due, verify it once applied.
func (sc *Scheduler) carry(ctx context.Context, g *Group, st *Step, now time.Time) {
	act, err := sc.store.Actuator(ctx, g)
	if err != nil {
		st.Error = err.Error()
		sc.fail(ctx, st, now)
		return
	}
	switch st.State {
	case StepClaimed:
		if st.NextAt.After(now) {
			return
		}
		sc.apply(ctx, g, act, st, now)
	case StepApplied:
		sc.verify(ctx, g, act, st, now)
	}
}

// apply asks the actuator for the step's count. A platform already asked
// for it (an apply whose record a crash lost) is not asked again.
func (sc *Scheduler) apply(ctx context.Context, g *Group, act actuator.Actuator, st *Step, now time.Time) {
	if obs, err := act.Observe(ctx); err == nil && obs.Desired == st.Count {
		sc.record(ctx, g, obs, now)
	} else if err := act.Apply(ctx, st.Count); err != nil {
		st.Error = err.Error()
		sc.fail(ctx, st, now)
		return
	}
	at := sc.now().UTC().Truncate(time.Millisecond)
	st.State, st.AppliedAt, st.Error = StepApplied, &at, ""
	st.Attempts++
	sc.logger.Info("capacity: step applied", "tenant", g.TenantID, "group", g.Name, "count", st.Count, "planned_at", st.PlannedAt)
	if sc.save(ctx, st) {
		sc.verify(ctx, g, act, st, now)
	}
}

// fail counts a refused attempt: tried again by the retry policy, failed
// after the last.
func (sc *Scheduler) fail(ctx context.Context, st *Step, now time.Time) {
	st.Attempts++
	if st.Attempts >= sc.Retry.Attempts {
		st.State = StepFailed
	} else {
		st.NextAt = now.Add(sc.Retry.Backoff << (st.Attempts - 1))
	}
	sc.logger.Warn("capacity: step refused", "group", st.GroupID, "key", st.Key, "attempt", st.Attempts, "err", st.Error)
	sc.save(ctx, st)
}

// verify reads the platform: the step is verified once the group runs its
// count (and, where its hosts are monitored, that many report data), and
// unverified when its deadline passes first.
func (sc *Scheduler) verify(ctx context.Context, g *Group, act actuator.Actuator, st *Step, now time.Time) {
	seen := fmt.Sprint(derefInt(st.ReachedCount), "/", derefInt(st.Hosts))
	obs, err := act.Observe(ctx)
	if err == nil {
		sc.record(ctx, g, obs, now)
		reached := obs.Running
		st.ReachedCount = &reached
	}
	hostsOK := true
	if err == nil && sc.hosts != nil && g.HostSelector != "" {
		n, herr := sc.hosts(ctx, g.TenantID, g.HostSelector, now.Add(-2*time.Minute))
		if herr == nil {
			st.Hosts = &n
		}
		hostsOK = herr == nil && n == st.Count
	}
	switch {
	case err == nil && obs.Running == st.Count && hostsOK:
		at := sc.now().UTC().Truncate(time.Millisecond)
		st.State, st.ReachedAt, st.Error = StepVerified, &at, ""
	case now.After(st.AppliedAt.Add(time.Duration(g.VerifyWithin))):
		st.State = StepUnverified
		switch {
		case err != nil:
			st.Error = "cannot read the group: " + err.Error()
		case obs.Running != st.Count:
			st.Error = fmt.Sprintf("running %d of %d after %s", obs.Running, st.Count, time.Duration(g.VerifyWithin))
		default:
			st.Error = fmt.Sprintf("%d hosts report data, not %d, after %s", derefInt(st.Hosts), st.Count, time.Duration(g.VerifyWithin))
		}
	default:
		if fmt.Sprint(derefInt(st.ReachedCount), "/", derefInt(st.Hosts)) != seen {
			sc.save(ctx, st) // progress, for whoever watches the step
		}
		return
	}
	sc.save(ctx, st)
}

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func (sc *Scheduler) save(ctx context.Context, st *Step) bool {
	if err := sc.store.saveStep(ctx, st); err != nil {
		sc.logger.Error("capacity: unable to save step", "key", st.Key, "err", err)
		return false
	}
	return true
}

// record keeps an observation when the count changed or ObserveEvery
// passed since the last.
func (sc *Scheduler) record(ctx context.Context, g *Group, s actuator.State, now time.Time) {
	last, seen := sc.observed[g.ID]
	if seen && last.Desired == s.Desired && last.Running == s.Running && now.Sub(last.At) < sc.ObserveEvery {
		return
	}
	o := Observation{At: now.UTC().Truncate(time.Millisecond), Desired: s.Desired, Running: s.Running}
	if err := sc.store.observed(ctx, g.ID, o); err != nil {
		sc.logger.Error("capacity: unable to record", "group", g.ID, "err", err)
		return
	}
	sc.observed[g.ID] = o
}
