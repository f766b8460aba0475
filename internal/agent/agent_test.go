package agent

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agent/sender"
	"github.com/unyo-ops/unyo/internal/agentconfig"
)

// startAgent runs a with short timings and stops it when the test ends.
func startAgent(t *testing.T, a *Agent) {
	t.Helper()
	startAgentWith(t, a, 20*time.Millisecond)
}

func startAgentWith(t *testing.T, a *Agent, flushDelay time.Duration) {
	t.Helper()
	a.pullEvery = 50 * time.Millisecond
	a.flushDelay, a.eventDelay = flushDelay, flushDelay
	a.senderOpts = sender.Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return within 10s of cancel")
		}
	})
	waitFor(t, "the agent to start", 5*time.Second, func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.runCtx != nil
	})
}

func parse(t *testing.T, yml string) *agentconfig.Config {
	t.Helper()
	c, err := agentconfig.Parse([]byte(yml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return c
}

// logSource stands in for logwatch: it follows the log items of the
// configuration and emits one event per item it is given.
type logSource struct {
	mu    sync.Mutex
	items []string
	kick  chan struct{}
}

func (s *logSource) ApplyConfig(cfg *agentconfig.Config) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items = nil
	for _, it := range cfg.Items {
		if it.Kind == agentconfig.KindLog {
			s.items = append(s.items, it.Name)
		}
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
	return nil
}

func (s *logSource) Run(ctx context.Context, emit sample.Emitter) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.kick:
		}
		s.mu.Lock()
		for _, item := range s.items {
			emit.EmitEvents([]sample.Event{{
				Time: time.Now(), Source: "/var/log/app.log", Item: item, Severity: "critical",
				Pattern: "oom", Message: "java.lang.OutOfMemoryError",
			}})
		}
		s.mu.Unlock()
	}
}

func TestAgentEndToEnd(t *testing.T) {
	rcv := newReceiver(t, "tok")
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("shop is open"))
	}))
	defer web.Close()
	cfg := parse(t, fmt.Sprintf(`
server: %s
token: tok
host: itest-01
labels: {customer: acme}
buffer: {dir: %q}
items:
  - {name: os, kind: os, interval: 1s}
  - {name: shop, kind: http, url: %q, body_match: open, interval: 1s}
  - {name: app-log, kind: log, glob: /var/log/app*.log, patterns: [{regex: OutOfMemory, severity: critical}]}
`, rcv.url(), t.TempDir(), web.URL))
	src := &logSource{kick: make(chan struct{}, 1)}
	a := New(cfg, testLogger(t))
	a.AddSource(src)
	startAgent(t, a)

	host := map[string]string{"host": "itest-01", "customer": "acme"}
	for _, want := range []struct {
		metric string
		labels map[string]string
	}{
		{"node_cpu_seconds_total", map[string]string{"mode": "idle", "cpu": "0"}},
		{"node_memory_MemAvailable_bytes", nil},
		{"unyo_check_up", map[string]string{"item": "shop", "target": web.URL}},
		{"unyo_check_http_status", map[string]string{"item": "shop"}},
		{"unyo_agent_up", nil},
	} {
		waitFor(t, want.metric, 10*time.Second, func() bool {
			p, ok := rcv.find(want.metric, want.labels)
			return ok && hasLabels(p.labels, host) && p.value > 0
		})
	}
	if p, _ := rcv.find("unyo_check_up", map[string]string{"item": "shop"}); p.value != 1 {
		t.Fatalf("shop check = %v, want up", p.value)
	}
	if p, _ := rcv.find("unyo_check_http_status", map[string]string{"item": "shop"}); p.value != 200 {
		t.Fatalf("shop status = %v", p.value)
	}

	// The log source got the log item and its event reached the events endpoint.
	waitFor(t, "the log event", 10*time.Second, func() bool {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		return len(rcv.events) > 0
	})
	rcv.mu.Lock()
	ev := rcv.events[0]
	rcv.mu.Unlock()
	if ev.Host != "itest-01" || ev.Item != "app-log" || ev.Message != "java.lang.OutOfMemoryError" || ev.Severity != "critical" {
		t.Fatalf("event = %+v", ev)
	}
}

