// Package agentcli is the command line of the host agent: `unyo-agent` (the
// slim binary of cmd/unyo-agent) and its alias `unyo agent` both run it. It
// must stay free of server packages: the slim binary links only what this
// package imports.
package agentcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/unyo-ops/unyo/internal/agent"
	"github.com/unyo-ops/unyo/internal/agentconfig"
	"github.com/unyo-ops/unyo/internal/collector"
)

const usage = `unyo-agent: the host agent of unyo (OS metrics, checks, logs, exporters)

Usage:
  unyo-agent -server URL -token TOKEN [flags]   run, configured by the server
  unyo-agent -config FILE [flags]               run from a local file (its items run beside the server's)
  unyo-agent --enroll TOKEN --server URL         register this host with an enrollment token, then exit
  unyo-agent -server URL -token TOKEN --collector NAME [--collector-listen ADDR]
                                                also poll the hosts labelled unyo_collector=NAME and forward
                                                remote write from this network (a collector, like a Zabbix proxy)
  unyo-agent service install|uninstall|start|stop   the Windows service
  unyo-agent version

Flags:
`

// PackagedConfig is the configuration the .deb and .rpm install; the agent
// reads it when no -config is given, so that `sudo unyo-agent --enroll ...`
// on a packaged host stores the token where the service looks.
const PackagedConfig = "/etc/unyo-agent/agent.yaml"

// flags is what the agent is told by flags and environment; flags override
// the file, and the file and flags override the enrollment's credentials.
type flags struct {
	file       string
	server     string
	token      string
	host       string
	bufferDir  string
	enroll     string
	pull       time.Duration
	logLevel   string
	logFormat  string
	cpuProfile string
	memProfile string
	collector  string
	listen     string
	trapListen string
	zabbixTLS  agentconfig.ZabbixTLS
}

