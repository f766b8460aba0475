//go:build !unix

// Package cputime tells the CPU time the process has used: benchmarks
// report it beside the wall time, which on a shared machine says more of
// the machine than of the code.
package cputime

import "time"

// Process is 0 where the process's CPU time is not known.
func Process() time.Duration { return 0 }
