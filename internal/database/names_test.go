package database_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/storage"
)

// TestMigrationRewritesBilingualNames: a backup alert, and the incident it
// opened, stored before alerts had a title in each language ("バックアップ
// 失敗 / Backup failed: …" for every reader) read after the migration as
// the alert's title in each language, and the incident's in its tenant's.
func TestMigrationRewritesBilingualNames(t *testing.T) {
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := storage.New(db)
	for _, tn := range []*model.Tenant{{ID: "acme", Name: "株式会社アクメ", Language: "ja"}, {ID: "beta", Name: "Beta Inc.", Language: "en"}} {
		if err := st.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	desk := incident.NewDesk(db, st, nil)
	engine := alert.New(alert.NewStore(db), st, monitoring.NewStore(db, st), nil, alert.Options{}, slog.New(slog.DiscardHandler))
	old := "バックアップ失敗 / Backup failed: shop-db"
	for i, tenant := range []string{"acme", "beta"} {
		if _, err := engine.Intake(ctx, tenant, []alert.Signal{{Source: alert.SourceBackup, Fingerprint: "policy/1/job_failed",
			Status: alert.StateFiring, Severity: alert.SeverityCritical, Name: old}}); err != nil {
			t.Fatal(err)
		}
		if err := desk.OnAlert(ctx, incident.AlertEvent{Tenant: tenant, AlertID: string(rune('1' + i)), Fingerprint: "backup:policy/1/job_failed",
			Policy: "new", Severity: "critical", Title: old, Status: "firing", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := rewriteNames(ctx, db); err != nil {
		t.Fatal(err)
	}
	for tenant, want := range map[string]string{"acme": "バックアップ失敗: shop-db", "beta": "Backup failed: shop-db"} {
		alerts, err := engine.Store().List(ctx, tenant, alert.Filter{})
		if err != nil || len(alerts) != 1 {
			t.Fatalf("%s's alerts: %d, %v", tenant, len(alerts), err)
		}
		if got := alerts[0].Title; got.Ja != "バックアップ失敗: shop-db" || got.En != "Backup failed: shop-db" {
			t.Errorf("%s's alert title after the migration: %+v", tenant, got)
		}
		list, _ := desk.Incidents(ctx, tenant, incident.Filter{})
		inc, err := desk.Incident(ctx, tenant, list[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if inc.ShortDescription != want || inc.Title("ja") != want || inc.Title("en") != want || inc.Alerts[0].Title != want {
			t.Errorf("%s's incident after the migration: %q, link %q, want %q", tenant, inc.ShortDescription, inc.Alerts[0].Title, want)
		}
		tl, _ := desk.Timeline(ctx, tenant, inc.ID, true)
		for _, e := range tl {
			if strings.Contains(e.Body, " / ") {
				t.Errorf("%s's timeline after the migration: %q", tenant, e.Body)
			}
		}
	}
}

// rewriteNames runs the UPDATEs of the migration that rewrote the names
// stored in both languages at once: the database is already at the newest
// version, with rows written the old way.
func rewriteNames(ctx context.Context, db *sql.DB) error {
	for _, m := range database.Histories[database.DialectOf(db)] {
		if !strings.Contains(m, "incidents ADD COLUMN titles") {
			continue
		}
		for _, stmt := range strings.Split(m, ";\n") {
			if stmt = strings.TrimSpace(stmt); stmt == "" || strings.HasPrefix(stmt, "ALTER") {
				continue
			}
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("%s: %w", stmt, err)
			}
		}
		return nil
	}
	return errors.New("no migration adds incidents.titles")
}
