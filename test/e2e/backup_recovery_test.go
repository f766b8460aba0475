package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestBackupRestoreTestOverRTOIsAFinding is the recovery story on the real
// binary: a failed backup opens an incident that links the policy's restore
// runbook; the operator records a restore test that took 2h against an RTO
// of 1h; the month's report then lists it in its バックアップ section and
// names it a finding.
func TestBackupRestoreTestOverRTOIsAFinding(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.mustJSON(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "acme", "name": "株式会社アクメ", "language": "ja", "time_zone": "UTC"}, nil)
	var tok struct {
		Token string `json:"token"`
	}
	s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "acme-script", "tenant": "acme", "scopes": []string{"ingest"}}, &tok)
	ingest := tok.Token
	s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "acme-staff", "tenant": "acme", "scopes": []string{"read", "write"}}, &tok)
	staff := tok.Token
	var svc, pol struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/services", "", map[string]any{"name": "shop",
		"service_level": map[string]any{"rpo": "24h", "rto": "1h"}}, &svc)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/backups/policies", staff, map[string]any{"name": "shop-db", "service_id": svc.ID,
		"target": "PostgreSQL shop", "method": "db_dump", "schedule": "0 3 * * *", "retention": "720h",
		"runbook": "https://wiki.example/restore-shop-db", "restore_plan": "quarterly"}, &pol)

	// A failed job: its alert opens an incident that carries the runbook.
	if code, out := s.backupReport(ingest, "--policy", "shop-db", "--status", "failed", "--message", "pg_dump: disk full"); code != 0 {
		t.Fatalf("failed job: %d %s", code, out)
	}
	var incs []struct {
		ID     int64  `json:"id"`
		Number string `json:"number"`
	}
	eventually(t, 30*time.Second, func() string {
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/incidents", staff, nil, &incs)
		if len(incs) != 1 {
			return fmt.Sprintf("%d incidents", len(incs))
		}
		return ""
	})
	var inc struct {
		Runbooks []struct {
			URL string `json:"url"`
		} `json:"runbooks"`
	}
	s.mustJSON(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/incidents/%d", incs[0].ID), staff, nil, &inc)
	if len(inc.Runbooks) != 1 || inc.Runbooks[0].URL != "https://wiki.example/restore-shop-db" {
		t.Errorf("incident runbooks: %+v, want the policy's restore runbook", inc.Runbooks)
	}

	// A restore test of 2h against the RTO of 1h.
	now := time.Now().UTC().Truncate(time.Second)
	var rt struct {
		OverRTO  bool   `json:"over_rto"`
		Duration string `json:"duration"`
	}
	s.mustJSON(201, "POST", fmt.Sprintf("/api/v1/tenants/acme/backups/policies/%d/restore-tests", pol.ID), staff, map[string]any{
		"started_at": now.Add(-150 * time.Minute).Format(time.RFC3339), "finished_at": now.Add(-30 * time.Minute).Format(time.RFC3339),
		"performed_by": "佐藤", "restored": "shop-db to db-restore1", "verification": "注文件数が一致", "result": "ok"}, &rt)
	if !rt.OverRTO || rt.Duration != "2h0m0s" {
		t.Fatalf("restore test: %+v, want 2h over the RTO", rt)
	}

	// The report of yesterday and today (whole days in the tenant's zone).
	var st struct {
		ID      int64 `json:"id"`
		Content struct {
			Findings []struct {
				Kind  string `json:"kind"`
				Title string `json:"title"`
			} `json:"findings"`
			Backups []struct {
				Policy    string `json:"policy"`
				Jobs      int    `json:"jobs"`
				Succeeded int    `json:"succeeded"`
				Failures  []struct {
					Incident string `json:"incident"`
				} `json:"failures"`
			} `json:"backups"`
		} `json:"content"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/reports", staff, map[string]string{
		"from": now.AddDate(0, 0, -1).Format("2006-01-02"), "to": now.Format("2006-01-02")}, &st)
	s.mustJSON(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/reports/%d", st.ID), staff, nil, &st)
	var finding string
	for _, f := range st.Content.Findings {
		if f.Kind == "restore_over_rto" {
			finding = f.Title
		}
	}
	if !strings.Contains(finding, "shop-db") || !strings.Contains(finding, "2時間") || !strings.Contains(finding, "RTO 1時間") {
		t.Errorf("findings %+v, want the restore test over the RTO", st.Content.Findings)
	}
	if b := st.Content.Backups; len(b) != 1 || b[0].Jobs != 1 || b[0].Succeeded != 0 || len(b[0].Failures) != 1 || b[0].Failures[0].Incident != incs[0].Number {
		t.Errorf("backups section: %+v, want one failure linked to %s", b, incs[0].Number)
	}
	code, html := s.call("GET", fmt.Sprintf("/api/v1/tenants/acme/reports/%d/report.html", st.ID), staff, nil)
	for _, want := range []string{"バックアップ", "RTO超過", "佐藤", "注文件数が一致", finding} {
		if code != 200 || !strings.Contains(string(html), want) {
			t.Errorf("report HTML (%d) lacks %q", code, want)
		}
	}
}
