package discovery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudtype"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Lister reads one cloud: the account's resources of the given types (the
// complete listing, or an error), and its health events.
type Lister interface {
	List(ctx context.Context, acct *cloudaccount.Account, types []cloudtype.Type) ([]Found, error)
	Health(ctx context.Context, acct *cloudaccount.Account) ([]Event, error)
}

var (
	_ Lister = (*Azure)(nil)
	_ Lister = (*AWS)(nil)
)

// IntakeFunc puts alerts into the alert pipeline; the alert engine's
// Intake is one.
type IntakeFunc func(ctx context.Context, tenant string, signals []alert.Signal) (alert.IntakeResult, error)

// Options tune a Discoverer; the zero value takes the defaults.
type Options struct {
	Interval   time.Duration // between runs of an account; 10m (UNYO_DISCOVERY_INTERVAL)
	Off        bool          // no scheduled runs (UNYO_DISCOVERY_INTERVAL=off); "discover now" still works
	MinBackoff time.Duration // the first wait after a failed run; 1m
	MaxBackoff time.Duration // the longest; 1h
	Registerer prometheus.Registerer
}

func (o *Options) defaults() {
	if o.Interval <= 0 {
		o.Interval = 10 * time.Minute
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Minute
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(time.Hour, o.MinBackoff)
	}
}

// Deps are what a Discoverer reads and writes.
type Deps struct {
	Store     *Store
	Accounts  *cloudaccount.Store
	Resources *storage.Store
	Design    *monitoring.Store // the built-in templates are assigned through it
	Listers   map[cloudaccount.Provider]Lister
	Intake    IntakeFunc   // health events; nil: not read
	Gone      GoneFunc     // resolves a gone resource's alerts; nil: none
	Alerts    *alert.Store // read for the board's banner of open health events; nil: none
}

// Discoverer runs discovery for every cloud account of every tenant on a
// schedule, and for one account on demand.
type Discoverer struct {
	deps   Deps
	reg    registry
	opts   Options
	logger *slog.Logger
	now    func() time.Time

	runs *prometheus.CounterVec // provider, outcome

	// After, when set, holds the schedule back until it is closed: the
	// alert engine's Loaded, so that health events and gone resources
	// meet the open alerts.
	After <-chan struct{}

	gate func(tenant string) (ok, fresh bool)

	runMu sync.Mutex // one run at a time: a scheduled one and one asked for do not interleave

	mu       sync.Mutex
	next     map[int64]time.Time       // account → its next scheduled run
	failures map[int64]int             // account → failed runs in a row
	active   map[int64]map[string]bool // account → health events open at its last read
}

// New returns a Discoverer; Run starts its schedule.
func New(deps Deps, opts Options, logger *slog.Logger) *Discoverer {
	opts.defaults()
	if logger == nil {
		logger = slog.Default()
	}
	d := &Discoverer{deps: deps, opts: opts, logger: logger, now: time.Now,
		next: map[int64]time.Time{}, failures: map[int64]int{}, active: map[int64]map[string]bool{},
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "unyo_discovery_runs_total",
			Help: "Cloud discovery runs by provider and outcome (ok, error, throttled)."}, []string{"provider", "outcome"}),
	}
	d.reg = registry{resources: deps.Resources, design: deps.Design, gone: deps.Gone, logger: logger, now: func() time.Time { return d.now() }}
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(d.runs)
	}
	return d
}

// SetShard limits the schedule to the tenants whose cloud lease this
// replica holds (internal/lease.Gate); nil, the default, is every tenant.
// "Discover now" runs on whichever replica is asked.
func (d *Discoverer) SetShard(gate func(tenant string) (ok, fresh bool)) { d.gate = gate }

