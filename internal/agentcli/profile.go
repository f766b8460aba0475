package agentcli

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles starts the CPU profile of -cpuprofile and returns what
// writes both profiles at the stop. A long run under the benchmark's load is
// how the agent's costs were found (docs/BENCHMARKS.md).
func startProfiles(f *flags) (stop func(), err error) {
	var cpu *os.File
	if f.cpuProfile != "" {
		if cpu, err = os.Create(f.cpuProfile); err != nil {
			return nil, fmt.Errorf("cpuprofile: %w", err)
		}
		if err = pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, fmt.Errorf("cpuprofile: %w", err)
		}
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			cpu.Close()
		}
		if f.memProfile != "" {
			if m, err := os.Create(f.memProfile); err == nil {
				runtime.GC()
				pprof.WriteHeapProfile(m)
				m.Close()
			}
		}
	}, nil
}
