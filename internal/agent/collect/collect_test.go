package collect

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

func find(ss []sample.Sample, name string, labels ...string) (sample.Sample, bool) {
	for _, s := range ss {
		if s.Name != name {
			continue
		}
		m := map[string]string{}
		for _, l := range s.Labels {
			m[l.Name] = l.Value
		}
		ok := true
		for i := 0; i+1 < len(labels); i += 2 {
			ok = ok && m[labels[i]] == labels[i+1]
		}
		if ok {
			return s, true
		}
	}
	return sample.Sample{}, false
}

func TestOS(t *testing.T) {
	o := NewOS()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := time.Now()
	ss, err := o.Collect(ctx, now)
	if err != nil {
		t.Logf("some parts failed on this host: %v", err)
	}
	for _, want := range [][]string{
		{"node_cpu_seconds_total", "cpu", "0", "mode", "idle"},
		{"node_memory_MemTotal_bytes"},
		{"node_memory_MemAvailable_bytes"},
		{"node_boot_time_seconds"},
		{"node_processes_pids"},
	} {
		s, ok := find(ss, want[0], want[1:]...)
		if !ok {
			t.Errorf("no %v among %d samples", want, len(ss))
			continue
		}
		if s.Value <= 0 || s.TimeMs != now.UnixMilli() {
			t.Errorf("%s = %v at %d", want[0], s.Value, s.TimeMs)
		}
	}
	if _, ok := find(ss, "node_load1"); !ok { // may well be 0 on an idle host
		t.Error("no node_load1")
	}
	if _, ok := find(ss, "node_network_receive_bytes_total", "device", "lo"); !ok {
		t.Error("no network counters for lo")
	}

	// A steady host reuses its label sets from run to run.
	first, _ := find(ss, "node_cpu_seconds_total", "cpu", "0", "mode", "user")
	ss2, _ := o.Collect(ctx, now.Add(time.Second))
	second, _ := find(ss2, "node_cpu_seconds_total", "cpu", "0", "mode", "user")
	if &first.Labels[0] != &second.Labels[0] {
		t.Error("label set rebuilt on the second run")
	}
}

func TestLabelCacheSweep(t *testing.T) {
	var c labelCache
	a := c.get("eth0", "device", "eth0")
	c.get("veth1", "device", "veth1")
	c.sweep()
	if b := c.get("eth0", "device", "eth0"); &a[0] != &b[0] {
		t.Fatal("a used key lost its labels")
	}
	c.sweep()
	if _, ok := c.m["veth1"]; ok {
		t.Fatal("an unused key survived two sweeps")
	}
	if ls := c.get("eth0", "device", "eth0-renamed"); ls[0].Value != "eth0-renamed" {
		t.Fatal("changed values did not rebuild the labels")
	}
}

// TestHelperSleeper is not a test: TestProcess runs it as a child to find.
func TestHelperSleeper(t *testing.T) {
	if os.Getenv("UNYO_SLEEPER") != "1" {
		t.Skip("helper process")
	}
	os.Stdin.Read(make([]byte, 1)) // until the parent closes the pipe
}

func TestProcess(t *testing.T) {
	p, err := NewProcess("sleeper", `TestHelperSleeper`)
	if err != nil {
		t.Fatal(err)
	}
	count := func() float64 {
		t.Helper()
		ss, err := p.Collect(context.Background(), time.Now())
		if err != nil {
			t.Fatalf("Collect: %v", err)
		}
		if ss[0].Name != "unyo_process_up" || ss[1].Name != "unyo_process_count" || ss[0].Labels[1].Value != "TestHelperSleeper" {
			t.Fatalf("samples = %+v", ss)
		}
		if (ss[0].Value == 1) != (ss[1].Value > 0) {
			t.Fatalf("up %v disagrees with count %v", ss[0].Value, ss[1].Value)
		}
		return ss[1].Value
	}
	// This test binary's own command line does not match; a child's does.
	if n := count(); n != 0 {
		t.Fatalf("count before the child = %v", n)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSleeper$")
	cmd.Env = append(os.Environ(), "UNYO_SLEEPER=1")
	stdin, _ := cmd.StdinPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Errorf("count with the child running = %v, want 1", n)
	}
	stdin.Close()
	cmd.Wait()
	if n := count(); n != 0 {
		t.Errorf("count after the child exited = %v, want 0", n)
	}
}

func TestServiceMissing(t *testing.T) {
	s := NewService("ghost", "unyo-no-such-unit.service")
	ss, err := s.Collect(context.Background(), time.Now())
	t.Logf("error (depends on the host having systemd): %v", err)
	if len(ss) != 1 || ss[0].Name != "unyo_service_up" || ss[0].Value != 0 {
		t.Fatalf("samples = %+v, want unyo_service_up 0", ss)
	}
	if _, ok := find(ss, "unyo_service_up", "item", "ghost", "service", "unyo-no-such-unit.service"); !ok {
		t.Fatalf("labels = %+v", ss[0].Labels)
	}
}
