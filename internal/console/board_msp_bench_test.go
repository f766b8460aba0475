package console

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/report"
	ustorage "github.com/unyo-ops/unyo/internal/storage"
)

// BenchmarkBoardMSP renders the board as the server wires it at mspsim's
// sizes: 1,000 hosts (50 tenants of 20) and 5,000 (100 tenants of 50),
// each tenant's hosts in 2 services, each host's check (unyo_check_up) in
// the embedded TSDB once a minute for the last 7 days (compacted into
// blocks, as a server holds them) and every 15 s for the last hour, one
// host in ten failing it for 10 minutes at 03:00 UTC each day and for the
// last 10 minutes, a firing alert on each failing host and an open
// incident a tenant, the incident desk, backups and this month's
// availability computed by the report's generator from the checks,
// through the real handler, session and SQLite. It reports the 95th
// percentile of the request time, with the closed days read at every view
// (every-day) and kept between views as the server does (closed-kept, the
// out-of-order window of 24 h and an hour of lag, and the open days up to
// DefaultOpenSettle before the view). The month so far grows
// with the date: compare figures of the same day. Pick a size with
// -bench 'BenchmarkBoardMSP/hosts=5000'; the other's fixture is not built.
func BenchmarkBoardMSP(b *testing.B) {
	for _, size := range []struct{ tenants, hosts int }{{50, 20}, {100, 50}} {
		b.Run(fmt.Sprintf("hosts=%d", size.tenants*size.hosts), func(b *testing.B) {
			benchBoardMSP(b, size.tenants, size.hosts)
		})
	}
}

func benchBoardMSP(b *testing.B, tenants, hostsPer int) {
	ctx := context.Background()
	db := benchDB(b, database.SQLite)
	ms, err := metricstore.Open(filepath.Join(b.TempDir(), "tsdb"), metricstore.Options{Retention: 400 * 24 * time.Hour, OutOfOrderWindow: 24 * time.Hour}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	defer ms.Close()
	st := ustorage.New(db)
	alerts := alert.NewStore(db)
	engine := alert.New(alerts, st, nil, nil, alert.Options{}, slog.New(slog.DiscardHandler))
	desk := incident.NewDesk(db, st, slog.New(slog.DiscardHandler))
	now := time.Now()
	var hosts []benchHost
	for i := range tenants {
		hosts = append(hosts, benchChecked(b, st, engine, desk, fmt.Sprintf("c%04d", i), hostsPer)...)
	}
	benchChecks(b, ms, hosts, now)
	// The closed days in blocks, as on a server that has run for a week.
	if err := ms.Queryable().(*tsdb.DB).Compact(ctx); err != nil {
		b.Fatal(err)
	}
	src := report.SourcesOf(ms, ms.Queryable(), report.Stores{Tenants: st, Alerts: alerts, Maintenance: maintenance.NewStore(db, st)})
	for _, kept := range []bool{false, true} {
		gen := report.NewGenerator(src, slog.New(slog.DiscardHandler))
		name := "every-day"
		if kept {
			days := report.NewClosedDays(25*time.Hour, 0, func() time.Time { return time.UnixMilli(ms.Head().MaxTime()) })
			days.KeepOpenDays(report.DefaultOpenSettle, report.DefaultOpenRefresh)
			gen.KeepClosedDays(days)
			name = "closed-kept"
		}
		b.Run(name, func(b *testing.B) {
			benchBoardViews(b, db, "admin-"+name, Options{Store: st, Alerts: alerts, Availability: gen, IncidentDesk: desk,
				Backups: backup.NewStore(db, st), Logger: slog.New(slog.DiscardHandler)})
		})
	}
}

// benchHost is a host whose check the benchmark writes.
type benchHost struct {
	ls      labels.Labels
	ref     storage.SeriesRef
	failing bool
}

// benchChecked makes one tenant of hosts hosts in 2 services; one host in
// ten fails its check and has a firing alert, and the tenant has an open
// incident on its first service.
func benchChecked(b *testing.B, st *ustorage.Store, engine *alert.Engine, desk *incident.Desk, id string, hosts int) []benchHost {
	var out []benchHost
	var signals []alert.Signal
	res := benchTenant(b, st, id, 2, hosts, []string{"host"})
	title := "web down"
	if _, err := desk.Open(context.Background(), id, "operator", incident.Fields{ServiceID: res[0].ServiceID, ShortDescription: &title}); err != nil {
		b.Fatal(err)
	}
	for h, r := range res {
		failing := h%10 == 0
		if failing {
			signals = append(signals, alert.Signal{Source: alert.SourceGeneric, Status: alert.StateFiring, Severity: alert.SeverityCritical,
				Name: "CheckFailed", Resource: r.Name, Labels: map[string]string{"host": r.Name}})
		}
		out = append(out, benchHost{ls: labels.FromStrings("__name__", "unyo_check_up", metricstore.TenantLabel, id, "host", r.Name, "item", "https"), failing: failing})
	}
	if _, err := engine.Intake(context.Background(), id, signals); err != nil {
		b.Fatal(err)
	}
	return out
}

// benchChecks writes the hosts' checks of the week to now, a minute apart
// and 15 s apart in the last hour, 6 hours at a time (the TSDB refuses a
// sample older than its newest less the out-of-order window); a failing
// host's check fails at 03:00–03:10 UTC each day and for the last 10
// minutes.
func benchChecks(b *testing.B, ms *metricstore.Store, hosts []benchHost, now time.Time) {
	ctx := context.Background()
	t := now.Add(-7 * 24 * time.Hour)
	for !t.After(now) {
		app := ms.AppenderV2(ctx)
		var last time.Time
		for i := range hosts {
			h := &hosts[i]
			for last = t; !last.After(now) && last.Before(t.Add(6*time.Hour)); last = benchNext(last, now) {
				up := 1.0
				if h.failing && (last.After(now.Add(-10*time.Minute)) || last.UTC().Hour() == 3 && last.UTC().Minute() < 10) {
					up = 0
				}
				var err error
				if h.ref, err = app.Append(h.ref, h.ls, 0, last.UnixMilli(), up, nil, nil, storage.AOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := app.Commit(); err != nil {
			b.Fatal(err)
		}
		t = last
	}
}

// benchNext is the check after one at t: a minute later, 15 s in the last
// hour before now.
func benchNext(t, now time.Time) time.Time {
	if t.Before(now.Add(-time.Hour)) {
		return t.Add(time.Minute)
	}
	return t.Add(15 * time.Second)
}
