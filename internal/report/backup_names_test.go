package report

import (
	"context"
	"log/slog"
	"path/filepath"
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
	"github.com/unyo-ops/unyo/internal/monitoring"
	ustorage "github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/testwait"
)

// TestBackupAlertInTheReportsLanguage: a failed backup job raises its
// alert through the real watch and alert engine, and the alert opens an
// incident; the month's report names both in Japanese for a Japanese
// customer and in English for an English one, never in both at once.
func TestBackupAlertInTheReportsLanguage(t *testing.T) {
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := ustorage.New(db)
	if err := st.CreateTenant(ctx, &model.Tenant{ID: "acme", Name: "株式会社アクメ", Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	svc := &model.Service{TenantID: "acme", Name: "ECサイト"}
	if err := st.CreateService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	alerts := alert.NewStore(db)
	engine := alert.New(alerts, st, monitoring.NewStore(db, st), nil, alert.Options{}, slog.New(slog.DiscardHandler))
	bs := backup.NewStore(db, st)
	w := backup.NewWatch(bs, st, engine.Intake, slog.New(slog.DiscardHandler))
	bs.OnChange(w.Touch)
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	t.Cleanup(func() { cancel(); <-done })

	p := &backup.Policy{TenantID: "acme", Name: "shop-db", ServiceID: svc.ID, Target: "shop-db", Method: backup.MethodDBDump,
		Schedule: "every 1h", Retention: model.Duration(720 * time.Hour), RPO: model.Duration(24 * time.Hour)}
	if err := bs.CreatePolicy(ctx, p); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, _, err := bs.AddJob(ctx, &backup.Job{TenantID: "acme", PolicyID: p.ID, Status: backup.StatusFailed, StartedAt: now, FinishedAt: now, Message: "disk full"}); err != nil {
		t.Fatal(err)
	}
	var a *alert.Alert
	testwait.For(t, 10*time.Second, "the failed job's alert", func() bool {
		list, err := alerts.List(ctx, "acme", alert.Filter{})
		if err == nil && len(list) == 1 {
			a = list[0]
		}
		return a != nil
	})
	desk := incident.NewDesk(db, st, nil)
	// The engine hands the firing transition to the desk, as the server wires it.
	if err := incident.OpenFromAlerts(desk)(ctx, alert.Transition{Tenant: "acme", AlertID: a.ID, Fingerprint: a.Fingerprint, Source: a.Source,
		ServiceID: a.ServiceID, Status: alert.StateFiring, Severity: a.Severity, Title: a.Title, StartsAt: a.StartedAt}); err != nil {
		t.Fatal(err)
	}

	ms, err := metricstore.Open(filepath.Join(t.TempDir(), "tsdb"), metricstore.Options{}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	all := SourcesOf(ms, ms.Queryable(), Stores{Tenants: st, Alerts: alerts, Desk: desk, Backups: bs})
	from := now.Add(-24 * time.Hour).Truncate(time.Hour)
	r, err := NewGenerator(Sources{Tenants: st, Metrics: all.Metrics, Alerts: all.Alerts, Incidents: all.Incidents, Backups: all.Backups}, nil).
		Generate(ctx, "acme", from, from.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ lang, want, other string }{
		{"ja", "バックアップ失敗: shop-db", "Backup failed"},
		{"en", "Backup failed: shop-db", "バックアップ失敗"},
	} {
		r.Language = c.lang
		html, err := HTML(r)
		if err != nil {
			t.Fatal(err)
		}
		page := string(html)
		// Once in the alerts by item, once as the incident's title.
		if n := strings.Count(page, c.want); n < 2 || strings.Contains(page, c.other) {
			t.Errorf("the %s report names the alert %q %d times, want 2 or more; and holds %q: %v", c.lang, c.want, n, c.other, strings.Contains(page, c.other))
		}
	}
}
