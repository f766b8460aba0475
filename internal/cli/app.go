package cli

import (
	"context"
	"database/sql"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/actuator"
	"github.com/unyo-ops/unyo/internal/actuator/awsasg"
	"github.com/unyo-ops/unyo/internal/actuator/azurevmss"
	"github.com/unyo-ops/unyo/internal/actuator/command"
	"github.com/unyo-ops/unyo/internal/actuator/kube"
	"github.com/unyo-ops/unyo/internal/agent/sender"
	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/api"
	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/backup/poller"
	"github.com/unyo-ops/unyo/internal/blueprint"
	"github.com/unyo-ops/unyo/internal/capacity"
	"github.com/unyo-ops/unyo/internal/change"
	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/connect"
	"github.com/unyo-ops/unyo/internal/cloudmetric"
	"github.com/unyo-ops/unyo/internal/cluster"
	"github.com/unyo-ops/unyo/internal/dashboard"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/discovery"
	"github.com/unyo-ops/unyo/internal/enrollment"
	"github.com/unyo-ops/unyo/internal/escalation"
	"github.com/unyo-ops/unyo/internal/flowlog"
	"github.com/unyo-ops/unyo/internal/improvement"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/lease"
	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/oncall"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/outbox"
	"github.com/unyo-ops/unyo/internal/probe"
	"github.com/unyo-ops/unyo/internal/problem"
	"github.com/unyo-ops/unyo/internal/promapi"
	"github.com/unyo-ops/unyo/internal/remotewrite"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/runbook"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/server"
	"github.com/unyo-ops/unyo/internal/servicenow"
	"github.com/unyo-ops/unyo/internal/snmp"
	"github.com/unyo-ops/unyo/internal/snmptrap"
	"github.com/unyo-ops/unyo/internal/statuspage"
	"github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/throttle"
	"github.com/unyo-ops/unyo/internal/workreport"
	"github.com/unyo-ops/unyo/internal/yearplan"
	"github.com/unyo-ops/unyo/internal/zabbix/poll"
	zabbixtemplate "github.com/unyo-ops/unyo/internal/zabbix/template"
)

// app is everything `unyo server` runs. Each part is built once, here, over
// the one database, key box, TSDB and report font, and handed to whoever
// needs it: a store's cache (the maintenance windows) stays true, and every
// write to an incident goes through the one desk with its hooks (the
// ServiceNow sync, the escalation stop).
type app struct {
	logger *slog.Logger
	reg    *prometheus.Registry
	// ln is bound first, so that the external URL (by default the bound
	// address) is known to everything that links to the console.
	ln          net.Listener
	externalURL string

	// Opened once: closed in reverse order by close.
	db      *sql.DB
	metrics metricsBackend // the embedded TSDB, or a remote store (--metrics-store)
	box     *secret.Box    // seals channel, ServiceNow and cloud account secrets
	limits  *limits.Enforcer
	egress  *outbound.Policy // what tenants' integrations may connect to
	// networks are the tenants' networks: the server's pollers reach a
	// tenant's internal addresses only within them.
	networks outbound.Networks
	pdf      *report.PDF // nil: the font is missing and PDFs are off

	// Repositories: rows in, rows out, scoped by tenant.
	objects     *storage.Store // tenants, services, resources, users, tokens, audit
	design      *monitoring.Store
	alertLog    *alert.Store
	windows     *maintenance.Store
	channels    *channel.Store
	policies    *escalation.Store
	rotations   *oncall.Store
	runbooks    *runbook.Store
	workReports *workreport.Store
	register    *improvement.Store
	dashboards  *dashboard.Store
	reportStore *report.Store
	snConfigs   *servicenow.Configs
	backups     *backup.Store
	problems    *problem.Store
	clouds      *cloudaccount.Store // tenants' cloud accounts: the Resolver of every cloud consumer
	changes     *change.Store       // requests for change; an approval opens maintenance windows
	capacity    *capacity.Store

	// Services: the domain's behaviour over the repositories.
	authn          *auth.Authenticator
	prom           *promapi.API
	write          *remotewrite.Handler
	api            *api.API
	leases         *lease.Leases // who runs each tenant's once-only work among replicas
	escalation     *escalation.Scheduler
	outbox         *outbox.Outbox
	desk           *incident.Desk // incidents, requests, their SLA clocks and hooks
	slaClock       *incident.Scheduler
	snSync         *servicenow.Sync
	alerts         *alert.Engine
	reportGen      *report.Generator // also the board's availability
	reports        *report.Service
	reportSchedule *report.Scheduler
	backupWatch    *backup.Watch         // backup compliance → alerts
	zabbixPoll     *poll.Poller          // zabbix items: Zabbix agents polled → remote write
	probes         *probe.Poller         // checks run from the server (ping, TCP, TLS, HTTP) → remote write
	snmpPoll       *snmp.Poller          // snmp items: devices polled → remote write
	snmpTraps      *snmptrap.Receiver    // SNMP traps → intake alerts; nil unless --snmp-trap-listen
	cloudPoll      *cloudmetric.Poller   // cloud resources' platform metrics → remote write
	flowLogs       *flowlog.Poller       // NSGs' flow logs in their storage accounts → remote write
	capacityRun    *capacity.Scheduler   // operation plans → actuators; failed steps → alerts
	yearly         *yearplan.Service     // the yearly plan (年間運行計画), accepted into next year's drafts
	backupPoll     *poller.Poller        // backup jobs from the policies' sources (clouds, metrics)
	discovery      *discovery.Discoverer // the cloud accounts' resources registered; gone ones, health events → alerts
	status         *statuspage.Service   // the tenants' public status pages, cached
	blueprints     *blueprint.Planner    // designs as code: plan, apply, export, drift
	statusPublic   *statuspage.Public    // /status/{slug} and its JSON, rate-limited

	// The replica among replicas (cluster.go).
	replicaID   string
	ready       *server.Readiness    // what /readyz checks; a remote metrics store adds its check here
	members     *cluster.Membership  // this replica's heartbeat and the cluster view
	revocations *cluster.Revocations // PostgreSQL only: revocations of any replica reach this cache
}

