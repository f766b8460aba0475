package agent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLogSourceSendsUniqueClients: a log item with a client field, as the
// server sends it, makes the agent send the distinct clients of its
// access log as unyo_log_unique_clients{item,field,window}.
func TestLogSourceSendsUniqueClients(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	s := NewLogSource(testLogger(t))
	s.pollEvery, s.countersEach = 5*time.Millisecond, 20*time.Millisecond
	cfg := parse(t, fmt.Sprintf("host: h\nbuffer: {dir: %q}\nitems:\n  - {name: shop-access, kind: log, glob: %q, client_field: remote_addr, client_zone: Asia/Tokyo, patterns: [{regex: '\" 5\\d\\d ', severity: warning}]}\n", dir, path))
	if err := s.ApplyConfig(cfg); err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, c) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	// The lines are written once the watcher runs: a file there before an
	// item is first watched is read from its end.
	for wait := time.Now().Add(10 * time.Second); ; {
		s.mu.Lock()
		running := s.watcher != nil
		s.mu.Unlock()
		if running {
			break
		}
		if time.Now().After(wait) {
			t.Fatal("the log watcher did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	var lines string
	for _, ip := range []string{"203.0.113.10", "203.0.113.11", "203.0.113.10", "198.51.100.7"} {
		lines += ip + ` - - [06/Dec/2026:23:10:00 +0900] "GET / HTTP/1.1" 200 612 "-" "Mozilla/5.0"` + "\n"
	}
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := map[string]float64{}
		c.mu.Lock()
		for _, smp := range c.samples {
			if smp.Name == "unyo_log_unique_clients" {
				got[fmt.Sprint(smp.Labels)] = smp.Value
			}
		}
		c.mu.Unlock()
		hour := got["[{item shop-access} {field remote_addr} {window hour}]"]
		day := got["[{item shop-access} {field remote_addr} {window day}]"]
		if hour == 3 && day == 3 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("unique clients sent: %v, want 3 for the hour and the day", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
