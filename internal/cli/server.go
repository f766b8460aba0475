package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/unyo-ops/unyo/internal/agent"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/server"
)

// serverConfig is everything `unyo server` is told by flags and environment.
type serverConfig struct {
	listen        string
	dataDir       string
	database      string // "" = sqlite:///<data>/unyo.db
	adminPassword string
	retention     time.Duration
	oooWindow     time.Duration
	blockDuration time.Duration
	chunkSamples  int
	logLevel      string
	logFormat     string
	shutdown      time.Duration
	externalURL   string
	monitorSelf   bool
	memory        memoryConfig
	console       consoleConfig
	report        reportConfig
	limits        limitsConfig
	outbound      outboundConfig
	exposure      exposureConfig
	zabbix        zabbixConfig
	snmp          snmpConfig
	cluster       clusterConfig
	metricsStore  metricsStoreConfig
	debug         debugConfig
}

func parseServerFlags(args []string, stderr io.Writer) (*serverConfig, error) {
	c := &serverConfig{}
	fs := flag.NewFlagSet("unyo server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", env("UNYO_LISTEN", "127.0.0.1:8080"), "address to listen on (env UNYO_LISTEN)")
	fs.StringVar(&c.dataDir, "data", env("UNYO_DATA", "./data"), "directory for the database and the TSDB (env UNYO_DATA)")
	fs.StringVar(&c.database, "database", env("UNYO_DATABASE", ""), "state database: sqlite:///path or postgres://user@host/db (env UNYO_DATABASE; default sqlite:///<data>/unyo.db)")
	fs.StringVar(&c.adminPassword, "admin-password", "", "password of the first admin, created on first start (env UNYO_ADMIN_PASSWORD; random if unset)")
	fs.DurationVar(&c.retention, "retention", 400*24*time.Hour, "how long samples are kept: a year of data feeds the yearly plan")
	fs.DurationVar(&c.oooWindow, "out-of-order-window", 24*time.Hour, "how old a late sample may be, e.g. from an agent's outage buffer")
	fs.DurationVar(&c.blockDuration, "tsdb-block-duration", 0, "span of the TSDB head written to a block at a time (0: 2h); shorter only for soaks and tests that must see compactions")
	fs.IntVar(&c.chunkSamples, "tsdb-samples-per-chunk", 0, "samples the TSDB head puts in a series' chunk before memory-mapping it (0: 120); fewer keep the chunks being built, on the heap, smaller")
	fs.StringVar(&c.logLevel, "log-level", env("UNYO_LOG_LEVEL", "info"), "debug, info, warn or error")
	fs.StringVar(&c.logFormat, "log-format", env("UNYO_LOG_FORMAT", "text"), "text or json")
	fs.DurationVar(&c.shutdown, "shutdown-timeout", 30*time.Second, "how long to wait for requests in flight on SIGTERM")
	fs.StringVar(&c.externalURL, "external-url", env("UNYO_EXTERNAL_URL", ""), "the URL users reach the console at, e.g. https://unyo.example.com: the links in notifications and the default OIDC redirect (env UNYO_EXTERNAL_URL; default http:// and the bound address)")
	c.memory.flags(fs)
	c.console.flags(fs)
	c.report.flags(fs)
	c.limits.flags(fs)
	c.outbound.flags(fs)
	c.exposure.flags(fs)
	c.zabbix.flags(fs)
	c.snmp.flags(fs)
	c.cluster.flags(fs)
	c.metricsStore.flags(fs)
	c.debug.flags(fs)
	fs.BoolVar(&c.monitorSelf, "monitor-self", env("UNYO_MONITOR_SELF", "true") == "true", "watch this host with an agent in the server's process, as tenant \"self\" (env UNYO_MONITOR_SELF)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if c.externalURL != "" {
		u, err := url.Parse(c.externalURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			fmt.Fprintf(stderr, "unyo server: --external-url %q must be an http(s) URL such as https://unyo.example.com\n", c.externalURL)
			return nil, errors.New("bad --external-url")
		}
		c.externalURL = strings.TrimRight(c.externalURL, "/")
	}
	if c.adminPassword == "" {
		c.adminPassword = os.Getenv("UNYO_ADMIN_PASSWORD")
	}
	// Checked here, before anything opens or listens, and at every start.
	if c.adminPassword != "" {
		if err := model.ValidatePassword(c.adminPassword); err != nil {
			fmt.Fprintln(stderr, "unyo server: admin password (-admin-password, UNYO_ADMIN_PASSWORD):", err)
			return nil, err
		}
	}
	if c.chunkSamples < 0 {
		fmt.Fprintf(stderr, "unyo server: --tsdb-samples-per-chunk %d: want a positive count, or 0 for the TSDB's 120\n", c.chunkSamples)
		return nil, errors.New("bad --tsdb-samples-per-chunk")
	}
	if err := c.memory.parse(); err != nil {
		fmt.Fprintln(stderr, "unyo server:", err)
		return nil, err
	}
	if err := c.metricsStore.parse(); err != nil {
		fmt.Fprintln(stderr, "unyo server:", err)
		return nil, err
	}
	if err := c.exposure.parse(); err != nil {
		fmt.Fprintln(stderr, "unyo server:", err)
		return nil, err
	}
	if err := c.debug.parse(); err != nil {
		fmt.Fprintln(stderr, "unyo server:", err)
		return nil, err
	}
	return c, nil
}