// openApp opens the database, the TSDB, the key box and the report font,
// and builds every store and service on them. On error what was opened is
// closed again.
func openApp(ctx context.Context, cfg *serverConfig, logger *slog.Logger, reg *prometheus.Registry) (_ *app, err error) {
	a := &app{logger: logger, reg: reg}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	if a.ln, err = server.Listen(cfg.listen); err != nil {
		return nil, err
	}
	a.externalURL = cfg.externalURL
	if a.externalURL == "" {
		a.externalURL = "http://" + a.ln.Addr().String()
	}
	if a.box, err = openSecrets(cfg, logger); err != nil {
		return nil, err
	}
	dsn := cfg.database
	if dsn == "" {
		dsn = "sqlite://" + filepath.Join(cfg.dataDir, "unyo.db")
	}
	if a.db, err = database.Open(ctx, dsn); err != nil {
		return nil, err
	}
	if a.limits, err = newTenantLimits(ctx, &cfg.limits, a.db, reg); err != nil {
		return nil, err
	}
	local, err := metricstore.Open(filepath.Join(cfg.dataDir, "tsdb"), cfg.tsdbOptions(a.limits), logger, reg)
	if err != nil {
		return nil, err
	}
	if a.metrics, err = cfg.metricsStore.open(local, a.limits, logger, reg); err != nil {
		local.Close()
		return nil, err
	}
	a.limits.Enforce() // the WAL is replayed: its series are counted
	// Every integration a tenant configures connects through this policy.
	if a.egress, err = cfg.outbound.policy(); err != nil {
		return nil, err
	}
	logger.Info("outbound calls", "allowed_internal", a.egress.Allowed())
	// A missing font leaves the PDF out (logged, naming the package) rather
	// than stopping the server.
	if a.pdf, err = report.NewPDF(cfg.report.font); err != nil {
		logger.Error("report PDFs are off", "err", err)
		a.pdf, err = nil, nil
	}
	a.repositories()
	if err := a.design.SyncBuiltins(ctx); err != nil {
		return nil, err
	}
	if err := a.services(cfg, dsn); err != nil {
		return nil, err
	}
	return a, nil
}

