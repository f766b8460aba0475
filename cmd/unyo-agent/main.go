// Command unyo-agent is unyo's host agent alone: it links only the agent's
// packages, so that what runs on every customer host carries no server,
// PromQL, TSDB, PDF or console code (a test in this directory holds to that).
// `unyo agent` runs the same code from the full binary.
package main

import (
	"os"

	"github.com/unyo-ops/unyo/internal/agentcli"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(agentcli.Run(os.Args[1:], os.Stdout, os.Stderr, version))
}
