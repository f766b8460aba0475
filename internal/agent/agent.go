// Package agent runs unyo agent: it schedules the collectors, checks and
// scrapes of the configured items, pushes what they produce through the
// on-disk buffer to unyo server, and follows the configuration the server
// hands out without a restart.
//
// Wiring for `unyo agent`:
//
//	cfg, err := agentconfig.Load(path)
//	a := agent.New(cfg, logger)
//	a.AddSource(logwatchSource) // optional: anything producing on its own schedule
//	err = a.Run(ctx)            // until ctx is done; call a.ApplyConfig on SIGHUP
package agent

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/buffer"
	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agent/sender"
	"github.com/unyo-ops/unyo/internal/agentconfig"
)

// Collector is what the agent runs at an item's interval. It returns what it
// measured even when it fails; the error says why and is logged when an item
// starts or stops failing.
type Collector interface {
	Collect(ctx context.Context, now time.Time) ([]sample.Sample, error)
}

// Source produces samples and events on its own schedule rather than being
// polled: the log tailer (package logwatch) is one. Run blocks until ctx is done.
type Source interface {
	Run(ctx context.Context, emit sample.Emitter) error
}

// ConfigApplier is implemented by a Source that follows the configuration:
// it gets the whole configuration at start and after every change, and picks
// the items it runs (kind log, for logwatch). It is called before Run.
type ConfigApplier interface {
	ApplyConfig(cfg *agentconfig.Config) error
}

// Forwarder is implemented by a Source that stores ready-made records in
// the buffer itself instead of emitting samples under the agent's host:
// the collector (package collector), whose records carry the hosts behind
// it, and the remote write it received as it came. UseBuffer is called
// after ApplyConfig and before Run.
type Forwarder interface {
	UseBuffer(buf *buffer.Buffer)
}

// DefaultEventDelay is how long a log event waits to be batched with the
// next ones before it is stored and sent. Every batch costs an fsync, a
// request and an acknowledgement; a steady trickle of matching lines would
// otherwise make one every second.
const DefaultEventDelay = 5 * time.Second

// Agent is unyo agent. Create it with New, run it once with Run.
type Agent struct {
	logger *slog.Logger

	// Tuning that tests shorten.
	pullEvery  time.Duration
	flushDelay time.Duration // how long samples wait to be batched with others
	eventDelay time.Duration // how long log events wait to be batched with others
	senderOpts sender.Options

	mu       sync.Mutex
	local    *agentconfig.Config // as given to New or ApplyConfig
	remote   *agentconfig.Config // last good configuration pulled from the server
	cfg      *agentconfig.Config // local and remote merged: what runs
	sources  []Source
	items    map[string]*itemRunner
	itemsWG  sync.WaitGroup
	runCtx   context.Context // nil until Run, and again once stopping
	batch    *batcher
	send     *sender.Sender
	buf      *buffer.Buffer
	reloadOK bool
	confine  func(agentconfig.Item) error // nil: every item runs
}

// New returns an agent for cfg, which should come from agentconfig.Load.
func New(cfg *agentconfig.Config, logger *slog.Logger) *Agent {
	if logger == nil {
		logger = slog.Default()
	}
	local := cfg.Clone()
	local.SetDefaults()
	return &Agent{
		logger: logger, pullEvery: time.Minute, flushDelay: time.Second, eventDelay: DefaultEventDelay,
		local: local, cfg: local, items: map[string]*itemRunner{}, reloadOK: true,
	}
}

// SetPullInterval sets how often the configuration is pulled from the
// server (a minute by default). Call it before Run.
func (a *Agent) SetPullInterval(d time.Duration) {
	if d > 0 {
		a.pullEvery = d
	}
}

// SetConfine makes the agent run only the items check accepts; the others
// are dropped from the running configuration and logged. The server's own
// agent is confined so (package confine); call it before Run.
func (a *Agent) SetConfine(check func(agentconfig.Item) error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.confine = check
}

// confineSources hands the confinement to the sources that read files: a
// symbolic link under an allowed glob must not lead elsewhere.
func (a *Agent) confineSources() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.confine == nil {
		return
	}
	check := a.confine
	for _, s := range a.sources {
		if fl, ok := s.(interface{ SetAllow(func(string) bool) }); ok {
			fl.SetAllow(func(path string) bool {
				return check(agentconfig.Item{Name: "file", Kind: agentconfig.KindLog, Glob: path}) == nil
			})
		}
	}
}

// AddSource plugs in a source such as the log tailer. Call it before Run.
func (a *Agent) AddSource(s Source) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sources = append(a.sources, s)
}

// ApplyConfig replaces the local configuration, for a reloaded file. What the
// server handed out stays merged in. On error nothing changes.
func (a *Agent) ApplyConfig(cfg *agentconfig.Config) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	local := cfg.Clone()
	local.SetDefaults()
	merged, err := a.merge(local, a.remote)
	if err != nil {
		return err
	}
	a.local = local
	a.apply(merged)
	return nil
}

