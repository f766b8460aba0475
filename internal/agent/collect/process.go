package collect

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/shirou/gopsutil/v4/process"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// Process reports whether processes matching a pattern run, and how many.
type Process struct {
	re     *regexp.Regexp
	labels []sample.Label
	self   int32
}

// NewProcess returns a collector for item, matching pattern against each
// process's name and, failing that, its command line (a Tomcat is named java).
func NewProcess(item, pattern string) (*Process, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("collect: bad process pattern %q: %w", pattern, err)
	}
	return &Process{
		re:     re,
		labels: sample.Labels("item", item, "pattern", pattern),
		self:   int32(os.Getpid()),
	}, nil
}

// Collect returns unyo_process_up and unyo_process_count.
func (p *Process) Collect(ctx context.Context, now time.Time) ([]sample.Sample, error) {
	n, err := p.count(ctx)
	up := 0.0
	if n > 0 {
		up = 1
	}
	ms := now.UnixMilli()
	return []sample.Sample{
		{Name: "unyo_process_up", Labels: p.labels, Value: up, TimeMs: ms},
		{Name: "unyo_process_count", Labels: p.labels, Value: float64(n), TimeMs: ms},
	}, err
}

func (p *Process) count(ctx context.Context) (int, error) {
	pids, err := process.PidsWithContext(ctx)
	if err != nil {
		return 0, fmt.Errorf("processes: %w", err)
	}
	n := 0
	for _, pid := range pids {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		// The agent's own command line holds the pattern when it was given as
		// a flag; counting itself would make the item always up.
		if pid != p.self && p.matches(ctx, pid) {
			n++
		}
	}
	return n, nil
}

// matches reads the name first because it is one small read; processes that
// exit meanwhile simply do not match.
func (p *Process) matches(ctx context.Context, pid int32) bool {
	proc := &process.Process{Pid: pid}
	if name, err := proc.NameWithContext(ctx); err == nil && p.re.MatchString(name) {
		return true
	}
	cmd, err := proc.CmdlineWithContext(ctx)
	return err == nil && cmd != "" && p.re.MatchString(cmd)
}
