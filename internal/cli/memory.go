package cli

import (
	"flag"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/dustin/go-humanize"
)

// defaultGCPercent is the server's GOGC unless told otherwise. Go's own
// default, 100, lets the heap grow to twice what is live between two
// collections: with the TSDB's head live, that doubled the resident memory
// per active series. At 50 the heap peaks at 1.5 times the live heap, for
// a few percent more CPU in the collector (docs/BENCHMARKS.md, "Memory per
// active series"); VictoriaMetrics sets 30 for the same reason.
const defaultGCPercent = 50

// memoryConfig is how the Go runtime trades memory for CPU.
type memoryConfig struct {
	gcPercent int
	limit     string // a soft memory limit, e.g. 4GiB; "" is none
	bytes     int64  // limit, parsed
}

func (c *memoryConfig) flags(fs *flag.FlagSet) {
	fs.IntVar(&c.gcPercent, "gogc", envInt("GOGC", defaultGCPercent),
		"the Go collector's GOGC: the heap may grow by this percentage of the live heap between two collections; lower saves memory for CPU (env GOGC)")
	fs.StringVar(&c.limit, "memory-limit", env("GOMEMLIMIT", ""),
		"a soft limit of the Go runtime's memory, e.g. 4GiB: the collector works harder near it rather than let the process pass it; none when empty (env GOMEMLIMIT)")
}

func (c *memoryConfig) parse() error {
	if c.gcPercent < 1 {
		return fmt.Errorf("--gogc %d: want a positive percentage", c.gcPercent)
	}
	if c.limit == "" || c.limit == "off" { // "off" as GOMEMLIMIT says it
		return nil
	}
	n, err := humanize.ParseBytes(c.limit)
	if err != nil || n == 0 || n > 1<<62 {
		return fmt.Errorf("--memory-limit %q: want a size such as 4GiB or 512MiB", c.limit)
	}
	c.bytes = int64(n)
	return nil
}

// apply sets the collector's percentage and the soft limit for the process.
func (c *memoryConfig) apply(logger *slog.Logger) {
	debug.SetGCPercent(c.gcPercent)
	if c.bytes > 0 {
		debug.SetMemoryLimit(c.bytes)
	}
	logger.Debug("Go runtime memory", "gogc", c.gcPercent, "memory_limit_bytes", c.bytes)
}
