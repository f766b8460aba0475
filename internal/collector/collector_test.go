package collector_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/unyo-ops/unyo/internal/agent/buffer"
	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agent/sender"
	"github.com/unyo-ops/unyo/internal/agentconfig"
	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/collector"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/snmp/snmptest"
	"github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/zabbix/zabbixtest"
)

// serverWith serves the real monitoring API over a fresh database holding
// tenant acme, a resource sw-01 behind collector dc1 with a zabbix item on
// address (over TLS with useTLS), and web-01 behind no collector with the
// same item. A bearer
// token "tenant:scopes" stands for an authenticated token.
func serverWith(t *testing.T, address string, useTLS bool, extra ...func(ms *monitoring.Store, sw *model.Resource)) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	db := dbtest.Open(t)
	st := storage.New(db)
	if err := st.CreateTenant(ctx, &model.Tenant{ID: "acme", Name: "ACME", Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	ms := monitoring.NewStore(db, st)
	box, err := secret.New(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	ms.SealWith(box)
	for name, labels := range map[string]map[string]string{
		"sw-01":  {monitoring.CollectorLabel: "dc1"},
		"web-01": {},
	} {
		res := &model.Resource{TenantID: "acme", Name: name, Kind: "host", Labels: labels}
		if err := st.CreateResource(ctx, res); err != nil {
			t.Fatal(err)
		}
		it := &monitoring.Item{TenantID: "acme", ResourceID: res.ID, Name: "cpus", Kind: monitoring.KindZabbix,
			Interval: model.Duration(time.Second), Zabbix: &monitoring.Zabbix{Address: address, Key: "system.cpu.num", TLS: useTLS}}
		if err := ms.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		if name == "sw-01" {
			for _, f := range extra {
				f(ms, res)
			}
		}
	}
	api := apitest.NewServer(t, monitoring.NewHandlers(ms, apitest.PathTenant, nil, nil).Routes())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set(apitest.Header, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		api.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// emitted records what the collector emits under its own host.
type emitted struct {
	mu      sync.Mutex
	samples []sample.Sample
}

func (e *emitted) EmitSamples(ss []sample.Sample) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.samples = append(e.samples, ss...)
}

func (e *emitted) EmitEvents([]sample.Event) {}

func (e *emitted) value(name, label, value string) (float64, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := len(e.samples) - 1; i >= 0; i-- {
		s := e.samples[i]
		if s.Name != name {
			continue
		}
		for _, l := range s.Labels {
			if l.Name == label && l.Value == value {
				return s.Value, true
			}
		}
	}
	return 0, false
}

// running is a collector started on a buffer in dir.
type running struct {
	c    *collector.Collector
	buf  *buffer.Buffer
	emit *emitted
	stop func()
}

func start(t *testing.T, server, dir string, tweak ...func(*collector.Options)) *running {
	t.Helper()
	opts := collector.Options{Name: "dc1", Listen: "127.0.0.1:0", Pull: 200 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, f := range tweak {
		f(&opts)
	}
	c, err := collector.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	buf, err := buffer.Open(buffer.Options{Dir: dir, MaxBytes: 16 << 20}, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	cfg := &agentconfig.Config{Server: server, Token: "acme:ingest,collect", Host: "collector-01",
		Interval: agentconfig.Duration(time.Second), Buffer: agentconfig.Buffer{Dir: dir}}
	if err := c.ApplyConfig(cfg); err != nil {
		t.Fatal(err)
	}
	c.UseBuffer(buf)
	r := &running{c: c, buf: buf, emit: &emitted{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, r.emit) }()
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
			buf.Close()
		})
	}
	t.Cleanup(r.stop)
	return r
}

// next takes the buffer's records until one satisfies f, or fails.
func (r *running) next(t *testing.T, within time.Duration, what string, f func(rec []byte) bool) []byte {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		seq, rec, ok, err := r.buf.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			select {
			case <-r.buf.Notify():
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		r.buf.Ack(seq)
		if f(rec) {
			return rec
		}
	}
	t.Fatalf("no %s in the buffer within %v", what, within)
	return nil
}

func labelsOf(ts prompb.TimeSeries) map[string]string {
	m := map[string]string{}
	for _, l := range ts.Labels {
		m[l.Name] = l.Value
	}
	return m
}

// polled reports whether rec holds host's system.cpu.num polled from the Zabbix agent.
func polled(host string) func(rec []byte) bool {
	return func(rec []byte) bool {
		req, err := sender.DecodeSamples(rec)
		if err != nil {
			return false
		}
		for _, ts := range req.Timeseries {
			l := labelsOf(ts)
			if l["__name__"] == "zabbix_system_cpu_num" && l["host"] == host && l["item"] == "cpus" && ts.Samples[0].Value >= 1 {
				return true
			}
			if l["host"] != "sw-01" {
				panic(fmt.Sprintf("the collector polled a host not behind it: %v", l))
			}
		}
		return false
	}
}

// TestCollectorPollsItsTargets runs a collector against the real monitoring
// API and Debian's zabbix_agent2: it polls the host behind it (and not the
// one behind none) into the buffer with host=sw-01, reports its targets as
// its own series, and once restarted with the server gone polls the same
// targets from its cache.
func TestCollectorPollsItsTargets(t *testing.T) {
	agent := zabbixtest.StartAgent(t)
	srv := serverWith(t, agent.Address, false)
	dir := t.TempDir()
	r := start(t, srv.URL, dir)
	r.next(t, 20*time.Second, "poll of sw-01", polled("sw-01"))
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, ok := r.emit.value("unyo_collector_targets", "kind", "zabbix")
		up, _ := r.emit.value("unyo_collector_targets_pull_successful", "collector", "dc1")
		if ok && v == 1 && up == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("unyo_collector_targets{kind=zabbix} = %v (%v), pull successful %v", v, ok, up)
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.stop()

	// The server is away: the restarted collector polls from its cache.
	srv.Close()
	r = start(t, srv.URL, dir)
	r.next(t, 20*time.Second, "poll of sw-01 from the cached targets", polled("sw-01"))
}

func writeBody(t *testing.T, series ...prompb.TimeSeries) []byte {
	t.Helper()
	raw, err := (&prompb.WriteRequest{Timeseries: series}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return snappy.Encode(nil, raw)
}

func post(t *testing.T, addr, path, ctype string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+addr+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// TestCollectorReceives is the receiver: a remote write is stored as it
// came, for the server to take with the collector's token; the agents'
// events too; a broken body is refused with the field and nothing stored.
func TestCollectorReceives(t *testing.T) {
	dir := t.TempDir()
	r := start(t, "http://127.0.0.1:1", dir)
	addr := r.c.Addr().String()
	body := writeBody(t, prompb.TimeSeries{
		Labels:  []prompb.Label{{Name: "__name__", Value: "node_load1"}, {Name: "host", Value: "db-07"}, {Name: "tenant", Value: "other"}},
		Samples: []prompb.Sample{{Timestamp: 1700000000000, Value: 0.5}, {Timestamp: 1700000001000, Value: 0.7}},
	})
	for _, c := range []struct {
		ctype, body string
		want        int
		field       string
	}{
		{"application/x-protobuf", "not snappy", 400, "body"},
		{"application/x-protobuf", string(snappy.Encode(nil, []byte("\xff\xff not protobuf"))), 400, "body"},
		{"application/x-protobuf;proto=io.prometheus.write.v2.Request", string(body), 415, "Content-Type"},
	} {
		code, out := post(t, addr, sender.WritePath, c.ctype, []byte(c.body))
		if code != c.want || !strings.Contains(out, `"field":"`+c.field+`"`) {
			t.Errorf("%q: %d %s, want %d naming %s", c.body, code, out, c.want, c.field)
		}
	}
	if code, out := post(t, addr, sender.WritePath, "application/x-protobuf", body); code != 204 {
		t.Fatalf("remote write = %d %s", code, out)
	}
	// The first record is the write: the refused bodies left nothing.
	rec := r.next(t, 5*time.Second, "remote write", func(rec []byte) bool { return rec[0] == sender.KindSamples })
	if !bytes.Equal(rec[1:], body) {
		t.Fatalf("stored %x, want the body as sent", rec)
	}
	events := `[{"time":"2026-12-01T00:00:00Z","host":"db-07","source":"/var/log/app.log","item":"app","severity":"warning","message":"ERROR disk"}]`
	if code, out := post(t, addr, sender.EventsPath, "application/json", []byte(events)); code != 200 || !strings.Contains(out, `"added":1`) {
		t.Fatalf("events = %d %s", code, out)
	}
	rec = r.next(t, 5*time.Second, "events", func(rec []byte) bool { return rec[0] == sender.KindEvents })
	if !strings.Contains(string(rec[1:]), `"message":"ERROR disk"`) || !strings.Contains(string(rec[1:]), `"host":"db-07"`) {
		t.Fatalf("stored events %s", rec[1:])
	}
	if code, out := post(t, addr, sender.EventsPath, "application/json", []byte(`{"not":"a list"}`)); code != 400 || !strings.Contains(out, `"field":"body"`) {
		t.Errorf("bad events = %d %s", code, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, _ := r.emit.value("unyo_collector_received_samples_total", "collector", "dc1")
		rej, _ := r.emit.value("unyo_collector_rejected_requests_total", "collector", "dc1")
		if got == 2 && rej == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("received samples %v, rejected requests %v; want 2 and 4", got, rej)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestCollectorPassesAgentConfig is an agent that reaches only the
// collector: its configuration pull goes on to the server with the
// collector's token, so the host is looked up in the collector's tenant,
// and the server's answer, a refusal included, comes back as it was.
func TestCollectorPassesAgentConfig(t *testing.T) {
	srv := serverWith(t, "127.0.0.1:1", false)
	r := start(t, srv.URL, t.TempDir())
	get := func(host string) (int, string) {
		resp, err := http.Get("http://" + r.c.Addr().String() + "/api/v1/agent/config?host=" + host)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("web-01"); code != 200 || !strings.Contains(body, `"host":"web-01"`) {
		t.Errorf("web-01's configuration through the collector = %d %s", code, body)
	}
	if code, body := get("nowhere"); code != 404 || !strings.Contains(body, "host nowhere is not registered in tenant acme") {
		t.Errorf("an unknown host's configuration through the collector = %d %s", code, body)
	}
}

// TestCollectorPollsSNMP is an SNMP device behind the collector: the
// collector pulls its item, credentials included (the collect scope), and
// polls Debian's snmpd into the buffer with host=sw-01 and the interface's
// ifName, as the server's own poller would.
func TestCollectorPollsSNMP(t *testing.T) {
	agent := zabbixtest.StartAgent(t)
	device := snmptest.Start(t)
	srv := serverWith(t, agent.Address, false, func(ms *monitoring.Store, sw *model.Resource) {
		it := &monitoring.Item{TenantID: "acme", ResourceID: sw.ID, Name: "net", Kind: monitoring.KindSNMP,
			Interval: model.Duration(time.Second), SNMP: &monitoring.SNMP{Address: device.Address, Version: "2c",
				Community: snmptest.Community, Interfaces: true}}
		if err := ms.CreateItem(context.Background(), it); err != nil {
			t.Fatal(err)
		}
	})
	r := start(t, srv.URL, t.TempDir())
	r.next(t, 20*time.Second, "SNMP poll of sw-01", func(rec []byte) bool {
		req, err := sender.DecodeSamples(rec)
		if err != nil {
			return false
		}
		for _, ts := range req.Timeseries {
			l := labelsOf(ts)
			if l["__name__"] == "snmp_if_in_octets_total" && l["host"] == "sw-01" && l["item"] == "net" && l["if_name"] == "lo" {
				return true
			}
		}
		return false
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if v, ok := r.emit.value("unyo_collector_targets", "kind", "snmp"); ok && v == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("unyo_collector_targets{kind=snmp} never read 1")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestCollectorRunsChecks is a TCP check run from the server for a device
// behind the collector: the collector runs it from inside the network, and
// a closed port reads as down with the reason.
func TestCollectorRunsChecks(t *testing.T) {
	agent := zabbixtest.StartAgent(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	srv := serverWith(t, agent.Address, false, func(ms *monitoring.Store, sw *model.Resource) {
		it := &monitoring.Item{TenantID: "acme", ResourceID: sw.ID, Name: "telnet", Kind: monitoring.KindCheck,
			Severity: monitoring.SeverityCritical, Interval: model.Duration(time.Second),
			Check: &monitoring.Check{Type: monitoring.CheckTCP, From: "server", Address: closed}}
		if err := ms.CreateItem(context.Background(), it); err != nil {
			t.Fatal(err)
		}
	})
	r := start(t, srv.URL, t.TempDir())
	r.next(t, 20*time.Second, "TCP check of sw-01", func(rec []byte) bool {
		req, err := sender.DecodeSamples(rec)
		if err != nil {
			return false
		}
		for _, ts := range req.Timeseries {
			l := labelsOf(ts)
			if l["__name__"] == "unyo_check_failure_info" && l["host"] == "sw-01" && l["item"] == "telnet" && l["reason"] == "connection refused" {
				return true
			}
		}
		return false
	})
}

// TestCollectorPollsPSK: a zabbix item with tls_connect psk on a host
// behind the collector is polled by the collector, with the key the server
// sealed and hands it, from zabbix_agent2 with TLSAccept=psk.
func TestCollectorPollsPSK(t *testing.T) {
	const id, key = "PSK collector 01", "5c1f3b3f6e0d2b9a4a4de3f7e2f1c0b1a9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4"
	agent := zabbixtest.StartAgentPSK(t, id, key)
	srv := serverWith(t, agent.Address, false, func(ms *monitoring.Store, sw *model.Resource) {
		it := &monitoring.Item{TenantID: "acme", ResourceID: sw.ID, Name: "psk", Kind: monitoring.KindZabbix, Interval: model.Duration(time.Second),
			Zabbix: &monitoring.Zabbix{Address: agent.Address, Key: "system.cpu.num", TLSConnect: "psk", PSKIdentity: id, PSK: key}}
		if err := ms.CreateItem(context.Background(), it); err != nil {
			t.Fatal(err)
		}
	})
	r := start(t, srv.URL, t.TempDir())
	r.next(t, 20*time.Second, "a PSK poll of sw-01", func(rec []byte) bool {
		req, err := sender.DecodeSamples(rec)
		if err != nil {
			return false
		}
		for _, ts := range req.Timeseries {
			l := labelsOf(ts)
			if l["__name__"] == "zabbix_system_cpu_num" && l["host"] == "sw-01" && l["item"] == "psk" && ts.Samples[0].Value >= 1 {
				return true
			}
		}
		return false
	})
}