func parseFlags(name string, args []string, stderr io.Writer) (*flags, error) {
	f := &flags{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	fs.StringVar(&f.file, "config", env("UNYO_AGENT_CONFIG", ""), "local YAML configuration (env UNYO_AGENT_CONFIG); optional when -server is set")
	fs.StringVar(&f.server, "server", env("UNYO_SERVER", ""), "base URL of unyo server (env UNYO_SERVER)")
	fs.StringVar(&f.token, "token", env("UNYO_TOKEN", ""), "ingest token of the host's tenant (env UNYO_TOKEN); after --enroll, the stored one")
	fs.StringVar(&f.host, "host", env("UNYO_HOST", ""), "host name: the resource this agent reports as (default: the OS host name)")
	fs.StringVar(&f.bufferDir, "buffer", env("UNYO_AGENT_BUFFER", ""), "directory of the outage buffer, log positions and the enrollment's token (default "+agentconfig.DefaultBufferDir()+")")
	fs.StringVar(&f.enroll, "enroll", env("UNYO_ENROLL_TOKEN", ""), "enrollment token: register this host in its tenant, store the host's own token, and exit (env UNYO_ENROLL_TOKEN)")
	fs.StringVar(&f.collector, "collector", env("UNYO_COLLECTOR", ""), "run as the collector NAME too: poll the resources of the tenant labelled unyo_collector=NAME and forward what this network's agents and Prometheus send (env UNYO_COLLECTOR)")
	fs.StringVar(&f.listen, "collector-listen", env("UNYO_COLLECTOR_LISTEN", ""), "host:port where the collector takes remote write and the agents' protocol, or off (default "+collector.DefaultListen+"; env UNYO_COLLECTOR_LISTEN)")
	fs.StringVar(&f.trapListen, "collector-trap-listen", env("UNYO_COLLECTOR_TRAP_LISTEN", ""), "UDP host:port where the collector receives SNMP traps of the devices behind it (v1, v2c, v3) and forwards them, e.g. 0.0.0.0:162; off when empty (env UNYO_COLLECTOR_TRAP_LISTEN)")
	fs.StringVar(&f.zabbixTLS.Cert, "zabbix-tls-cert", "", "collector: client certificate (PEM) for Zabbix agents with TLSAccept=cert")
	fs.StringVar(&f.zabbixTLS.Key, "zabbix-tls-key", "", "collector: the key of --zabbix-tls-cert (PEM)")
	fs.StringVar(&f.zabbixTLS.CA, "zabbix-tls-ca", "", "collector: CA certificates (PEM) that sign the Zabbix agents' certificates")
	fs.DurationVar(&f.pull, "pull-interval", time.Minute, "how often the configuration is pulled from the server")
	fs.StringVar(&f.logLevel, "log-level", env("UNYO_LOG_LEVEL", "info"), "debug, info, warn or error")
	fs.StringVar(&f.logFormat, "log-format", env("UNYO_LOG_FORMAT", "text"), "text or json")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file (for tuning)")
	fs.StringVar(&f.memProfile, "memprofile", "", "write a heap profile to this file at the stop (for tuning)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if f.file == "" {
		if _, err := os.Stat(PackagedConfig); err == nil && runtime.GOOS != "windows" {
			f.file = PackagedConfig
		}
	}
	if f.enroll != "" && f.server == "" {
		fmt.Fprintf(stderr, "%s: --enroll needs --server URL, the unyo server to enroll with\n", name)
		return nil, flag.ErrHelp
	}
	if f.file == "" && f.server == "" {
		fmt.Fprintf(stderr, "%s: give -server (with -token, or --enroll) to be configured by the server, or -config FILE to run standalone\n", name)
		return nil, flag.ErrHelp
	}
	return f, nil
}

// load reads the file, if any, applies the flags over it, and takes the
// server and token stored by an enrollment where neither gave them.
func (f *flags) load() (*agentconfig.Config, error) {
	cfg := &agentconfig.Config{}
	if f.file != "" {
		c, err := agentconfig.Load(f.file)
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	if f.server != "" {
		cfg.Server = f.server
	}
	if f.token != "" {
		cfg.Token = f.token
	}
	if f.host != "" {
		cfg.Host = f.host
	}
	if f.bufferDir != "" {
		cfg.Buffer.Dir = f.bufferDir
	}
	if f.collector != "" {
		cfg.Collector.Name = f.collector
	}
	if f.listen != "" {
		cfg.Collector.Listen = f.listen
	}
	if f.trapListen != "" {
		cfg.Collector.TrapListen = f.trapListen
	}
	if f.zabbixTLS != (agentconfig.ZabbixTLS{}) {
		cfg.Collector.ZabbixTLS = f.zabbixTLS
	}
	if cfg.Token == "" {
		if err := useEnrollment(cfg); err != nil {
			return nil, err
		}
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

// Run runs the agent's command line and returns the process exit code. name
// is how the command is called in messages ("unyo-agent" or "unyo agent").
func Run(args []string, stdout, stderr io.Writer, version string) int {
	const name = "unyo-agent"
	if len(args) > 0 {
		switch args[0] {
		case "version", "-v", "--version":
			fmt.Fprintln(stdout, name, version)
			return 0
		case "service":
			return runService(args[1:], stdout, stderr)
		}
	}
	if ok, code := runAsService(args); ok {
		return code
	}
	return RunAgent(name, args, stderr)
}

// RunAgent runs the agent until SIGINT or SIGTERM (or the Windows service
// manager's stop), or enrolls the host with --enroll.
func RunAgent(name string, args []string, stderr io.Writer) int {
	return runAgent(context.Background(), name, args, stderr, stderr)
}

func runAgent(parent context.Context, name string, args []string, stderr io.Writer, logTo io.Writer) int {
	f, err := parseFlags(name, args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) && len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			return 0
		}
		return 2
	}
	logger, err := newLogger(logTo, f.logLevel, f.logFormat)
	if err != nil {
		fmt.Fprintln(stderr, name+":", err)
		return 2
	}
	if f.enroll != "" {
		return enrollCommand(parent, f, stderr, logger)
	}
	cfg, err := f.load()
	if err != nil {
		fmt.Fprintln(stderr, name+":", err)
		return 2
	}
	tune()
	stopProfiles, err := startProfiles(f)
	if err != nil {
		fmt.Fprintln(stderr, name+":", err)
		return 2
	}
	defer stopProfiles()
	ctx, stop := signal.NotifyContext(parent, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	a := New(cfg, f.pull, logger)
	if cfg.Collector.Name != "" {
		c, err := newCollector(cfg.Collector, f.pull, logger)
		if err != nil {
			fmt.Fprintln(stderr, name+":", err)
			return 1
		}
		a.AddSource(c)
	}
	go reloadOnHangup(ctx, a, f, logger)
	if err := a.Run(ctx); err != nil {
		logger.Error(name+" failed", "err", err)
		return 1
	}
	return 0
}

// newCollector makes the agent's collector part from its section.
func newCollector(cc agentconfig.Collector, pull time.Duration, logger *slog.Logger) (*collector.Collector, error) {
	zt := cc.ZabbixTLS
	tlsConfig, err := collector.LoadZabbixTLS(zt.Cert, zt.Key, zt.CA)
	if err != nil {
		return nil, err
	}
	return collector.New(collector.Options{Name: cc.Name, Listen: cc.Listen, TrapListen: cc.TrapListen, Pull: pull, ZabbixTLS: tlsConfig, Logger: logger})
}

// tune sets the runtime for a small resident process, unless the
// environment already says otherwise. One P: the agent's work is a few
// wake-ups a second, mostly in system calls (which release the P), and a
// second P only adds idle threads spinning for work at every wake-up; a
// fixed setting also stops the runtime from re-reading the cgroup CPU limit
// every second. GOGC stays at 100: the live heap is about a megabyte, and a
// lower setting buys no resident memory for more collections. A soft memory
// limit makes a burst (a big scrape, a long outage) collected early instead
// of growing the heap for good.
func tune() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(64 << 20)
	}
}

// New returns the agent with every source it runs, for the agent's command
// and for the server's watch of its own host alike.
func New(cfg *agentconfig.Config, pull time.Duration, logger *slog.Logger) *agent.Agent {
	a := agent.New(cfg, logger)
	a.SetPullInterval(pull)
	a.AddSource(agent.NewLogSource(logger))
	a.AddSource(agent.NewEventLogSource(logger))
	a.AddSource(agent.NewBackupSource(logger))
	return a
}

// reloadOnHangup re-reads the local file on SIGHUP; a file with errors is
// reported, item by item, and the running configuration stays.
func reloadOnHangup(ctx context.Context, a *agent.Agent, f *flags, logger *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		cfg, err := f.load()
		if err == nil {
			err = a.ApplyConfig(cfg)
		}
		if err != nil {
			logger.Error("agent: configuration refused; the last good one keeps running", "file", f.file, "err", err)
			continue
		}
		logger.Info("agent: configuration reloaded", "file", f.file)
	}
}

// newLogger returns the process logger: JSON or text at level.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("unknown log level %q (debug, info, warn, error)", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch strings.ToLower(format) {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("unknown log format %q (text, json)", format)
}

// env returns the environment variable key, or def.
func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}