// repositories builds one store per table family on the one database.
func (a *app) repositories() {
	db := a.db
	a.objects = storage.New(db)
	a.design = monitoring.NewStore(db, a.objects)
	a.design.SealWith(a.box) // snmp items' credentials
	a.alertLog = alert.NewStore(db)
	a.windows = maintenance.NewStore(db, a.objects)
	a.channels = channel.NewStore(db, a.objects, a.box, channel.Builder{Outbound: a.egress})
	a.policies = escalation.NewStore(db, a.objects, a.channels.TargetExists)
	a.rotations = oncall.NewStore(db, func(ctx context.Context, tenant, name string) (bool, error) {
		return a.channels.TargetExists(ctx, tenant, channel.ContactPrefix+name)
	})
	a.policies.SetOnCall(a.rotations.Resolve) // steps that notify whoever is on call
	a.runbooks = runbook.NewStore(db)
	a.workReports = workreport.NewStore(db)
	a.register = improvement.NewStore(db)
	a.dashboards = dashboard.NewStore(db)
	a.reportStore = report.NewStore(db)
	a.snConfigs = servicenow.NewConfigs(db, a.box)
	a.backups = backup.NewStore(db, a.objects)
	a.design.AddRows(a.backups) // the item list shows the backup policies' checks
	a.clouds = cloudaccount.NewStore(db, a.box)
	a.backups.SetAccounts(a.clouds) // the Azure and AWS backup sources resolve their accounts here
	a.capacity = capacity.NewStore(db, a.objects, a.box, a.actuatorKinds())
	a.changes = change.NewStore(db, a.objects, a.windows)
}

// actuatorKinds maps each kind of capacity group to what builds its
// actuator: the one place a new platform (azure_vmss, aws_asg,
// kubernetes) is plugged in. The manual kind is added on the store, which
// it needs.
func (a *app) actuatorKinds() map[string]capacity.Factory {
	deps := actuator.Deps{Accounts: a.clouds, HTTP: a.egress.Client(time.Minute), Dial: a.egress.DialContext}
	cloud := func(c actuator.Constructor) capacity.Factory {
		return func(ctx context.Context, tenant string, spec actuator.Spec) (actuator.Actuator, error) {
			return c(ctx, spec, tenant, deps)
		}
	}
	return map[string]capacity.Factory{
		"command":      command.Factory,
		azurevmss.Kind: cloud(azurevmss.New),
		awsasg.Kind:    cloud(awsasg.New),
		kube.Kind:      cloud(kube.New),
	}
}

