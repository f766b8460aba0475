package alert

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/cloudtype"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	istorage "github.com/unyo-ops/unyo/internal/storage"
)

// Directory lists tenants and their resources; *storage.Store is one.
type Directory interface {
	Tenants(ctx context.Context, only string) ([]*model.Tenant, error)
	Resources(ctx context.Context, tenant string, f istorage.ResourceFilter) ([]*model.Resource, error)
}

// Design resolves the monitoring items of a tenant's resources, by
// resource ID; *monitoring.Store is one.
type Design interface {
	EffectiveItemsOf(ctx context.Context, tenant string, resources []*model.Resource) (map[int64][]monitoring.ResolvedItem, error)
}

// Metrics gives the metric store scoped to one tenant; *metricstore.Store is one.
type Metrics interface {
	ForTenant(tenant string) storage.Queryable
}

// Options tune the engine; zero fields take the defaults in parentheses.
type Options struct {
	DefaultInterval time.Duration   // evaluation of items without an interval (15s)
	ReloadInterval  time.Duration   // re-resolving the items of every host (30s)
	QueryTimeout    time.Duration   // one rule's query (30s)
	MaxSamples      int             // samples one rule's query may load (5,000,000)
	FlapWindow      time.Duration   // the window flapping is counted in (30m)
	FlapChanges     int             // firing and resolved transitions in the window that mark flapping (5)
	NotifyRetry     time.Duration   // how often unnotified transitions are offered again (30s)
	Notify          NotifyFunc      // nil: transitions are recorded and marked, nothing is sent
	Maintenance     MaintenanceFunc // nil: nothing is ever in maintenance
	Acknowledged    AckFunc         // nil: nobody is told of acknowledgements
	Now             func() time.Time
	// EvalDelay is how far behind now the timed evaluation looks (0): a
	// remote store shows a sample some seconds after it was written
	// (VictoriaMetrics: about 1 s, and up to 10 s for a new series), while
	// the samples observed on arrival are applied at once. Evaluating at
	// now finds the store's older value, or no series at all, and resolves
	// an alert just fired, which then fires again: two notifications.
	// Delayed, the evaluation's instant is before the alert's last
	// observation, which applyWhy keeps.
	EvalDelay time.Duration
	// Owns reports whether this replica holds the lease of tenant's rules
	// and its fencing token (internal/lease); nil: every tenant, as the
	// one server on SQLite. See Engine.owns.
	Owns func(tenant string) (token int64, ok bool)
	// Forward hands the samples observed on arrival for a tenant another
	// replica owns to that owner, which takes them with Arrived; nil: they
	// are left to the owner's timed evaluation (SQLite: one server owns all).
	Forward    ForwardFunc
	Registerer prometheus.Registerer // nil: the engine's metrics are not exported
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.DefaultInterval, 15*time.Second)
	def(&o.ReloadInterval, 30*time.Second)
	def(&o.QueryTimeout, 30*time.Second)
	def(&o.FlapWindow, 30*time.Minute)
	def(&o.NotifyRetry, 30*time.Second)
	if o.MaxSamples <= 0 {
		o.MaxSamples = 5_000_000
	}
	if o.FlapChanges <= 0 {
		o.FlapChanges = 5
	}
	if o.Notify == nil {
		o.Notify = func(context.Context, Transition) error { return nil }
	}
	if o.Maintenance == nil {
		o.Maintenance = func(context.Context, string, int64, int64, map[string]string, time.Time) (int64, bool, error) {
			return 0, false, nil
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Engine evaluates the rules of every tenant and keeps their alerts.
type Engine struct {
	store   *Store
	dir     Directory
	design  Design
	metrics Metrics
	promql  *promql.Engine
	opts    Options
	logger  *slog.Logger

	// mu serialises every change of alert state: the evaluation loop, the
	// sample observer, the intake and the API all go through it.
	mu     sync.Mutex
	rules  map[string]*rule             // by rule key
	next   map[string]time.Time         // next evaluation, by rule key
	since  map[string]time.Time         // when the engine first held each rule, by rule key
	active map[string]*Alert            // alerts not resolved, by tenant + "\x00" + fingerprint
	byRule map[string]map[string]*Alert // the rule alerts of active, by rule key and fingerprint
	// downs lists the keys of the host-down rules of each resource, by
	// tenant and resource (downKey), as of the last reload: hostDown looks
	// there rather than through every active alert.
	downs  map[string][]string
	tokens map[string]int64 // the lease token each owned tenant's state was loaded under
	// seen is the time of the newest sample applied to each active alert,
	// also when it changed nothing (UpdatedAt is the last change), and to
	// each alert resolved lately: a timed evaluation older than it is not
	// applied (see Options.EvalDelay). forgetSeen drops the resolved ones.
	seen map[string]time.Time

	// shapes caches each rule query's shape (batch.go) from one reload to
	// the next.
	shapeMu sync.Mutex
	shapes  map[string]string

	index    atomic.Pointer[seriesIndex]
	observed chan observation
	dropped  atomic.Int64
	// forwarded, forwardFailed, arrived and arrivedBad count the samples
	// handed to other replicas, those that could not be, those taken from
	// others and the notices that could not be read.
	forwarded, forwardFailed, arrived, arrivedBad atomic.Int64
	// queries counts the PromQL queries of timed evaluation: one a rule
	// evaluated alone, one a batch (batch.go).
	queries atomic.Int64
	wake    chan struct{} // the notifier has something to offer
	reload  chan struct{}
	loaded  chan struct{} // closed once the first reload is done
}

// New returns an engine; Run starts it.
func New(store *Store, dir Directory, design Design, metrics Metrics, opts Options, logger *slog.Logger) *Engine {
	opts.defaults()
	if logger == nil {
		logger = slog.Default()
	}
	e := &Engine{
		store: store, dir: dir, design: design, metrics: metrics, opts: opts, logger: logger.With("component", "alert"),
		rules: map[string]*rule{}, next: map[string]time.Time{}, since: map[string]time.Time{}, active: map[string]*Alert{}, byRule: map[string]map[string]*Alert{},
		tokens: map[string]int64{}, seen: map[string]time.Time{},
		observed: make(chan observation, 4096), wake: make(chan struct{}, 1), reload: make(chan struct{}, 1),
		loaded: make(chan struct{}),
	}
	e.promql = promql.NewEngine(promql.EngineOpts{
		Logger:        e.logger,
		Reg:           nil, // promapi's engine already registers the promql metrics
		MaxSamples:    opts.MaxSamples,
		Timeout:       opts.QueryTimeout,
		LookbackDelta: 5 * time.Minute,
	})
	e.index.Store(&seriesIndex{})
	if opts.Registerer != nil {
		e.register(opts.Registerer)
	}
	return e
}

// Store returns the engine's alert store.
func (e *Engine) Store() *Store { return e.store }

// Reload asks the engine to re-resolve every host's items now.
func (e *Engine) Reload() {
	select {
	case e.reload <- struct{}{}:
	default:
	}
}

// Run loads the alerts left active, offers the transitions not yet
// notified, and evaluates until ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	if err := e.loadActive(ctx); err != nil {
		return err
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); e.runNotifier(ctx) }()
	go func() { defer wg.Done(); e.runObserved(ctx) }()
	defer wg.Wait()
	e.reloadRules(ctx)
	close(e.loaded)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	reload := time.NewTicker(e.opts.ReloadInterval)
	defer reload.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			e.evaluateDue(ctx)
		case <-reload.C:
			e.reloadRules(ctx)
		case <-e.reload:
			e.reloadRules(ctx)
		}
	}
}

