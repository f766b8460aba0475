package agent

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agentconfig"
)

// lastValue is the newest value of metric the collector was given, and
// whether there was one.
func (c *collector) lastValue(metric string) (float64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.samples) - 1; i >= 0; i-- {
		if c.samples[i].Name == metric {
			return c.samples[i].Value, true
		}
	}
	return 0, false
}

func awaitValue(t *testing.T, c *collector, metric string, want float64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if v, ok := c.lastValue(metric); ok && v == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	v, ok := c.lastValue(metric)
	t.Fatalf("%s = %v (seen %v), want %v", metric, v, ok, want)
}

// TestBackupSourceKeepsTheLastResult: a failing backup command is a
// failing series, emitted again between runs; an agent restarted with a
// run far away emits the last result at once from the buffer directory,
// so a daily backup's failure does not vanish with a restart.
func TestBackupSourceKeepsTheLastResult(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "backup.sh")
	os.WriteFile(script, []byte("#!/bin/sh\necho disk full >&2\nexit 1\n"), 0o755)
	cfg := func(interval time.Duration) *agentconfig.Config {
		c := &agentconfig.Config{Host: "db-01", Interval: agentconfig.Duration(time.Second), Buffer: agentconfig.Buffer{Dir: dir},
			Items: []agentconfig.Item{{Name: "nightly", Kind: agentconfig.KindBackup, Interval: agentconfig.Duration(interval),
				Timeout: agentconfig.Duration(time.Second), Backup: &agentconfig.Backup{Command: []string{script}}}}}
		c.SetDefaults()
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	run := func(c *agentconfig.Config, em *collector) context.CancelFunc {
		s := NewBackupSource(nil)
		s.ApplyConfig(c)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx, em); close(done) }()
		return func() { cancel(); <-done }
	}
	first := &collector{}
	stop := run(cfg(time.Second), first)
	awaitValue(t, first, "unyo_backup_success", 0)
	awaitValue(t, first, "unyo_backup_exit_code", 1)
	stop()

	again := &collector{}
	stop = run(cfg(24*time.Hour), again)
	defer stop()
	awaitValue(t, again, "unyo_backup_success", 0)
	if _, ok := again.lastValue("unyo_backup_last_success_timestamp_seconds"); ok {
		t.Error("a last success emitted, though no run succeeded")
	}
}
