package snmptrap_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/collector"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/snmp"
	"github.com/unyo-ops/unyo/internal/snmp/trap"
	"github.com/unyo-ops/unyo/internal/snmptrap"
)

// linkDownPacket is a v2c linkDown of ifIndex 2 with community.
func linkDownPacket(t *testing.T, community string) []byte {
	t.Helper()
	g := &gosnmp.GoSNMP{Version: gosnmp.Version2c, Community: community}
	pkt, err := g.SnmpEncodePacket(gosnmp.SNMPv2Trap, []gosnmp.SnmpPDU{
		{Name: ".1.3.6.1.2.1.1.3.0", Type: gosnmp.TimeTicks, Value: uint32(100)},
		{Name: ".1.3.6.1.6.3.1.1.4.1.0", Type: gosnmp.ObjectIdentifier, Value: ".1.3.6.1.6.3.1.1.5.3"},
		{Name: ".1.3.6.1.2.1.2.2.1.1.2", Type: gosnmp.Integer, Value: 2},
		{Name: ".1.3.6.1.2.1.31.1.1.1.1.2", Type: gosnmp.OctetString, Value: []byte("eth1")},
	}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return pkt
}

type forwardEnv struct {
	url     string
	got     chan delivered
	failing atomic.Bool
}

// forwardServer serves the forwarded-traps API: acme's sw-01 (community
// acme-secret) behind its collector dc1; beta has a device of the same
// name and community behind its own dc1.
func forwardServer(t *testing.T) *forwardEnv {
	t.Helper()
	env := &forwardEnv{got: make(chan delivered, 16)}
	devices := []snmp.Target{
		{Tenant: "acme", Host: "sw-01", Item: "net", Address: "10.1.1.1", Version: snmp.V2c, Community: "acme-secret"},
		{Tenant: "beta", Host: "sw-01", Item: "net", Address: "10.1.1.1", Version: snmp.V2c, Community: "acme-secret"},
	}
	h := snmptrap.NewHandlers(func(_ context.Context, tenant, name string) ([]snmp.Target, error) {
		var out []snmp.Target
		for _, d := range devices {
			if d.Tenant == tenant && name == "dc1" {
				out = append(out, d)
			}
		}
		return out, nil
	}, func(_ context.Context, tenant string, signals []alert.Signal) (alert.IntakeResult, error) {
		if env.failing.Load() {
			return alert.IntakeResult{}, errors.New("database is locked")
		}
		for _, s := range signals {
			env.got <- delivered{tenant, s}
		}
		return alert.IntakeResult{Received: len(signals)}, nil
	}, monitoring.CallerTenant, nil)
	env.url = apitest.NewServer(t, h.Routes()).URL
	return env
}

func (e *forwardEnv) post(t *testing.T, token string, body any) (int, string) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", e.url+collector.TrapsPath, bytes.NewReader(raw))
	req.Header.Set(apitest.Header, token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// TestForwardedTrap: a trap a collector forwards becomes the alert the
// server's own listener makes of the same packet (same labels, same
// fingerprint), on the caller's tenant, starting when the collector
// received it.
func TestForwardedTrap(t *testing.T) {
	env := forwardServer(t)
	pkt := linkDownPacket(t, "acme-secret")
	at := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	code, out := env.post(t, "acme:collect", collector.ForwardedTraps{Collector: "dc1", Traps: []collector.ForwardedTrap{
		{Host: "sw-01", Sender: "10.1.1.1", ReceivedAt: at.UnixMilli(), Packet: pkt}}})
	if code != 200 || !strings.Contains(out, `"accepted":1`) {
		t.Fatalf("forward = %d %s", code, out)
	}
	d := <-env.got
	// The server's own listener, on the same packet from the same sender.
	direct, outcome := trap.Decode(pkt, netip.MustParseAddr("10.1.1.1"), []*trap.Device{{Target: snmp.Target{Tenant: "acme", Host: "sw-01",
		Version: snmp.V2c, Community: "acme-secret"}}})
	if outcome != trap.Accepted {
		t.Fatal(outcome)
	}
	want := snmptrap.Signal(direct, at)
	if d.tenant != "acme" || d.signal.Fingerprint != want.Fingerprint || d.signal.Name != "linkDown" || d.signal.Resource != "sw-01" ||
		!d.signal.StartsAt.Equal(at) || len(d.signal.Labels) != len(want.Labels) || d.signal.Labels["if_name"] != "eth1" {
		t.Fatalf("forwarded %+v\nwant %+v", d.signal, want)
	}
	for k, v := range want.Labels {
		if d.signal.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, d.signal.Labels[k], v)
		}
	}
}

