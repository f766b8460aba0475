package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

type backupAlert struct {
	ID         int64             `json:"id"`
	Source     string            `json:"source"`
	State      string            `json:"state"`
	Resource   string            `json:"resource"`
	RunbookURL string            `json:"runbook_url"`
	Labels     map[string]string `json:"labels"`
	FiredAt    *time.Time        `json:"fired_at"`
	ResolvedAt *time.Time        `json:"resolved_at"`
}

// backupAlerts returns tenant's alerts raised by the backup watch, by condition.
func (s *server) backupAlerts(tenant, read string) map[string][]backupAlert {
	var list []backupAlert
	s.mustJSON(200, "GET", "/api/v1/tenants/"+tenant+"/alerts", read, nil, &list)
	out := map[string][]backupAlert{}
	for _, a := range list {
		if a.Source == "backup" {
			out[a.Labels["condition"]] = append(out[a.Labels["condition"]], a)
		}
	}
	return out
}

// backupReport runs `unyo backup report` against s and returns its exit
// code and output.
func (s *server) backupReport(token string, args ...string) (int, string) {
	cmd := exec.Command(binary, append([]string{"backup", "report", "--server", s.url, "--token", token}, args...)...)
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		s.t.Fatalf("unyo backup report: %v", err)
	}
	return 0, string(out)
}

