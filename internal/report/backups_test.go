package report

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
	ustorage "github.com/unyo-ops/unyo/internal/storage"
)

// backupMonth is November 2026 in Tokyo for acme, with two backup policies:
//
//   - shop-db (RPO 24h, RTO 4h, since October): a daily job at 02:00 that
//     takes 30 minutes; on the 10th and 11th it fails, on the 20th it is
//     partial. Restore tests on the 5th (3h) and the 25th (5h30m, over the RTO).
//   - files (RPO 6h), created on the 15th at 12:00 and never backed up, with a
//     monthly restore plan set on October 1st and never tested.
//
// The failed job of the 10th raised the job_failed alert, which opened an
// incident; the 11th's failure joined it while it still fired.
func backupMonth(t *testing.T) (Sources, *incident.Incident) {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := ustorage.New(db)
	for _, tn := range []*model.Tenant{{ID: "acme", Name: "株式会社アクメ", Language: "ja", TimeZone: "Asia/Tokyo"},
		{ID: "beta", Name: "Beta Inc.", Language: "en", TimeZone: "UTC"}} {
		if err := st.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	svc := &model.Service{TenantID: "acme", Name: "ECサイト", Level: model.ServiceLevel{RTO: model.Duration(4 * time.Hour)}}
	beta := &model.Service{TenantID: "beta", Name: "Portal"}
	for _, s := range []*model.Service{svc, beta} {
		if err := st.CreateService(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	bs := backup.NewStore(db, st)
	policy := func(tenant string, svc int64, name string, rpo time.Duration, schedule string) *backup.Policy {
		t.Helper()
		p := &backup.Policy{TenantID: tenant, Name: name, ServiceID: svc, Target: name, Method: backup.MethodDBDump,
			Schedule: schedule, Retention: model.Duration(720 * time.Hour), RPO: model.Duration(rpo)}
		if err := bs.CreatePolicy(ctx, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	shop := policy("acme", svc.ID, "shop-db", 24*time.Hour, "0 2 * * *")
	files := policy("acme", svc.ID, "files", 6*time.Hour, "every 6h")
	other := policy("beta", beta.ID, "beta-db", time.Hour, "every 1h")
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	// The policies are older than the clock that created them.
	exec(`UPDATE backup_policies SET created_at=? WHERE id=?`, time.Date(2026, 10, 1, 0, 0, 0, 0, jst).UnixMilli(), shop.ID)
	exec(`UPDATE backup_policies SET created_at=?, restore_plan='monthly', restore_plan_since=?, restore_grace_ms=? WHERE id=?`,
		at(15, 12, 0).UnixMilli(), time.Date(2026, 10, 1, 0, 0, 0, 0, jst).UnixMilli(), (7 * 24 * time.Hour).Milliseconds(), files.ID)
	exec(`UPDATE backup_policies SET created_at=? WHERE id=?`, time.Date(2026, 10, 1, 0, 0, 0, 0, jst).UnixMilli(), other.ID)
	job := func(p *backup.Policy, start time.Time, status backup.Result, msg string) {
		t.Helper()
		if _, _, err := bs.AddJob(ctx, &backup.Job{TenantID: p.TenantID, PolicyID: p.ID, Status: status, StartedAt: start,
			FinishedAt: start.Add(30 * time.Minute), SizeBytes: 1 << 30, Message: msg}); err != nil {
			t.Fatal(err)
		}
	}
	job(shop, time.Date(2026, 10, 31, 2, 0, 0, 0, jst), backup.StatusOK, "")
	for d := 1; d <= 30; d++ {
		switch d {
		case 10, 11:
			job(shop, at(d, 2, 0), backup.StatusFailed, "disk full")
		case 20:
			job(shop, at(d, 2, 0), backup.StatusPartial, "2 of 3 databases")
		default:
			job(shop, at(d, 2, 0), backup.StatusOK, "")
		}
	}
	job(shop, time.Date(2026, 12, 1, 2, 0, 0, 0, jst), backup.StatusFailed, "next month")
	// beta's failures are not acme's.
	job(other, at(10, 3, 0), backup.StatusFailed, "beta-secret-failure")
	restore := func(p *backup.Policy, start time.Time, d time.Duration, by string) {
		t.Helper()
		if err := bs.AddRestoreTest(ctx, &backup.RestoreTest{TenantID: p.TenantID, PolicyID: p.ID, StartedAt: start, FinishedAt: start.Add(d),
			PerformedBy: by, Restored: "shop-db to db-restore1", Verification: "row counts match", Result: backup.RestoreOK}); err != nil {
			t.Fatal(err)
		}
	}
	restore(shop, at(5, 10, 0), 3*time.Hour, "佐藤")
	restore(shop, at(25, 9, 0), 5*time.Hour+30*time.Minute, "佐藤")

	desk := incident.NewDesk(db, st, nil)
	fp := backup.AlertFingerprint(shop.ID, backup.ConditionFailed)
	for _, e := range []incident.AlertEvent{
		{Tenant: "acme", AlertID: "a1", Fingerprint: fp, ServiceID: svc.ID, Policy: "new", Severity: "critical", Title: "バックアップ失敗: shop-db",
			Titles: alert.Text{Ja: "バックアップ失敗: shop-db", En: "Backup failed: shop-db"}, Status: "firing", At: at(10, 2, 30)},
		{Tenant: "acme", AlertID: "a1", Fingerprint: fp, Status: "resolved", Policy: "new", At: at(12, 2, 30)},
	} {
		if err := desk.OnAlert(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	incs, err := desk.Incidents(ctx, "acme", incident.Filter{Limit: 10})
	if err != nil || len(incs) != 1 {
		t.Fatalf("incidents: %+v %v", incs, err)
	}
	ms, err := metricstore.Open(filepath.Join(t.TempDir(), "tsdb"), metricstore.Options{}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	all := SourcesOf(ms, ms.Queryable(), Stores{Tenants: st, Desk: desk, Backups: bs})
	return Sources{Tenants: st, Metrics: all.Metrics, Incidents: all.Incidents, Backups: all.Backups}, incs[0]
}

// TestBackupSectionFigures: the exact figures of the generated month.
// shop-db: 27 of 30 jobs good (90 %); out of the RPO 30 minutes before each
// good job lands after a good day (25 days: 750 min), from the 10th 02:00
// to the 12th 02:30 (2,910 min) and from the 20th 02:00 to the 21st 02:30
// (1,470 min): 5,130 of 43,200 minutes, so 38,070 within. files: measured
// from the 15th 12:00 (22,320 min), within only its first 6 hours (360).
func TestBackupSectionFigures(t *testing.T) {
	src, inc := backupMonth(t)
	g := NewGenerator(src, nil)
	r, err := g.Generate(context.Background(), "acme", fromNov, toNov)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Backups) != 2 {
		t.Fatalf("backups: %+v", r.Backups)
	}
	files, shop := r.Backups[0], r.Backups[1]
	if shop.Policy != "shop-db" || shop.Jobs != 30 || shop.Succeeded != 27 || shop.SuccessRate() != 90 ||
		shop.Minutes != 43200 || shop.WithinRPO != 38070 || shop.Service != "ECサイト" || time.Duration(shop.RTO) != 4*time.Hour {
		t.Errorf("shop-db: %d/%d jobs, %d of %d minutes within the RPO; want 27/30, 38070 of 43200 (%+v)",
			shop.Succeeded, shop.Jobs, shop.WithinRPO, shop.Minutes, shop)
	}
	if files.Jobs != 0 || files.SuccessRate() != -1 || files.Minutes != 22320 || files.WithinRPO != 360 ||
		files.RestoreOverdue == nil || !files.RestoreOverdue.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, jst)) {
		t.Errorf("files: %+v", files)
	}
	var incs []string
	for _, f := range shop.Failures {
		incs = append(incs, f.Status+" "+f.Incident)
	}
	if want := []string{"failed " + inc.Number, "failed " + inc.Number, "partial "}; !slices.Equal(incs, want) {
		t.Errorf("failures and incidents: %q, want %q", incs, want)
	}
	if len(shop.RestoreTests) != 2 || shop.RestoreTests[0].OverRTO || !shop.RestoreTests[1].OverRTO ||
		time.Duration(shop.RestoreTests[1].Duration) != 5*time.Hour+30*time.Minute {
		t.Errorf("restore tests: %+v", shop.RestoreTests)
	}
	var kinds []string
	for _, f := range r.Findings {
		kinds = append(kinds, f.Kind)
	}
	want := []string{"backup_rpo", "restore_overdue", "backup_rpo", "backup_failed", "restore_over_rto"}
	if !slices.Equal(kinds, want) {
		t.Errorf("findings %q, want %q", kinds, want)
	}

	// Japanese, with nothing of English; then English, with nothing of Japanese but the data.
	html, err := HTML(r)
	if err != nil {
		t.Fatal(err)
	}
	ja := string(html)
	for _, s := range []string{"5. バックアップ", "90.0% (27/30)", "88.12% (38070 / 43200分)", "1.61% (360 / 22320分)", inc.Number,
		"一部失敗", "5時間30分", "RTO超過", "RTO内", "期限超過", "shop-db のリカバリ訓練（2026/11/25）の復旧時間 5時間30分 が RTO 4時間 を超えました",
		"files のリカバリ訓練が期限 2026/11/01 を過ぎても実施されていません", "row counts match"} {
		if !strings.Contains(ja, s) {
			t.Errorf("Japanese report lacks %q", s)
		}
	}
	for _, s := range []string{"Backup", "Restore", "succeeded", "over RTO", "beta-secret-failure", " h ", " min"} {
		if strings.Contains(ja, s) {
			t.Errorf("Japanese report holds %q", s)
		}
	}
	r.Language = "en"
	r.Findings = backupFindings(r) // in the report's language
	html, err = HTML(r)
	if err != nil {
		t.Fatal(err)
	}
	en := string(html)
	for _, s := range []string{"5. Backups", "90.0% (27/30)", "88.12% (38070 of 43200 min)", "partial", "5 h 30 min", "over RTO",
		"The restore test of shop-db (25 Nov 2026) took 5 h 30 min, over the RTO of 4 h", "The restore test of files due 1 Nov 2026 has not been performed"} {
		if !strings.Contains(en, s) {
			t.Errorf("English report lacks %q", s)
		}
	}
	for _, s := range []string{"バックアップ", "リカバリ", "成功", "時間", "分"} {
		if strings.Contains(en, s) {
			t.Errorf("English report holds %q", s)
		}
	}
	// The PDF says the same.
	r.Language = "ja"
	r.Findings = backupFindings(r)
	text := strings.Join(pdftotext(t, renderPDF(t, r)), "\n")
	for _, s := range []string{"5. バックアップ", "88.12%", "RTO超過", inc.Number} {
		if !strings.Contains(text, s) {
			t.Errorf("PDF lacks %q", s)
		}
	}
}
