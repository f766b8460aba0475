// Package poller fetches backup job results from where the backup tools
// keep them — Azure Backup's Recovery Services vaults, AWS Backup, an
// exporter's metric — for every policy that names a source, and stores each
// job once in the policy's history, where the compliance watch reads it.
//
// Each source is one Fetcher (packages azure, aws and exporter beside this
// one). The poller owns the schedule: every policy is fetched at each
// round, a failing account backs off alone (doubling up to MaxBackoff),
// and the calls and errors are counted in self metrics.
package poller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// Fetcher reads the finished jobs of one policy's source that started (or
// were created) at or after since. acct is the policy's cloud account with
// its secrets open, nil for a source without one (metric).
type Fetcher interface {
	Fetch(ctx context.Context, acct *cloudaccount.Account, p *backup.Policy, since time.Time) ([]backup.Job, error)
}

// PointFetcher is a Fetcher that also reads what the source's vaults
// still hold (Azure Backup's recovery points) in the same pass: the
// restorable span is nil when they hold none of the policy's items.
type PointFetcher interface {
	Fetcher
	FetchPoints(ctx context.Context, acct *cloudaccount.Account, p *backup.Policy, since time.Time) ([]backup.Job, *backup.Restorable, error)
}

// Options tune a Poller; the zero value takes the defaults.
type Options struct {
	Interval   time.Duration // between rounds; 5m
	Lookback   time.Duration // how far back the first fetch of a policy reads; 7 days
	Overlap    time.Duration // how far before the last fetch the next reads again, for jobs still running then; 24h
	MinBackoff time.Duration // the first wait after an account failed; 1m
	MaxBackoff time.Duration // the longest; 1h
	Registerer prometheus.Registerer
}

// Poller runs the fetchers of every policy with a source.
type Poller struct {
	store    *backup.Store
	accounts cloudaccount.Resolver
	fetchers map[backup.SourceKind]Fetcher
	opts     Options
	logger   *slog.Logger
	now      func() time.Time

	fetches *prometheus.CounterVec // source, outcome
	stored  *prometheus.CounterVec // source

	gate func(tenant string) (ok, fresh bool)

	mu     sync.Mutex
	cursor map[int64]time.Time // policy → the start of its last good fetch
	health map[string]*health  // account (or policy) key → its back-off
}

type health struct {
	failures int
	next     time.Time
}

// New returns a Poller over store. accounts may be nil when no fetcher
// needs a cloud account.
func New(store *backup.Store, accounts cloudaccount.Resolver, fetchers map[backup.SourceKind]Fetcher, opts Options, logger *slog.Logger) *Poller {
	if logger == nil {
		logger = slog.Default()
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.Interval, 5*time.Minute)
	def(&opts.Lookback, 7*24*time.Hour)
	def(&opts.Overlap, 24*time.Hour)
	def(&opts.MinBackoff, time.Minute)
	def(&opts.MaxBackoff, time.Hour)
	p := &Poller{store: store, accounts: accounts, fetchers: fetchers, opts: opts, logger: logger, now: time.Now,
		cursor: map[int64]time.Time{}, health: map[string]*health{},
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "unyo_backup_source_fetches_total",
			Help: "Fetches of backup jobs from a policy's source, by source and outcome (ok, error, backoff)."}, []string{"source", "outcome"}),
		stored: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "unyo_backup_source_jobs_stored_total",
			Help: "Backup jobs fetched from a source and stored for the first time."}, []string{"source"}),
	}
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(p.fetches, p.stored)
	}
	return p
}

// SetShard limits the rounds to the policies of the tenants whose backup
// lease this replica holds (internal/lease.Gate); nil, the default, is
// every tenant. The cursor of a policy this replica did not poll last is
// dropped: the first fetch after a takeover reads Lookback back, and the
// jobs already stored (the same external ID) are not stored again, so a
// takeover neither skips nor counts a job twice.
func (p *Poller) SetShard(gate func(tenant string) (ok, fresh bool)) { p.gate = gate }

// Run polls every Interval until ctx ends.
func (p *Poller) Run(ctx context.Context) error {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		p.Round(ctx)
		t.Reset(p.opts.Interval)
	}
}

// Round fetches every policy with a source whose account is not backing
// off, once.
func (p *Poller) Round(ctx context.Context) {
	list, err := p.store.Policies(ctx, "")
	if err != nil {
		p.logger.Error("backup sources: unable to list policies", "err", err)
		return
	}
	p.forget(list)
	held := map[string][2]bool{} // tenant → held, just taken over
	for _, pol := range list {
		if ctx.Err() != nil {
			return
		}
		if pol.Source == nil || p.fetchers[pol.Source.Kind] == nil || !p.holds(held, pol) {
			continue
		}
		p.poll(ctx, pol)
	}
}

// holds reports whether this replica polls pol's tenant now, asking the
// gate once per tenant and round (held), and drops the cursor of a policy
// it does not poll or has just taken over.
func (p *Poller) holds(held map[string][2]bool, pol *backup.Policy) bool {
	if p.gate == nil {
		return true
	}
	v, asked := held[pol.TenantID]
	if !asked {
		v[0], v[1] = p.gate(pol.TenantID)
		held[pol.TenantID] = v
	}
	if ok, fresh := v[0], v[1]; !ok || fresh {
		p.mu.Lock()
		delete(p.cursor, pol.ID)
		p.mu.Unlock()
	}
	return v[0]
}