// services builds the behaviour: the API, notification delivery, the
// incident desk, the alert engine and the report workflow. What the
// engine and the desk decide reaches the outbox through the hand-off.
func (a *app) services(cfg *serverConfig, dsn string) error {
	logger := a.logger
	// Every password check, console or API, goes through one limiter; its
	// counters are on /metrics.
	limiter := throttle.New(throttle.DefaultPolicy, nil)
	a.reg.MustRegister(limiter)
	a.authn = auth.NewAuthenticator(a.objects, limiter)
	a.prom = promapi.New(a.metrics, promapi.Options{Version: Version, Limits: a.limits}, logger, a.reg)
	a.write = remotewrite.NewHandler(a.metrics, cfg.limits.remoteWrite(), logger, a.reg)
	a.write.SetTenantLimits(a.limits)
	a.api = api.New(a.objects, a.authn, a.prom, a.write, logger)
	a.clusterParts(cfg, dsn)
	a.api.OnTenantDelete(a.metrics.DeleteTenant) // an ID reused must not inherit series
	a.api.OnTenantDelete(func(_ context.Context, tenant string) error {
		a.limits.Forget(tenant) // nor the deleted tenant's limits
		return nil
	})

	// Leases: with replicas on one PostgreSQL each tenant's rules,
	// escalations and SLA clocks run on one of them (docs/deploy.md);
	// on SQLite this server holds them all.
	a.leases = lease.New(a.db, a.replicaID, lease.Options{
		TTL:     envDuration("UNYO_LEASE_TTL", 10*time.Second),
		Renew:   envDuration("UNYO_LEASE_RENEW", 0),
		Tenants: a.tenantIDs,
	}, logger, a.reg)

	// Notification delivery: escalation policies and their scheduler, the
	// outbox and its workers, over the tenants' channels.
	a.escalation = escalation.NewScheduler(a.policies, nil, envDuration("UNYO_ESCALATION_INTERVAL", 5*time.Second), logger)
	a.escalation.SetShard(a.leases.Shard(lease.Escalation))
	ackLinks, err := oncall.NewSigner(a.box.Derive("oncall ack links"), a.externalURL, envDuration("UNYO_ACK_LINK_TTL", 7*24*time.Hour))
	if err != nil {
		return err
	}
	resolve := func(ctx context.Context, tenant, target string) (outbox.Destination, error) {
		d, err := a.channels.Resolve(ctx, tenant, target)
		return outbox.Destination{Channel: d.Channel, Language: d.Language, TimeZone: d.TimeZone}, err
	}
	a.outbox = outbox.New(a.db, outbox.Options{
		MaxAttempts:  envInt("UNYO_NOTIFY_MAX_ATTEMPTS", 8),
		GroupWindow:  envDuration("UNYO_NOTIFY_GROUP_WINDOW", 10*time.Second),
		BackoffBase:  envDuration("UNYO_NOTIFY_BACKOFF", 5*time.Second),
		PollInterval: envDuration("UNYO_NOTIFY_POLL", time.Second),
		// One attempt's bound; a replica killed mid-send leaves its claim
		// to expire after 2×Timeout+5s, when another replica sends again.
		Timeout: envDuration("UNYO_NOTIFY_TIMEOUT", 30*time.Second),
		AckLink: ackLinks.URL,
		Replica: a.leases.Owner(),
	}, resolve, a.escalation, logger, a.reg)
	a.escalation.SetDispatch(a.outbox.AddDeliveries)

	// The incident desk, with its hooks: the ServiceNow sync and the
	// escalation stop. It is the only incident store of the process.
	a.desk = incident.NewDesk(a.db, a.objects, logger)
	a.desk.SetItems(a.design)
	a.problems = problem.NewStore(a.db)
	a.desk.SetKnownErrors(a.problems.ForIncident)
	a.snSync = servicenow.NewSync(a.db, a.snConfigs, a.desk, servicenow.Options{
		Interval: envDuration("UNYO_SERVICENOW_INTERVAL", 5*time.Second), PullInterval: envDuration("UNYO_SERVICENOW_PULL", time.Minute),
		MaxBackoff: envDuration("UNYO_SERVICENOW_MAX_BACKOFF", time.Hour), Outbound: a.egress,
	}, logger)
	a.snSync.SetShard(a.leases.Shard(lease.ServiceNow))
	a.desk.OnChange(a.snSync.Enqueue)
	a.snSync.SyncProblems(a.problems) // problems and changes go to ServiceNow too
	a.snSync.SyncChanges(a.changes)
	a.desk.OnChange(incident.StopEscalation(a.escalation))
	a.slaClock = incident.NewScheduler(a.desk, incident.SendSLANotices(a.outbox, a.objects, a.externalURL),
		envDuration("UNYO_SLA_INTERVAL", 30*time.Second), logger)
	a.slaClock.SetShard(a.leases.Shard(lease.SLA))

	// The alert engine sees the maintenance windows; a transition opens or
	// joins an incident by its item's policy, then is queued for delivery.
	replicated := a.replicaCaches()
	a.alerts = alert.New(a.alertLog, a.objects, a.design, a.metrics, alert.Options{
		ReloadInterval: envDuration("UNYO_ALERT_RELOAD", 30*time.Second),
		NotifyRetry:    replicated.notifyRetry,
		Maintenance:    a.windows.Active,
		Notify:         alert.Chain(incident.OpenFromAlerts(a.desk), alert.SendAlerts(a.outbox, a.objects, a.externalURL, logger)),
		Acknowledged:   alert.StopEscalation(a.outbox),
		Owns:           func(tenant string) (int64, bool) { return a.leases.Owns(lease.Alerts, tenant) },
		EvalDelay:      cfg.metricsStore.evalDelay(),
		Forward:        a.forwardObservations(),
		Registerer:     a.reg,
	}, logger)
	a.hearObservations()
	a.write.SetObserver(a.alerts.Observe)
	a.prom.SetRules(a.alerts)          // /api/v1/rules and /api/v1/alerts for Grafana
	a.design.OnChange(a.alerts.Reload) // an edited item is a rule at once, not at the next reload

	// Backup compliance enters the pipeline as intake alerts do, so
	// maintenance windows, incidents and channels apply to it.
	a.backupWatch = backup.NewWatch(a.backups, a.objects, a.alerts.Intake, logger.With("component", "backup"))
	a.backupWatch.After = a.alerts.Loaded()
	a.backupWatch.SetShard(a.leases.Gate(lease.Backups))
	a.backups.OnChange(a.backupWatch.Touch)
	a.backupPoll = a.backupSources(logger.With("component", "backup-sources"))
	a.backupPoll.SetShard(a.leases.Gate(lease.Backups))
	a.discovery = a.cloudDiscovery(logger.With("component", "discovery"))
	a.discovery.SetShard(a.leases.Gate(lease.Cloud))

	// Operation plans: the scheduler applies and verifies the steps; a
	// failed one enters the pipeline as intake alerts do. A manual group's
	// request goes to the tenant's channels through the outbox.
	a.capacity.AddKind(capacity.KindManual, a.capacity.ManualFactory(a.outbox, a.externalURL))
	a.capacityRun = capacity.NewScheduler(a.capacity, a.alerts.Intake, capacity.HostsIn(a.metrics.ForTenant), logger.With("component", "capacity"))
	a.capacityRun.Interval = envDuration("UNYO_CAPACITY_INTERVAL", 10*time.Second)
	a.capacityRun.Retry.Backoff = envDuration("UNYO_CAPACITY_RETRY_BACKOFF", capacity.DefaultRetry.Backoff)
	a.capacityRun.After = a.alerts.Loaded()
	a.capacityRun.SetShard(a.leases.Gate(lease.Plans))
	a.capacity.OnChange(a.capacityRun.Touch)
	// Zabbix agents polled from here, for the hosts whose items are
	// zabbix: the samples take the agents' remote-write path.
	zabbixTLS, err := cfg.zabbix.tlsConfig()
	if err != nil {
		return err
	}
	// The server's pollers reach a tenant's internal addresses only within
	// its networks (outbound.Policy.ForTenant), read at every dial.
	a.networks = outbound.NetworksFrom(a.objects.TenantNetworks)
	zabbixDial, err := cfg.zabbix.dial(a.networks)
	if err != nil {
		return err
	}
	a.zabbixPoll = poll.New(poll.Options{
		Targets: a.design.ZabbixTargets, Sink: sender.RemoteWrite(a.write.Ingest),
		Timeout: cfg.zabbix.timeout, Concurrency: cfg.zabbix.concurrency, TLS: zabbixTLS, DialFor: zabbixDial,
		Owns: a.leases.Shard(lease.Polls), Refresh: pollRefresh(), Logger: logger.With("component", "zabbix"),
	})
	a.design.OnChange(a.zabbixPoll.Reload)
	// Checks run from here for resources without an agent: tenants reach
	// only what the outbound policy allows, as their channels do.
	a.probes = probe.NewPoller(probe.Options{
		Targets: a.design.ProbeTargets, Sink: sender.RemoteWrite(a.write.Ingest),
		Env:     probe.Env{Dial: a.egress.DialContext, Permit: a.egress.Check},
		EnvFor:  probeEnvFor(a.egress, a.networks),
		Owns:    a.leases.Shard(lease.Polls),
		Refresh: pollRefresh(),
		Logger:  logger.With("component", "probe"),
	})
	a.design.OnChange(a.probes.Reload)
	if err := a.snmpPoller(cfg.snmp, logger.With("component", "snmp")); err != nil {
		return err
	}
	// Azure Monitor and CloudWatch metrics of the resources discovery
	// registered, the same way.
	a.cloudPoll = a.cloudMetrics(logger.With("component", "cloud-metrics"))
	a.flowLogs = a.flowLogPoller(logger.With("component", "flow-logs"))

	// Operations reports.
	mailer, err := cfg.report.mailer()
	if err != nil {
		return err
	}
	rlog := logger.With("component", "report")
	sources := a.reportSources()
	a.reportGen = report.NewGenerator(sources, rlog)
	// The board keeps the closed days' failed checks between views: days
	// that ended before the out-of-order window, and the hour before the
	// newest sample the head still takes in order. Not with a remote store,
	// which may take a sample of any age.
	if local, ok := a.metrics.(*metricstore.Store); ok {
		newest := func() time.Time { return time.UnixMilli(local.Head().MaxTime()) }
		days := report.NewClosedDays(cfg.oooWindow+time.Hour, 0, newest)
		// And the open days up to five minutes back, read afresh every five.
		days.KeepOpenDays(report.DefaultOpenSettle, report.DefaultOpenRefresh)
		a.reportGen.KeepClosedDays(days)
	}
	a.reports = report.NewService(a.reportGen, a.reportStore, a.pdf, mailer, rlog)
	a.reports.SetConsoleURL(a.externalURL)
	a.reportSchedule = report.NewScheduler(a.reports, a.objects, cfg.report.interval, rlog)
	a.reportSchedule.SetShard(a.leases.Shard(lease.Reports))
	a.yearly = yearplan.NewService(capacity.YearplanSource{Store: a.capacity}, a.groupLoad(sources.Metrics), a.objects, a.pdf, rlog)
	yearly := a.yearly
	// Public status pages: the report's availability, day by day.
	a.status = statuspage.NewService(statuspage.Options{Store: statuspage.NewStore(a.db), Tenants: a.objects,
		Availability: a.reportGen, TTL: envDuration("UNYO_STATUS_CACHE", time.Minute), Logger: logger.With("component", "statuspage")})
	a.statusPublic = statuspage.NewPublic(a.status)

	return a.api.Mount(
		statuspage.NewHandlers(a.status, a.statusPublic, a.api.PathTenant, logger),
		limits.NewHandlers(a.limits, a.api.PathTenant, logger),
		channel.NewHandlers(a.channels, a.api.PathTenant, logger),
		escalation.NewHandlers(a.policies, a.api.PathTenant, logger),
		oncall.NewHandlers(a.rotations, ackLinks, a.acknowledge, a.api.PathTenant, logger),
		outbox.NewHandlers(a.outbox, a.api.PathTenant, logger),
		maintenance.NewHandlers(a.windows, a.api.PathTenant, logger),
		incident.NewHandlers(a.desk, a.api.PathTenant, logger),
		servicenow.NewHandlers(a.snConfigs, a.snSync, a.api.PathTenant, logger),
		workreport.NewHandlers(a.workReports, a.api.PathTenant, logger),
		improvement.NewHandlers(a.register, a.api.PathTenant, logger),
		dashboard.NewHandlers(a.dashboards, a.api.PathTenant),
		runbook.NewHandlers(a.runbooks, a.api.PathTenant, logger),
		monitoring.NewHandlers(a.design, a.api.PathTenant, nil, logger),
		// The traps collectors receive in their networks, as alerts like the server's own.
		snmptrap.NewHandlers(a.collectorDevices, a.alerts.Intake, monitoring.CallerTenant, logger.With("part", "traps")),
		zabbixtemplate.NewHandlers(a.design, a.api.PathTenant, logger),
		alert.NewHandlers(a.alerts, a.api.PathTenant, logger),
		report.NewHandlers(a.reports, a.api.PathTenant, rlog),
		backup.NewHandlers(a.backups, a.api.PathTenant, logger),
		problem.NewHandlers(a.problems, a.api.PathTenant, logger),
		change.NewHandlers(a.changes, a.api.PathTenant, logger),
		enrollment.NewHandlers(enrollment.NewStore(a.db), a.objects, a.authn.Forget, logger.With("component", "enrollment")),
		// The yearly plan's document, and its accept, which capacity serves
		// because it makes capacity's draft versions.
		capacity.NewHandlers(a.capacity, a.api.PathTenant, logger).WithYearlyPlans(yearly),
		yearplan.NewHandlers(yearly, a.api.PathTenant, rlog),
		cloudaccount.NewHandlers(a.clouds, connect.Tester(a.egress.Client(cloudaccount.TestTimeout)), a.api.PathTenant, logger),
		discovery.NewHandlers(a.discovery, a.api.PathTenant, logger),
		cluster.NewHandlers(a.members),
		blueprint.NewHandlers(a.newBlueprints(), a.api.PathTenant, logger.With("component", "design")),
	)
}

