package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/unyo-ops/unyo/internal/agent"
	"github.com/unyo-ops/unyo/internal/agentconfig"
)

// agentFlags is what `unyo agent` is told by flags and environment; flags
// override the file.
type agentFlags struct {
	file      string
	server    string
	token     string
	host      string
	bufferDir string
	pull      time.Duration
	logLevel  string
	logFormat string
}

func parseAgentFlags(args []string, stderr io.Writer) (*agentFlags, error) {
	f := &agentFlags{}
	fs := flag.NewFlagSet("unyo agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.file, "config", env("UNYO_AGENT_CONFIG", ""), "local YAML configuration (env UNYO_AGENT_CONFIG); optional when -server is set")
	fs.StringVar(&f.server, "server", env("UNYO_SERVER", ""), "base URL of unyo server (env UNYO_SERVER)")
	fs.StringVar(&f.token, "token", env("UNYO_TOKEN", ""), "ingest token of the host's tenant (env UNYO_TOKEN)")
	fs.StringVar(&f.host, "host", env("UNYO_HOST", ""), "host name: the resource this agent reports as (default: the OS host name)")
	fs.StringVar(&f.bufferDir, "buffer", env("UNYO_AGENT_BUFFER", ""), "directory of the outage buffer and log positions (default "+agentconfig.DefaultBufferDir()+")")
	fs.DurationVar(&f.pull, "pull-interval", time.Minute, "how often the configuration is pulled from the server")
	fs.StringVar(&f.logLevel, "log-level", env("UNYO_LOG_LEVEL", "info"), "debug, info, warn or error")
	fs.StringVar(&f.logFormat, "log-format", env("UNYO_LOG_FORMAT", "text"), "text or json")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if f.file == "" && f.server == "" {
		fmt.Fprintln(stderr, "unyo agent: give -server (with -token) to be configured by the server, or -config FILE to run standalone")
		return nil, flag.ErrHelp
	}
	return f, nil
}

// load reads the file, if any, and applies the flags over it.
func (f *agentFlags) load() (*agentconfig.Config, error) {
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
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

func runAgent(args []string, stdout, stderr io.Writer) int {
	f, err := parseAgentFlags(args, stderr)
	if err != nil {
		return 2
	}
	logger, err := newLogger(stderr, f.logLevel, f.logFormat)
	if err != nil {
		fmt.Fprintln(stderr, "unyo agent:", err)
		return 2
	}
	cfg, err := f.load()
	if err != nil {
		fmt.Fprintln(stderr, "unyo agent:", err)
		return 2
	}
	if os.Getenv("GOMAXPROCS") == "" {
		// The agent needs little parallelism, and a fixed setting also stops
		// the runtime from re-reading the cgroup CPU limit every second.
		runtime.GOMAXPROCS(min(2, runtime.NumCPU()))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	a := newAgent(cfg, f.pull, logger)
	go reloadOnHangup(ctx, a, f, logger)
	if err := a.Run(ctx); err != nil {
		logger.Error("unyo agent failed", "err", err)
		return 1
	}
	return 0
}

// newAgent returns the agent with every source it runs, for `unyo agent`
// and for the server's watch of its own host alike.
func newAgent(cfg *agentconfig.Config, pull time.Duration, logger *slog.Logger) *agent.Agent {
	a := agent.New(cfg, logger)
	a.SetPullInterval(pull)
	a.AddSource(agent.NewLogSource(logger))
	a.AddSource(agent.NewEventLogSource(logger))
	a.AddSource(agent.NewBackupSource(logger))
	return a
}

// reloadOnHangup re-reads the local file on SIGHUP; a file with errors is
// reported, item by item, and the running configuration stays.
func reloadOnHangup(ctx context.Context, a *agent.Agent, f *agentFlags, logger *slog.Logger) {
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
