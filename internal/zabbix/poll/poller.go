package poll

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/polling"
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
	// Owns, when set, says whether this replica polls a tenant now
	// (polling.Options.Owns); nil: every tenant.
	Owns   func(tenant string) bool
	Logger *slog.Logger
}

// Poller polls its targets, each on its interval, until its context ends
// (the schedule is polling.Runner's).
type Poller struct {
	*polling.Runner[Target]
	opts   Options
	plain  *agentproto.Client
	secure *agentproto.Client
}

// New returns a Poller; call Run.
func New(opts Options) *Poller {
	if opts.Timeout <= 0 {
		opts.Timeout = 3 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Poller{opts: opts, plain: &agentproto.Client{Timeout: opts.Timeout, Dialer: opts.Dial}}
	if opts.TLS != nil {
		p.secure = &agentproto.Client{Timeout: opts.Timeout, TLS: opts.TLS, Dialer: opts.Dial}
	}
	p.Runner = polling.New(polling.Options[Target]{
		Name: "zabbix poller", Targets: opts.Targets, Key: Target.id, Start: p.start, Sink: opts.Sink,
		Concurrency: opts.Concurrency, Refresh: opts.Refresh, Flush: opts.Flush, Owns: opts.Owns, Logger: opts.Logger,
	})
	return p
}

// start is the job of one target: its client (TLS, PSK or neither, the
// tenant's dialer), and each poll's change of answer logged once, not every poll of
// an agent that stays down.
func (p *Poller) start(t Target) (polling.Job, error) {
	client := p.plain
	if t.TLS {
		if client = p.secure; client == nil {
			return polling.Job{}, fmt.Errorf("%s/%s item %s asks for TLS and there is no Zabbix TLS certificate", t.Tenant, t.Host, t.Item)
		}
	}
	if p.opts.DialFor != nil || t.PSK != nil {
		own := *client
		if p.opts.DialFor != nil {
			own.Dialer = p.opts.DialFor(t.Tenant)
		}
		own.PSK = t.PSK
		client = &own
	}
	answering := true // so that the first failure is logged
	return polling.Job{Tenant: t.Tenant, Host: t.Host, Every: t.Interval,
		Poll: func(ctx context.Context, now time.Time) []sample.Sample {
			samples, out := Poll(ctx, client, t, now)
			if ctx.Err() != nil {
				return nil
			}
			switch {
			case !out.Stored && answering:
				p.opts.Logger.Warn("zabbix poller: no value", "tenant", t.Tenant, "host", t.Host, "item", t.Item, "key", t.Key, "reason", out.Reason)
			case out.Stored && !answering:
				p.opts.Logger.Info("zabbix poller: values again", "tenant", t.Tenant, "host", t.Host, "item", t.Item, "key", t.Key)
			}
			answering = out.Stored
			return samples
		}}, nil
}
