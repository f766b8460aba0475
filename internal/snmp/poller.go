package snmp

import (
	"context"
	"log/slog"
	"net"
	"syscall"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/polling"
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
	// Owns, when set, says whether this replica polls a tenant now
	// (polling.Options.Owns); nil: every tenant.
	Owns   func(tenant string) bool
	Logger *slog.Logger
}

// DefaultInterval is how often an item without an interval is polled.
const DefaultInterval = time.Minute

// Poller polls its targets, each on its interval, until its context ends
// (the schedule is polling.Runner's).
type Poller struct {
	*polling.Runner[Target]
	opts Options
}

// New returns a Poller; call Run.
func New(opts Options) *Poller {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Dialer == nil {
		opts.Dialer = &net.Dialer{}
	}
	p := &Poller{opts: opts}
	p.Runner = polling.New(polling.Options[Target]{
		Name: "snmp poller", Targets: opts.Targets, Key: Target.id, Start: p.start, Sink: opts.Sink,
		Concurrency: opts.Concurrency, Refresh: opts.Refresh, Flush: opts.Flush, Owns: opts.Owns, Logger: opts.Logger,
	})
	return p
}

// start is the job of one target: a session opened at the first poll and
// kept while the device answers (v3 engine discovery once), a new one
// after a failure; each change of answer logged once, not every poll of a
// device that stays down.
func (p *Poller) start(t Target) (polling.Job, error) {
	if t.Interval <= 0 {
		t.Interval = DefaultInterval
	}
	control := p.opts.Dialer.Control
	if p.opts.ControlFor != nil {
		control = p.opts.ControlFor(t.Tenant)
	}
	var s *Session
	answering := true // so that the first failure is logged
	poll := func(ctx context.Context, now time.Time) []sample.Sample {
		var samples []sample.Sample
		var out Outcome
		if s == nil {
			var err error
			if s, err = Open(ctx, t, control); err != nil {
				s = nil
				out.Reason = err.Error()
				samples = []sample.Sample{{Name: UpMetric, Labels: sample.Labels(ItemLabel, t.Item), Value: 0, TimeMs: now.UnixMilli()}}
			}
		}
		if s != nil {
			samples, out = s.Poll(now)
			if !out.Up {
				s.Close() // a new socket (and, for v3, a new discovery) next time
				s = nil
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		switch {
		case !out.Up && answering:
			p.opts.Logger.Warn("snmp poller: no answer", "target", t, "reason", out.Reason)
		case out.Up && !answering:
			p.opts.Logger.Info("snmp poller: answers again", "target", t)
		}
		answering = out.Up
		return samples
	}
	closeSession := func() {
		if s != nil {
			s.Close()
		}
	}
	return polling.Job{Tenant: t.Tenant, Host: t.Host, Every: t.Interval, Poll: poll, Close: closeSession}, nil
}