// tsdbOptions are the embedded TSDB's options the flags set; series is told
// of the head's series (the tenant limits).
func (c *serverConfig) tsdbOptions(series tsdb.SeriesLifecycleCallback) metricstore.Options {
	return metricstore.Options{
		Retention: c.retention, OutOfOrderWindow: c.oooWindow, Series: series,
		BlockDuration: c.blockDuration, SamplesPerChunk: c.chunkSamples,
	}
}

func runServer(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseServerFlags(args, stderr)
	if err != nil {
		return 2
	}
	logger, err := newLogger(stderr, cfg.logLevel, cfg.logFormat)
	if err != nil {
		fmt.Fprintln(stderr, "unyo server:", err)
		return 2
	}
	slog.SetDefault(logger)
	cfg.memory.apply(logger)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, logger, stdout); err != nil {
		logger.Error("unyo server failed", "err", err)
		return 1
	}
	return 0
}

// serve opens the app and runs it until ctx ends or a component fails.
func serve(ctx context.Context, cfg *serverConfig, logger *slog.Logger, stdout io.Writer) error {
	if err := prepareDataDir(cfg, logger); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(database.Collectors()...)
	a, err := openApp(ctx, cfg, logger, reg)
	if err != nil {
		return err
	}
	defer a.close() // the TSDB, then the database: after every component stopped
	return a.run(ctx, cfg, stdout)
}

