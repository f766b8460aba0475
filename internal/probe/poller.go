package probe

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/polling"
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
	// Owns, when set, says whether this replica polls a tenant now
	// (polling.Options.Owns); nil: every tenant.
	Owns   func(tenant string) bool
	Logger *slog.Logger
}

// Poller runs its targets, each on its interval, until its context ends
// (the schedule is polling.Runner's).
type Poller struct {
	*polling.Runner[Target]
	opts Options
}

// NewPoller returns a Poller; call Run.
func NewPoller(opts Options) *Poller {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Env.ping == nil {
		opts.Env.ping = new(pingMode)
	}
	p := &Poller{opts: opts}
	p.Runner = polling.New(polling.Options[Target]{
		Name: "probe", Targets: opts.Targets, Key: func(t Target) string { return fmt.Sprintf("%#v", t) }, Start: p.start,
		Sink: opts.Sink, Concurrency: opts.Concurrency, Refresh: opts.Refresh, Flush: opts.Flush, Owns: opts.Owns, Logger: opts.Logger,
	})
	return p
}

// start is the job of one target: its check, in the tenant's network
// environment, each run bounded by the check's timeout; each change of
// result logged once, not at every run of a target that stays down.
func (p *Poller) start(t Target) (polling.Job, error) {
	env := p.opts.Env
	if p.opts.EnvFor != nil {
		env = p.opts.EnvFor(t.Tenant, env)
	}
	c, err := New(t, env)
	if err != nil {
		return polling.Job{}, fmt.Errorf("%s/%s item %s: %w", t.Tenant, t.Host, t.Item, err)
	}
	failing := false
	return polling.Job{Tenant: t.Tenant, Host: t.Host, Every: t.interval(),
		Poll: func(ctx context.Context, now time.Time) []sample.Sample {
			cctx, cancel := context.WithTimeout(ctx, t.timeout()+time.Second) // a ping ends by its own timeout
			samples, err := c.Collect(cctx, now)
			cancel()
			if ctx.Err() != nil {
				return nil
			}
			switch {
			case err != nil && !failing:
				p.opts.Logger.Warn("probe: check failing", "tenant", t.Tenant, "host", t.Host, "item", t.Item, "type", t.Type, "err", err)
			case err == nil && failing:
				p.opts.Logger.Info("probe: check recovered", "tenant", t.Tenant, "host", t.Host, "item", t.Item, "type", t.Type)
			}
			failing = err != nil
			return samples
		}}, nil
}
