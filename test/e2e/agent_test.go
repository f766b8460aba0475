package e2e

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/testwait"
)

// agentProc is a running `unyo agent` child process.
type agentProc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan error
}

// startAgent runs the agent against s as host, with its buffer in dir.
func startAgent(t *testing.T, serverURL, token, host, dir string) *agentProc {
	t.Helper()
	return startAgentArgs(t, "agent", "--server", serverURL, "--token", token, "--host", host,
		"--buffer", dir, "--pull-interval", "2s", "--log-level", "debug")
}

// startAgentArgs runs unyo with args and stops it when the test ends.
func startAgentArgs(t *testing.T, args ...string) *agentProc {
	t.Helper()
	cmd := exec.Command(binary, args...)
	p := &agentProc{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("agent log:\n%s", p.stderr)
		}
	})
	return p
}

// eventually polls f until it returns "" or the deadline passes, then fails
// with f's last explanation.
func eventually(t *testing.T, within time.Duration, f func() string) {
	t.Helper()
	testwait.Until(t, within, f)
}

// hostWithItems creates a host resource of tenant and its items, through the
// monitoring API, and returns the resource ID.
func (s *server) hostWithItems(tenant, host string, items ...map[string]any) int64 {
	s.t.Helper()
	var res struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/"+tenant+"/resources", "", map[string]any{
		"name": host, "kind": "host", "labels": map[string]string{"os": "linux"},
	}, &res)
	for _, it := range items {
		it["resource_id"] = res.ID
		s.mustJSON(201, "POST", "/api/v1/tenants/"+tenant+"/monitoring/items", "", it, nil)
	}
	return res.ID
}

type logEvent struct {
	ID      int64  `json:"id"`
	Host    string `json:"host"`
	Item    string `json:"item"`
	Source  string `json:"source"`
	Pattern string `json:"pattern"`
	Message string `json:"message"`
}

// events returns the tenant's log events of host, oldest first.
func (s *server) events(token, host string) []logEvent {
	s.t.Helper()
	code, body := s.call("GET", "/api/v1/tenants/"+url.PathEscape(s.tenantOf(token))+"/events?limit=1000&host="+url.QueryEscape(host), token, nil)
	if code != 200 {
		s.t.Fatalf("events = %d: %s", code, body)
	}
	var list []logEvent
	if err := json.Unmarshal(body, &list); err != nil {
		s.t.Fatalf("events: %v: %s", err, body)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	return list
}

// tenantOf asks the server whose token this is.
func (s *server) tenantOf(token string) string {
	var who struct {
		Tenant string `json:"tenant"`
	}
	s.mustJSON(200, "GET", "/api/v1/whoami", token, nil, &who)
	return who.Tenant
}

func messages(evs []logEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Message
	}
	return out
}

func appendLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := f.WriteString(l + "\n"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAgentMonitorsHost runs a real agent against a real server: the items
// are designed on the server, the agent pulls them, and its OS series, an
// HTTP check and a rotated log file's matches come back through the API.
func TestAgentMonitorsHost(t *testing.T) {
	s := startServer(t, t.TempDir())
	ingest, read := s.tenantWithTokens("acme")
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "the shop is open")
	}))
	defer shop.Close()
	logDir := t.TempDir()
	logFile := filepath.Join(logDir, "app.log")
	appendLines(t, logFile, "ERROR written before the agent started: not reported")

	s.hostWithItems("acme", "web-01",
		map[string]any{"name": "os", "kind": "os", "interval": "1s"},
		map[string]any{"name": "shop", "kind": "check", "severity": "critical", "interval": "1s",
			"check": map[string]any{"type": "http", "url": shop.URL, "expect_status": 200, "body_match": "open", "timeout": "1s"}},
		map[string]any{"name": "app-errors", "kind": "log", "severity": "warning",
			"log": map[string]any{"glob": filepath.Join(logDir, "*.log"), "regex": "ERROR"}},
	)
	startAgent(t, s.url, ingest, "web-01", t.TempDir())

	now := func() float64 { return float64(time.Now().UnixMilli()) / 1000 }
	eventually(t, 60*time.Second, func() string {
		for _, q := range []string{
			`count(node_cpu_seconds_total{host="web-01",mode="idle"})`,
			`node_memory_MemTotal_bytes{host="web-01"}`,
			`unyo_check_up{host="web-01",item="shop"} == 1`,
		} {
			if v := s.query(read, q, now()); len(v) == 0 || v[0].Value <= 0 {
				return q + ": no data yet"
			}
		}
		return ""
	})
	if v := s.query(read, `node_memory_MemTotal_bytes{host="web-01"}`, now()); v[0].Value < 64<<20 {
		t.Errorf("memory total = %v bytes, not this machine's", v[0].Value)
	}

	// Lines appended, then the file rotated by rename, then lines in the new
	// file: each matching line is one event, once.
	appendLines(t, logFile, "INFO all good", "ERROR one", "ERROR two")
	eventually(t, 30*time.Second, func() string {
		if got := messages(s.events(read, "web-01")); len(got) < 2 {
			return fmt.Sprintf("events before rotation: %q", got)
		}
		return ""
	})
	appendLines(t, logFile, "ERROR three, just before rotation")
	if err := os.Rename(logFile, logFile+".1"); err != nil {
		t.Fatal(err)
	}
	appendLines(t, logFile, "ERROR four, in the new file", "DEBUG quiet")
	want := []string{"ERROR one", "ERROR two", "ERROR three, just before rotation", "ERROR four, in the new file"}
	eventually(t, 30*time.Second, func() string {
		if got := messages(s.events(read, "web-01")); len(got) < len(want) {
			return fmt.Sprintf("events: %q", got)
		}
		return ""
	})
	got := s.events(read, "web-01")
	if !slices.Equal(messages(got), want) {
		t.Fatalf("events = %q, want %q", messages(got), want)
	}
	for _, e := range got {
		if e.Item != "app-errors" || e.Host != "web-01" {
			t.Errorf("event %+v: want item app-errors on web-01", e)
		}
	}
	// The match counter follows the events.
	eventually(t, 30*time.Second, func() string {
		v := s.query(read, `sum(unyo_log_matches_total{host="web-01",item="app-errors"})`, now())
		if len(v) == 0 || v[0].Value != float64(len(want)) {
			return fmt.Sprintf("unyo_log_matches_total = %v, want %d", v, len(want))
		}
		return ""
	})
}