func TestAgentPullsConfig(t *testing.T) {
	rcv := newReceiver(t, "tok")
	db, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	go func() {
		for {
			c, err := db.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	dir := t.TempDir()
	local := fmt.Sprintf("server: %s\ntoken: tok\nhost: itest-02\ninterval: 1s\nbuffer: {dir: %q}\n", rcv.url(), dir)
	rcv.setConfig(fmt.Sprintf(`{"items": [{"name": "db", "kind": "tcp", "address": %q, "interval": "1s"}]}`, db.Addr()), `"v1"`)
	a := New(parse(t, local), testLogger(t))
	startAgent(t, a)

	dbUp := map[string]string{"item": "db", "target": db.Addr().String()}
	waitFor(t, "the pulled tcp item", 10*time.Second, func() bool {
		p, ok := rcv.find("unyo_check_up", dbUp)
		return ok && p.value == 1
	})
	// Unchanged configuration is answered with 304.
	waitFor(t, "a 304", 5*time.Second, func() bool {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		return rcv.notModified > 0
	})

	// A bad configuration is refused and the last good one keeps running.
	rcv.setConfig(`{"items": [{"name": "db", "kind": "tcp", "address": "nope"}, {"name": "x", "kind": "foo"}]}`, `"v2"`)
	waitFor(t, "the reload failure to be reported", 10*time.Second, func() bool {
		p, ok := rcv.find("unyo_agent_config_last_reload_successful", nil)
		a.mu.Lock()
		defer a.mu.Unlock()
		return !a.reloadOK && ok && p.value == 0
	})
	before := rcv.count("unyo_check_up", dbUp)
	waitFor(t, "the old item to keep running", 10*time.Second, func() bool {
		return rcv.count("unyo_check_up", dbUp) > before+1
	})

	// A corrected configuration replaces the item without a restart.
	rcv.setConfig(`{"items": [{"name": "db2", "kind": "tcp", "address": "127.0.0.1:1", "interval": "1s"}]}`, `"v3"`)
	waitFor(t, "the new item", 10*time.Second, func() bool {
		_, ok := rcv.find("unyo_check_up", map[string]string{"item": "db2"})
		return ok
	})
	a.mu.Lock()
	_, oldRuns := a.items["db"]
	a.mu.Unlock()
	if oldRuns {
		t.Fatal("the removed item still runs")
	}
}

func TestAgentStartsFromCachedConfig(t *testing.T) {
	rcv := newReceiver(t, "tok")
	dir := t.TempDir()
	local := fmt.Sprintf("server: %s\ntoken: tok\nhost: itest-03\nbuffer: {dir: %q}\n", rcv.url(), dir)
	rcv.setConfig(`{"items": [{"name": "self", "kind": "process", "pattern": "agent.test", "interval": "1s"}]}`, `"c1"`)
	a := New(parse(t, local), testLogger(t))
	ctx, cancel := context.WithCancel(context.Background())
	a.pullEvery = 50 * time.Millisecond
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	waitFor(t, "the pulled item", 10*time.Second, func() bool {
		_, ok := rcv.find("unyo_process_up", map[string]string{"item": "self"})
		return ok
	})
	cancel()
	<-done

	// The server is away; a new agent runs what it last got from it.
	rcv.close()
	b := New(parse(t, local), testLogger(t))
	startAgent(t, b)
	if items := b.Config().Items; len(items) != 1 || items[0].Name != "self" {
		t.Fatalf("items after restart = %+v", items)
	}
	if !strings.Contains(fmt.Sprint(b.cfg.Items), "agent.test") {
		t.Fatal("cached item lost its pattern")
	}
}

func TestApplyConfigRefusesBad(t *testing.T) {
	a := New(parse(t, fmt.Sprintf("host: h\nbuffer: {dir: %q}\nitems: [{name: os, kind: os}]\n", t.TempDir())), testLogger(t))
	bad := a.Config().Clone()
	bad.Items = append(bad.Items, agentconfig.Item{Name: "nginx-up", Kind: "foo"})
	err := a.ApplyConfig(bad)
	if err == nil || !strings.Contains(err.Error(), `items[1] (nginx-up).kind: unknown kind "foo"`) {
		t.Fatalf("ApplyConfig = %v", err)
	}
	if n := len(a.Config().Items); n != 1 {
		t.Fatalf("items after a refused config = %d, want 1", n)
	}
}
