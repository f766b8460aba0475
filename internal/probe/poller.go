package probe

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// Options configure a Poller.
type Options struct {
	// Targets lists what to run; it is called at start, on Reload and
	// every Refresh.
	Targets func(ctx context.Context) ([]Target, error)
	Sink    sample.Sink
	Env     Env // how checks reach their targets: the outbound policy on the server
	// EnvFor, when set, narrows Env for one tenant's targets: the server
	// gives the Dial and Permit of its policy narrowed to the tenant's
	// networks (outbound.Policy.ForTenant). A collector, which serves one
	// tenant, leaves it nil.
	EnvFor func(tenant string, env Env) Env
	// Concurrency bounds the checks in flight; 64 when 0.
	Concurrency int
	Refresh     time.Duration // 1m when 0: picks up new resources and labels
	Flush       time.Duration // how long samples wait to be sent together; 1s when 0
	Logger      *slog.Logger
}

// Poller runs its targets, each on its interval, until its context ends.
type Poller struct {
	opts   Options
	reload chan struct{}
	sem    chan struct{}

	mu      sync.Mutex
	pending map[[2]string][]sample.Sample // by tenant and host
}

// NewPoller returns a Poller; call Run.
func NewPoller(opts Options) *Poller {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 64
	}
	if opts.Refresh <= 0 {
		opts.Refresh = time.Minute
	}
	if opts.Flush <= 0 {
		opts.Flush = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Env.ping == nil {
		opts.Env.ping = new(pingMode)
	}
	return &Poller{
		opts:    opts,
		reload:  make(chan struct{}, 1),
		sem:     make(chan struct{}, opts.Concurrency),
		pending: map[[2]string][]sample.Sample{},
	}
}

// Reload asks for the targets to be listed again now, e.g. after the
// monitoring design changed. It does not block.
func (p *Poller) Reload() {
	select {
	case p.reload <- struct{}{}:
	default:
	}
}

// Run polls until ctx ends. A failure to list the targets is logged and
// retried at the next refresh: checks go on with the last list.
func (p *Poller) Run(ctx context.Context) error {
	running := map[Target]context.CancelFunc{}
	var wg sync.WaitGroup
	defer func() {
		for _, stop := range running {
			stop()
		}
		wg.Wait()
		p.flush(context.WithoutCancel(ctx))
	}()
	refresh := time.NewTicker(p.opts.Refresh)
	defer refresh.Stop()
	flush := time.NewTicker(p.opts.Flush)
	defer flush.Stop()
	p.apply(ctx, running, &wg)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.reload:
			p.apply(ctx, running, &wg)
		case <-refresh.C:
			p.apply(ctx, running, &wg)
		case <-flush.C:
			p.flush(ctx)
		}
	}
}

// apply starts the loops of new targets and stops those of targets gone.
func (p *Poller) apply(ctx context.Context, running map[Target]context.CancelFunc, wg *sync.WaitGroup) {
	targets, err := p.opts.Targets(ctx)
	if err != nil {
		p.opts.Logger.Warn("probe: cannot list the targets", "err", err)
		return
	}
	want := make(map[Target]bool, len(targets))
	for _, t := range targets {
		want[t] = true
	}
	for t, stop := range running {
		if !want[t] {
			stop()
			delete(running, t)
		}
	}
	for t := range want {
		if _, ok := running[t]; ok {
			continue
		}
		env := p.opts.Env
		if p.opts.EnvFor != nil {
			env = p.opts.EnvFor(t.Tenant, env)
		}
		c, err := New(t, env)
		if err != nil {
			p.opts.Logger.Warn("probe: cannot run the check", "tenant", t.Tenant, "host", t.Host, "item", t.Item, "err", err)
			continue
		}
		tctx, stop := context.WithCancel(ctx)
		running[t] = stop
		wg.Go(func() { p.loop(tctx, t, c) })
	}
}

// loop runs one target on the ticks of its interval, aligned to the clock
// as the agent aligns its items.
func (p *Poller) loop(ctx context.Context, t Target, c Collector) {
	failing := false
	for {
		select {
		case p.sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		cctx, cancel := context.WithTimeout(ctx, t.timeout()+time.Second) // a ping ends by its own timeout
		samples, err := c.Collect(cctx, time.Now())
		cancel()
		<-p.sem
		if ctx.Err() != nil {
			return // stopped mid-check: the result is not a fact about the target
		}
		// A change is logged once, not at every run of a target that stays down.
		switch {
		case err != nil && !failing:
			p.opts.Logger.Warn("probe: check failing", "tenant", t.Tenant, "host", t.Host, "item", t.Item, "type", t.Type, "err", err)
		case err == nil && failing:
			p.opts.Logger.Info("probe: check recovered", "tenant", t.Tenant, "host", t.Host, "item", t.Item, "type", t.Type)
		}
		failing = err != nil
		p.add(t.Tenant, t.Host, samples)
		timer := time.NewTimer(untilTick(t.interval(), time.Now()))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}
}

func (p *Poller) add(tenant, host string, samples []sample.Sample) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := [2]string{tenant, host}
	p.pending[k] = append(p.pending[k], samples...)
}

// flush hands what was gathered to the sink, one call per host.
func (p *Poller) flush(ctx context.Context) {
	p.mu.Lock()
	pending := p.pending
	p.pending = map[[2]string][]sample.Sample{}
	p.mu.Unlock()
	for k, samples := range pending {
		if err := p.opts.Sink(ctx, k[0], k[1], samples); err != nil {
			p.opts.Logger.Warn("probe: samples not stored", "tenant", k[0], "host", k[1], "samples", len(samples), "err", err)
		}
	}
}

// untilTick is the time from now to the next multiple of every.
func untilTick(every time.Duration, now time.Time) time.Duration {
	return every - time.Duration(now.UnixNano()%int64(every))
}
