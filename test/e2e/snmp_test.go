package e2e

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/snmp/snmptest"
)

// TestSNMPDevice is a network device that speaks only SNMP, on the real
// binary and Debian's real snmpd and snmptrap: an snmp item polls it over
// v3 (SHA-256, AES) in interfaces mode, and its interface counters answer
// PromQL with their ifName; its credentials never come back from the API;
// a linkDown trap sent with its v2c community becomes an alert on the
// device, and linkUp of the same interface resolves it.
func TestSNMPDevice(t *testing.T) {
	agent := snmptest.Start(t)
	trapPort := snmptest.FreeUDPPort(t)
	s := startServer(t, t.TempDir(), "--snmp-allow", "127.0.0.0/8", "--snmp-trap-listen", "127.0.0.1:"+strconv.Itoa(trapPort))
	_, read := s.tenantWithTokens("acme")
	// And the MSP admin places them in the tenant's networks: the server polls
	// a tenant's internal addresses only there.
	s.mustJSON(200, "PUT", "/api/v1/tenants/acme/networks", "", map[string]any{"networks": []string{"127.0.0.0/8"}}, nil)
	var dev struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{
		"name": "sw-01", "kind": "host", "labels": map[string]string{"snmp_address": agent.Address},
	}, &dev)
	var polled map[string]any
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/monitoring/items", "", map[string]any{
		"resource_id": dev.ID, "name": "net", "kind": "snmp", "interval": "2s",
		"snmp": map[string]any{"address": "${label.snmp_address}", "version": "3", "user": snmptest.User,
			"auth_protocol": snmptest.AuthProto, "auth_password": snmptest.AuthPass,
			"priv_protocol": snmptest.PrivProto, "priv_password": snmptest.PrivPass, "interfaces": true},
	}, &polled)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/monitoring/items", "", map[string]any{
		"resource_id": dev.ID, "name": "sys", "kind": "snmp", "interval": "2s",
		"snmp": map[string]any{"address": "${label.snmp_address}", "version": "2c", "community": snmptest.Community,
			"get": []map[string]string{{"oid": "1.3.6.1.2.1.1.7.0", "series": "snmp_sys_services"}}},
	}, nil)
	code, body := s.call("GET", fmt.Sprintf("/api/v1/tenants/acme/monitoring/items/%v", polled["id"]), read, nil)
	if code != 200 || strings.Contains(string(body), snmptest.AuthPass) || strings.Contains(string(body), snmptest.PrivPass) ||
		!strings.Contains(string(body), `"priv_password_set":true`) {
		t.Fatalf("GET item = %d %s", code, body)
	}

	for _, c := range []struct{ query, what string }{
		{`snmp_if_in_octets_total{host="sw-01",if_name="lo",item="net"}`, "loopback's in octets by ifName"},
		{`snmp_if_oper_status{host="sw-01",if_name="lo"} == 1`, "loopback up"},
		{`snmp_sys_uptime_seconds{host="sw-01",item="net"} >= 0`, "uptime"},
		{`snmp_sys_services{host="sw-01",item="sys"} == 72`, "custom OID over v2c"},
		{`snmp_up{host="sw-01",item="sys"} == 1`, "v2c up"},
	} {
		eventually(t, 60*time.Second, func() string {
			got := s.query(read, c.query, float64(time.Now().UnixMilli())/1000)
			if len(got) != 1 {
				return fmt.Sprintf("%s: %s = %+v\n%s", c.what, c.query, got, s.stderr.String())
			}
			return ""
		})
	}

	// The trap, as the switch sends it when eth1 (ifIndex 2) goes down.
	bin := snmptest.Need(t, "snmptrap", "snmp")
	trapWith := func(community, oid, oper string) {
		t.Helper()
		cmd := exec.Command(bin, "-M", "/dev/null", "-v", "2c", "-c", community, "127.0.0.1:"+strconv.Itoa(trapPort), "", oid,
			"1.3.6.1.2.1.2.2.1.1.2", "i", "2", "1.3.6.1.2.1.2.2.1.8.2", "i", oper, "1.3.6.1.2.1.31.1.1.1.1.2", "s", "eth1")
		cmd.Env = append(cmd.Environ(), "MIBS=", "SNMP_PERSISTENT_DIR="+t.TempDir())
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("snmptrap: %v\n%s", err, out)
		}
	}
	trap := func(oid, oper string) { t.Helper(); trapWith(snmptest.Community, oid, oper) }
	// A trap with a guessed community is dropped and counted, and opens nothing.
	trapWith("public", "1.3.6.1.6.3.1.1.5.3", "2")
	eventually(t, 30*time.Second, func() string {
		_, metrics := s.call("GET", "/metrics", "", nil)
		if !strings.Contains(string(metrics), `unyo_snmp_traps_total{outcome="bad_credentials"} 1`) {
			return "the dropped trap is not counted"
		}
		return ""
	})
	if n := len(s.alertsOf(read, "acme", "")); n != 0 {
		t.Fatalf("%d alerts after a trap with a wrong community", n)
	}
	trap("1.3.6.1.6.3.1.1.5.3", "2")
	var downID int64
	eventually(t, 30*time.Second, func() string {
		for _, a := range s.alertsOf(read, "acme", "state=firing") {
			if a.ResourceID == dev.ID && a.Labels["trap_name"] == "linkDown" && a.Labels["if_name"] == "eth1" && a.Labels["if_index"] == "2" {
				downID = a.ID
				return ""
			}
		}
		return "no linkDown alert on sw-01\n" + s.stderr.String()
	})
	trap("1.3.6.1.6.3.1.1.5.4", "1")
	eventually(t, 30*time.Second, func() string {
		for _, a := range s.alertsOf(read, "acme", "state=resolved") {
			if a.ID == downID {
				return ""
			}
		}
		return "linkUp did not resolve the linkDown alert"
	})
}
