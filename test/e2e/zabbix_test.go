package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/zabbix/zabbixtest"
)

// TestZabbixTakeover is the takeover of a host that runs a Zabbix agent and
// no unyo agent, on the real binary and Debian's real zabbix_agent2: the
// customer's Linux template is imported with `unyo zabbix import`, assigned
// to the host, and the server polls the agent: CPU, memory and filesystem
// series answer PromQL, and the template's filesystem trigger, lowered for
// this host by an override, fires an alert. The customer's own Zabbix
// server, still running, reports a problem through the webhook intake.
func TestZabbixTakeover(t *testing.T) {
	agent := zabbixtest.StartAgent(t)
	// Agents in the customer's network are internal addresses: the server
	// admin opens them to polling, as here loopback.
	s := startServer(t, t.TempDir(), "--zabbix-allow", "127.0.0.0/8")
	ingest, read := s.tenantWithTokens("acme")
	// And the MSP admin places them in the tenant's networks: the server polls
	// a tenant's internal addresses only there.
	s.mustJSON(200, "PUT", "/api/v1/tenants/acme/networks", "", map[string]any{"networks": []string{"127.0.0.0/8"}}, nil)
	var write struct {
		Token string `json:"token"`
	}
	s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "acme-migration", "tenant": "acme", "scopes": []string{"write", "read"}}, &write)
	var host struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{
		"name": "web-01", "kind": "host", "labels": map[string]string{"os": "linux", "zabbix_address": agent.Address},
	}, &host)

	// The import, through the command line as a migration script runs it.
	fixture, err := filepath.Abs("../../internal/zabbix/template/testdata/linux_7.0.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "zabbix", "import", "--server", s.url, "--token", write.Token, fixture)
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Linux by Zabbix agent: 68.0% of 25 translated") ||
		!strings.Contains(string(out), `- item "Operating system": a char value`) {
		t.Fatalf("unyo zabbix import: %v\n%s", err, out)
	}
	var tmpls []struct {
		ID    int64  `json:"id"`
		Name  string `json:"name"`
		Items []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/monitoring/templates", read, nil, &tmpls)
	var tmplID, fsItem int64
	for _, tp := range tmpls {
		if tp.Name == "Linux by Zabbix agent" {
			tmplID = tp.ID
			for _, it := range tp.Items {
				if it.Name == "fs-space-is-low" {
					fsItem = it.ID
				}
			}
		}
	}
	if tmplID == 0 || fsItem == 0 {
		t.Fatalf("imported template not found: %+v", tmpls)
	}
	// Root is surely more than 1% used: the lowered level makes the trigger fire.
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/monitoring/overrides", "", map[string]any{
		"item_id": fsItem, "resource_id": host.ID, "warning": 1, "critical": 99.9, "recovery": 0.5, "note": "e2e: fire on any use",
	}, nil)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/monitoring/assignments", "", map[string]any{"template_id": tmplID, "selector": "os=linux"}, nil)

	// The series of the documented mapping, polled from the real agent.
	// (A busy machine's CPU can be 0% idle: 0 to 100 is what it must be.)
	for _, c := range []struct {
		query, what string
		min, max    float64
	}{
		{`zabbix_system_cpu_util{host="web-01",type="idle"}`, "CPU idle %", 0, 100},
		{`zabbix_vm_memory_size{host="web-01",mode="available"}`, "available memory", 1, 1 << 50},
		{`zabbix_vfs_fs_size{host="web-01",fs="/",mode="pused"}`, "filesystem / used %", 0.001, 100},
		{`zabbix_up{host="web-01",key="system.cpu.num"}`, "agent up", 1, 1},
	} {
		eventually(t, 90*time.Second, func() string {
			got := s.query(read, c.query, float64(time.Now().UnixMilli())/1000)
			if len(got) != 1 || got[0].Value < c.min || got[0].Value > c.max || got[0].Metric["item"] == "" {
				return fmt.Sprintf("%s: %s = %+v", c.what, c.query, got)
			}
			return ""
		})
	}
	// An agent that accepts only TLS-PSK, as the customer's Zabbix had it:
	// polled with its identity and key; an item with a wrong key stores no
	// value and reads zabbix_up 0. The key is never returned nor logged.
	const pskKey = "9e5b1c2d3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c"
	pskAgent := zabbixtest.StartAgentPSK(t, "PSK web-02", pskKey)
	var pskHost struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{"name": "web-02", "kind": "host"}, &pskHost)
	for name, key := range map[string]string{"cpus-psk": pskKey, "cpus-wrong-key": "00112233445566778899aabbccddeeff"} {
		var created map[string]any
		s.mustJSON(201, "POST", "/api/v1/tenants/acme/monitoring/items", "", map[string]any{
			"resource_id": pskHost.ID, "name": name, "kind": "zabbix", "interval": "2s",
			"zabbix": map[string]any{"address": pskAgent.Address, "key": "system.cpu.num", "tls_connect": "psk", "tls_psk_identity": "PSK web-02", "tls_psk": key},
		}, &created)
		if z, _ := created["zabbix"].(map[string]any); z["tls_psk_set"] != true || z["tls_psk"] != nil {
			t.Errorf("the item as returned: %v", created)
		}
	}
	eventually(t, 90*time.Second, func() string {
		now := float64(time.Now().UnixMilli()) / 1000
		good := s.query(read, `zabbix_system_cpu_num{host="web-02",item="cpus-psk"}`, now)
		bad := s.query(read, `zabbix_up{host="web-02",item="cpus-wrong-key"}`, now)
		if len(good) != 1 || good[0].Value < 1 || len(bad) != 1 || bad[0].Value != 0 {
			return fmt.Sprintf("over PSK: %+v; with a wrong key: %+v", good, bad)
		}
		return ""
	})
	if got := s.query(read, `zabbix_system_cpu_num{host="web-02",item="cpus-wrong-key"}`, float64(time.Now().UnixMilli())/1000); len(got) != 0 {
		t.Errorf("a value stored with a wrong key: %+v", got)
	}
	if logs := s.stderr.String(); strings.Contains(logs, pskKey[:16]) || !strings.Contains(logs, "PSK handshake failed") {
		t.Errorf("the server's log shows the key, or not why the wrong key fails:\n%s", logs)
	}

	// A key the agent does not support is stored as not supported.
	got := s.query(read, `zabbix_item_supported{host="web-01"} == 0`, float64(time.Now().UnixMilli())/1000)
	for _, g := range got {
		if g.Metric["key"] != "system.cpu.util[,idle]" && !strings.HasPrefix(g.Metric["key"], "net.if.in") {
			continue
		}
		t.Errorf("a key the agent answers reads as unsupported: %+v", g)
	}

	// The imported trigger fires on the lowered level.
	eventually(t, 120*time.Second, func() string {
		for _, a := range s.alertsOf(read, "acme", "state=firing") {
			if a.ResourceID == host.ID && a.Severity == "warning" && strings.Contains(a.ValueText, "fs-space-is-low") {
				return ""
			}
		}
		return "no firing alert of fs-space-is-low on web-01\n" + s.stderr.String()
	})

	// The customer's Zabbix server, until it is switched off: a problem in.
	problem, _ := os.ReadFile("../../internal/alert/testdata/zabbix_problem.json")
	code, body := s.call("POST", "/api/v1/intake/zabbix", ingest, bytes.NewReader(problem), "Content-Type", "application/json")
	if code != 200 || !strings.Contains(string(body), `"opened":1`) {
		t.Fatalf("zabbix intake = %d %s", code, body)
	}
	var zabbixAlerts int
	for _, a := range s.alertsOf(read, "acme", "state=firing") {
		if a.ResourceID == host.ID && a.Severity == "critical" {
			zabbixAlerts++
		}
	}
	if zabbixAlerts != 1 {
		t.Errorf("%d critical alerts on web-01 from the Zabbix webhook, want 1", zabbixAlerts)
	}
}