// TestForwardedTrapDropped: a trap for a host not behind the caller's
// collector, or with another community, is dropped and counted, not
// refused (the collector would retry it for ever) and not delivered.
func TestForwardedTrapDropped(t *testing.T) {
	env := forwardServer(t)
	pkt := linkDownPacket(t, "acme-secret")
	f := func(token, name, host string, packet []byte, reason string) {
		t.Helper()
		code, out := env.post(t, token, collector.ForwardedTraps{Collector: name, Traps: []collector.ForwardedTrap{
			{Host: host, Sender: "10.1.1.1", Packet: packet}}})
		if code != 200 || !strings.Contains(out, `"accepted":0`) || !strings.Contains(out, `"`+reason+`":1`) {
			t.Errorf("%s %s %s: %d %s, want dropped as %s", token, name, host, code, out, reason)
		}
	}
	f("acme:collect", "dc2", "sw-01", pkt, trap.UnknownSender)                         // not behind that collector
	f("acme:collect", "dc1", "sw-99", pkt, trap.UnknownSender)                         // no such device
	f("acme:collect", "dc1", "sw-01", linkDownPacket(t, "guess"), trap.BadCredentials) // another community
	f("acme:collect", "dc1", "sw-01", []byte("not snmp"), trap.Malformed)
	select {
	case d := <-env.got:
		t.Fatalf("a dropped trap was delivered: %+v", d)
	default:
	}
	// beta's collector dc1 has a device of that name: the alert is beta's, never acme's.
	if code, out := env.post(t, "beta:collect", collector.ForwardedTraps{Collector: "dc1", Traps: []collector.ForwardedTrap{
		{Host: "sw-01", Sender: "10.1.1.1", Packet: pkt}}}); code != 200 {
		t.Fatalf("beta: %d %s", code, out)
	}
	if d := <-env.got; d.tenant != "beta" {
		t.Fatalf("beta's trap went to %s", d.tenant)
	}
}

// TestForwardedTrapRefused: bad input is a 400 naming the field; a token
// without the collect scope is refused; an alert store that fails is a
// 5xx, so that the collector keeps the trap and sends it again.
func TestForwardedTrapRefused(t *testing.T) {
	env := forwardServer(t)
	pkt := linkDownPacket(t, "acme-secret")
	f := func(body any, field string) {
		t.Helper()
		code, out := env.post(t, "acme:collect", body)
		if code != 400 || !strings.Contains(out, `"field":"`+field+`"`) {
			t.Errorf("%+v: %d %s, want 400 naming %s", body, code, out, field)
		}
	}
	f(collector.ForwardedTraps{Traps: []collector.ForwardedTrap{{Host: "sw-01", Sender: "10.1.1.1", Packet: pkt}}}, "collector")
	f(collector.ForwardedTraps{Collector: "dc1", Traps: []collector.ForwardedTrap{{Sender: "10.1.1.1", Packet: pkt}}}, "traps[0].host")
	f(collector.ForwardedTraps{Collector: "dc1", Traps: []collector.ForwardedTrap{{Host: "sw-01", Sender: "sw-01.local", Packet: pkt}}}, "traps[0].sender")
	f(collector.ForwardedTraps{Collector: "dc1", Traps: []collector.ForwardedTrap{{Host: "sw-01", Sender: "10.1.1.1"}}}, "traps[0].packet")
	f(map[string]any{"collector": "dc1", "traps": []any{}, "extra": 1}, "extra")
	body := collector.ForwardedTraps{Collector: "dc1", Traps: []collector.ForwardedTrap{{Host: "sw-01", Sender: "10.1.1.1", Packet: pkt}}}
	if code, out := env.post(t, "acme:ingest", body); code != 403 {
		t.Errorf("without the collect scope: %d %s", code, out)
	}
	env.failing.Store(true)
	if code, out := env.post(t, "acme:collect", body); code/100 != 5 {
		t.Errorf("with the alert store failing: %d %s, want 5xx", code, out)
	}
}
