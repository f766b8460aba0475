package cli

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/api"
	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/promapi"
	"github.com/unyo-ops/unyo/internal/remotewrite"
	"github.com/unyo-ops/unyo/internal/server"
	"github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/throttle"
)

// serverConfig is everything `unyo server` is told by flags and environment.
type serverConfig struct {
	listen        string
	dataDir       string
	database      string // "" = sqlite:///<data>/unyo.db
	adminPassword string
	retention     time.Duration
	oooWindow     time.Duration
	logLevel      string
	logFormat     string
	shutdown      time.Duration
	monitorSelf   bool
	console       consoleConfig
	report        reportConfig
	limits        limitsConfig
	outbound      outboundConfig
	exposure      exposureConfig
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
	fs.StringVar(&c.logLevel, "log-level", env("UNYO_LOG_LEVEL", "info"), "debug, info, warn or error")
	fs.StringVar(&c.logFormat, "log-format", env("UNYO_LOG_FORMAT", "text"), "text or json")
	fs.DurationVar(&c.shutdown, "shutdown-timeout", 30*time.Second, "how long to wait for requests in flight on SIGTERM")
	c.console.flags(fs)
	c.report.flags(fs)
	c.limits.flags(fs)
	c.outbound.flags(fs)
	c.exposure.flags(fs)
	fs.BoolVar(&c.monitorSelf, "monitor-self", env("UNYO_MONITOR_SELF", "true") == "true", "watch this host with an agent in the server's process, as tenant \"self\" (env UNYO_MONITOR_SELF)")
	if err := fs.Parse(args); err != nil {
		return nil, err
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
	if err := c.exposure.parse(); err != nil {
		fmt.Fprintln(stderr, "unyo server:", err)
		return nil, err
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

// serve wires storage, the metric store, the API and the HTTP server, runs
// until ctx ends, then stops them in reverse order: HTTP first so nothing new
// arrives, then the TSDB (its WAL already holds every acknowledged sample),
// then the database.
func serve(ctx context.Context, cfg *serverConfig, logger *slog.Logger, stdout io.Writer) error {
	if err := prepareDataDir(cfg, logger); err != nil {
		return err
	}
	secrets, err := openSecrets(cfg, logger)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	dsn := cfg.database
	if dsn == "" {
		dsn = "sqlite://" + filepath.Join(cfg.dataDir, "unyo.db")
	}
	db, err := database.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	store := storage.New(db)
	tenantLimits, err := newTenantLimits(ctx, &cfg.limits, db, reg)
	if err != nil {
		return err
	}

	metrics, err := metricstore.Open(filepath.Join(cfg.dataDir, "tsdb"), metricstore.Options{
		Retention: cfg.retention, OutOfOrderWindow: cfg.oooWindow, Series: tenantLimits,
	}, logger, reg)
	if err != nil {
		return err
	}
	tenantLimits.Enforce() // the WAL is replayed: its series are counted
	defer func() {
		if err := metrics.Close(); err != nil {
			logger.Error("closing TSDB", "err", err)
		}
	}()

	// Every integration a tenant configures connects through this policy.
	egress, err := cfg.outbound.policy()
	if err != nil {
		return err
	}
	logger.Info("outbound calls", "allowed_internal", egress.Allowed())

	// Every password check, console or API, goes through one limiter; its
	// counters are on /metrics.
	limiter := throttle.New(throttle.DefaultPolicy, nil)
	reg.MustRegister(limiter)
	authn := auth.NewAuthenticator(store, limiter)
	prom := promapi.New(metrics, promapi.Options{Version: Version, Limits: tenantLimits}, logger, reg)
	write := remotewrite.NewHandler(metrics, cfg.limits.remoteWrite(), logger, reg)
	write.SetTenantLimits(tenantLimits)
	restAPI := api.New(store, authn, prom, write, logger)
	restAPI.OnTenantDelete(metrics.DeleteTenant) // an ID reused must not inherit series
	if err := restAPI.Mount(limits.NewHandlers(tenantLimits, store, restAPI.PathTenant, logger)); err != nil {
		return err
	}

	design := monitoring.NewStore(db)
	if err := design.SyncBuiltins(ctx); err != nil {
		return err
	}
	// Notification delivery (internal/channel, internal/escalation,
	// internal/outbox, internal/maintenance): the outbox workers start now,
	// after the database, and stop (deferred) before it closes.
	notices, err := newNotifications(db, store, restAPI.PathTenant, secrets, egress, logger, reg)
	if err != nil {
		return err
	}
	if err := restAPI.Mount(notices.modules...); err != nil {
		return err
	}
	if err := notices.start(ctx); err != nil {
		return err
	}
	defer notices.stop()
	// The incident desk (internal/incident, internal/servicenow): its SLA
	// scheduler and ServiceNow sync stop after HTTP, before the database.
	// What the desk and the alert engine decide reaches the outbox through
	// the hand-off (handoff.go).
	hand := &handoff{store: store, design: design, outbox: notices.outbox, escalate: notices.scheduler, logger: logger}
	desk, err := newITSM(db, store, design, restAPI.PathTenant, secrets, egress, hand.slaNotice, logger)
	if err != nil {
		return err
	}
	hand.incidents = desk.incidents
	desk.incidents.OnChange(hand.incidentChanged)
	if err := restAPI.Mount(desk.modules...); err != nil {
		return err
	}
	defer runUntilStopped(func(ctx context.Context) { <-desk.run(ctx) })()

	// The alert engine sees the maintenance windows, opens incidents and
	// queues notifications through the hand-off.
	alerts := alert.New(alert.NewStore(db), store, design, metrics, alert.Options{
		Maintenance: notices.maintenance.Active, Notify: hand.alert, Acknowledged: hand.alertAcknowledged, Registerer: reg,
	}, logger)
	write.SetObserver(alerts.Observe)
	prom.SetRules(alerts)          // /api/v1/rules and /api/v1/alerts for Grafana
	design.OnChange(alerts.Reload) // an edited item is a rule at once, not at the next reload
	if err := restAPI.Mount(
		monitoring.NewHandlers(design, restAPI.PathTenant, nil, logger),
		alert.NewHandlers(alerts, restAPI.PathTenant, store, logger),
	); err != nil {
		return err
	}
	// The engine runs on its own context: it stops after HTTP does, so that
	// no sample or intake arrives at a stopped engine, and before the TSDB
	// closes (deferred above), which it reads.
	defer runUntilStopped(func(ctx context.Context) {
		if err := alerts.Run(ctx); err != nil {
			logger.Error("alert engine stopped", "err", err)
		}
	})()

	// Operations reports (internal/report): the API, and the monthly schedule
	// that stops after HTTP and before the TSDB and database it reads.
	reports, reportSchedule, err := newReports(&cfg.report, db, store, metrics, restAPI.PathTenant, logger)
	if err != nil {
		return err
	}
	if err := restAPI.Mount(reports); err != nil {
		return err
	}
	defer runUntilStopped(func(ctx context.Context) {
		if err := reportSchedule.Run(ctx); err != nil {
			logger.Error("report schedule stopped", "err", err)
		}
	})()

	web, err := newConsole(ctx, &cfg.console, db, store, authn, prom.Engine(), metrics, design,
		deskParts{alerts: alerts, incidents: desk.incidents, reportFont: cfg.report.font, maintenance: notices.maintenance, secrets: secrets, outbound: egress}, logger)
	if err != nil {
		return err
	}

	// The first admin exists before the server listens, so that a client
	// which saw /readyz answer 200 can log in with it.
	shown, err := bootstrapAdmin(ctx, store, cfg.adminPassword)
	if err != nil {
		return err
	}
	srv := server.New(server.Options{
		Listen:   cfg.listen,
		Logger:   logger,
		Gatherer: reg,
		Ready:    func(ctx context.Context) error { return ready(ctx, db) },
		Register: []func(*http.ServeMux){restAPI.Register, web.Register},
		Timeouts: cfg.limits.timeouts,

		// Tenant-labelled self metrics only for the MSP admin (exposure.go).
		MetricsAdmin: metricsAdmin(authn),
	}, reg)
	addr, err := srv.Start()
	if err != nil {
		return err
	}
	hand.setConsoleURL("http://" + addr.String())
	logger.Info("unyo server started", "listen", addr.String(), "data", cfg.dataDir, "database", database.DialectOf(db), "version", Version)
	printWelcome(stdout, "http://"+addr.String(), shown)

	var selfDone chan struct{}
	if cfg.monitorSelf {
		self, err := selfWatch(ctx, store, design, "http://"+addr.String(), cfg.dataDir, cfg.exposure.self, logger)
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

func ready(ctx context.Context, db *sql.DB) error {
	return db.PingContext(ctx)
}
