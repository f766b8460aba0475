package snmp

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// Options configure a Poller.
type Options struct {
	// Targets lists what to poll; it is called at start, on Reload and
	// every Refresh.
	Targets func(ctx context.Context) ([]Target, error)
	Sink    sample.Sink
	// Dialer's Control vets the address of every socket; nil: any
	// address. The server passes its outbound policy's
	// (outbound.Policy.Dialer), so tenants reach only the networks the
	// server admin allows.
	Dialer *net.Dialer
	// ControlFor, when set, vets the sockets of one tenant's targets
	// instead of Dialer's Control: the server narrows its policy to the
	// tenant's networks (outbound.Policy.ForTenant). A session keeps its
	// socket, so a change of networks applies to the sessions opened after
	// it. A collector, which serves one tenant, leaves it nil.
	ControlFor func(tenant string) func(network, address string, c syscall.RawConn) error
	// Concurrency bounds the polls in flight; 64 when 0.
	Concurrency int
	Refresh     time.Duration // 1m when 0: picks up new resources and labels
	Flush       time.Duration // how long samples wait to be sent together; 1s when 0
	Logger      *slog.Logger
}

// DefaultInterval is how often an item without an interval is polled.
const DefaultInterval = time.Minute

// Poller polls its targets, each on its interval, until its context ends.
type Poller struct {
	opts   Options
	reload chan struct{}
	sem    chan struct{}

	mu      sync.Mutex
	pending map[[2]string][]sample.Sample // by tenant and host
}

// New returns a Poller; call Run.
func New(opts Options) *Poller {
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
	if opts.Dialer == nil {
		opts.Dialer = &net.Dialer{}
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
		p.opts.Logger.Warn("snmp poller: cannot list the targets", "err", err)
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

// loop polls one target on the ticks of its interval, aligned to the
// clock, so that a device's items are polled together.
func (p *Poller) loop(ctx context.Context, t Target) {
	if t.Interval <= 0 {
		t.Interval = DefaultInterval
	}
	control := p.opts.Dialer.Control
	if p.opts.ControlFor != nil {
		control = p.opts.ControlFor(t.Tenant)
	}
	var s *Session
	defer func() {
		if s != nil {
			s.Close()
		}
	}()
	answering := true // so that the first failure is logged
	for {
		select {
		case p.sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		var samples []sample.Sample
		var out Outcome
		if s == nil {
			var err error
			if s, err = Open(ctx, t, control); err != nil {
				s = nil
				out.Reason = err.Error()
				samples = []sample.Sample{{Name: UpMetric, Labels: sample.Labels(ItemLabel, t.Item), Value: 0, TimeMs: time.Now().UnixMilli()}}
			}
		}
		if s != nil {
			samples, out = s.Poll(time.Now())
			if !out.Up {
				s.Close() // a new socket (and, for v3, a new discovery) next time
				s = nil
			}
		}
		<-p.sem
		if ctx.Err() != nil {
			return // stopped mid-poll: the answer is not a fact about the device
		}
		// A change is logged once, not every poll of a device that stays down.
		switch {
		case !out.Up && answering:
			p.opts.Logger.Warn("snmp poller: no answer", "target", t, "reason", out.Reason)
		case out.Up && !answering:
			p.opts.Logger.Info("snmp poller: answers again", "target", t)
		}
		answering = out.Up
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
			p.opts.Logger.Warn("snmp poller: samples not stored", "tenant", k[0], "host", k[1], "samples", len(samples), "err", err)
		}
	}
}

// untilTick is the time from now to the next multiple of every.
func untilTick(every time.Duration, now time.Time) time.Duration {
	return every - time.Duration(now.UnixNano()%int64(every))
}