// run runs the app's components in one group until ctx ends (a clean stop)
// or one of them ends on its own (an error: the process must not run on
// half alive). They are stopped in the order they are added here:
//
//  1. the watch of this host (its unsent batches wait in its buffer on disk);
//  2. HTTP, so that no request, sample or intake arrives at a stopped part;
//  3. the backup watch and the Zabbix poller, then the alert engine, which
//     they and the samples fed and which reads the TSDB;
//  4. the report schedule, the SLA scheduler and the ServiceNow sync;
//  5. the escalation scheduler, then the outbox (waiting for the sends in
//     flight), into which everything above enqueues.
//
// The TSDB and the database close after run returns (serve).
func (a *app) run(ctx context.Context, cfg *serverConfig, stdout io.Writer) error {
	logger := a.logger
	web, err := newConsole(ctx, &cfg.console, a)
	if err != nil {
		return err
	}
	// The first admin exists before the server serves, so that a client
	// which saw /readyz answer 200 can log in with it.
	shown, err := bootstrapAdmin(ctx, a.objects, cfg.adminPassword)
	if err != nil {
		return err
	}
	srv := server.New(server.Options{
		Logger:   logger,
		Gatherer: a.reg,
		Ready:    a.ready.Check,
		Register: []func(*http.ServeMux){a.api.Register, web.Register, a.statusPublic.Register},
		Timeouts: cfg.limits.timeouts,
		// Tenant-labelled self metrics only for the MSP admin (exposure.go).
		MetricsAdmin: metricsAdmin(a.authn),
	}, a.reg)
	bound := "http://" + a.ln.Addr().String()
	logger.Info("unyo server started", "listen", a.ln.Addr().String(), "external_url", a.externalURL, "data", cfg.dataDir, "database", database.DialectOf(a.db), "version", Version)
	printWelcome(stdout, bound, shown)
	debug, err := listenDebug(&cfg.debug, logger)
	if err != nil {
		return err
	}
	if debug != nil {
		defer debug.ln.Close() // on an early return; already closed after the group
	}
	var self *agent.Agent
	if cfg.monitorSelf {
		if self, err = selfWatch(ctx, a.objects, a.design, bound, cfg.dataDir, cfg.exposure.self, logger); err != nil {
			return err
		}
	}
	if err := a.outbox.Start(ctx); err != nil {
		return err
	}
	if err := a.members.Register(ctx); err != nil {
		return err
	}
	// The first pass before the schedulers start, so a lone server owns
	// its tenants from its first tick.
	if err := a.leases.Pass(ctx); err != nil {
		return err
	}

	var g server.Group
	sigCtx, stopSignal := context.WithCancel(ctx)
	g.Add("signal", func() error {
		<-sigCtx.Done()
		if ctx.Err() != nil {
			logger.Info("shutting down")
		}
		return server.ErrStopped
	}, stopSignal)
	if self != nil {
		g.AddContext("self agent", self.Run)
	}
	g.Add("http", func() error { return srv.Serve(a.ln) }, func() {
		sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdown)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			logger.Warn("requests still in flight at shutdown", "err", err)
		}
	})
	if debug != nil {
		g.Add("profiler", debug.Run, debug.Stop)
	}
	g.AddContext("token revocations", a.runRevocations)   // keeps the token cache true while HTTP serves
	g.AddContext("backup sources", a.backupPoll.Run)      // feeds the backup history: stops before its watch
	g.AddContext("backup compliance", a.backupWatch.Run)  // feeds the alert engine: stops first
	g.AddContext("capacity scheduler", a.capacityRun.Run) // feeds the alert engine too
	g.AddContext("zabbix poller", a.zabbixPoll.Run)       // feeds the alert engine: stops before it
	g.AddContext("probe poller", a.probes.Run)            // feeds the alert engine: stops before it
	g.AddContext("snmp poller", a.snmpPoll.Run)           // so does this one
	if a.snmpTraps != nil {
		g.AddContext("snmp traps", a.snmpTraps.Run) // feeds the alert engine: stops before it
	}
	g.AddContext("cloud metrics", a.cloudPoll.Run)   // feeds the alert engine too
	g.AddContext("flow logs", a.flowLogs.Run)        // so do the NSGs' flow counts
	g.AddContext("cloud discovery", a.discovery.Run) // feeds the alert engine (gone resources, health events)
	g.AddContext("alert engine", a.alerts.Run)
	g.AddContext("leases", func(ctx context.Context) error { a.leases.Run(ctx); return nil }) // released on stop
	g.AddContext("report schedule", a.reportSchedule.Run)
	g.AddContext("SLA scheduler", func(ctx context.Context) error { a.slaClock.Run(ctx); return nil })
	g.AddContext("ServiceNow sync", func(ctx context.Context) error { a.snSync.Run(ctx); return nil })
	escalationDone := make(chan struct{})
	a.escalation.Run(context.Background())
	g.Add("escalation scheduler", func() error { <-escalationDone; return nil }, func() { a.escalation.Close(); close(escalationDone) })
	outboxDone := make(chan struct{})
	g.Add("outbox", func() error { <-outboxDone; return nil }, func() { a.outbox.Stop(); close(outboxDone) })
	g.AddContext("cluster membership", a.members.Run) // last: the others see this replica down once all stopped
	return g.Run()
}
