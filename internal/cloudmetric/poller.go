package cloudmetric

import (
	"context"
	"errors"
	"github.com/unyo-ops/unyo/internal/polling"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudtype"
)

// The providers' ingestion delays: a point younger than this may still
// change, so it is asked for on a later pull. Azure Monitor's platform
// metrics land within about three minutes; CloudWatch's standard metrics
// within about two, the load balancers' a little later.
const (
	AzureDelay = 3 * time.Minute
	AWSDelay   = 3 * time.Minute
)

// Options configure a Poller.
type Options struct {
	// Targets lists the resources to pull, by account, every cycle.
	Targets  func(ctx context.Context) ([]Group, error)
	Accounts cloudaccount.Resolver
	Sources  map[cloudaccount.Provider]Source
	Sink     sample.Sink
	Marks    *Marks
	Interval time.Duration // between pulls; 1m when 0
	// Delay is each provider's ingestion delay (AzureDelay, AWSDelay when
	// unset): a pull asks up to now minus it, cut to the grain.
	Delay map[cloudaccount.Provider]time.Duration
	// Backfill is how far back the first pull of a series reaches; 10m
	// when 0. MaxLookback bounds how far back any pull reaches, so a
	// series silent for a day is not asked for a day; 1h when 0.
	Backfill, MaxLookback time.Duration
	Concurrency           int           // accounts pulled at once; 4 when 0
	Backoff               time.Duration // the first pause after a throttle without Retry-After; 1m when 0, doubling to 16×
	Metrics               *Metrics      // self metrics; none when nil
	Logger                *slog.Logger
	Now                   func() time.Time // time.Now when nil
}

// Poller pulls every account's metrics once per interval.
type Poller struct {
	opts Options

	mu       sync.Mutex
	backoffs map[accountKey]*backoff
}

type accountKey struct {
	tenant string
	id     int64
}

type backoff struct {
	until time.Time
	last  time.Duration
}

// New returns a Poller; call Run, or Cycle for one pull.
func New(opts Options) *Poller {
	if opts.Interval <= 0 {
		opts.Interval = time.Minute
	}
	if opts.Backfill <= 0 {
		opts.Backfill = 10 * time.Minute
	}
	if opts.MaxLookback <= 0 {
		opts.MaxLookback = time.Hour
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Poller{opts: opts, backoffs: map[accountKey]*backoff{}}
}

// Run pulls at every multiple of the interval until ctx ends.
func (p *Poller) Run(ctx context.Context) error {
	polling.OnTicks(ctx, p.opts.Interval, func(ctx context.Context) {
		if err := p.Cycle(ctx); err != nil {
			p.opts.Logger.Warn("cloud metrics: cannot list the resources", "err", err)
		}
	})
	return nil
}

// Cycle pulls every account once and returns when all are done. Only a
// failure to list the resources is returned; an account's failure is
// logged and counted, and the others go on.
func (p *Poller) Cycle(ctx context.Context) error {
	groups, err := p.opts.Targets(ctx)
	if err != nil {
		return err
	}
	sem := make(chan struct{}, p.opts.Concurrency)
	var wg sync.WaitGroup
	for _, g := range groups {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			p.pull(ctx, g)
		}()
	}
	wg.Wait()
	return nil
}

// pull reads one account's metrics and writes them, resource by resource.
func (p *Poller) pull(ctx context.Context, g Group) {
	log := p.opts.Logger.With("tenant", g.Tenant, "account", g.Account)
	now := p.opts.Now()
	key := accountKey{g.Tenant, g.Account}
	if p.backingOff(key, now) {
		return
	}
	acc, err := p.opts.Accounts.Account(ctx, g.Tenant, g.Account)
	if errors.Is(err, cloudaccount.ErrNotFound) {
		return // deleted since discovery ran: its resources go with it
	}
	if err != nil {
		log.Warn("cloud metrics: cannot open the account", "err", err)
		return
	}
	src := p.opts.Sources[acc.Provider]
	if src == nil {
		return
	}
	marks, err := p.opts.Marks.Load(ctx, g.Tenant, g.Account)
	if err != nil {
		log.Warn("cloud metrics: cannot read the marks", "err", err)
		return
	}
	queries := p.queries(g, acc.Provider, marks, now)
	if len(queries) == 0 {
		return
	}
	var st Stats
	results, ferr := src.Fetch(ctx, acc, queries, &st)
	m := p.opts.Metrics.of(g.Tenant, g.Account, acc.Provider)
	if ferr != nil {
		if t := throttled(ferr); t != nil {
			st.Throttles++
			until := p.throttle(key, now, t.RetryAfter)
			log.Warn("cloud metrics: throttled, backing off", "until", until, "err", ferr)
		} else {
			st.Errors++
			log.Warn("cloud metrics: pull failed", "err", ferr)
		}
	} else {
		p.clear(key)
	}
	written, newest := p.write(ctx, log, g, queries, results, marks)
	m.add(st, written)
	if newest > 0 {
		m.lag(now.Sub(time.UnixMilli(newest)))
	}
}

