package console

import (
	"context"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/report"
)

// openSettle and openRefresh are what the tests give the board's open
// days: the last 5 minutes read at every view, all afresh every 10.
const (
	openSettle  = 5 * time.Minute
	openRefresh = 10 * time.Minute
)

// keepOpenDays makes e's cached generator keep the open days too.
func (e *cacheEnv) keepOpenDays() {
	src := report.SourcesOf(e.ms, e.ms.Queryable(), report.Stores{Tenants: e.store, Maintenance: e.windows})
	src.Downtime = report.CheckDowntime{Metrics: e.runs, Resources: e.store}
	days := report.NewClosedDays(closedLag, 0, nil)
	days.KeepOpenDays(openSettle, openRefresh)
	e.cached = report.NewGenerator(src, slog.New(slog.DiscardHandler))
	e.cached.KeepClosedDays(days)
}

func TestBoardKeepsOpenDaysWithTheSameFigures(t *testing.T) {
	e := newCacheEnv(t)
	e.keepOpenDays()
	b := e.login("admin")
	// Views a minute or so apart across beta's outage of 5 November
	// 22:00 UTC and acme's of 6 November 03:00 UTC, the settle, refreshes
	// and midnights.
	e.clock.add(9*time.Hour + 40*time.Minute)
	for range 20 {
		e.same(b)
		e.clock.add(67 * time.Second)
	}
	e.clock.add(4*time.Hour + 40*time.Minute)
	for range 30 {
		e.same(b)
		e.clock.add(2*time.Minute + 13*time.Second)
	}
	// What a view read: the minutes settled since the view before and the
	// last five, not the open day (a minute after the refresh's full read,
	// as the next is at least half the refresh later).
	e.clock.add(openRefresh)
	e.view(b, e.cached)
	e.runs.take()
	e.clock.add(time.Minute)
	e.view(b, e.cached)
	got := reads(e.runs.take())
	if len(got) != 3 {
		t.Errorf("a view read the checks of %d tenants, want 3: %v", len(got), got)
	}
	for tenant, got := range got {
		for _, r := range got {
			from, _ := time.Parse(time.RFC3339, r[:20])
			if age := e.clock.now().Sub(from); age > openSettle+2*time.Minute {
				t.Errorf("a view a minute after the last read %s's %s (%s before the view)", tenant, r, age)
			}
		}
	}
}

func TestBoardShowsALateFailureWithinTheRefresh(t *testing.T) {
	e := newCacheEnv(t)
	e.keepOpenDays()
	b := e.login("admin")
	// 8 November 23:00 UTC: the checks run to 9 November.
	e.clock.add(3*24*time.Hour + 11*time.Hour)
	before := e.same(b)
	e.view(b, e.cached) // the open day is kept

	// beta's host sends a second check late: down 8 November 22:00–22:30
	// UTC (half an hour ago) and 22:57–23:00 (within the settle).
	ls := labels.FromStrings("__name__", "unyo_check_up", metricstore.TenantLabel, "beta", "host", "beta-web-01", "item", "ping")
	app := e.ms.AppenderV2(context.Background())
	var ref storage.SeriesRef
	for ts := time.Date(2026, 11, 8, 21, 0, 0, 0, time.UTC); ts.Before(time.Date(2026, 11, 8, 23, 0, 0, 0, time.UTC)); ts = ts.Add(time.Minute) {
		up := 1.0
		if ts.Hour() == 22 && (ts.Minute() < 30 || ts.Minute() >= 57) {
			up = 0
		}
		var err error
		if ref, err = app.Append(ref, ls, 0, ts.UnixMilli(), up, nil, nil, storage.AOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	e.clock.add(time.Minute)
	if got := e.view(b, e.cached); got["beta"] == before["beta"] {
		t.Errorf("the failure of the last minutes does not show at once: %s", got["beta"])
	}
	// Within the refresh, the board shows what the report's generator does.
	e.clock.add(openRefresh)
	after := e.same(b)
	if reflect.DeepEqual(after["beta"], before["beta"]) {
		t.Errorf("the late failure does not show: %s", after["beta"])
	}
}