func (e *Engine) loadActive(ctx context.Context) error {
	list, err := e.store.active(ctx)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, a := range list {
		e.setActive(a)
	}
	return nil
}

func activeKey(tenant, fp string) string { return tenant + "\x00" + fp }

// reloadRules re-resolves the items of every host of every tenant, keeps
// the schedule of rules that did not change and resolves the alerts of
// rules that are gone.
func (e *Engine) reloadRules(ctx context.Context) {
	rules, tenants, gone, err := e.resolveRules(ctx)
	if err != nil {
		e.logger.Error("cannot resolve rules; keeping the previous ones", "err", err)
		return
	}
	e.shapeRules(rules)
	idx := buildIndex(rules)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.opts.Now()
	next, since := map[string]time.Time{}, map[string]time.Time{}
	for k, r := range rules {
		if t, ok := e.next[k]; ok && e.rules[k] != nil && e.rules[k].interval == r.interval {
			next[k] = t
		} else {
			next[k] = now
		}
		if t, ok := e.since[k]; ok {
			since[k] = t
		} else {
			since[k] = now
		}
	}
	e.rules, e.next, e.since = rules, next, since
	e.downs = map[string][]string{}
	for k, r := range rules {
		if r.hostDown {
			dk := downKey(r.tenant, r.resourceID)
			e.downs[dk] = append(e.downs[dk], k)
		}
	}
	e.index.Store(idx)
	for _, a := range e.activeList() {
		if !tenants[a.TenantID] {
			// The tenant is deleted, and its alerts with it: forget them.
			gone := *a
			gone.State = StateResolved
			e.setActive(&gone)
			continue
		}
		if a.Source == SourceRule && rules[ruleKey(a.TenantID, a.ItemID, a.ResourceID)] == nil {
			reason := ReasonRemoved
			if gone[a.ResourceID] {
				reason = ReasonGone
			}
			e.commit(ctx, nil, a, &change{from: a.State, to: StateResolved, reason: reason, severity: a.Severity}, now)
		}
	}
}

