package snmptrap_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/snmp"
	"github.com/unyo-ops/unyo/internal/snmp/snmptest"
	"github.com/unyo-ops/unyo/internal/snmptrap"
)

type delivered struct {
	tenant string
	signal alert.Signal
}

// start runs a receiver on a free loopback port for the devices, and
// returns it with the channel of what it hands to the alert pipeline.
func start(t *testing.T, devices []snmp.Target) (*snmptrap.Receiver, chan delivered) {
	t.Helper()
	got := make(chan delivered, 16)
	r, err := snmptrap.Listen(snmptrap.Options{
		Listen:  "127.0.0.1:0",
		Devices: func(context.Context) ([]snmp.Target, error) { return devices, nil },
		Intake: func(_ context.Context, tenant string, signals []alert.Signal) (alert.IntakeResult, error) {
			for _, s := range signals {
				got <- delivered{tenant, s}
			}
			return alert.IntakeResult{Received: len(signals)}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(5 * time.Second)
	for !r.Loaded() {
		if time.Now().After(deadline) {
			t.Fatal("devices not loaded")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return r, got
}

// send runs Debian's snmptrap with args before the address and the trap.
func send(t *testing.T, r *snmptrap.Receiver, args []string, trap ...string) {
	t.Helper()
	bin := snmptest.Need(t, "snmptrap", "snmp")
	cmd := exec.Command(bin, append(append(append([]string{"-M", "/dev/null", "-Lo"}, args...), r.Addr().String(), ""), trap...)...)
	cmd.Env = append(cmd.Environ(), "MIBS=", "SNMP_PERSISTENT_DIR="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("snmptrap: %v\n%s", err, out)
	}
}

func wait(t *testing.T, got chan delivered) delivered {
	t.Helper()
	select {
	case d := <-got:
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("no trap delivered")
	}
	return delivered{}
}

func awaitCount(t *testing.T, r *snmptrap.Receiver, outcome string, want float64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := testutil.ToFloat64(snmptrap.Counter(r, outcome))
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("traps %s: %v, want %v", outcome, n, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var linkDown = []string{"1.3.6.1.6.3.1.1.5.3", "1.3.6.1.2.1.2.2.1.1.2", "i", "2", "1.3.6.1.2.1.2.2.1.7.2", "i", "1", "1.3.6.1.2.1.2.2.1.8.2", "i", "2",
	"1.3.6.1.2.1.2.2.1.2.2", "s", "eth1"}
var linkUp = []string{"1.3.6.1.6.3.1.1.5.4", "1.3.6.1.2.1.2.2.1.1.2", "i", "2", "1.3.6.1.2.1.2.2.1.7.2", "i", "1", "1.3.6.1.2.1.2.2.1.8.2", "i", "1"}

// TestTrapV2cLinkDownUp: snmptrap's linkDown from a device's address with
// its community is an alert of the device's tenant on its resource,
// named, with the interface; linkUp of the same ifIndex resolves it.
func TestTrapV2cLinkDownUp(t *testing.T) {
	r, got := start(t, []snmp.Target{
		{Tenant: "acme", Host: "sw-01", Item: "net", Address: "127.0.0.1:161", Version: snmp.V2c, Community: "acme-secret"},
	})
	send(t, r, []string{"-v", "2c", "-c", "acme-secret"}, linkDown...)
	down := wait(t, got)
	s := down.signal
	if down.tenant != "acme" || s.Resource != "sw-01" || s.Source != alert.SourceSNMP || s.Status != alert.StateFiring || s.Name != "linkDown" ||
		s.Labels["if_index"] != "2" || s.Labels["if_name"] != "eth1" || s.Labels["trap_oid"] != ".1.3.6.1.6.3.1.1.5.3" ||
		s.Labels["varbind_1_3_6_1_2_1_2_2_1_8_2"] != "2" || !strings.Contains(s.Summaries.En, "eth1") || !strings.Contains(s.Summaries.Ja, "からの SNMP トラップ linkDown (ifIndex 2 eth1)") {
		t.Fatalf("linkDown: %s %+v", down.tenant, s)
	}
	send(t, r, []string{"-v", "2c", "-c", "acme-secret"}, linkUp...)
	up := wait(t, got)
	if up.signal.Status != alert.StateResolved || up.signal.Fingerprint != s.Fingerprint || up.tenant != "acme" {
		t.Fatalf("linkUp does not resolve the linkDown: %+v", up.signal)
	}
	awaitCount(t, r, snmptrap.Accepted, 2)
}

// TestTrapDropped: a trap with another community, or from an address no
// item has, is dropped and counted, never delivered; with the community of
// another tenant's device on another address, it is not that tenant's.
func TestTrapDropped(t *testing.T) {
	r, got := start(t, []snmp.Target{
		{Tenant: "acme", Host: "sw-01", Item: "net", Address: "127.0.0.1", Version: snmp.V2c, Community: "acme-secret"},
		{Tenant: "beta", Host: "sw-b", Item: "net", Address: "10.9.9.9", Version: snmp.V2c, Community: "beta-secret"},
	})
	send(t, r, []string{"-v", "2c", "-c", "beta-secret"}, linkDown...)
	send(t, r, []string{"-v", "2c", "-c", "guess"}, linkDown...)
	awaitCount(t, r, snmptrap.BadCredentials, 2)
	// A sender no item names, and bytes that are no SNMP at all.
	if out := r.Handle(context.Background(), []byte{0x30, 0x03, 0x02, 0x01, 0x01}, snmptrap.MustAddr("192.0.2.7")); out != snmptrap.UnknownSender {
		t.Errorf("unknown sender: %s", out)
	}
	if out := r.Handle(context.Background(), []byte("not snmp"), snmptrap.MustAddr("127.0.0.1")); out != snmptrap.Malformed {
		t.Errorf("garbage: %s", out)
	}
	select {
	case d := <-got:
		t.Fatalf("a dropped trap was delivered: %+v", d)
	default:
	}
}

// TestTrapAmbiguous: two tenants' devices behind one address (overlapping
// private networks) with one community: the trap is neither's.
func TestTrapAmbiguous(t *testing.T) {
	r, _ := start(t, []snmp.Target{
		{Tenant: "acme", Host: "sw-01", Item: "net", Address: "127.0.0.1", Version: snmp.V2c, Community: "public"},
		{Tenant: "beta", Host: "sw-b", Item: "net", Address: "127.0.0.1", Version: snmp.V2c, Community: "public"},
	})
	send(t, r, []string{"-v", "2c", "-c", "public"}, linkDown...)
	awaitCount(t, r, snmptrap.Ambiguous, 1)
}

// TestTrapV3: a v3 trap authenticated and encrypted as the device's user
// (SHA-256, AES) is accepted; with another pass phrase it is dropped.
func TestTrapV3(t *testing.T) {
	dev := snmp.Target{Tenant: "acme", Host: "fw-01", Item: "sys", Address: "127.0.0.1", Version: snmp.V3, User: "trapuser",
		AuthProtocol: "SHA256", AuthPassword: "auth-pass-123", PrivProtocol: "AES", PrivPassword: "priv-pass-456"}
	r, got := start(t, []snmp.Target{dev})
	v3 := func(auth, priv string) []string {
		return []string{"-v", "3", "-e", "0x80001f8880aabbccdd", "-u", "trapuser", "-l", "authPriv", "-a", "SHA-256", "-A", auth, "-x", "AES", "-X", priv}
	}
	send(t, r, v3("auth-pass-123", "priv-pass-456"), "1.3.6.1.6.3.1.1.5.1")
	d := wait(t, got)
	if d.tenant != "acme" || d.signal.Resource != "fw-01" || d.signal.Name != "coldStart" || d.signal.Severity != alert.SeverityInfo || d.signal.Labels["snmp_version"] != "3" {
		t.Fatalf("v3 coldStart: %+v", d)
	}
	send(t, r, v3("auth-pass-123", "wrong-pass-000"), "1.3.6.1.6.3.1.1.5.1")
	awaitCount(t, r, snmptrap.BadCredentials, 1)
	send(t, r, v3("wrong-pass-000", "priv-pass-456"), "1.3.6.1.6.3.1.1.5.1")
	awaitCount(t, r, snmptrap.BadCredentials, 2)
	// The right user and key at a lower level than the item's (no privacy): refused.
	send(t, r, []string{"-v", "3", "-e", "0x80001f8880aabbccdd", "-u", "trapuser", "-l", "authNoPriv", "-a", "SHA-256", "-A", "auth-pass-123"}, "1.3.6.1.6.3.1.1.5.1")
	awaitCount(t, r, snmptrap.BadCredentials, 3)
	// Unauthenticated, with the user's name only: refused.
	send(t, r, []string{"-v", "3", "-e", "0x80001f8880aabbccdd", "-u", "trapuser", "-l", "noAuthNoPriv"}, "1.3.6.1.6.3.1.1.5.1")
	awaitCount(t, r, snmptrap.BadCredentials, 4)
	select {
	case d := <-got:
		t.Fatalf("a refused v3 trap was delivered: %+v", d)
	default:
	}
}

// TestTrapV1: an SNMPv1 linkDown (generic trap 2) with the device's
// community is the same alert as the v2c one.
func TestTrapV1(t *testing.T) {
	r, got := start(t, []snmp.Target{
		{Tenant: "acme", Host: "old-sw", Item: "net", Address: "127.0.0.1", Version: snmp.V2c, Community: "acme-secret"},
	})
	send(t, r, []string{"-v", "1", "-c", "acme-secret"}, "127.0.0.1", "2", "0", "", "1.3.6.1.2.1.2.2.1.1.3", "i", "3")
	d := wait(t, got)
	if d.tenant != "acme" || d.signal.Name != "linkDown" || d.signal.Labels["if_index"] != "3" || d.signal.Labels["snmp_version"] != "1" {
		t.Fatalf("v1 linkDown: %+v", d)
	}
}

// TestInformAcknowledged: snmpinform waits for the response; it gets one
// once the alert is handed over, and none when the community is wrong.
func TestInformAcknowledged(t *testing.T) {
	r, got := start(t, []snmp.Target{
		{Tenant: "acme", Host: "sw-01", Item: "net", Address: "127.0.0.1", Version: snmp.V2c, Community: "acme-secret"},
	})
	send(t, r, []string{"-Ci", "-t", "2", "-r", "1", "-v", "2c", "-c", "acme-secret"}, linkDown...)
	if d := wait(t, got); d.signal.Name != "linkDown" {
		t.Fatalf("inform: %+v", d)
	}
	bin := snmptest.Need(t, "snmptrap", "snmp")
	cmd := exec.Command(bin, append([]string{"-M", "/dev/null", "-Ci", "-t", "0.3", "-r", "0", "-v", "2c", "-c", "guess", r.Addr().String(), ""}, linkDown...)...)
	cmd.Env = append(cmd.Environ(), "MIBS=", "SNMP_PERSISTENT_DIR="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("an inform with a wrong community was acknowledged: %s", out)
	}
}

// TestTrapFromLabelledSource: a router that sends its traps from another
// address than the one it is polled at, named in its snmp_trap_sources
// label, is still the device.
func TestTrapFromLabelledSource(t *testing.T) {
	r, got := start(t, []snmp.Target{
		{Tenant: "acme", Host: "rt-01", Item: "net", Address: "192.0.2.1:161", Version: snmp.V2c, Community: "acme-secret",
			TrapSources: []string{"127.0.0.1"}},
	})
	send(t, r, []string{"-v", "2c", "-c", "acme-secret"}, linkDown...)
	if d := wait(t, got); d.tenant != "acme" || d.signal.Resource != "rt-01" {
		t.Fatalf("trap from the labelled source: %+v", d)
	}
}