// resume forgets what this replica remembers of tenant's accounts, just
// taken over, and plans their next runs from the runs stored by the
// previous owner, so a takeover neither repeats a run nor skips one; the
// open health events are read back from the open alerts (openHealth).
func (d *Discoverer) resume(ctx context.Context, tenant string) {
	runs, err := d.deps.Store.Runs(ctx, tenant)
	if err != nil {
		d.logger.Warn("cannot read the last runs of a tenant taken over; running its accounts now", "tenant", tenant, "err", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range runs {
		delete(d.failures, r.AccountID)
		delete(d.active, r.AccountID)
		wait := d.opts.Interval
		if !r.OK {
			wait = d.opts.MinBackoff
		}
		d.next[r.AccountID] = r.FinishedAt.Add(wait)
	}
}

// Run discovers every account when its time has come, until ctx ends.
func (d *Discoverer) Run(ctx context.Context) error {
	if d.opts.Off {
		<-ctx.Done()
		return nil
	}
	if d.After != nil {
		select {
		case <-ctx.Done():
			return nil
		case <-d.After:
		}
	}
	tick := min(max(d.opts.Interval/10, time.Second), 30*time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		d.due(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// due runs every account whose next run has come.
func (d *Discoverer) due(ctx context.Context) {
	tenants, err := d.deps.Resources.Tenants(ctx, "")
	if err != nil {
		d.logger.Error("cannot list tenants", "err", err)
		return
	}
	for _, t := range tenants {
		fresh := false
		if d.gate != nil {
			var ok bool
			if ok, fresh = d.gate(t.ID); !ok {
				continue // another replica's
			}
		}
		if fresh {
			d.resume(ctx, t.ID)
		}
		accounts, err := d.deps.Accounts.List(ctx, t.ID)
		if err != nil {
			d.logger.Error("cannot list cloud accounts", "tenant", t.ID, "err", err)
			continue
		}
		for _, a := range accounts {
			d.mu.Lock()
			next, seen := d.next[a.ID]
			d.mu.Unlock()
			if seen && d.now().Before(next) {
				continue
			}
			if ctx.Err() != nil {
				return
			}
			d.Discover(ctx, t.ID, a.ID)
		}
	}
}

// Discover runs discovery for account id of tenant now and records the
// run; ctx may carry the audit entry of the person who asked. It returns
// the run (OK false with the reason when the cloud failed it) and an
// error only for what is not the cloud's: an unknown account, a store
// that cannot be written.
func (d *Discoverer) Discover(ctx context.Context, tenant string, id int64) (Run, error) {
	d.runMu.Lock()
	defer d.runMu.Unlock()
	acct, err := d.deps.Accounts.Account(ctx, tenant, id)
	if err != nil {
		return Run{}, err
	}
	run := Run{Tenant: tenant, AccountID: id, StartedAt: d.now().UTC()}
	res, runErr := d.discover(ctx, acct)
	run.FinishedAt = d.now().UTC()
	run.Found, run.Registered, run.Gone = res.found, res.registered, res.gone
	outcome := "ok"
	wait := d.opts.Interval
	d.mu.Lock()
	if runErr != nil {
		d.failures[id]++
		wait = d.opts.MinBackoff << min(d.failures[id]-1, 16)
		wait = min(wait, d.opts.MaxBackoff)
		outcome = "error"
		var th *Throttled
		if errors.As(runErr, &th) {
			outcome = "throttled"
			wait = max(wait, th.After)
		}
		run.Message = clip(runErr.Error(), 1000)
	} else {
		d.failures[id] = 0
		run.OK = true
		run.Message = fmt.Sprintf("%d found, %d registered, %d gone", res.found, res.registered, res.gone)
		if res.health != "" {
			run.Message += "; health: " + res.health
		}
	}
	d.next[id] = d.now().Add(wait)
	d.mu.Unlock()
	d.runs.WithLabelValues(string(acct.Provider), outcome).Inc()
	if runErr != nil {
		d.logger.Warn("cloud discovery failed", "tenant", tenant, "account", id, "outcome", outcome, "retry_in", wait, "err", runErr)
	} else {
		d.logger.Info("cloud discovery done", "tenant", tenant, "account", id, "found", res.found, "registered", res.registered, "gone", res.gone)
	}
	if err := d.deps.Store.SaveRun(ctx, run); err != nil {
		return run, err
	}
	return run, nil
}

// result is what one run did.
type result struct {
	found, registered, gone int
	health                  string // why health was not read, when it was not
}

func (d *Discoverer) discover(ctx context.Context, acct *cloudaccount.Account) (result, error) {
	var res result
	lister := d.deps.Listers[acct.Provider]
	if lister == nil {
		return res, fmt.Errorf("discovery: no lister for %s", acct.Provider)
	}
	rules, err := d.deps.Store.Rules(ctx, acct.TenantID)
	if err != nil {
		return res, err
	}
	found, err := lister.List(ctx, acct, rules.wants(cloudtype.Provider(acct.Provider)))
	if err != nil {
		return res, err
	}
	res.found = len(found)
	out, err := d.reg.reconcile(ctx, acct.TenantID, acct.ID, found, rules)
	res.registered, res.gone = out.registered, out.gone
	if err != nil {
		return res, fmt.Errorf("discovery: cannot register: %w", err)
	}
	if d.deps.Intake != nil {
		if err := d.health(ctx, lister, acct); err != nil {
			res.health = clip(err.Error(), 300)
			if !errors.Is(err, ErrHealthUnavailable) {
				d.logger.Warn("cannot read cloud health events", "tenant", acct.TenantID, "account", acct.ID, "err", err)
			}
		}
	}
	return res, nil
}

// health reads acct's health events and puts them into the alert
// pipeline: the open ones fire on their resource, and those open at the
// last read that are no longer resolve.
func (d *Discoverer) health(ctx context.Context, lister Lister, acct *cloudaccount.Account) error {
	events, err := lister.Health(ctx, acct)
	if err != nil {
		return err
	}
	list, err := d.deps.Resources.Resources(ctx, acct.TenantID, storage.ResourceFilter{})
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, r := range list {
		if id := r.Labels[cloudtype.LabelID]; id != "" {
			names[idKey(id)] = r.Name
			// AWS Health names an EC2 instance by its ID, not its ARN.
			if strings.HasPrefix(id, "arn:aws:ec2:") && strings.Contains(id, ":instance/") {
				names[id[strings.LastIndex(id, "/")+1:]] = r.Name
			}
		}
	}
	account := strconv.FormatInt(acct.ID, 10)
	provider := cloudtype.Provider(acct.Provider)
	open := map[string]bool{}
	var signals []alert.Signal
	for _, e := range events {
		resource := ""
		if e.CloudID != "" {
			resource = names[idKey(e.CloudID)]
			if resource == "" && e.Kind == "resource_health" {
				continue // a resource discovery does not register: not the tenant's to watch
			}
		}
		if e.Active {
			open[e.Key] = true
		}
		signals = append(signals, e.signal(provider, account, resource))
	}
	prev, err := d.openHealth(ctx, acct.TenantID, account, acct.ID)
	if err != nil {
		return err
	}
	d.mu.Lock()
	for key := range prev {
		if !open[key] {
			signals = append(signals, alert.Signal{Source: alert.SourceCloudHealth, Fingerprint: key, Status: alert.StateResolved})
		}
	}
	d.active[acct.ID] = open
	d.mu.Unlock()
	if len(signals) == 0 {
		return nil
	}
	_, err = d.deps.Intake(ctx, acct.TenantID, signals)
	return err
}

// openHealth is the health events of account open at the last read: kept
// in memory, and read back from the open alerts at the first read after a
// start, so that an event that closed while the server was down resolves.
func (d *Discoverer) openHealth(ctx context.Context, tenant, account string, id int64) (map[string]bool, error) {
	d.mu.Lock()
	prev, ok := d.active[id]
	d.mu.Unlock()
	if ok || d.deps.Alerts == nil {
		return prev, nil
	}
	list, err := d.deps.Alerts.List(ctx, tenant, alert.Filter{States: []alert.State{alert.StateFiring, alert.StatePending}, Limit: 10000})
	if err != nil {
		return nil, err
	}
	prev = map[string]bool{}
	for _, a := range list {
		if a.Source == alert.SourceCloudHealth && a.Labels[cloudtype.LabelAccount] == account {
			prev[strings.TrimPrefix(a.Fingerprint, string(alert.SourceCloudHealth)+":")] = true
		}
	}
	return prev, nil
}
