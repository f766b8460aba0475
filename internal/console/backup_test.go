package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/testwait"
)

// withBackups wires the real backup store into the console under test.
func withBackups(o *Options) { o.Backups = backup.NewStore(o.Store.DB(), o.Store) }

// backupPolicy stores a policy of tenant's first service with the RPO and
// RTO given, and a good job whose point is ago old.
func (e *env) backupPolicy(tenant, name string, rpo, rto, ago time.Duration) *backup.Policy {
	e.t.Helper()
	ctx := context.Background()
	svcs, err := e.store.Services(ctx, tenant)
	if err != nil || len(svcs) == 0 {
		e.t.Fatalf("services of %s: %v", tenant, err)
	}
	bs := backup.NewStore(e.store.DB(), e.store)
	p := &backup.Policy{TenantID: tenant, Name: name, ServiceID: svcs[0].ID, Target: name + " database", Method: backup.MethodDBDump,
		Schedule: "every 1h", Retention: model.Duration(720 * time.Hour), RPO: model.Duration(rpo), RTO: model.Duration(rto),
		Runbook: "https://wiki.example/" + name}
	if err := bs.CreatePolicy(ctx, p); err != nil {
		e.t.Fatal(err)
	}
	at := time.Now().Add(-ago)
	if _, _, err := bs.AddJob(ctx, &backup.Job{TenantID: tenant, PolicyID: p.ID, Status: backup.StatusOK, StartedAt: at,
		FinishedAt: at, SizeBytes: 4096, Message: name + " dump done"}); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// TestBackupPageAndRestoreForm: the tenant's backup page shows each
// policy's last good point against its RPO as a state, the job history and
// the restore tests; a restore test recorded from the form is audited and
// measured against the RTO; a refused form names the field and stores
// nothing; the board counts the tenant's policies at risk.
func TestBackupPageAndRestoreForm(t *testing.T) {
	e := newEnv(t, withBackups)
	stale := e.backupPolicy("acme", "shop-db", time.Hour, time.Hour, 3*time.Hour)
	e.backupPolicy("acme", "files", time.Hour, 0, 10*time.Minute)
	e.backupPolicy("beta", "beta-secret-db", time.Hour, 0, time.Minute)
	b := e.login("operator")
	code, page, _ := b.get("/tenants/acme/backups")
	if code != 200 {
		t.Fatalf("backup page = %d", code)
	}
	for _, want := range []string{`data-policy="shop-db"`, `state-at_risk`, "リスクあり", "RPO超過", `state-ok`, "正常", "shop-db dump done",
		"リカバリ訓練の記録はありません。", `id="restore-form"`} {
		if !strings.Contains(page, want) {
			t.Errorf("backup page lacks %q", want)
		}
	}
	if strings.Contains(page, "beta-secret-db") {
		t.Error("acme's backup page shows beta's policy")
	}
	_, board, _ := b.get("/board")
	if !strings.Contains(board, "失敗 0・リスクあり 1 / 2") || !strings.Contains(board, `href="/tenants/acme/backups" class="backup-risk"`) ||
		!strings.Contains(board, "すべて正常 (1)") {
		t.Errorf("board lacks acme's policy at risk and beta's all OK")
	}

	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	start := time.Now().In(tokyo).Add(-3 * time.Hour).Truncate(time.Minute)
	form := func(verification string) url.Values {
		return url.Values{"policy_id": {strconv.FormatInt(stale.ID, 10)}, "started_at": {start.Format("2006-01-02T15:04")},
			"finished_at": {start.Add(90 * time.Minute).Format("2006-01-02T15:04")}, "performed_by": {"佐藤"},
			"restored": {"shop-db を db-restore1 へ"}, "verification": {verification}, "result": {"ok"}}
	}
	code, page, _ = b.postForm("/tenants/acme/backups", "/tenants/acme/backups/restore-tests", form(""))
	if code != http.StatusBadRequest || !strings.Contains(page, "verification") {
		t.Errorf("form without verification = %d, want 400 naming the field", code)
	}
	code, _, loc := b.postForm("/tenants/acme/backups", "/tenants/acme/backups/restore-tests", form("注文件数が一致"))
	if code != http.StatusSeeOther || loc != "/tenants/acme/backups" {
		t.Fatalf("record = %d to %q", code, loc)
	}
	_, page, _ = b.get("/tenants/acme/backups")
	for _, want := range []string{"佐藤", "注文件数が一致", `class="over-rto"`, "RTO超過", "1h30m / 1h00m"} {
		if !strings.Contains(page, want) {
			t.Errorf("backup page after recording lacks %q", want)
		}
	}
	tests, _ := backup.NewStore(e.store.DB(), e.store).RestoreTests(context.Background(), "acme", 0, time.Time{}, time.Time{})
	if len(tests) != 1 || !tests[0].StartedAt.Equal(start) || tests[0].PerformedBy != "佐藤" {
		t.Errorf("stored restore tests: %+v", tests)
	}
	audit, _ := e.store.AuditLog(context.Background(), "acme", 10)
	n := 0
	for _, a := range audit {
		if a.ObjectType == "backup_restore_test" && a.Action == "create" && a.Actor != "" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d audit entries of restore tests, want 1: %+v", n, audit)
	}

	// English speakers read it in English.
	en := e.login("beta-viewer")
	en.postForm("/board", "/preferences", url.Values{"language": {"en"}})
	_, page, _ = en.get("/tenants/beta/backups")
	if !strings.Contains(page, "Backups of Beta Inc.") || !strings.Contains(page, "OK") || strings.Contains(page, "リスク") ||
		strings.Contains(page, `id="restore-form"`) || !strings.Contains(page, "beta-secret-db") || strings.Contains(page, "shop-db") {
		t.Errorf("beta's viewer's page: English, read-only, beta's only:\n%s", page)
	}
}

// TestBackupAlertInTheReadersLanguage: a failed backup job of a Japanese
// customer raises an alert through the real watch and alert engine, which
// opens an incident; a Japanese operator reads its name in Japanese on the
// alert list, the alert, the incident, its timeline and the board, an
// English one in English, and neither sees both at once; so is what the
// watch says of the failure (the alert's summary); who acknowledged it
// shows as the person's name, not the session's subject.
func TestBackupAlertInTheReadersLanguage(t *testing.T) {
	var opts *Options
	e := newEnv(t, withBackups, withOps, func(o *Options) { opts = o })
	ctx := context.Background()
	engine, desk, bs := opts.AlertDesk.(*alert.Engine), opts.IncidentDesk.(*incident.Desk), opts.Backups.(*backup.Store)
	w := backup.NewWatch(bs, e.store, engine.Intake, nil)
	bs.OnChange(w.Touch)
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	t.Cleanup(func() { cancel(); <-done })
	sato := &model.User{Login: "sato", Name: "佐藤 花子", Role: model.RoleOperator, PasswordHash: testPasswordHash(), Email: "sato@example.com"}
	sato.Normalize()
	if err := e.store.CreateUser(ctx, sato); err != nil {
		t.Fatal(err)
	}

	p := e.backupPolicy("acme", "shop-db", 24*time.Hour, time.Hour, time.Hour)
	if _, _, err := bs.AddJob(ctx, &backup.Job{TenantID: "acme", PolicyID: p.ID, Status: backup.StatusFailed, StartedAt: time.Now(),
		FinishedAt: time.Now(), Message: "disk full"}); err != nil {
		t.Fatal(err)
	}
	var a *alert.Alert
	testwait.For(t, 10*time.Second, "the failed job's alert", func() bool {
		list, err := engine.Store().List(ctx, "acme", alert.Filter{})
		for _, x := range list {
			if err == nil && x.Source == alert.SourceBackup && x.Labels["condition"] == string(backup.ConditionFailed) {
				a = x
			}
		}
		return a != nil
	})
	// The engine hands the firing transition to the desk, as the server wires it.
	if err := incident.OpenFromAlerts(desk)(ctx, alert.Transition{Tenant: "acme", AlertID: a.ID, Fingerprint: a.Fingerprint, Source: a.Source,
		Status: alert.StateFiring, Severity: a.Severity, Title: a.Title, Resource: a.Resource, StartsAt: a.StartedAt}); err != nil {
		t.Fatal(err)
	}
	incs, err := desk.Incidents(ctx, "acme", incident.Filter{})
	if err != nil || len(incs) != 1 {
		t.Fatalf("incidents: %d, %v", len(incs), err)
	}
	alertPage := fmt.Sprintf("/tenants/acme/alerts/%d", a.ID)
	incPage := fmt.Sprintf("/tenants/acme/incidents/%d", incs[0].ID)
	ja := e.login("sato")
	if code, _, _ := ja.postForm(incPage, incPage+"/acknowledge", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("acknowledge the incident = %d", code)
	}
	if code, _, _ := ja.postForm(alertPage, alertPage+"/acknowledge", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("acknowledge the alert = %d", code)
	}
	read := func(b *browser, want, other string) {
		t.Helper()
		for _, path := range []string{"/tenants/acme/alerts", alertPage, incPage, "/tenants/acme/incidents", "/board"} {
			code, page, _ := b.get(path)
			if code != 200 || !strings.Contains(page, want) || strings.Contains(page, other) {
				t.Errorf("%s = %d: has %q %v, has %q %v", path, code, want, strings.Contains(page, want), other, strings.Contains(page, other))
			}
		}
		for _, path := range []string{alertPage, incPage} {
			if _, page, _ := b.get(path); !strings.Contains(page, "佐藤 花子") || strings.Contains(page, "user:sato") {
				t.Errorf("%s names who acknowledged as %v, the session's subject %v", path, strings.Contains(page, "佐藤 花子"), strings.Contains(page, "user:sato"))
			}
		}
	}
	// What the watch says of the failure, in the reader's language alone:
	// in the list's value, and on the alert's page as its value, its
	// summary and its events; the incident does not carry it.
	says := func(b *browser, want, other string) {
		t.Helper()
		for _, path := range []string{"/tenants/acme/alerts", alertPage, incPage} {
			code, page, _ := b.get(path)
			if code != 200 || path != incPage && !strings.Contains(page, want) || strings.Contains(page, other) {
				t.Errorf("%s = %d: says %q %v, says %q %v", path, code, want, strings.Contains(page, want), other, strings.Contains(page, other))
			}
		}
		if _, page, _ := b.get(alertPage); strings.Count(page, want) < 3 {
			t.Errorf("the alert's page says %q %d times, want 3 or more (value, summary, event)", want, strings.Count(page, want))
		}
	}
	read(ja, "バックアップ失敗: shop-db", "Backup failed")
	says(ja, "の結果は失敗でした: disk full", "ended failed")
	ja.postForm("/board", "/preferences", url.Values{"language": {"en"}, "time_zone": {"UTC"}, "back": {"/board"}})
	read(ja, "Backup failed: shop-db", "バックアップ失敗")
	says(ja, "ended failed: disk full", "の結果は失敗でした")
	if _, page, _ := ja.get(incPage); !strings.Contains(page, "Alert firing: Backup failed: shop-db") && !strings.Contains(page, ": Backup failed: shop-db</p>") {
		t.Errorf("the English timeline does not name the alert in English")
	}
}