// TestBackupRPOAlertsAtTheCrossing is the backup compliance story on the
// real binary: a backup script reports a good job with `unyo backup
// report`; the moment its recovery point grows older than the policy's RPO
// one alert fires (not at a later poll), with the restore runbook; a new
// good job resolves it; a failed job raises one alert, which a restart
// does not raise again.
func TestBackupRPOAlertsAtTheCrossing(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	ingest, read := s.tenantWithTokens("acme")
	var svc, res struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/services", "", map[string]any{"name": "shop",
		"service_level": map[string]any{"rpo": "4h", "rto": "8h"}}, &svc)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/resources", "", map[string]any{"name": "db-01", "kind": "database", "service_id": svc.ID}, &res)
	var pol struct {
		ID           int64  `json:"id"`
		EffectiveRPO string `json:"effective_rpo"`
		EffectiveRTO string `json:"effective_rto"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/backups/policies", "", map[string]any{"name": "shop-db", "service_id": svc.ID,
		"resource_id": res.ID, "target": "PostgreSQL shop", "method": "db_dump", "schedule": "0 3 * * *", "retention": "720h",
		"rpo": "1m", "runbook": "https://wiki.example/restore-shop-db"}, &pol)
	if pol.EffectiveRPO != "1m0s" || pol.EffectiveRTO != "8h0m0s" {
		t.Fatalf("policy: %+v", pol)
	}

	// Bad input names the flag, and stores nothing.
	for _, bad := range []struct {
		flag string
		args []string
	}{
		{"-status", []string{"--policy", "shop-db", "--status", "fine"}},
		{"-policy", []string{"--status", "ok"}},
		{"-size", []string{"--policy", "shop-db", "--status", "ok", "--size", "big"}},
		{"-finished", []string{"--policy", "shop-db", "--status", "ok", "--finished", "yesterday"}},
	} {
		if code, out := s.backupReport(ingest, bad.args...); code != 2 || !strings.Contains(out, bad.flag) {
			t.Errorf("unyo backup report %v = %d %q, want exit 2 naming %s", bad.args, code, out, bad.flag)
		}
	}
	code, out := s.backupReport(ingest, "--policy", "no-such", "--status", "ok")
	if code != 1 || !strings.Contains(out, "no policy named") {
		t.Errorf("unknown policy: %d %s", code, out)
	}

	// A good point 50 s old: the one-minute RPO is crossed 10 s from now.
	point := time.Now().Add(-50 * time.Second).Truncate(time.Millisecond)
	crossing := point.Add(time.Minute)
	for range 2 { // a script's retry: one job
		if code, out := s.backupReport(ingest, "--policy", "shop-db", "--status", "ok", "--size", "1048576",
			"--recovery-point", point.Format(time.RFC3339Nano), "--external-id", "dump-1"); code != 0 {
			t.Fatalf("unyo backup report: %d %s", code, out)
		}
	}
	var jobs []map[string]any
	s.mustJSON(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/backups/policies/%d/jobs", pol.ID), read, nil, &jobs)
	if len(jobs) != 1 || jobs[0]["size_bytes"] != float64(1048576) {
		t.Fatalf("jobs after two reports of dump-1: %+v", jobs)
	}
	var status []struct {
		State string `json:"state"`
		Age   string `json:"age"`
	}
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/backups/status", read, nil, &status)
	if time.Now().Before(crossing) && (len(status) != 1 || status[0].State != "ok") {
		t.Errorf("status before the crossing: %+v", status)
	}

	var rpo backupAlert
	eventually(t, 30*time.Second, func() string {
		got := s.backupAlerts("acme", read)
		if len(got["rpo_exceeded"]) == 0 {
			return "no RPO alert"
		}
		rpo = got["rpo_exceeded"][0]
		return ""
	})
	if rpo.FiredAt == nil || rpo.FiredAt.Before(crossing) || rpo.FiredAt.After(crossing.Add(2*time.Second)) {
		t.Errorf("RPO alert fired at %v, want at the crossing %s", rpo.FiredAt, crossing)
	}
	if rpo.State != "firing" || rpo.Resource != "db-01" || rpo.RunbookURL != "https://wiki.example/restore-shop-db" {
		t.Errorf("RPO alert: %+v", rpo)
	}
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/backups/status", read, nil, &status)
	if len(status) != 1 || status[0].State != "at_risk" {
		t.Errorf("status after the crossing: %+v", status)
	}

	// A new good job resolves it.
	if code, out := s.backupReport(ingest, "--policy", "shop-db", "--status", "ok", "--size", "1049000"); code != 0 {
		t.Fatalf("good job: %d %s", code, out)
	}
	eventually(t, 30*time.Second, func() string {
		if got := s.backupAlerts("acme", read)["rpo_exceeded"]; len(got) != 1 || got[0].State != "resolved" {
			return fmt.Sprintf("RPO alerts: %+v", got)
		}
		return ""
	})

	// A failed job raises one alert.
	if code, out := s.backupReport(ingest, "--policy", "shop-db", "--status", "failed", "--message", "pg_dump: disk full"); code != 0 {
		t.Fatalf("failed job: %d %s", code, out)
	}
	eventually(t, 30*time.Second, func() string {
		if got := s.backupAlerts("acme", read)["job_failed"]; len(got) != 1 || got[0].State != "firing" {
			return fmt.Sprintf("failed-job alerts: %+v", got)
		}
		return ""
	})
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/backups/status", read, nil, &status)
	if len(status) != 1 || status[0].State != "failed" {
		t.Errorf("status after the failed job: %+v", status)
	}

	// A restart evaluates every policy again: still one alert of each.
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v\n%s", err, s.stderr)
	}
	s = startServer(t, dir)
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/backups/status", read, nil, &status)
	code, out = s.backupReport(ingest, "--policy", "shop-db", "--status", "failed", "--external-id", "dump-3")
	if code != 0 {
		t.Fatalf("second failed job: %d %s", code, out)
	}
	eventually(t, 30*time.Second, func() string {
		var jobs []map[string]any
		s.mustJSON(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/backups/policies/%d/jobs", pol.ID), read, nil, &jobs)
		if len(jobs) != 4 {
			return fmt.Sprintf("%d jobs", len(jobs))
		}
		return ""
	})
	got := s.backupAlerts("acme", read)
	if len(got["job_failed"]) != 1 || len(got["rpo_exceeded"]) != 1 || len(got["run_missed"]) != 0 {
		t.Errorf("after the restart: %+v", got)
	}
}