// resolveRules returns the rules of every resource, the tenants that
// exist, and the resources the cloud no longer lists (labelled cloud_gone),
// whose rules are dropped: a deleted cloud resource is not down. Rules are
// made for hosts and for the cloud resources (load balancers, gateways,
// databases) whose templates watch the series the cloud metric poller
// writes under their name.
func (e *Engine) resolveRules(ctx context.Context) (map[string]*rule, map[string]bool, map[int64]bool, error) {
	tenants, err := e.dir.Tenants(ctx, "")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("alert: unable to list tenants: %w", err)
	}
	rules, exist, gone := map[string]*rule{}, map[string]bool{}, map[int64]bool{}
	for _, t := range tenants {
		exist[t.ID] = true
		hosts, err := e.dir.Resources(ctx, t.ID, istorage.ResourceFilter{})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("alert: unable to list resources of %s: %w", t.ID, err)
		}
		live := hosts[:0]
		for _, h := range hosts {
			if _, ok := h.Labels[cloudtype.LabelGone]; ok {
				gone[h.ID] = true
				continue
			}
			live = append(live, h)
		}
		// The tenant's design is read once for all its resources.
		byHost, err := e.design.EffectiveItemsOf(ctx, t.ID, live)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("alert: unable to resolve items of %s: %w", t.ID, err)
		}
		for _, h := range live {
			for _, it := range byHost[h.ID] {
				if r := newRule(t.ID, h, it, e.opts.DefaultInterval); r != nil {
					rules[r.key] = r
				}
			}
		}
	}
	return rules, exist, gone, nil
}

// activeList is the active alerts; the caller holds mu.
func (e *Engine) activeList() []*Alert {
	out := make([]*Alert, 0, len(e.active))
	for _, a := range e.active {
		out = append(out, a)
	}
	return out
}

