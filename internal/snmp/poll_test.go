package snmp_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/snmp"
	"github.com/unyo-ops/unyo/internal/snmp/snmptest"
)

func poll(t *testing.T, target snmp.Target) ([]sample.Sample, snmp.Outcome) {
	t.Helper()
	s, err := snmp.Open(context.Background(), target, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return s.Poll(time.Now())
}

func label(s sample.Sample, name string) string {
	for _, l := range s.Labels {
		if l.Name == name {
			return l.Value
		}
	}
	return ""
}

func find(samples []sample.Sample, name string, labels ...string) []sample.Sample {
	var out []sample.Sample
next:
	for _, s := range samples {
		if s.Name != name {
			continue
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if label(s, labels[i]) != labels[i+1] {
				continue next
			}
		}
		out = append(out, s)
	}
	return out
}

// TestPollInterfacesV2c polls the real snmpd over v2c in interfaces mode:
// loopback's counters come with its ifName, uptime in seconds.
func TestPollInterfacesV2c(t *testing.T) {
	a := snmptest.Start(t)
	samples, out := poll(t, snmp.Target{Item: "net", Address: a.Address, Version: snmp.V2c, Community: snmptest.Community, Interfaces: true})
	if !out.Up || out.Errors != 0 {
		t.Fatalf("outcome %+v", out)
	}
	lo := find(samples, snmp.IfInOctets, snmp.IfNameLabel, "lo")
	if len(lo) != 1 || label(lo[0], snmp.IfDescrLabel) != "lo" || label(lo[0], snmp.IfIndexLabel) == "" || label(lo[0], "item") != "net" {
		t.Fatalf("lo in octets: %+v", lo)
	}
	for _, name := range []string{snmp.IfOutOctets, snmp.IfInErrors, snmp.IfOutErrors} {
		if len(find(samples, name, snmp.IfNameLabel, "lo")) != 1 {
			t.Errorf("no %s for lo", name)
		}
	}
	if st := find(samples, snmp.IfOperStatus, snmp.IfNameLabel, "lo"); len(st) != 1 || st[0].Value != 1 {
		t.Errorf("lo oper status: %+v, want 1 (up)", st)
	}
	up := find(samples, snmp.UptimeMetric)
	if len(up) != 1 || up[0].Value < 0 || up[0].Value > 3600 {
		t.Errorf("uptime of a fresh snmpd: %+v", up)
	}
	if u := find(samples, snmp.UpMetric); len(u) != 1 || u[0].Value != 1 {
		t.Errorf("snmp_up: %+v", u)
	}
}

// TestPollV3AuthPriv polls with the SHA-256/AES user, a custom OID and a
// walk; a wrong password gives snmp_up 0 and no value.
func TestPollV3AuthPriv(t *testing.T) {
	a := snmptest.Start(t)
	good := snmp.Target{Item: "sys", Address: a.Address, Version: snmp.V3, User: snmptest.User,
		AuthProtocol: snmptest.AuthProto, AuthPassword: snmptest.AuthPass, PrivProtocol: snmptest.PrivProto, PrivPassword: snmptest.PrivPass,
		Get:  []snmp.Value{{OID: "1.3.6.1.2.1.1.7.0", Series: "sys_services"}}, // sysServices
		Walk: []snmp.Value{{OID: "1.3.6.1.2.1.2.2.1.4", Series: "if_mtu"}},     // ifMtu
	}
	samples, out := poll(t, good)
	if !out.Up || out.Errors != 0 {
		t.Fatalf("outcome %+v", out)
	}
	if s := find(samples, "sys_services"); len(s) != 1 || s[0].Value != 72 {
		t.Errorf("sysServices: %+v, want 72 (net-snmp's default)", s)
	}
	if s := find(samples, "if_mtu"); len(s) == 0 || label(s[0], snmp.WalkIndexLabel) == "" {
		t.Errorf("walk of ifMtu: %+v", s)
	}
	bad := good
	bad.PrivPassword, bad.Timeout = "wrong-pass-000", 300*time.Millisecond
	samples, out = poll(t, bad)
	if out.Up || len(find(samples, "sys_services")) != 0 {
		t.Fatalf("a wrong privacy password polled: %+v", out)
	}
	if u := find(samples, snmp.UpMetric); len(u) != 1 || u[0].Value != 0 {
		t.Errorf("snmp_up with a wrong password: %+v", u)
	}
}

// TestPollWrongCommunity: snmpd ignores a v2c request with another
// community; the poll times out and says so.
func TestPollWrongCommunity(t *testing.T) {
	a := snmptest.Start(t)
	samples, out := poll(t, snmp.Target{Item: "x", Address: a.Address, Version: snmp.V2c, Community: "not-it", Timeout: 300 * time.Millisecond})
	if out.Up || !strings.Contains(out.Reason, "timeout") {
		t.Fatalf("outcome %+v", out)
	}
	if u := find(samples, snmp.UpMetric); len(u) != 1 || u[0].Value != 0 {
		t.Errorf("snmp_up: %+v", u)
	}
	if e := find(samples, snmp.ErrorsMetric); len(e) != 1 || e[0].Value != 1 {
		t.Errorf("snmp_poll_errors: %+v", e)
	}
}

// TestPollMissingOID counts an OID the agent does not have as an error
// and still stores the rest.
func TestPollMissingOID(t *testing.T) {
	a := snmptest.Start(t)
	samples, out := poll(t, snmp.Target{Item: "x", Address: a.Address, Version: snmp.V2c, Community: snmptest.Community,
		Get: []snmp.Value{{OID: "1.3.6.1.4.1.99999.1.0", Series: "nothing"}}})
	if !out.Up || out.Errors != 1 {
		t.Fatalf("outcome %+v", out)
	}
	if len(find(samples, snmp.UptimeMetric)) != 1 || len(find(samples, "nothing")) != 0 {
		t.Errorf("samples: %+v", samples)
	}
}

// TestPollManyOIDs asks for more OIDs than one request carries: every one
// is answered, in order.
func TestPollManyOIDs(t *testing.T) {
	a := snmptest.Start(t)
	target := snmp.Target{Item: "x", Address: a.Address, Version: snmp.V2c, Community: snmptest.Community}
	for i := 0; i < 99; i++ {
		target.Get = append(target.Get, snmp.Value{OID: "1.3.6.1.2.1.1.7.0", Series: fmt.Sprintf("s%02d", i)})
	}
	samples, out := poll(t, target)
	if !out.Up || out.Errors != 0 || out.Samples != 100 {
		t.Fatalf("outcome %+v", out)
	}
	if s := find(samples, "s98"); len(s) != 1 || s[0].Value != 72 {
		t.Errorf("the 99th OID: %+v", s)
	}
}