// blueprints applies designs (onboarding as code) through the stores
// above, in one transaction per tenant; the caches those stores feed
// reload once the apply has committed.
func (a *app) newBlueprints() *blueprint.Planner {
	svc := blueprint.NewPlanner(a.db, blueprint.NewStores(a.db, a.objects, a.box, blueprint.Stores{
		Monitoring: a.design, Channels: a.channels,
		Policies: a.policies, Windows: a.windows, Runbooks: a.runbooks,
		Rotations: a.rotations, Silences: a.alerts, StatusPages: a.status, Reports: a.reports,
		Clouds: a.clouds, ServiceNow: a.snConfigs,
		Capacity: a.capacity, Backups: a.backups, Dashboards: a.dashboards,
	}))
	svc.AfterApply(func(tenant string) {
		a.windows.Forget(tenant)
		a.design.Changed()
	})
	svc.AfterApply(func(tenant string) {
		a.alerts.ForgetSilences(tenant)
		a.status.Forget(tenant)
	})
	svc.AfterApply(a.plansApplied)
	a.blueprints = svc
	return svc
}

// plansApplied tells the capacity scheduler and the backup watch that an
// apply changed tenant's groups and policies: what they were told during
// the apply's transaction they may have read before it committed.
func (a *app) plansApplied(tenant string) {
	a.capacityRun.Touch(tenant, 0)
	policies, err := a.backups.Policies(context.Background(), tenant)
	if err != nil {
		a.logger.Warn("backup: cannot list the policies an apply changed", "tenant", tenant, "err", err)
		return
	}
	for _, p := range policies {
		a.backupWatch.Touch(tenant, p.ID)
	}
}

