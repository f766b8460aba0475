package command

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/actuator"
	"github.com/unyo-ops/unyo/internal/model"
)

// script writes an executable shell script into a temporary directory.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "scale.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestApplyAndObserveThroughARealProgram: the request reaches the
// program as JSON on stdin, its answer comes back as the state, and a
// count applied is what the next observe reads.
func TestApplyAndObserveThroughARealProgram(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "count")
	p := script(t, `req=$(cat)
echo "$req" >> `+filepath.Join(dir, "requests")+`
case "$req" in
*'"action":"apply"'*) echo "$req" | sed 's/.*"count":\([0-9]*\).*/\1/' > `+state+` ;;
*) n=$(cat `+state+` 2>/dev/null || echo 2); echo "{\"desired\":$n,\"running\":$n,\"size\":\"m5.large\"}" ;;
esac
`)
	a := New(Config{Argv: []string{p}, Timeout: 0}, "acme")
	a.cfg.Timeout = model.Duration(5 * time.Second)
	ctx := context.Background()
	if s, err := a.Observe(ctx); err != nil || s != (actuator.State{Desired: 2, Running: 2, Size: "m5.large"}) {
		t.Fatalf("observe before: %+v %v", s, err)
	}
	if err := a.Apply(ctx, 6); err != nil {
		t.Fatal(err)
	}
	if s, err := a.Observe(ctx); err != nil || s.Desired != 6 || s.Running != 6 {
		t.Fatalf("observe after apply 6: %+v %v", s, err)
	}
	reqs, _ := os.ReadFile(filepath.Join(dir, "requests"))
	if !strings.Contains(string(reqs), `{"action":"apply","count":6,"tenant":"acme"}`) {
		t.Errorf("requests the program read:\n%s", reqs)
	}
}

// TestFailuresAreErrors: a non-zero exit carries stderr, exit 75 is
// ErrBusy, a program that hangs is killed at the timeout, and an answer
// that is not the state is refused.
func TestFailuresAreErrors(t *testing.T) {
	ctx := context.Background()
	run := func(body string, timeout time.Duration) error {
		a := New(Config{Argv: []string{script(t, body)}}, "acme")
		a.cfg.Timeout = model.Duration(timeout)
		_, err := a.Observe(ctx)
		return err
	}
	if err := run("echo 'quota exceeded' >&2; exit 3", 5*time.Second); err == nil || !strings.Contains(err.Error(), "exit 3: quota exceeded") {
		t.Errorf("exit 3: %v", err)
	}
	if err := run("echo busy >&2; exit 75", 5*time.Second); !errors.Is(err, actuator.ErrBusy) {
		t.Errorf("exit 75: %v, want ErrBusy", err)
	}
	start := time.Now()
	if err := run("exec sleep 30", time.Second); err == nil || !strings.Contains(err.Error(), "killed after 1s") || time.Since(start) > 10*time.Second {
		t.Errorf("hanging program: %v after %s", err, time.Since(start))
	}
	if err := run("echo '{\"desired\":3}'", 5*time.Second); err == nil || !strings.Contains(err.Error(), "running") {
		t.Errorf("half an answer: %v", err)
	}
}

// TestParseConfig names the field at fault.
func TestParseConfig(t *testing.T) {
	f := func(raw, field string) {
		t.Helper()
		_, err := ParseConfig(json.RawMessage(raw))
		if field == "" && err != nil || field != "" && (err == nil || !strings.Contains(err.Error(), field)) {
			t.Errorf("%s: %v, want field %q", raw, err, field)
		}
	}
	f(`{"argv":["/usr/local/bin/scale","web"]}`, "")
	f(`{"argv":["scale"]}`, "config.argv")
	f(`{"argv":[]}`, "config.argv")
	f(`{"argv":["/bin/x"],"timeout":"1h"}`, "config.timeout")
	f(`{"argv":["/bin/x"],"shell":true}`, "config")
}

// FuzzDecodeState: whatever a program prints, decoding returns a state or
// an error, never a negative count.
func FuzzDecodeState(f *testing.F) {
	f.Add([]byte(`{"desired":6,"running":5,"size":"m5.large"}`))
	f.Add([]byte(`{"desired":-1,"running":0}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeState(b)
		if err == nil && (s.Desired < 0 || s.Running < 0) {
			t.Fatalf("%q: %+v", b, s)
		}
	})
}
