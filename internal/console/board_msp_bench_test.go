package console

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/session"
	ustorage "github.com/unyo-ops/unyo/internal/storage"
)

// BenchmarkBoardMSP renders the board as the server wires it at mspsim's
// 1,000 hosts: 50 tenants of 20 hosts in 2 services, each host's check
// (unyo_check_up) in the embedded TSDB every 15 s for the last hour, one
// host in ten failing it, a firing alert on each failing host, and this
// month's availability computed by the report's generator from the checks,
// through the real handler, session and SQLite. It reports the 95th
// percentile of the request time. The month so far grows with the date:
// compare figures of the same day.
func BenchmarkBoardMSP(b *testing.B) {
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URLFor(b, database.SQLite))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ms, err := metricstore.Open(filepath.Join(b.TempDir(), "tsdb"), metricstore.Options{Retention: 24 * time.Hour}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	defer ms.Close()
	st := ustorage.New(db)
	alerts := alert.NewStore(db)
	engine := alert.New(alerts, st, nil, nil, alert.Options{}, slog.New(slog.DiscardHandler))
	now := time.Now()
	for i := range 50 {
		benchTenant(b, st, engine, ms, fmt.Sprintf("c%04d", i), now)
	}
	gen := report.NewGenerator(report.SourcesOf(ms, ms.Queryable(), report.Stores{Tenants: st, Alerts: alerts, Maintenance: maintenance.NewStore(db, st)}), slog.New(slog.DiscardHandler))
	hash, _ := auth.HashPassword(testPassword)
	u := &model.User{Login: "admin", Role: model.RoleAdmin, PasswordHash: hash}
	u.Normalize()
	if err := st.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	sessions := session.New(db, session.Options{})
	c, err := New(Options{Store: st, Auth: auth.NewAuthenticator(st, nil), Sessions: sessions, Alerts: alerts, Availability: gen,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	c.Register(mux)
	w := httptest.NewRecorder()
	sessions.Start(ctx, w, httptest.NewRequest("POST", "/login", nil), u.ID)
	cookie := w.Result().Cookies()[0]

	times := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/board", nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		start := time.Now()
		mux.ServeHTTP(rec, req)
		times = append(times, time.Since(start))
		if rec.Code != 200 {
			b.Fatalf("board = %d", rec.Code)
		}
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
}

// benchTenant makes one tenant of 20 hosts in 2 services with an hour of
// checks; hosts 0 and 10 fail theirs for the last 10 minutes and have a
// firing alert.
func benchTenant(b *testing.B, st *ustorage.Store, engine *alert.Engine, ms *metricstore.Store, id string, now time.Time) {
	ctx := context.Background()
	if err := st.CreateTenant(ctx, &model.Tenant{ID: id, Name: "お客様 " + id, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
		b.Fatal(err)
	}
	var svcs []int64
	for s := range 2 {
		svc := &model.Service{TenantID: id, Name: fmt.Sprintf("svc-%d", s)}
		if err := st.CreateService(ctx, svc); err != nil {
			b.Fatal(err)
		}
		svcs = append(svcs, svc.ID)
	}
	app := ms.AppenderV2(ctx)
	var signals []alert.Signal
	for h := range 20 {
		name := fmt.Sprintf("%s-web-%03d", id, h)
		if err := st.CreateResource(ctx, &model.Resource{TenantID: id, Name: name, Kind: "host", ServiceID: &svcs[h%2], Labels: map[string]string{"os": "linux"}}); err != nil {
			b.Fatal(err)
		}
		failing := h%10 == 0
		if failing {
			signals = append(signals, alert.Signal{Source: alert.SourceGeneric, Status: alert.StateFiring, Severity: alert.SeverityCritical,
				Name: "CheckFailed", Resource: name, Labels: map[string]string{"host": name}})
		}
		ls := labels.FromStrings("__name__", "unyo_check_up", metricstore.TenantLabel, id, "host", name, "item", "https")
		var ref storage.SeriesRef
		for t := now.Add(-time.Hour); !t.After(now); t = t.Add(15 * time.Second) {
			up := 1.0
			if failing && t.After(now.Add(-10*time.Minute)) {
				up = 0
			}
			var err error
			if ref, err = app.Append(ref, ls, 0, t.UnixMilli(), up, nil, nil, storage.AOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := app.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := engine.Intake(ctx, id, signals); err != nil {
		b.Fatal(err)
	}
}