// queries builds the window of every metric of every resource: from one
// grain after its mark (or Backfill ago) to now minus the delay, cut to
// the grain, never further back than MaxLookback.
func (p *Poller) queries(g Group, provider cloudaccount.Provider, marks map[markKey]int64, now time.Time) []Query {
	delay, ok := p.opts.Delay[provider]
	if !ok {
		delay = AzureDelay
		if provider == cloudaccount.ProviderAWS {
			delay = AWSDelay
		}
	}
	var qs []Query
	for _, r := range g.Resources {
		for _, m := range r.Type.Metrics {
			if m.Source == cloudtype.SourceNSGFlowLogs {
				continue // internal/flowlog's, from the storage account
			}
			grain := grainOf(m)
			delay := delay
			if m.Source != "" {
				delay = 0 // a state read now, not a series still landing
			}
			end := alignDown(now.Add(-delay), grain)
			start := alignDown(now.Add(-delay-p.opts.Backfill), grain)
			if last, ok := marks[markKey{r.ID, m.Series}]; ok {
				start = time.UnixMilli(last).Add(grain).UTC()
			}
			if floor := alignDown(end.Add(-p.opts.MaxLookback), grain); start.Before(floor) {
				start = floor
			}
			if !start.Before(end) {
				continue
			}
			qs = append(qs, Query{Resource: r, Metric: m, Start: start, End: end})
		}
	}
	return qs
}

// write hands each resource's new points to the sink, then moves the
// marks of the resources the sink took, in one transaction: a point is in
// the store before its mark says so. A crash between the two asks for
// those points again, and the TSDB refuses what it already holds. It
// returns the samples written and the newest point's time.
func (p *Poller) write(ctx context.Context, log *slog.Logger, g Group, queries []Query, results []Result, marks map[markKey]int64) (int, int64) {
	type batch struct {
		samples []sample.Sample
		marks   map[markKey]int64
	}
	byHost := map[*Resource]*batch{}
	for _, res := range results {
		if res.Query < 0 || res.Query >= len(queries) {
			continue
		}
		q := queries[res.Query]
		k := markKey{q.Resource.ID, q.Metric.Series}
		from, to := q.Start.UnixMilli(), q.End.UnixMilli()
		if last, ok := marks[k]; ok && last >= from {
			from = last + 1
		}
		b := byHost[q.Resource]
		if b == nil {
			b = &batch{marks: map[markKey]int64{}}
			byHost[q.Resource] = b
		}
		for _, pt := range res.Points {
			// Outside the window: already written, or the provider's
			// last bucket, still filling.
			if pt.TimeMs < from || pt.TimeMs >= to {
				continue
			}
			b.samples = append(b.samples, sample.Sample{Name: q.Metric.Series, Labels: pt.Labels, Value: pt.Value, TimeMs: pt.TimeMs})
			if pt.TimeMs > b.marks[k] {
				b.marks[k] = pt.TimeMs
			}
		}
	}
	hosts := make([]*Resource, 0, len(byHost))
	for r := range byHost {
		hosts = append(hosts, r)
	}
	sort.Slice(hosts, func(i, j int) bool { return hosts[i].Name < hosts[j].Name })
	written, newest := 0, int64(0)
	moved := map[markKey]int64{}
	for _, r := range hosts {
		b := byHost[r]
		if len(b.samples) == 0 {
			continue
		}
		sort.SliceStable(b.samples, func(i, j int) bool { return b.samples[i].TimeMs < b.samples[j].TimeMs })
		if err := p.opts.Sink(ctx, g.Tenant, r.Name, b.samples); err != nil {
			log.Warn("cloud metrics: samples not stored", "host", r.Name, "samples", len(b.samples), "err", err)
			continue // the marks stay: the same points are asked for again
		}
		written += len(b.samples)
		for k, ms := range b.marks {
			moved[k] = ms
			// A state read at the pull (AVD) is always fresh: it would
			// hide the lag of the account's Azure Monitor series.
			if _, m, ok := cloudtype.BySeries(k.series); !ok || m.Source == "" {
				newest = max(newest, ms)
			}
		}
	}
	if err := p.opts.Marks.Save(ctx, g.Tenant, g.Account, moved); err != nil {
		log.Warn("cloud metrics: marks not saved", "err", err)
	}
	return written, newest
}

func (p *Poller) backingOff(k accountKey, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.backoffs[k]
	return b != nil && now.Before(b.until)
}

// throttle pauses the account: for what the provider asked, or for the
// last pause doubled (the first: Backoff), up to 16 times Backoff.
func (p *Poller) throttle(k accountKey, now time.Time, after time.Duration) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.backoffs[k]
	if b == nil {
		b = &backoff{}
		p.backoffs[k] = b
	}
	if after <= 0 {
		after = p.opts.Backoff
		if b.last > 0 {
			after = min(2*b.last, 16*p.opts.Backoff)
		}
	}
	b.last = after
	b.until = now.Add(after)
	return b.until
}

func (p *Poller) clear(k accountKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.backoffs, k)
}

// accountLabel is the account label of the self metrics.
func accountLabel(id int64) string { return strconv.FormatInt(id, 10) }
