package poll

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/zabbix/agentproto"
)

// Sink takes the samples of one host of one tenant.
type Sink = sample.Sink

// Options configure a Poller.
type Options struct {
	// Targets lists what to poll; it is called at start, on Reload and
	// every Refresh.
	Targets func(ctx context.Context) ([]Target, error)
	Sink    Sink
	Timeout time.Duration // one check; 3s (the Zabbix server's default) when 0
	TLS     *tls.Config   // for targets with TLS: the client certificate and the agents' CA
	// Dial connects to the agents; a net.Dialer when nil. The server
	// passes its outbound policy's, so tenants reach only the networks the
	// server admin allows.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// DialFor, when set, gives the dial function of one tenant's targets
	// instead of Dial: the server narrows its policy to the tenant's
	// networks (outbound.Policy.ForTenant). A collector, which serves one
	// tenant, leaves it nil.
	DialFor func(tenant string) func(ctx context.Context, network, address string) (net.Conn, error)
	// Concurrency bounds the checks in flight; 64 when 0. A Zabbix
	// server's default is 5 pollers, each one check at a time.
	Concurrency int
	Refresh     time.Duration // 1m when 0: picks up new resources and labels
	Flush       time.Duration // how long samples wait to be sent together; 1s when 0
	Logger      *slog.Logger
}

// Poller polls its targets, each on its interval, until its context ends.
type Poller struct {
	opts   Options
	plain  *agentproto.Client
	secure *agentproto.Client
	reload chan struct{}
	sem    chan struct{}

	mu      sync.Mutex
	pending map[[2]string][]sample.Sample // by tenant and host
}

// New returns a Poller; call Run.
func New(opts Options) *Poller {
	if opts.Timeout <= 0 {
		opts.Timeout = 3 * time.Second
	}
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
	p := &Poller{
		opts:    opts,
		plain:   &agentproto.Client{Timeout: opts.Timeout, Dialer: opts.Dial},
		reload:  make(chan struct{}, 1),
		sem:     make(chan struct{}, opts.Concurrency),
		pending: map[[2]string][]sample.Sample{},
	}
	if opts.TLS != nil {
		p.secure = &agentproto.Client{Timeout: opts.Timeout, TLS: opts.TLS, Dialer: opts.Dial}
	}
	return p
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
// retried at the next refresh: polling goes on with the last list.
func (p *Poller) Run(ctx context.Context) error {
	running := map[string]context.CancelFunc{}
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
func (p *Poller) apply(ctx context.Context, running map[string]context.CancelFunc, wg *sync.WaitGroup) {
	targets, err := p.opts.Targets(ctx)
	if err != nil {
		p.opts.Logger.Warn("zabbix poller: cannot list the targets", "err", err)
		return
	}
	want := make(map[string]Target, len(targets))
	for _, t := range targets {
		want[t.id()] = t
	}
	for id, stop := range running {
		if _, ok := want[id]; !ok {
			stop()
			delete(running, id)
		}
	}
	for id, t := range want {
		if _, ok := running[id]; ok {
			continue
		}
		tctx, stop := context.WithCancel(ctx)
		running[id] = stop
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.loop(tctx, t)
		}()
	}
}

// loop polls one target on the ticks of its interval, aligned to the clock
// as the agent aligns its items, so that a host's items are polled together.
func (p *Poller) loop(ctx context.Context, t Target) {
	client := p.plain
	if t.TLS {
		if client = p.secure; client == nil {
			p.opts.Logger.Warn("zabbix poller: the item asks for TLS and the server has no Zabbix TLS certificate", "tenant", t.Tenant, "host", t.Host, "item", t.Item)
			return
		}
	}
	if p.opts.DialFor != nil {
		own := *client
		own.Dialer = p.opts.DialFor(t.Tenant)
		client = &own
	}
	answering := true // so that the first failure is logged
	for {
		select {
		case p.sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		samples, out := Poll(ctx, client, t, time.Now())
		<-p.sem
		if ctx.Err() != nil {
			return // stopped mid-check: the answer is not a fact about the agent
		}
		// A change is logged once, not every poll of an agent that stays down.
		switch {
		case !out.Stored && answering:
			p.opts.Logger.Warn("zabbix poller: no value", "tenant", t.Tenant, "host", t.Host, "item", t.Item, "key", t.Key, "reason", out.Reason)
		case out.Stored && !answering:
			p.opts.Logger.Info("zabbix poller: values again", "tenant", t.Tenant, "host", t.Host, "item", t.Item, "key", t.Key)
		}
		answering = out.Stored
		p.add(t.Tenant, t.Host, samples)
		timer := time.NewTimer(untilTick(t.Interval, time.Now()))
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
			p.opts.Logger.Warn("zabbix poller: samples not stored", "tenant", k[0], "host", k[1], "samples", len(samples), "err", err)
		}
	}
}

// untilTick is the time from now to the next multiple of every.
func untilTick(every time.Duration, now time.Time) time.Duration {
	if every <= 0 {
		every = time.Minute
	}
	return every - time.Duration(now.UnixNano()%int64(every))
}
