package e2e

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/snmp/snmptest"
)

// TestCollectorTraps runs `unyo agent --collector dc1
// --collector-trap-listen` in front of a switch behind it and sends it
// traps with Debian's snmptrap: a linkDown becomes an alert on the switch
// as the server's own listener makes it; an inform sent while the server
// is stopped is buffered (its response says so), and arrives once, with
// the time it was received, after the server is back. The collector's own
// host became a resource with the collector template on its first pull.
func TestCollectorTraps(t *testing.T) {
	bin := snmptest.Need(t, "snmptrap", "snmp")
	data := t.TempDir()
	addr := freePort(t)
	s := startServer(t, data, "--listen", addr)
	_, read := s.tenantWithTokens("acme")
	var collect struct {
		Token string `json:"token"`
	}
	s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "acme-collector", "tenant": "acme", "scopes": []string{"ingest", "collect"}}, &collect)
	var sw struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{
		"name": "sw-01", "kind": "host", "labels": map[string]string{"unyo_collector": "dc1"}}, &sw)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/monitoring/items", "", map[string]any{
		"resource_id": sw.ID, "name": "net", "kind": "snmp", "interval": "1h",
		"snmp": map[string]any{"address": "127.0.0.1", "version": "2c", "community": "dc1-secret", "interfaces": true}}, nil)

	trapPort := strconv.Itoa(snmptest.FreeUDPPort(t))
	col := startAgentArgs(t, "agent", "--server", s.url, "--token", collect.Token, "--host", "collector-01",
		"--buffer", t.TempDir(), "--pull-interval", "1s", "--log-level", "debug",
		"--collector", "dc1", "--collector-listen", "off", "--collector-trap-listen", "127.0.0.1:"+trapPort)
	now := func() float64 { return float64(time.Now().UnixMilli()) / 1000 }

	// The collector's health, with no manual step: its host is a resource
	// with the built-in collector template, and its series arrive.
	eventually(t, 30*time.Second, func() string {
		var list []struct {
			Template   string `json:"template"`
			ResourceID int64  `json:"resource_id"`
		}
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/monitoring/assignments", read, nil, &list)
		for _, a := range list {
			if a.Template == "collector" && a.ResourceID != 0 {
				if v := s.query(read, `unyo_collector_targets{host="collector-01",collector="dc1",kind="snmp"}`, now()); len(v) != 1 || v[0].Value != 1 {
					return fmt.Sprintf("the collector's own series: %+v\n%s", v, col.stderr)
				}
				return ""
			}
		}
		return fmt.Sprintf("no collector template assigned to the collector's host: %+v\n%s", list, col.stderr)
	})

	send := func(inform bool, oid, ifIndex string) error {
		args := []string{"-M", "/dev/null", "-v", "2c", "-c", "dc1-secret"}
		if inform {
			args = append(args, "-Ci", "-t", "1", "-r", "3")
		}
		args = append(args, "127.0.0.1:"+trapPort, "", oid, "1.3.6.1.2.1.2.2.1.1."+ifIndex, "i", ifIndex,
			"1.3.6.1.2.1.31.1.1.1.1."+ifIndex, "s", "eth"+ifIndex)
		cmd := exec.Command(bin, args...)
		cmd.Env = append(cmd.Environ(), "MIBS=", "SNMP_PERSISTENT_DIR="+t.TempDir())
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("snmptrap: %v\n%s", err, out)
		}
		return nil
	}
	linkDown := "1.3.6.1.6.3.1.1.5.3"
	// The targets are pulled: traps from the switch are accepted from now on.
	if err := send(true, linkDown, "2"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() string {
		for _, a := range s.alertsOf(read, "acme", "state=firing") {
			if a.ResourceID == sw.ID && a.Labels["trap_name"] == "linkDown" && a.Labels["if_index"] == "2" && a.Labels["if_name"] == "eth2" &&
				a.Labels["snmp_sender"] == "127.0.0.1" {
				return ""
			}
		}
		return "no linkDown alert on sw-01 through the collector\n" + col.stderr.String()
	})

	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("server stop: %v", err)
	}
	// The inform is answered once the trap is on the collector's disk.
	sentAt := time.Now()
	if err := send(true, linkDown, "3"); err != nil {
		t.Fatalf("the collector did not take a trap while the server was away: %v", err)
	}
	s = startServer(t, data, "--listen", addr)
	eventually(t, 30*time.Second, func() string {
		code, body := s.call("GET", "/api/v1/tenants/acme/alerts?state=firing", read, nil)
		if code != 200 {
			return fmt.Sprintf("alerts: %d %s", code, body)
		}
		var list []struct {
			ResourceID int64             `json:"resource_id"`
			Labels     map[string]string `json:"labels"`
			StartedAt  time.Time         `json:"started_at"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return err.Error()
		}
		n := 0
		for _, a := range list {
			if a.ResourceID != sw.ID || a.Labels["if_index"] != "3" {
				continue
			}
			n++
			if a.StartedAt.Before(sentAt.Add(-time.Second)) || a.StartedAt.After(sentAt.Add(2*time.Second)) {
				return fmt.Sprintf("the trap sent during the outage at %v started its alert at %v", sentAt, a.StartedAt)
			}
		}
		if n != 1 {
			return fmt.Sprintf("%d alerts of the trap sent during the outage, want 1\n%s", n, col.stderr)
		}
		return ""
	})
}
