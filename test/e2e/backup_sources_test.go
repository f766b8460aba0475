package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

type sourceJob struct {
	Status     string `json:"status"`
	Source     string `json:"source"`
	ExternalID string `json:"external_id"`
	Message    string `json:"message"`
	SizeBytes  int64  `json:"size_bytes"`
}

// jobsOf returns the history of tenant's policy, newest first.
func (s *server) jobsOf(tenant, read string, policy int64) []sourceJob {
	var jobs []sourceJob
	s.mustJSON(200, "GET", fmt.Sprintf("/api/v1/tenants/%s/backups/policies/%d/jobs?limit=1000", tenant, policy), read, nil, &jobs)
	return jobs
}

// startAgentWith runs the agent with the local configuration file yaml
// (its server, token, host and buffer come from the flags).
func startAgentWith(t *testing.T, s *server, token, host, yaml string) *agentProc {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "agent.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "agent", "--config", cfg, "--server", s.url, "--token", token, "--host", host,
		"--buffer", filepath.Join(dir, "buffer"), "--pull-interval", "2s", "--log-level", "debug")
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

// TestBackupAgentItemFailureIsOneAlert: an agent's backup item whose
// command fails, run after run, raises one alert (the item's, critical)
// and one incident, while each run is a failed job of its policy in the
// history (from the agent, its output tail as the message) and the
// policy's own job_failed condition stays silent: one failure, one alert.
// The item's last good run time also feeds a metric-sourced policy.
func TestBackupAgentItemFailureIsOneAlert(t *testing.T) {
	t.Setenv("UNYO_BACKUP_POLL_INTERVAL", "1s")
	dir := t.TempDir()
	s := startServer(t, dir)
	ingest, read := s.tenantWithTokens("acme")
	var svc, res, pol, metricPol, filesPol struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/services", "", map[string]any{"name": "shop",
		"service_level": map[string]any{"rpo": "24h", "rto": "8h"}}, &svc)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{"name": "db-01", "kind": "host", "service_id": svc.ID}, &res)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/backups/policies", "", map[string]any{"name": "shop-db", "service_id": svc.ID,
		"resource_id": res.ID, "target": "PostgreSQL shop", "method": "command", "schedule": "every 1h", "retention": "720h"}, &pol)
	// The server watches the item by name; the command stays in the host's file.
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/monitoring/items", "", map[string]any{"resource_id": res.ID, "name": "nightly",
		"kind": "backup", "severity": "critical", "backup": map[string]any{"policy": "shop-db"}}, nil)
	// A command sent by the server is refused.
	code, body := s.call("POST", "/api/v1/tenants/acme/monitoring/items", "", strings.NewReader(`{"resource_id":`+fmt.Sprint(res.ID)+
		`,"name":"evil","kind":"backup","severity":"critical","backup":{"command":["/bin/sh"]}}`), "Content-Type", "application/json")
	if code != 400 || !strings.Contains(string(body), "command") {
		t.Errorf("a monitoring item with a command: %d %s, want 400 naming command", code, body)
	}

	// A status file item comes from the server's design, as any item does.
	status := filepath.Join(t.TempDir(), "bacula.status")
	os.WriteFile(status, []byte("OK\nsize=77\n"), 0o644)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/backups/policies", "", map[string]any{"name": "files", "service_id": svc.ID,
		"target": "/srv", "method": "other", "schedule": "every 1h", "retention": "720h"}, &filesPol)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/monitoring/items", "", map[string]any{"resource_id": res.ID, "name": "bacula",
		"kind": "backup", "severity": "warning", "backup": map[string]any{"policy": "files", "status_file": status}}, nil)

	script := filepath.Join(t.TempDir(), "backup-shop.sh")
	os.WriteFile(script, []byte("#!/bin/sh\necho 'pg_dump: error: connection to server failed' >&2\nexit 2\n"), 0o755)
	agent := startAgentWith(t, s, ingest, "db-01", fmt.Sprintf(`interval: 1s
items:
  - name: nightly
    kind: backup
    interval: 2s
    timeout: 2s
    backup:
      policy: shop-db
      command: [%q]
`, script))

	// Runs go on failing: several jobs, one alert, one incident.
	eventually(t, 60*time.Second, func() string {
		if n := len(s.jobsOf("acme", read, pol.ID)); n < 3 {
			return fmt.Sprintf("%d failed jobs from the agent, want 3", n)
		}
		return ""
	})
	jobs := s.jobsOf("acme", read, pol.ID)
	seen := map[string]bool{}
	for _, j := range jobs {
		if j.Status != "failed" || j.Source != "agent" || !strings.Contains(j.Message, "connection to server failed") || seen[j.ExternalID] {
			t.Errorf("job %+v: want a failed agent job with the output tail, its own external ID", j)
		}
		seen[j.ExternalID] = true
	}
	var alerts []struct {
		Source   string            `json:"source"`
		State    string            `json:"state"`
		Severity string            `json:"severity"`
		Resource string            `json:"resource"`
		Labels   map[string]string `json:"labels"`
	}
	var incidents []map[string]any
	eventually(t, 30*time.Second, func() string {
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/alerts", read, nil, &alerts)
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/incidents", read, nil, &incidents)
		if len(alerts) != 1 || len(incidents) != 1 {
			return fmt.Sprintf("%d alerts %+v and %d incidents, want 1 and 1", len(alerts), alerts, len(incidents))
		}
		return ""
	})
	if a := alerts[0]; a.Source != "rule" || a.State != "firing" || a.Severity != "critical" || a.Resource != "db-01" {
		t.Errorf("alert %+v: want the item's firing critical alert on db-01", a)
	}
	// The status file, read every second, is one good job, however often read.
	eventually(t, 30*time.Second, func() string {
		if fj := s.jobsOf("acme", read, filesPol.ID); len(fj) != 1 || fj[0].Status != "ok" || fj[0].SizeBytes != 77 || fj[0].Source != "agent" {
			return fmt.Sprintf("status file jobs %+v: want one good job of 77 bytes from the agent", fj)
		}
		return ""
	})
	// More failed runs later: still one alert, one incident, no job_failed.
	before := len(s.jobsOf("acme", read, pol.ID))
	eventually(t, 30*time.Second, func() string {
		if n := len(s.jobsOf("acme", read, pol.ID)); n < before+2 {
			return fmt.Sprintf("%d jobs, want %d", n, before+2)
		}
		return ""
	})
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/alerts", read, nil, &alerts)
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/incidents", read, nil, &incidents)
	if len(alerts) != 1 || len(incidents) != 1 {
		t.Errorf("after more failed runs: %d alerts %+v, %d incidents; want 1 and 1", len(alerts), alerts, len(incidents))
	}

	// The backup now succeeds: the item recovers, and a policy whose
	// source is the agent's last-success metric gets that good point.
	os.WriteFile(script, []byte("#!/bin/sh\necho size=4096\n"), 0o755)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/backups/policies", "", map[string]any{"name": "shop-db-metric", "service_id": svc.ID,
		"target": "PostgreSQL shop", "method": "command", "schedule": "every 1h", "retention": "720h",
		"source": map[string]any{"kind": "metric", "selector": `unyo_backup_last_success_timestamp_seconds{item="nightly"}`}}, &metricPol)
	eventually(t, 60*time.Second, func() string {
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/alerts", read, nil, &alerts)
		if len(alerts) != 1 || alerts[0].State != "resolved" {
			return fmt.Sprintf("alerts %+v, want the one resolved", alerts)
		}
		mj := s.jobsOf("acme", read, metricPol.ID)
		if len(mj) == 0 || mj[0].Status != "ok" || mj[0].Source != "metric" {
			return fmt.Sprintf("metric policy jobs %+v, want a good one from the metric", mj)
		}
		return ""
	})
	if j := s.jobsOf("acme", read, pol.ID)[0]; j.Status != "ok" || j.SizeBytes != 4096 {
		t.Errorf("newest job %+v: want ok with the size the command printed", j)
	}

	if fj := s.jobsOf("acme", read, filesPol.ID); len(fj) != 1 {
		t.Errorf("the unchanged status file, read for a minute: %d jobs, want 1", len(fj))
	}

	// A restart reads the same metric value again: nothing stored twice.
	// The agent stops first, so no newer value arrives; two fetches after
	// that the history is what the restart must keep.
	agent.cmd.Process.Signal(syscall.SIGTERM)
	<-agent.done
	agent.done <- nil // for the cleanup
	awaitFetches := func(n float64) float64 {
		t.Helper()
		var got float64
		eventually(t, 30*time.Second, func() string {
			if got = metricFetches(s); got < n {
				return fmt.Sprintf("%v metric fetches, want %v", got, n)
			}
			return ""
		})
		return got
	}
	awaitFetches(metricFetches(s) + 2)
	good := len(s.jobsOf("acme", read, metricPol.ID))
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("server stop: %v", err)
	}
	s = startServer(t, dir)
	awaitFetches(2)
	if n := len(s.jobsOf("acme", read, metricPol.ID)); n != good {
		t.Errorf("after a restart: %d metric jobs, want the %d stored before", n, good)
	}
}

// metricFetches reads the server's count of good metric-source fetches.
func metricFetches(s *server) float64 {
	_, body := s.call("GET", "/metrics", "", nil)
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, `unyo_backup_source_fetches_total{outcome="ok",source="metric"} `) {
			var n float64
			fmt.Sscan(strings.Fields(l)[1], &n)
			return n
		}
	}
	return 0
}