// forget drops the cursors of deleted policies and the back-off of keys
// no policy uses any more.
func (p *Poller) forget(list []*backup.Policy) {
	ids, keys := map[int64]bool{}, map[string]bool{}
	for _, pol := range list {
		if pol.Source != nil {
			ids[pol.ID], keys[key(pol)] = true, true
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for id := range p.cursor {
		if !ids[id] {
			delete(p.cursor, id)
		}
	}
	for k := range p.health {
		if !keys[k] {
			delete(p.health, k)
		}
	}
}

// key is what backs off together: an account's API, or a policy's metric.
func key(pol *backup.Policy) string {
	if pol.Source.AccountID != 0 {
		return fmt.Sprintf("%s/account/%d", pol.TenantID, pol.Source.AccountID)
	}
	return fmt.Sprintf("%s/policy/%d", pol.TenantID, pol.ID)
}

func (p *Poller) poll(ctx context.Context, pol *backup.Policy) {
	kind, k := pol.Source.Kind, key(pol)
	start := p.now()
	p.mu.Lock()
	h := p.health[k]
	if h == nil {
		h = &health{}
		p.health[k] = h
	}
	since, seen := p.cursor[pol.ID]
	p.mu.Unlock()
	if start.Before(h.next) {
		p.fetches.WithLabelValues(string(kind), "backoff").Inc()
		return
	}
	if seen {
		since = since.Add(-p.opts.Overlap)
	} else {
		since = start.Add(-p.opts.Lookback)
	}
	n, err := p.fetch(ctx, pol, since)
	if ctx.Err() != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		h.failures++
		wait := min(p.opts.MinBackoff<<min(h.failures-1, 20), p.opts.MaxBackoff)
		h.next = start.Add(wait)
		p.fetches.WithLabelValues(string(kind), "error").Inc()
		p.logger.Warn("backup sources: fetch failed, backing off", "tenant", pol.TenantID, "policy", pol.Name, "source", kind,
			"account", pol.Source.AccountID, "failures", h.failures, "retry_in", wait, "err", err)
		return
	}
	if h.failures > 0 {
		p.logger.Info("backup sources: fetching again", "tenant", pol.TenantID, "policy", pol.Name, "source", kind)
	}
	h.failures, h.next = 0, time.Time{}
	p.cursor[pol.ID] = start
	p.fetches.WithLabelValues(string(kind), "ok").Inc()
	if n > 0 {
		p.stored.WithLabelValues(string(kind)).Add(float64(n))
	}
}

// fetch reads the policy's jobs and stores the new ones; a job already in
// the history (the same external ID) is not stored again.
func (p *Poller) fetch(ctx context.Context, pol *backup.Policy, since time.Time) (int, error) {
	var acct *cloudaccount.Account
	if pol.Source.AccountID != 0 {
		if p.accounts == nil {
			return 0, errors.New("no cloud accounts are configured on this server")
		}
		var err error
		if acct, err = p.accounts.Account(ctx, pol.TenantID, pol.Source.AccountID); err != nil {
			return 0, fmt.Errorf("cloud account %d: %w", pol.Source.AccountID, err)
		}
	}
	var jobs []backup.Job
	var err error
	if pf, ok := p.fetchers[pol.Source.Kind].(PointFetcher); ok {
		var points *backup.Restorable
		if jobs, points, err = pf.FetchPoints(ctx, acct, pol, since); err != nil {
			return 0, err
		}
		if err := p.store.SetRestorable(ctx, pol.TenantID, pol.ID, points); err != nil {
			return 0, err
		}
	} else if jobs, err = p.fetchers[pol.Source.Kind].Fetch(ctx, acct, pol, since); err != nil {
		return 0, err
	}
	n := 0
	for i := range jobs {
		j := jobs[i]
		j.TenantID, j.PolicyID, j.Source = pol.TenantID, pol.ID, string(pol.Source.Kind)
		_, isNew, err := p.store.AddJob(ctx, &j)
		if e, ok := invalid.As(err); ok {
			// One job the history cannot take (a clock far ahead) must
			// not hold back the others, nor the account.
			p.logger.Warn("backup sources: job refused", "tenant", pol.TenantID, "policy", pol.Name, "job", j.ExternalID,
				"field", e.Field, "reason", e.Reason)
			continue
		}
		if err != nil {
			return n, fmt.Errorf("job %s: %w", j.ExternalID, err)
		}
		if isNew {
			n++
		}
	}
	return n, nil
}

// CountCalls returns a client whose requests are counted in
// unyo_backup_source_api_calls_total{source, code}: every call a fetcher
// makes to a cloud API, retries and pages included.
func CountCalls(c *http.Client, source backup.SourceKind, reg prometheus.Registerer) *http.Client {
	calls := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "unyo_backup_source_api_calls_total",
		Help: "HTTP calls of the backup pollers to cloud APIs, by source and status code (error: no answer)."}, []string{"source", "code"})
	if reg != nil {
		if err := reg.Register(calls); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				calls = are.ExistingCollector.(*prometheus.CounterVec)
			}
		}
	}
	n := *c
	inner := c.Transport
	if inner == nil {
		inner = http.DefaultTransport
	}
	n.Transport = countingTransport{inner: inner, calls: calls.MustCurryWith(prometheus.Labels{"source": string(source)})}
	return &n
}

type countingTransport struct {
	inner http.RoundTripper
	calls *prometheus.CounterVec
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.inner.RoundTrip(r)
	code := "error"
	if err == nil {
		code = fmt.Sprint(resp.StatusCode)
	}
	t.calls.WithLabelValues(code).Inc()
	return resp, err
}