// forgetSeen drops the sample times of resolved alerts once no timed
// evaluation or arriving sample could be older: past EvalDelay and the
// age of a sample still taken on arrival. The caller holds mu.
func (e *Engine) forgetSeen(now time.Time) {
	horizon := now.Add(-e.opts.EvalDelay - maxSampleAge - time.Minute)
	for key, at := range e.seen {
		if e.active[key] == nil && at.Before(horizon) {
			delete(e.seen, key)
		}
	}
}

// evaluateDue evaluates every rule whose time has come, of the tenants
// whose rules this replica owns.
func (e *Engine) evaluateDue(ctx context.Context) {
	now := e.opts.Now()
	e.mu.Lock()
	e.forgetSeen(now)
	tenants := map[string]bool{}
	for _, r := range e.rules {
		tenants[r.tenant] = false
	}
	e.mu.Unlock()
	for t := range tenants {
		tenants[t] = e.owns(ctx, t)
	}
	e.mu.Lock()
	var due []*rule
	for k, r := range e.rules {
		if tenants[r.tenant] && !now.Before(e.next[k]) {
			due = append(due, r)
			e.next[k] = now.Add(r.interval)
		}
	}
	e.mu.Unlock()
	e.evaluateRules(ctx, due, now.Add(-e.opts.EvalDelay))
}

// Evaluate runs the rule named by key at time at and applies what it finds.
func (e *Engine) Evaluate(ctx context.Context, key string, at time.Time) error {
	e.mu.Lock()
	r, since := e.rules[key], e.since[key]
	e.mu.Unlock()
	if r == nil {
		return fmt.Errorf("alert: no rule %q", key)
	}
	if at.Before(since.Add(r.quiet)) {
		// A nodata rule held since less than its window would find nothing
		// because nothing could have arrived yet, not because the host is
		// silent: it waits a full window after the start or the assignment.
		return nil
	}
	results, err := e.query(ctx, r, at)
	if err != nil {
		return err
	}
	e.applyResults(ctx, r, at, results)
	return nil
}

// applyResults applies to r what its query found at time at: the series
// found, and the resolution of its alerts whose series are gone.
func (e *Engine) applyResults(ctx context.Context, r *rule, at time.Time, results []result) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.rules[r.key] == nil {
		// Dropped while it was queried (ResolveGone, a reload): what it
		// found is no one's to apply.
		return
	}
	seen := map[string]bool{}
	for _, res := range results {
		fp := fingerprint(r, res.labels)
		seen[fp] = true
		v := res.value
		e.applyWhy(ctx, r, fp, res.labels, &v, at, res.reason)
	}
	if !r.hostDown && e.hostDown(r.tenant, r.resourceID) {
		// A host that sends nothing keeps its alerts as they were: their
		// series are absent because the host is down, not because they recovered.
		return
	}
	var gone []string
	for fp := range e.byRule[r.key] {
		if !seen[fp] {
			gone = append(gone, fp)
		}
	}
	for _, fp := range gone {
		e.apply(ctx, r, fp, labels.EmptyLabels(), nil, at)
	}
}

// Loaded is closed once the engine has resolved its rules the first time.
func (e *Engine) Loaded() <-chan struct{} { return e.loaded }

// setActive records a's new state in the engine's copy: kept while not
// resolved, dropped once resolved. The caller holds mu.
func (e *Engine) setActive(a *Alert) {
	key := activeKey(a.TenantID, a.Fingerprint)
	var rk string
	if a.Source == SourceRule {
		rk = ruleKey(a.TenantID, a.ItemID, a.ResourceID)
	}
	if a.State == StateResolved {
		delete(e.active, key) // seen stays a while: see forgetSeen
		if rk != "" {
			delete(e.byRule[rk], a.Fingerprint)
			if len(e.byRule[rk]) == 0 {
				delete(e.byRule, rk)
			}
		}
		return
	}
	e.active[key] = a
	if rk != "" {
		if e.byRule[rk] == nil {
			e.byRule[rk] = map[string]*Alert{}
		}
		e.byRule[rk][a.Fingerprint] = a
	}
}
