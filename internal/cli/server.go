package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/unyo-ops/unyo/internal/server"
)

// serverConfig is everything `unyo server` is told by flags and environment.
type serverConfig struct {
	listen        string
	dataDir       string
	adminPassword string
	retention     time.Duration
	oooWindow     time.Duration
	logLevel      string
	logFormat     string
	shutdown      time.Duration
	monitorSelf   bool
	console       consoleConfig
	report        reportConfig
}

func parseServerFlags(args []string, stderr io.Writer) (*serverConfig, error) {
	c := &serverConfig{}
	fs := flag.NewFlagSet("unyo server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", env("UNYO_LISTEN", "127.0.0.1:8080"), "address to listen on (env UNYO_LISTEN)")
	fs.StringVar(&c.dataDir, "data", env("UNYO_DATA", "./data"), "directory for the database and the TSDB (env UNYO_DATA)")
	fs.StringVar(&c.adminPassword, "admin-password", "", "password of the first admin, created on first start (env UNYO_ADMIN_PASSWORD; random if unset)")
	fs.DurationVar(&c.retention, "retention", 400*24*time.Hour, "how long samples are kept: a year of data feeds the yearly plan")
	fs.DurationVar(&c.oooWindow, "out-of-order-window", 24*time.Hour, "how old a late sample may be, e.g. from an agent's outage buffer")
	fs.StringVar(&c.logLevel, "log-level", env("UNYO_LOG_LEVEL", "info"), "debug, info, warn or error")
	fs.StringVar(&c.logFormat, "log-format", env("UNYO_LOG_FORMAT", "text"), "text or json")
	fs.DurationVar(&c.shutdown, "shutdown-timeout", 30*time.Second, "how long to wait for requests in flight on SIGTERM")
	c.console.flags(fs)
	c.report.flags(fs)
	fs.BoolVar(&c.monitorSelf, "monitor-self", env("UNYO_MONITOR_SELF", "true") == "true", "watch this host with an agent in the server's process, as tenant \"self\" (env UNYO_MONITOR_SELF)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if c.adminPassword == "" {
		c.adminPassword = os.Getenv("UNYO_ADMIN_PASSWORD")
	}
	return c, nil
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
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, logger, stdout); err != nil {
		logger.Error("unyo server failed", "err", err)
		return 1
	}
	return 0
}

// serve opens the app, runs it until ctx ends, then stops its parts in
// reverse order: HTTP first so nothing new arrives, then the components
// that write (the alert engine, the schedulers, the outbox), then the TSDB
// (its WAL already holds every acknowledged sample), then the database.
func serve(ctx context.Context, cfg *serverConfig, logger *slog.Logger, stdout io.Writer) error {
	if err := os.MkdirAll(cfg.dataDir, 0o750); err != nil {
		return fmt.Errorf("cannot create data directory %q: %w", cfg.dataDir, err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a, err := openApp(ctx, cfg, logger, reg)
	if err != nil {
		return err
	}
	defer a.close()

	// The outbox workers and the escalation scheduler stop (deferred)
	// after everything that enqueues, before the database closes.
	if err := a.outbox.Start(ctx); err != nil {
		return err
	}
	defer a.outbox.Stop()
	a.escalation.Run(context.WithoutCancel(ctx))
	defer a.escalation.Close()
	// The SLA scheduler and the ServiceNow sync stop after HTTP, before the database.
	defer runUntilStopped(a.slaClock.Run)()
	defer runUntilStopped(a.snSync.Run)()
	// The engine runs on its own context: it stops after HTTP does, so that
	// no sample or intake arrives at a stopped engine, and before the TSDB
	// closes, which it reads.
	defer runUntilStopped(func(ctx context.Context) {
		if err := a.alerts.Run(ctx); err != nil {
			logger.Error("alert engine stopped", "err", err)
		}
	})()
	// The monthly report schedule stops after HTTP and before the TSDB and
	// database it reads.
	defer runUntilStopped(func(ctx context.Context) {
		if err := a.reportSchedule.Run(ctx); err != nil {
			logger.Error("report schedule stopped", "err", err)
		}
	})()

	web, err := newConsole(ctx, &cfg.console, a)
	if err != nil {
		return err
	}
	srv := server.New(server.Options{
		Listen:   cfg.listen,
		Logger:   logger,
		Gatherer: reg,
		Ready:    func(ctx context.Context) error { return a.db.PingContext(ctx) },
		Register: []func(*http.ServeMux){a.api.Register, web.Register},
	}, reg)
	addr, err := srv.Start()
	if err != nil {
		return err
	}
	a.hand.setConsoleURL("http://" + addr.String())
	logger.Info("unyo server started", "listen", addr.String(), "data", cfg.dataDir, "version", Version)
	if err := bootstrapAdmin(ctx, a.objects, cfg.adminPassword, "http://"+addr.String(), stdout); err != nil {
		return err
	}

	var selfDone chan struct{}
	if cfg.monitorSelf {
		self, err := selfWatch(ctx, a.objects, a.design, "http://"+addr.String(), cfg.dataDir, logger)
		if err != nil {
			return err
		}
		selfDone = make(chan struct{})
		go func() {
			defer close(selfDone)
			if err := self.Run(ctx); err != nil {
				logger.Error("self agent stopped", "err", err)
			}
		}()
	}

	<-ctx.Done()
	logger.Info("shutting down")
	if selfDone != nil {
		<-selfDone // its unsent batches wait in its buffer on disk
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("requests still in flight at shutdown", "err", err)
	}
	return nil
}

// runUntilStopped runs f on a context of its own and returns what cancels
// it and waits for f to return. Deferred in serve, it stops a component
// after HTTP (so nothing new reaches it) and before the stores it reads.
func runUntilStopped(f func(ctx context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f(ctx) }()
	return func() { cancel(); <-done }
}
