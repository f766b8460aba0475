// Package polling is the schedule every poller of unyo shares, on the
// server and on a collector alike (Zabbix agents, SNMP devices, checks run
// without an agent): the targets listed at start, on Reload and at every
// refresh; one loop per target, polling on the ticks of its interval
// aligned to the clock, so that a host's items are polled together; a
// bound on the polls in flight; and the samples gathered per host and
// handed to the sink together. What one poll does is the poller's own.
package polling

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// Job is one target's polls.
type Job struct {
	Tenant, Host string        // whose samples they are
	Every        time.Duration // the interval; the ticks are its multiples since the Unix epoch
	// Poll polls once at now. It is called from one goroutine at a time;
	// ctx ends when the target is dropped or the runner stops, and what a
	// poll returns then is thrown away: it is not a fact about the target.
	Poll func(ctx context.Context, now time.Time) []sample.Sample
	// Close, if set, releases what the polls keep open (a session) once
	// the target is dropped.
	Close func()
}

// Options configure a Runner of targets of type T.
type Options[T any] struct {
	Name    string                                 // the poller's name in logs, e.g. "zabbix poller"
	Targets func(ctx context.Context) ([]T, error) // what to poll
	// Key identifies a target across listings: an unchanged key keeps its
	// loop and schedule, a changed target (any field) is a new loop.
	Key func(T) string
	// Start prepares a target's job; an error means the target is not
	// polled (logged), and it is tried again at the next listing.
	Start       func(T) (Job, error)
	Sink        sample.Sink
	Concurrency int           // polls in flight; 64 when 0
	Refresh     time.Duration // 1m when 0: picks up new resources and labels
	Flush       time.Duration // how long samples wait to be sent together; 1s when 0
	// Owns, when set, is asked at each tick of a target whether this
	// replica polls the target's tenant now (internal/lease): every
	// replica keeps the targets' schedules, and only the tenant's owner
	// polls, so a takeover polls from the next tick on. Nil: every tenant.
	Owns   func(tenant string) bool
	Logger *slog.Logger
}

// Runner polls its targets, each on its interval, until its context ends.
type Runner[T any] struct {
	opts   Options[T]
	reload chan struct{}
	sem    chan struct{}

	mu      sync.Mutex
	pending map[[2]string][]sample.Sample // by tenant and host
}

// New returns a Runner; call Run.
func New[T any](opts Options[T]) *Runner[T] {
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
	return &Runner[T]{opts: opts, reload: make(chan struct{}, 1), sem: make(chan struct{}, opts.Concurrency),
		pending: map[[2]string][]sample.Sample{}}
}

// Reload asks for the targets to be listed again now, e.g. after the
// monitoring design changed. It does not block.
func (r *Runner[T]) Reload() {
	select {
	case r.reload <- struct{}{}:
	default:
	}
}

// Run polls until ctx ends. A failure to list the targets is logged and
// retried at the next refresh: polling goes on with the last list. What
// was gathered is handed to the sink before Run returns.
func (r *Runner[T]) Run(ctx context.Context) error {
	running := map[string]context.CancelFunc{}
	var wg sync.WaitGroup
	defer func() {
		for _, stop := range running {
			stop()
		}
		wg.Wait()
		r.flush(context.WithoutCancel(ctx))
	}()
	refresh := time.NewTicker(r.opts.Refresh)
	defer refresh.Stop()
	flush := time.NewTicker(r.opts.Flush)
	defer flush.Stop()
	r.apply(ctx, running, &wg)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-r.reload:
			r.apply(ctx, running, &wg)
		case <-refresh.C:
			r.apply(ctx, running, &wg)
		case <-flush.C:
			r.flush(ctx)
		}
	}
}

// apply starts the loops of new targets and stops those of targets gone.
func (r *Runner[T]) apply(ctx context.Context, running map[string]context.CancelFunc, wg *sync.WaitGroup) {
	targets, err := r.opts.Targets(ctx)
	if err != nil {
		r.opts.Logger.Warn(r.opts.Name+": cannot list the targets", "err", err)
		return
	}
	want := make(map[string]T, len(targets))
	for _, t := range targets {
		want[r.opts.Key(t)] = t
	}
	for key, stop := range running {
		if _, ok := want[key]; !ok {
			stop()
			delete(running, key)
		}
	}
	for key, t := range want {
		if _, ok := running[key]; ok {
			continue
		}
		job, err := r.opts.Start(t)
		if err != nil {
			r.opts.Logger.Warn(r.opts.Name+": target not polled", "err", err)
			continue
		}
		tctx, stop := context.WithCancel(ctx)
		running[key] = stop
		wg.Go(func() { r.loop(tctx, job) })
	}
}

// loop polls one job on the ticks of its interval.
func (r *Runner[T]) loop(ctx context.Context, job Job) {
	if job.Close != nil {
		defer job.Close()
	}
	for {
		if r.opts.Owns == nil || r.opts.Owns(job.Tenant) {
			select {
			case r.sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			samples := job.Poll(ctx, time.Now())
			<-r.sem
			if ctx.Err() != nil {
				return // stopped mid-poll: the answer is not a fact about the target
			}
			r.add(job.Tenant, job.Host, samples)
		}
		timer := time.NewTimer(UntilTick(job.Every, time.Now()))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}
}

func (r *Runner[T]) add(tenant, host string, samples []sample.Sample) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := [2]string{tenant, host}
	r.pending[k] = append(r.pending[k], samples...)
}

// flush hands what was gathered to the sink, one call per host.
func (r *Runner[T]) flush(ctx context.Context) {
	r.mu.Lock()
	pending := r.pending
	r.pending = map[[2]string][]sample.Sample{}
	r.mu.Unlock()
	for k, samples := range pending {
		if err := r.opts.Sink(ctx, k[0], k[1], samples); err != nil {
			r.opts.Logger.Warn(r.opts.Name+": samples not stored", "tenant", k[0], "host", k[1], "samples", len(samples), "err", err)
		}
	}
}

// UntilTick is the time from now to the next multiple of every since the
// Unix epoch.
func UntilTick(every time.Duration, now time.Time) time.Duration {
	return every - time.Duration(now.UnixNano()%int64(every))
}

// OnTicks calls cycle at once and then on every tick of every aligned to
// the clock (see UntilTick), one call at a time, until ctx ends: the loop
// of a poller that does all its work in one cycle (cloud metrics, flow
// logs). A cycle that overruns a tick makes the next call wait for the
// tick after.
func OnTicks(ctx context.Context, every time.Duration, cycle func(context.Context)) {
	for {
		cycle(ctx)
		timer := time.NewTimer(UntilTick(every, time.Now()))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}
}
