//go:build unix

// Package cputime tells the CPU time the process has used: benchmarks
// report it beside the wall time, which on a shared machine says more of
// the machine than of the code.
package cputime

import (
	"syscall"
	"time"
)

// Process is the process's user and system CPU time so far (0 if the
// system cannot tell).
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