// freePort returns a loopback address nobody listens on now, so that a
// server can be restarted where its agent expects it.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// dirSize is the bytes in the files under dir.
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// TestAgentOutage stops the server while the agent keeps collecting: once
// the server is back, the buffered events arrive in order and the samples of
// the outage leave no gap.
func TestAgentOutage(t *testing.T) {
	data := t.TempDir()
	addr := freePort(t)
	s := startServer(t, data, "--listen", addr)
	ingest, read := s.tenantWithTokens("acme")
	logDir := t.TempDir()
	logFile := filepath.Join(logDir, "app.log")
	appendLines(t, logFile, "start")
	s.hostWithItems("acme", "web-02",
		map[string]any{"name": "os", "kind": "os", "interval": "1s"},
		map[string]any{"name": "app-errors", "kind": "log", "severity": "warning",
			"log": map[string]any{"glob": logFile, "regex": "^ERROR"}},
	)
	bufDir := t.TempDir()
	startAgent(t, s.url, ingest, "web-02", bufDir)
	now := func() float64 { return float64(time.Now().UnixMilli()) / 1000 }
	eventually(t, 60*time.Second, func() string {
		if v := s.query(read, `node_time_seconds{host="web-02"}`, now()); len(v) == 0 {
			return "no samples from web-02 yet"
		}
		return ""
	})

	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("server stop: %v", err)
	}
	outageStart := time.Now()
	var want []string
	for i := 1; i <= 20; i++ {
		want = append(want, "ERROR during the outage "+strconv.Itoa(i))
	}
	appendLines(t, logFile, want...)
	// The agent is buffering when its buffer has grown by several batches.
	base := dirSize(bufDir)
	eventually(t, 60*time.Second, func() string {
		if n := dirSize(bufDir); n < base+8<<10 || time.Since(outageStart) < 5*time.Second {
			return fmt.Sprintf("buffer holds %d bytes (had %d at the outage)", n, base)
		}
		return ""
	})
	outageEnd := time.Now()

	s = startServer(t, data, "--listen", addr)
	eventually(t, 60*time.Second, func() string {
		if got := s.events(read, "web-02"); len(got) < len(want) {
			return fmt.Sprintf("%d of %d events arrived", len(got), len(want))
		}
		return ""
	})
	if got := messages(s.events(read, "web-02")); !slices.Equal(got, want) {
		t.Fatalf("events after the outage = %q, want %q in order", got, want)
	}
	// Every second of the outage has its sample: no gap over 2.5 s.
	window := int(time.Since(outageStart).Seconds()) + 5
	eventually(t, 30*time.Second, func() string {
		ts := s.rawTimes(read, fmt.Sprintf(`node_time_seconds{host="web-02"}[%ds]`, window), now())
		var inOutage []float64
		for _, x := range ts {
			if x >= float64(outageStart.Unix()) && x <= float64(outageEnd.Unix()) {
				inOutage = append(inOutage, x)
			}
		}
		if len(inOutage) < int(outageEnd.Sub(outageStart).Seconds())-2 {
			return fmt.Sprintf("%d samples within the %v outage", len(inOutage), outageEnd.Sub(outageStart))
		}
		for i := 1; i < len(ts); i++ {
			if ts[i]-ts[i-1] > 2.5 {
				return fmt.Sprintf("gap of %.1fs at %v", ts[i]-ts[i-1], time.Unix(int64(ts[i-1]), 0))
			}
		}
		return ""
	})
}

// rawTimes runs a range-vector query and returns the sample times of its
// first series, in order.
func (s *server) rawTimes(token, q string, ts float64) []float64 {
	s.t.Helper()
	v := url.Values{"query": {q}, "time": {strconv.FormatFloat(ts, 'f', 3, 64)}}
	code, body := s.call("GET", "/api/v1/query?"+v.Encode(), token, nil)
	if code != 200 {
		s.t.Fatalf("query %q = %d: %s", q, code, body)
	}
	var resp struct {
		Data struct {
			Result []struct {
				Values [][2]any `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		s.t.Fatalf("query %q: %v", q, err)
	}
	if len(resp.Data.Result) == 0 {
		return nil
	}
	var out []float64
	for _, p := range resp.Data.Result[0].Values {
		f, _ := strconv.ParseFloat(strings.TrimSpace(fmt.Sprint(p[0])), 64)
		out = append(out, f)
	}
	return out
}