// reportSources is what a report reads: the TSDB and the stores of the
// alerts, incidents, work reports, maintenance windows and backups.
func (a *app) reportSources() report.Sources {
	src := report.SourcesOf(a.metrics, a.metrics.Queryable(), report.Stores{
		Tenants: a.objects, Alerts: a.alertLog, Desk: a.desk, Work: a.workReports, Maintenance: a.windows, Backups: a.backups,
		Improvements: a.register,
	})
	// 運行実績: the capacity groups' steps and counts, with their hosts' CPU
	// and their own load metric.
	src.Operations = capacity.ReportOperations{Store: a.capacity, Load: a.groupLoad(src.Metrics)}
	return src
}

// groupLoad reads the capacity groups' load for the report and the yearly
// plan: their hosts' CPU from the TSDB, their own load query on the
// PromQL engine over the tenant's series.
func (a *app) groupLoad(m report.Metrics) yearplan.TSDBLoad {
	return yearplan.TSDBLoad{Metrics: m, Query: yearplan.PromQuery(a.prom.Engine(), a.metrics.ForTenant)}
}

// close closes what openApp opened, the TSDB before the database; every
// component that reads them has stopped by then.
func (a *app) close() {
	if a.ln != nil {
		a.ln.Close() // already closed when HTTP ran
	}
	if a.snmpTraps != nil {
		a.snmpTraps.Close() // already closed when it ran
	}
	if a.metrics != nil {
		if err := a.metrics.Close(); err != nil {
			a.logger.Error("closing TSDB", "err", err)
		}
	}
	if a.db != nil {
		if err := a.db.Close(); err != nil {
			a.logger.Error("closing the database", "err", err)
		}
	}
}

// tenantIDs lists every tenant, whose once-only work the leases shard.
func (a *app) tenantIDs(ctx context.Context) ([]string, error) {
	list, err := a.objects.Tenants(ctx, "")
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(list))
	for i, t := range list {
		ids[i] = t.ID
	}
	return ids, nil
}

// pollRefresh is how often the server's pollers list their targets again
// (UNYO_POLL_REFRESH, 1m): an item added on one replica reaches the
// others' pollers within it (on the replica where it was added, at once).
func pollRefresh() time.Duration { return envDuration("UNYO_POLL_REFRESH", time.Minute) }
