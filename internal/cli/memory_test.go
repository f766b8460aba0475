package cli

import (
	"bytes"
	"log/slog"
	"math"
	"runtime/debug"
	"strings"
	"testing"
)

// TestMemoryFlags: --gogc and --memory-limit reach the Go runtime, GOGC and
// GOMEMLIMIT in the environment are their defaults, and a bad value stops
// the server before it starts, naming the flag.
func TestMemoryFlags(t *testing.T) {
	t.Cleanup(func() {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
	})
	parse := func(args ...string) (*serverConfig, string) {
		t.Helper()
		var stderr bytes.Buffer
		cfg, err := parseServerFlags(append([]string{"--data", t.TempDir()}, args...), &stderr)
		if err != nil {
			return nil, stderr.String()
		}
		return cfg, ""
	}
	f := func(env map[string]string, args []string, wantGC int, wantLimit int64) {
		t.Helper()
		for k, v := range env {
			t.Setenv(k, v)
		}
		cfg, msg := parse(args...)
		if cfg == nil {
			t.Fatalf("%v %v refused: %s", env, args, msg)
		}
		cfg.memory.apply(slog.New(slog.DiscardHandler))
		if got := debug.SetGCPercent(100); got != wantGC {
			t.Errorf("%v %v: GOGC %d, want %d", env, args, got, wantGC)
		}
		if got := debug.SetMemoryLimit(-1); got != wantLimit {
			t.Errorf("%v %v: memory limit %d, want %d", env, args, got, wantLimit)
		}
		debug.SetMemoryLimit(math.MaxInt64)
	}
	noLimit := int64(math.MaxInt64) // the runtime's "no limit"
	f(nil, nil, defaultGCPercent, noLimit)
	f(nil, []string{"--gogc", "30", "--memory-limit", "4GiB"}, 30, 4<<30)
	f(map[string]string{"GOGC": "80", "GOMEMLIMIT": "512MiB"}, nil, 80, 512<<20)
	f(map[string]string{"GOGC": "", "GOMEMLIMIT": "off"}, nil, defaultGCPercent, noLimit)

	for _, bad := range [][]string{{"--gogc", "0"}, {"--memory-limit", "lots"}} {
		if cfg, msg := parse(bad...); cfg != nil || !strings.Contains(msg, bad[0]) {
			t.Errorf("%v: accepted, or refused without naming the flag: %q", bad, msg)
		}
	}
}