func (a *Agent) merge(local, remote *agentconfig.Config) (*agentconfig.Config, error) {
	if remote == nil {
		remote = &agentconfig.Config{}
	}
	merged, err := agentconfig.Merge(local, remote)
	if err != nil || a.confine == nil {
		return merged, err
	}
	kept := merged.Items[:0]
	for _, it := range merged.Items {
		if err := a.confine(it); err != nil {
			a.logger.Error("agent: item refused: it would read or reach what the server admin does not allow", "item", it.Name, "kind", it.Kind, "err", err)
			continue
		}
		kept = append(kept, it)
	}
	merged.Items = kept
	return merged, nil
}

// apply makes merged the running configuration. Callers hold a.mu.
func (a *Agent) apply(merged *agentconfig.Config) {
	if a.cfg.Buffer != merged.Buffer && a.runCtx != nil {
		a.logger.Warn("agent: buffer settings change on the next start", "dir", merged.Buffer.Dir)
	}
	a.cfg = merged
	if a.runCtx == nil {
		return
	}
	a.syncItems(a.runCtx, merged)
	a.batch.setHost(merged)
	a.send.SetTarget(merged.Server, merged.Token)
	a.applySources(merged)
}

func (a *Agent) applySources(cfg *agentconfig.Config) {
	for _, s := range a.sources {
		if ca, ok := s.(ConfigApplier); ok {
			if err := ca.ApplyConfig(cfg); err != nil {
				a.logger.Error("agent: source refused the configuration", "source", fmt.Sprintf("%T", s), "err", err)
			}
		}
	}
}

// Config returns the running configuration; callers must not change it.
func (a *Agent) Config() *agentconfig.Config {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg
}

// Run runs the agent until ctx is done. It returns an error only when it
// cannot start, e.g. when the buffer cannot be opened.
func (a *Agent) Run(ctx context.Context) error {
	a.mu.Lock()
	cfg := a.cfg
	a.mu.Unlock()
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("agent: invalid configuration: %w", err)
	}
	buf, err := buffer.Open(buffer.Options{Dir: cfg.Buffer.Dir, MaxBytes: int64(cfg.Buffer.MaxBytes)}, a.logger)
	if err != nil {
		return fmt.Errorf("agent: cannot open buffer at %q: %w", cfg.Buffer.Dir, err)
	}
	defer buf.Close()
	opts := a.senderOpts
	opts.Server, opts.Token = cfg.Server, cfg.Token
	send := sender.New(buf, opts, a.logger)
	batch := newBatcher(buf, a.flushDelay, a.eventDelay, a.logger)
	batch.setHost(cfg)

	// Stop order: producers first, then the batcher flushes what they left
	// into the buffer, then the sender stops; unsent batches wait on disk.
	sendCtx, stopSend := context.WithCancel(context.Background())
	batchCtx, stopBatch := context.WithCancel(context.Background())
	var sendWG, batchWG, prodWG sync.WaitGroup
	sendWG.Go(func() { send.Run(sendCtx) })
	batchWG.Go(func() { batch.run(batchCtx) })

	a.start(ctx, buf, batch, send)
	a.confineSources()
	for _, s := range a.sources {
		if f, ok := s.(Forwarder); ok {
			f.UseBuffer(buf)
		}
	}
	for _, s := range a.sources {
		prodWG.Go(func() { a.runSource(ctx, s) })
	}
	prodWG.Go(func() { a.pullLoop(ctx) })
	prodWG.Go(func() { a.selfLoop(ctx) })
	a.logger.Info("agent: running", "host", cfg.Host, "server", cfg.Server, "items", len(cfg.Items))

	<-ctx.Done()
	a.stop()
	prodWG.Wait()
	stopBatch()
	batchWG.Wait()
	stopSend()
	sendWG.Wait()
	a.logger.Info("agent: stopped", "pending_batches", buf.Stats().PendingBatches)
	return nil
}

// start applies the configuration cached from the server, if any, and
// starts the items.
func (a *Agent) start(ctx context.Context, buf *buffer.Buffer, batch *batcher, send *sender.Sender) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.buf, a.batch, a.send, a.runCtx = buf, batch, send, ctx
	a.loadCached()
	a.syncItems(ctx, a.cfg)
	a.applySources(a.cfg)
}

// stop stops every item and waits for them.
func (a *Agent) stop() {
	a.mu.Lock()
	a.runCtx = nil
	for name, r := range a.items {
		r.cancel()
		delete(a.items, name)
	}
	a.mu.Unlock()
	a.itemsWG.Wait()
}

func (a *Agent) runSource(ctx context.Context, s Source) {
	if err := s.Run(ctx, a.batch); err != nil && ctx.Err() == nil {
		a.logger.Error("agent: source stopped", "source", fmt.Sprintf("%T", s), "err", err)
	}
}
