// Command agentload is the helper of bench/agent.sh, which compares the CPU
// and memory of unyo agent with node_exporter's at the same interval.
//
//	agentload serve   -listen ADDR -log FILE -rate N -duration D
//	agentload measure -pid NAME=PID... -scrape URL -interval I -duration D
//
// serve is the agent's work: a loopback HTTP server for its check and a
// writer that appends lines to the log file it tails. measure scrapes
// node_exporter as Prometheus would, samples the resident memory of the
// measured processes, and at the end prints their CPU time and memory side
// by side with the ratio of the first process to the second. Neither runs
// unbounded: each stops after its -duration.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: agentload serve|measure [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "measure":
		err = measure(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: want serve or measure", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "agentload:", err)
		os.Exit(1)
	}
}
