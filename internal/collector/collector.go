// Package collector makes unyo agent a collector inside a customer's
// network (`unyo agent --collector NAME`), in the place of a Zabbix proxy:
// besides its own host, it polls the resources of its tenant labelled
// unyo_collector=NAME (the targets it pulls from the server), receives
// Prometheus remote write and the unyo agent protocol from that network's
// agents and Prometheus, and stores all of it in the agent's on-disk buffer,
// which the agent's one outbound connection forwards to the server with the
// collector's own token. Polls and receipts go on while the server is away;
// the buffer carries them until it is back.
//
// The collector is an agent.Source: the agent hands it the configuration
// (ApplyConfig), its buffer (UseBuffer) and an emitter for the collector's
// own series, which carry the collector's host like every agent's do.
package collector

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/buffer"
	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agentconfig"
	"github.com/unyo-ops/unyo/internal/snmp/trap"
)

// DefaultListen is where a collector takes remote write when no address is
// given: loopback, so that opening it to the network is a choice.
const DefaultListen = "127.0.0.1:9201"

// Options configure a Collector.
type Options struct {
	Name    string        // the value of the unyo_collector label of the resources behind it
	Listen  string        // host:port of the receiver; "" for DefaultListen, "off" for none
	Pull    time.Duration // how often the targets are pulled; a minute when 0
	Sources []Source      // the pollers by kind; Sources(opts) when nil
	// TrapListen is the UDP host:port where SNMP traps of the devices
	// behind the collector are received; "" for none.
	TrapListen string
	Logger     *slog.Logger
	// ZabbixTLS is the client side of TLS with certificates for zabbix
	// items with tls (LoadZabbixTLS); nil: those items are not polled.
	ZabbixTLS *tls.Config
}

// Collector is the collector part of an agent. Create it with New, add it
// to the agent with AddSource.
type Collector struct {
	name    string
	pull    time.Duration
	sources []Source
	logger  *slog.Logger
	ln      net.Listener   // nil: no receiver
	traps   *trap.Listener // nil: no trap listener

	mu       sync.Mutex
	server   string
	token    string
	host     string        // the collector's own host: the resource its series carry
	dir      string        // the buffer's directory, where the targets are cached
	interval time.Duration // of the collector's own series

	targets atomic.Pointer[Targets]
	reload  []func() // the pollers' Reload
	buf     *buffer.Buffer
	spool   *spool
	client  *http.Client

	received, rejected, receivedSamples atomic.Uint64
	pulledOK                            atomic.Bool
}

// New returns the collector and binds its receiver, so that an address in
// use stops the agent at start rather than leaving it deaf.
func New(opts Options) (*Collector, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Pull <= 0 {
		opts.Pull = time.Minute
	}
	if opts.Sources == nil {
		opts.Sources = Sources(opts)
	}
	c := &Collector{name: opts.Name, pull: opts.Pull, sources: opts.Sources, logger: opts.Logger,
		interval: agentconfig.DefaultInterval, client: &http.Client{Timeout: 30 * time.Second}}
	c.targets.Store(&Targets{Collector: opts.Name})
	listen := opts.Listen
	if listen == "" {
		listen = DefaultListen
	}
	if listen != "off" {
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			return nil, fmt.Errorf("collector: cannot listen on %s: %w", listen, err)
		}
		c.ln = ln
	}
	if opts.TrapListen != "" {
		if err := c.listenTraps(opts.TrapListen); err != nil {
			if c.ln != nil {
				c.ln.Close()
			}
			return nil, err
		}
	}
	return c, nil
}

// Addr is the receiver's address, nil when there is none.
func (c *Collector) Addr() net.Addr {
	if c.ln == nil {
		return nil
	}
	return c.ln.Addr()
}

// ApplyConfig takes where to pull from and where to cache, from the
// agent's running configuration.
func (c *Collector) ApplyConfig(cfg *agentconfig.Config) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.server, c.token, c.dir, c.host = cfg.Server, cfg.Token, cfg.Buffer.Dir, cfg.Host
	if d := cfg.Interval.D(); d > 0 {
		c.interval = d
	}
	return nil
}

// UseBuffer is handed the agent's buffer: the collector stores what it
// polls and receives there itself, records whose series carry the hosts
// behind it (or whatever the senders wrote), not the collector's host.
func (c *Collector) UseBuffer(buf *buffer.Buffer) {
	c.buf = buf
	c.spool = newSpool(buf, c.logger)
}

// Run runs the pollers, the receiver, the targets' pull and the
// collector's own series until ctx is done.
func (c *Collector) Run(ctx context.Context, emit sample.Emitter) error {
	if c.buf == nil {
		return fmt.Errorf("collector: the agent handed no buffer")
	}
	c.loadCache()
	var wg sync.WaitGroup
	pollCtx, stopPolls := context.WithCancel(context.Background())
	for _, s := range c.sources {
		p := s.New(c.targets.Load, c.spool.sink, c.logger.With("collector", c.name, "kind", s.Kind))
		c.mu.Lock()
		c.reload = append(c.reload, p.Reload)
		c.mu.Unlock()
		wg.Go(func() {
			if err := p.Run(pollCtx); err != nil {
				c.logger.Error("collector: poller stopped", "kind", s.Kind, "err", err)
			}
		})
	}
	spoolCtx, stopSpool := context.WithCancel(context.Background())
	var spoolWG sync.WaitGroup
	spoolWG.Go(func() { c.spool.run(spoolCtx) })
	var srv *http.Server
	if c.ln != nil {
		srv = c.newServer()
		wg.Go(func() {
			if err := srv.Serve(c.ln); err != nil && err != http.ErrServerClosed {
				c.logger.Error("collector: receiver stopped", "addr", c.ln.Addr().String(), "err", err)
			}
		})
	}
	if c.traps != nil {
		c.mu.Lock()
		c.reload = append(c.reload, c.traps.Reload)
		c.mu.Unlock()
		wg.Go(func() {
			if err := c.traps.Run(pollCtx); err != nil {
				c.logger.Error("collector: trap listener stopped", "addr", c.traps.Addr().String(), "err", err)
			}
		})
	}
	wg.Go(func() { c.pullLoop(ctx) })
	wg.Go(func() { c.selfLoop(ctx, emit) })
	c.logger.Info("collector: running", "collector", c.name, "listen", c.Addr(), "targets", c.countTargets())

	// Stop order: the receiver and the pollers first, then the spool
	// stores what they left; the agent's sender stops after its sources.
	<-ctx.Done()
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		srv.Shutdown(sctx)
		cancel()
	}
	stopPolls()
	wg.Wait()
	stopSpool()
	spoolWG.Wait()
	return nil
}

func (c *Collector) target() (server, token, dir string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.server, c.token, c.dir
}

func (c *Collector) hostName() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.host
}
