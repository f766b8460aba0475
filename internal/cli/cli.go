// Package cli parses unyo's command line and runs the chosen command. The
// wiring of the server lives in server.go, in one place.
package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/agentcli"
)

// Version is set at build time with -ldflags "-X github.com/unyo-ops/unyo/internal/cli.Version=...".
var Version = "dev"

const usage = `unyo: the operations platform for managed service providers

Usage:
  unyo server [flags]     run the server: API, console, ingest, query, storage
  unyo agent [flags]      run the host agent (the same as the slim unyo-agent binary)
  unyo report [flags]     make a tenant's operations report (PDF or HTML) through a server's API
  unyo backup report ...  report a backup job's result (for backup scripts)
  unyo zabbix import FILE import a Zabbix template export as monitoring templates
  unyo validate DIR       check a customer folder (onboarding as code) offline: every error as file:line:col
  unyo plan DIR           show what applying the folder to its tenant would change (exit 0: none, 2: changes)
  unyo apply DIR          apply the folder to its tenant in one transaction (--prune deletes what it does not name)
  unyo export TENANT      write a tenant's design as a customer folder that plans to no changes
  unyo migrate [flags]    copy a stopped server's state to another database (SQLite to PostgreSQL)
  unyo version            print the version

Run 'unyo <command> -h' for a command's flags.
`

// Run runs the command named by args[0] and returns the process exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "server":
		return runServer(args[1:], stdout, stderr)
	case "agent":
		return agentcli.RunAgent("unyo agent", args[1:], stderr)
	case "report":
		return runReport(args[1:], stdout, stderr)
	case "validate":
		return runValidate(args[1:], stdout, stderr)
	case "plan":
		return runPlan(args[1:], stdout, stderr)
	case "apply":
		return runApply(args[1:], stdout, stderr)
	case "export":
		return runExport(args[1:], stdout, stderr)
	case "migrate":
		return runMigrate(args[1:], stdout, stderr)
	case "backup":
		return runBackup(args[1:], stdout, stderr)
	case "zabbix":
		return runZabbix(args[1:], stdout, stderr)
	case "version", "-v", "--version":
		fmt.Fprintln(stdout, "unyo", Version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "unyo: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// newLogger returns the process logger: JSON or text on stderr at level.
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

// envDuration reads a duration from the environment, def when unset or unreadable.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

// envInt reads a positive integer from the environment, def when unset or unreadable.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
