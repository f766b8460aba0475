package alert

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

func cpuItem() *monitoring.Item {
	return &monitoring.Item{
		Name: "cpu", Kind: monitoring.KindMetric, Title: monitoring.Text{Ja: "CPU 使用率", En: "CPU usage"},
		Metric:     &monitoring.Metric{Series: "node_cpu_busy_percent"},
		Threshold:  &monitoring.Threshold{Op: ">", Warning: ptr(80.0), Critical: ptr(90.0), Recovery: ptr(75.0)},
		Notify:     []string{"slack:#acme-ops"},
		RunbookURL: "https://runbooks.example/cpu",
	}
}

// events lists an alert's events as "from>to reason notify".
func (w *world) events(tenant string, id int64) string {
	w.t.Helper()
	a, err := w.engine.store.Alert(context.Background(), tenant, id)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, e := range a.Events {
		n := ""
		if e.Notify {
			n = " notify"
		}
		out = append(out, fmt.Sprintf("%s>%s %s%s", e.From, e.To, e.Reason, n))
	}
	return strings.Join(out, ", ")
}

func (w *world) start() {
	w.t.Helper()
	if err := w.engine.loadActive(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	w.engine.reloadRules(context.Background())
}

func TestSingleSeriesFiresAsSamplesArrive(t *testing.T) {
	w := newWorld(t, nil)
	web := w.host("acme", "web-01")
	it := w.item("acme", web, cpuItem())
	w.start()

	w.push("acme", w.clock(), 93.5, "__name__", "node_cpu_busy_percent", "host", "web-01")
	w.push("acme", w.clock(), 99, "__name__", "node_cpu_busy_percent", "host", "web-02") // another host: not watched
	w.drain()
	list := w.alerts("acme")
	if len(list) != 1 || list[0].State != StateFiring || list[0].Severity != SeverityCritical || list[0].ValueText != "cpu 93.5 > 90" {
		t.Fatalf("after 93.5: %+v", list)
	}
	// The timer's evaluation of the same series finds the same alert.
	w.eval()
	if got := w.alerts("acme"); len(got) != 1 || got[0].ID != list[0].ID || got[0].State != StateFiring {
		t.Fatalf("after the timer's evaluation: %+v", got)
	}
	a := list[0]
	if a.ItemID != it.ID || a.ResourceID != web.ID || a.Labels["host"] != "web-01" || a.Labels["alertname"] != "cpu" || a.Labels["tenant"] != "" {
		t.Errorf("alert identity: %+v", a)
	}
	if a.Summary.Ja != "web-01: CPU 使用率 重大 (cpu 93.5 > 90)" || a.Summary.En != "web-01: CPU usage critical (cpu 93.5 > 90)" {
		t.Errorf("summary = %+v", a.Summary)
	}
	w.push("acme", w.advance(15*time.Second), 76, "__name__", "node_cpu_busy_percent", "host", "web-01")
	w.drain()
	if got := w.alerts("acme")[0]; got.State != StateFiring {
		t.Fatalf("76 is above the recovery level 75: state %s", got.State)
	}
	w.push("acme", w.advance(15*time.Second), 75, "__name__", "node_cpu_busy_percent", "host", "web-01")
	w.drain()
	if got := w.alerts("acme")[0]; got.State != StateResolved || got.ResolvedAt == nil || !got.ResolvedAt.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("at 75: %+v", got)
	}
	if got, want := w.events("acme", a.ID), ">firing condition notify, firing>resolved recovered notify"; got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
	w.engine.offerPending(context.Background())
	sent := w.transitions()
	if len(sent) != 2 || sent[0].Status != StateFiring || sent[1].Status != StateResolved {
		t.Fatalf("sent %+v", sent)
	}
	f := sent[0]
	if f.IdempotencyKey != fmt.Sprintf("alert:acme:%d:%d", a.ID, f.EventID) || f.Value != "cpu 93.5 > 90" || f.RunbookURL != "https://runbooks.example/cpu" ||
		len(f.Notify) != 1 || f.Notify[0] != "slack:#acme-ops" || f.Resource != "web-01" || f.ItemID != it.ID || f.Title.En != "CPU usage" {
		t.Errorf("firing transition: %+v", f)
	}
	if sent[1].Value != "cpu 75 <= 75" || sent[1].EndsAt == nil {
		t.Errorf("resolved transition: %+v", sent[1])
	}
	// Offered once: marked notified.
	w.engine.offerPending(context.Background())
	if n := len(w.transitions()); n != 2 {
		t.Errorf("offered again after success: %d", n)
	}
}

func TestQueryItemWithForByTimer(t *testing.T) {
	w := newWorld(t, nil)
	db := w.host("acme", "db-01")
	w.item("acme", db, &monitoring.Item{
		Name: "disk", Kind: monitoring.KindMetric, For: model.Duration(time.Minute),
		Metric:    &monitoring.Metric{Query: "max(100 - node_filesystem_free_percent)"},
		Threshold: &monitoring.Threshold{Op: ">=", Critical: ptr(90.0)},
	})
	w.start()
	for i := range 6 {
		at := t0.Add(time.Duration(i) * 15 * time.Second)
		w.push("acme", at, 5, "__name__", "node_filesystem_free_percent", "host", "db-01", "mountpoint", "/")
		w.push("acme", at, 40, "__name__", "node_filesystem_free_percent", "host", "db-01", "mountpoint", "/var")
		w.push("acme", at, 1, "__name__", "node_filesystem_free_percent", "host", "other", "mountpoint", "/") // other host
	}
	w.drain()
	if n := len(w.alerts("acme")); n != 0 {
		t.Fatalf("a query item fired on samples: %d alerts", n)
	}
	w.eval()
	if got := w.alerts("acme"); len(got) != 1 || got[0].State != StatePending || *got[0].Value != 95 {
		t.Fatalf("first evaluation: %+v", got)
	}
	w.advance(45 * time.Second)
	w.eval()
	if got := w.alerts("acme")[0]; got.State != StatePending {
		t.Fatalf("45s into a 1m for: %s", got.State)
	}
	w.advance(15 * time.Second)
	w.eval()
	got := w.alerts("acme")[0]
	if got.State != StateFiring || got.FiredAt == nil || !got.FiredAt.Equal(t0.Add(time.Minute)) || got.StartedAt != t0 {
		t.Fatalf("after 1m: %+v", got)
	}
	if got, want := w.events("acme", got.ID), ">pending condition, pending>firing condition notify"; got != want {
		t.Errorf("events: %s, want %s", got, want)
	}
}

func TestFlappingHoldsNotificationsUntilStable(t *testing.T) {
	w := newWorld(t, func(o *Options) { o.FlapChanges, o.FlapWindow = 4, 10*time.Minute })
	web := w.host("acme", "web-01")
	w.item("acme", web, cpuItem())
	w.start()
	vals := []float64{95, 70, 95, 70, 95, 95}
	for _, v := range vals {
		w.push("acme", w.advance(15*time.Second), v, "__name__", "node_cpu_busy_percent", "host", "web-01")
		w.drain()
	}
	list := w.alerts("acme") // newest first
	if len(list) != 3 || list[0].State != StateFiring || !list[0].Flapping || list[0].Announced {
		t.Fatalf("after flapping: %+v", list[0])
	}
	notified := 0
	for _, a := range list {
		for _, e := range mustAlert(t, w, a.ID).Events {
			if e.Notify {
				notified++
			}
		}
	}
	// 1st firing, its resolution, 2nd firing, its resolution: the 3rd firing is the 5th change > 4.
	if notified != 4 {
		t.Errorf("%d notified transitions, want 4 (the third firing is held)", notified)
	}
	// Stable: the changes age out of the window while the value stays up.
	w.advance(10 * time.Minute)
	w.push("acme", w.clock(), 95, "__name__", "node_cpu_busy_percent", "host", "web-01")
	w.drain()
	a := mustAlert(t, w, list[0].ID)
	if a.Flapping || !a.Announced {
		t.Fatalf("after 10 stable minutes: flapping %v announced %v", a.Flapping, a.Announced)
	}
	if got, want := w.events("acme", a.ID), ">firing condition, firing>firing released notify"; got != want {
		t.Errorf("events: %s, want %s", got, want)
	}
}

func mustAlert(t *testing.T, w *world, id int64) *Alert {
	t.Helper()
	a, err := w.engine.store.Alert(context.Background(), "acme", id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestHostDownInhibitsAndMaintenanceHolds(t *testing.T) {
	w := newWorld(t, nil)
	web := w.host("acme", "web-01")
	app := w.host("acme", "app-01")
	w.item("acme", web, &monitoring.Item{Name: "nodata", Kind: monitoring.KindNoData, Severity: "critical", NoData: &monitoring.NoData{After: model.Duration(5 * time.Minute)}})
	w.item("acme", web, cpuItem())
	w.item("acme", app, cpuItem())
	w.start()
	w.advance(5 * time.Minute) // a nodata item waits its window after the start
	w.eval()                   // nothing from web-01 nor app-01, but only web-01 has a nodata item
	down := w.alerts("acme")
	if len(down) != 1 || down[0].State != StateFiring || down[0].ResourceID != web.ID {
		t.Fatalf("host down: %+v", down)
	}
	w.maint[app.ID] = true
	w.push("acme", w.clock(), 95, "__name__", "node_cpu_busy_percent", "host", "web-01")
	w.push("acme", w.clock(), 95, "__name__", "node_cpu_busy_percent", "host", "app-01")
	w.drain()
	byRes := map[int64]*Alert{}
	for _, a := range w.alerts("acme") {
		if a.ItemID != down[0].ItemID {
			byRes[a.ResourceID] = a
		}
	}
	if a := byRes[web.ID]; a == nil || !a.Inhibited || a.Announced || a.State != StateFiring {
		t.Errorf("cpu of a down host: %+v", a)
	}
	if a := byRes[app.ID]; a == nil || !a.InMaintenance || a.MaintenanceID != 42 || a.Announced {
		t.Errorf("cpu of a host in maintenance: %+v", a)
	}
	// The maintenance window ends: the next sample releases the alert.
	w.maint[app.ID] = false
	w.push("acme", w.advance(15*time.Second), 96, "__name__", "node_cpu_busy_percent", "host", "app-01")
	w.drain()
	if got, want := w.events("acme", byRes[app.ID].ID), ">firing condition, firing>firing released notify"; got != want {
		t.Errorf("after maintenance: %s, want %s", got, want)
	}
	// While web-01 is down, its cpu series going absent resolves nothing.
	w.advance(10 * time.Minute)
	w.eval()
	if a := mustAlert(t, w, byRes[web.ID].ID); a.State != StateFiring {
		t.Errorf("cpu of a down host after its series went absent: %s", a.State)
	}
	if a := mustAlert(t, w, byRes[app.ID].ID); a.State != StateResolved {
		t.Errorf("cpu of a host that is up, after its series went absent: %s", a.State)
	}
	// web-01 comes back still hot: host-down resolves, and the cpu alert it
	// held is released.
	w.push("acme", w.advance(15*time.Second), 97, "__name__", "node_cpu_busy_percent", "host", "web-01")
	w.drain()
	w.eval()
	if a := mustAlert(t, w, down[0].ID); a.State != StateResolved {
		t.Errorf("host-down after the host is back: %s", a.State)
	}
	w.push("acme", w.advance(15*time.Second), 97, "__name__", "node_cpu_busy_percent", "host", "web-01")
	w.drain()
	if got, want := w.events("acme", byRes[web.ID].ID), ">firing condition, firing>firing released notify"; got != want {
		t.Errorf("cpu of web-01 once it is back: %s, want %s", got, want)
	}
}

// TestNoDataWaitsItsWindow: a nodata item finds nothing right after the
// engine starts, or right after it is assigned, because nothing could have
// arrived yet; it fires only once its window has passed since the later of
// the two, with the host still silent.
func TestNoDataWaitsItsWindow(t *testing.T) {
	w := newWorld(t, nil)
	web := w.host("acme", "web-01")
	nodata := func() *monitoring.Item {
		return &monitoring.Item{Name: "nodata", Kind: monitoring.KindNoData, Severity: "critical", NoData: &monitoring.NoData{After: model.Duration(5 * time.Minute)}}
	}
	w.item("acme", web, nodata())
	w.advance(time.Hour) // assigned an hour before the server starts
	w.start()
	for _, d := range []time.Duration{time.Second, time.Minute, 3*time.Minute + 58*time.Second} {
		w.advance(d)
		w.eval()
		if list := w.alerts("acme"); len(list) != 0 {
			t.Fatalf("%v after the start: %+v", w.clock().Sub(t0.Add(time.Hour)), list)
		}
	}
	w.advance(time.Second) // the full window since the start
	w.eval()
	if list := w.alerts("acme"); len(list) != 1 || list[0].State != StateFiring || list[0].ResourceID != web.ID {
		t.Fatalf("5m after the start, web-01 silent: %+v", list)
	}

	// An item assigned to another host long after the start waits its own window.
	app := w.host("acme", "app-01")
	w.item("acme", app, nodata())
	w.engine.reloadRules(context.Background())
	w.advance(time.Second)
	w.eval()
	for _, a := range w.alerts("acme") {
		if a.ResourceID == app.ID {
			t.Fatalf("1s after the assignment: %+v", a)
		}
	}
	w.advance(5 * time.Minute)
	w.eval()
	fired := 0
	for _, a := range w.alerts("acme") {
		if a.ResourceID == app.ID && a.State == StateFiring {
			fired++
		}
	}
	if fired != 1 {
		t.Fatalf("5m after the assignment, app-01 silent: %+v", w.alerts("acme"))
	}
}

func TestRestartReoffersAndKeepsState(t *testing.T) {
	w := newWorld(t, nil)
	web := w.host("acme", "web-01")
	w.item("acme", web, cpuItem())
	w.start()
	w.failing = true
	w.push("acme", w.clock(), 95, "__name__", "node_cpu_busy_percent", "host", "web-01")
	w.drain()
	w.engine.offerPending(context.Background())
	if n := len(w.transitions()); n != 0 {
		t.Fatalf("%d sent while the receiver fails", n)
	}
	// A new engine on the same database, as after kill -9.
	w.failing = false
	w.engine = New(w.engine.store, w.db, w.design, w.metrics, Options{Now: w.clock, Notify: w.notify}, nil)
	w.start()
	w.engine.offerPending(context.Background())
	sent := w.transitions()
	a := w.alerts("acme")[0]
	if len(sent) != 1 || sent[0].AlertID != a.ID || sent[0].IdempotencyKey != fmt.Sprintf("alert:acme:%d:%d", a.ID, sent[0].EventID) {
		t.Fatalf("re-offered %+v", sent)
	}
	w.push("acme", w.advance(15*time.Second), 10, "__name__", "node_cpu_busy_percent", "host", "web-01")
	w.drain()
	if got := w.alerts("acme"); len(got) != 1 || got[0].ID != a.ID || got[0].State != StateResolved {
		t.Fatalf("the restarted engine did not resolve the same alert: %+v", got)
	}
}

func TestReloadFollowsItemChanges(t *testing.T) {
	w := newWorld(t, nil)
	web := w.host("acme", "web-01")
	it := w.item("acme", web, cpuItem())
	w.start()
	cpu := func(v float64) {
		w.push("acme", w.advance(15*time.Second), v, "__name__", "node_cpu_busy_percent", "host", "web-01")
		w.drain()
	}
	cpu(85)
	if got := w.alerts("acme"); len(got) != 1 || got[0].Severity != SeverityWarning {
		t.Fatalf("before the override: %+v", got)
	}
	// This host runs hot: an override raises its levels. After a reload,
	// 85 is under the new recovery level and 93 fires nothing.
	ctx := context.Background()
	o := &monitoring.Override{TenantID: "acme", ItemID: it.ID, ResourceID: web.ID, Warning: ptr(95.0), Critical: ptr(99.0), Recovery: ptr(90.0), Note: "batch host"}
	if err := w.design.CreateOverride(ctx, o); err != nil {
		t.Fatal(err)
	}
	w.engine.Reload() // asks the running loop; here the test reloads itself
	w.engine.reloadRules(ctx)
	cpu(85)
	cpu(93)
	got := w.alerts("acme")
	if len(got) != 1 || got[0].State != StateResolved || got[0].ValueText != "cpu 85 <= 90" {
		t.Fatalf("after the override: %+v", got)
	}
	cpu(96)
	if got := w.alerts("acme"); len(got) != 2 || got[0].State != StateFiring || got[0].ValueText != "cpu 96 > 95" {
		t.Fatalf("at the overridden warning level: %+v", got)
	}
	// The item is deleted: its open alert is resolved, and it fires no more.
	if err := w.design.DeleteItem(ctx, "acme", it.ID); err != nil {
		t.Fatal(err)
	}
	w.engine.reloadRules(ctx)
	got = w.alerts("acme")
	if got[0].State != StateResolved {
		t.Fatalf("after the item is deleted: %+v", got[0])
	}
	if ev, want := w.events("acme", got[0].ID), ">firing condition notify, firing>resolved removed notify"; ev != want {
		t.Errorf("events: %s, want %s", ev, want)
	}
	cpu(99.5)
	if n := len(w.alerts("acme")); n != 2 {
		t.Errorf("a deleted item still fires: %d alerts", n)
	}
}

func TestAcknowledgeAndSilence(t *testing.T) {
	w := newWorld(t, nil)
	web := w.host("acme", "web-01")
	w.item("acme", web, cpuItem())
	w.start()
	w.push("acme", w.clock(), 85, "__name__", "node_cpu_busy_percent", "host", "web-01")
	w.drain()
	a := w.alerts("acme")[0]
	ctx := context.Background()
	got, err := w.engine.Acknowledge(ctx, "acme", a.ID, "user:alice")
	if err != nil || got.AcknowledgedBy != "user:alice" || got.AcknowledgedAt == nil {
		t.Fatalf("acknowledge: %+v %v", got, err)
	}
	if _, err := w.engine.Silence(ctx, "acme", a.ID, t0.Add(-time.Minute), "user:alice"); err == nil || !strings.Contains(err.Error(), "until") {
		t.Errorf("silence in the past: %v", err)
	}
	if _, err := w.engine.Silence(ctx, "acme", a.ID, t0.Add(time.Hour), "user:alice"); err != nil {
		t.Fatal(err)
	}
	// Escalation while silenced is recorded, not notified.
	w.push("acme", w.advance(15*time.Second), 95, "__name__", "node_cpu_busy_percent", "host", "web-01")
	w.drain()
	if ev, want := w.events("acme", a.ID), ">firing condition notify, firing>firing acknowledged, firing>firing silenced, firing>firing severity"; ev != want {
		t.Errorf("events: %s, want %s", ev, want)
	}
	if _, err := w.engine.Acknowledge(ctx, "beta", a.ID, "user:bob"); err == nil {
		t.Errorf("beta acknowledged acme's alert")
	}
}

func TestCheckFiresOnConsecutiveFailures(t *testing.T) {
	w := newWorld(t, nil)
	web := w.host("acme", "web-01")
	w.item("acme", web, &monitoring.Item{
		Name: "site", Kind: monitoring.KindCheck, Severity: "critical",
		Check: &monitoring.Check{Type: "http", URL: "https://www.example.com/", Failures: 3},
	})
	w.start()
	up := func(v float64) {
		w.push("acme", w.advance(15*time.Second), v, "__name__", "unyo_check_up", "host", "web-01", "item", "site")
		w.eval()
	}
	for _, v := range []float64{1, 0, 0, 1, 0, 0} {
		up(v)
	}
	if n := len(w.alerts("acme")); n != 0 {
		t.Fatalf("two failures in a row fired: %d alerts", n)
	}
	up(0)
	got := w.alerts("acme")
	if len(got) != 1 || got[0].State != StateFiring || got[0].ValueText != "check failed 3 times in a row" {
		t.Fatalf("after the third failure in a row: %+v", got)
	}
	up(1)
	if got := w.alerts("acme")[0]; got.State != StateResolved {
		t.Fatalf("after a success: %s", got.State)
	}
}

// TestRunObservesAndHandsOff drives the engine's own goroutines: the first
// reload, the queue of observed samples and the notifier.
func TestRunObservesAndHandsOff(t *testing.T) {
	w := newWorld(t, nil)
	web := w.host("acme", "web-01")
	w.item("acme", web, cpuItem())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.engine.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-w.engine.Loaded():
	case <-time.After(10 * time.Second):
		t.Fatal("rules not loaded within 10s")
	}
	w.push("acme", w.clock(), 97, "__name__", "node_cpu_busy_percent", "host", "web-01")
	// Handed off, then marked: await the mark.
	notified := func() bool {
		list := w.alerts("acme")
		return len(list) == 1 && mustAlert(t, w, list[0].ID).Events[0].NotifiedAt != nil
	}
	deadline := time.Now().Add(10 * time.Second)
	for !notified() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	sent := w.transitions()
	if !notified() || len(sent) != 1 || sent[0].Status != StateFiring || sent[0].Severity != SeverityCritical {
		t.Fatalf("handed off %+v", sent)
	}
}

// TestPromRulesAndAlertsAreTenantScoped: /api/v1/rules and /api/v1/alerts,
// as the engine answers them, show one tenant's rules and alerts only.
func TestPromRulesAndAlertsAreTenantScoped(t *testing.T) {
	w := newWorld(t, nil)
	web := w.host("acme", "web-01")
	w.item("acme", web, cpuItem())
	w.item("beta", w.host("beta", "db-01"), cpuItem())
	w.start()
	w.push("acme", w.clock(), 95, "__name__", "node_cpu_busy_percent", "host", "web-01")
	w.drain()

	groups := w.engine.PromRules("acme", false)
	if len(groups) != 1 || groups[0].Name != "web-01" || groups[0].File != "acme" || len(groups[0].Rules) != 1 {
		t.Fatalf("acme's rule groups: %+v", groups)
	}
	r := groups[0].Rules[0]
	if r.Type != "alerting" || r.Health != "ok" || r.State != "firing" || len(r.Alerts) != 1 || r.Alerts[0].Labels["host"] != "web-01" {
		t.Errorf("acme's cpu rule: %+v", r)
	}
	if groups := w.engine.PromRules("beta", false); len(groups) != 1 || groups[0].Name != "db-01" || groups[0].Rules[0].State != "inactive" || len(groups[0].Rules[0].Alerts) != 0 {
		t.Errorf("beta's rule groups: %+v", groups)
	}
	if len(w.engine.PromRules("gamma", false)) != 0 || len(w.engine.PromAlerts("gamma", false)) != 0 {
		t.Errorf("a tenant without rules sees some")
	}
	if alerts := w.engine.PromAlerts("acme", false); len(alerts) != 1 || alerts[0].State != "firing" || alerts[0].Labels["severity"] == "" {
		t.Errorf("acme's alerts: %+v", alerts)
	}
	if alerts := w.engine.PromAlerts("beta", false); len(alerts) != 0 {
		t.Errorf("beta sees acme's alerts: %+v", alerts)
	}
	if len(w.engine.PromRules("", true)) != 2 {
		t.Errorf("every tenant's rules: %+v", w.engine.PromRules("", true))
	}
}

// TestExporterFiresOnFailedScrapeAndOwnUp: an exporter item fires when the
// agent cannot read the exporter (unyo_scrape_up 0) and when the exporter
// itself says what it watches is down (apache_up 0), and resolves after.
func TestExporterFiresOnFailedScrapeAndOwnUp(t *testing.T) {
	w := newWorld(t, nil)
	web := w.host("acme", "web-01")
	w.item("acme", web, &monitoring.Item{
		Name: "apache", Kind: monitoring.KindExporter, Severity: "critical",
		Exporter: &monitoring.Exporter{URL: "http://127.0.0.1:9117/metrics"},
	})
	w.start()
	scrape := func(scrapeUp, apacheUp float64) []*Alert {
		at := w.advance(15 * time.Second)
		w.push("acme", at, scrapeUp, "__name__", "unyo_scrape_up", "host", "web-01", "item", "apache")
		if scrapeUp == 1 {
			w.push("acme", at, apacheUp, "__name__", "apache_up", "host", "web-01", "item", "apache")
		}
		// A per-interface _up of 0 is not the exporter down.
		w.push("acme", at, 0, "__name__", "node_network_up", "host", "web-01", "item", "apache", "device", "eth9")
		w.eval()
		return w.alerts("acme")
	}
	if got := scrape(1, 1); len(got) != 0 {
		t.Fatalf("healthy exporter fired: %+v", got)
	}
	if got := scrape(0, 0); len(got) != 1 || got[0].State != StateFiring {
		t.Fatalf("failed scrape: %+v, want one firing alert", got)
	}
	if got := scrape(1, 1); got[0].State != StateResolved {
		t.Fatalf("scrape back: %s, want resolved", got[0].State)
	}
	got := scrape(1, 0)
	if len(got) != 2 || got[0].State != StateFiring && got[1].State != StateFiring {
		t.Fatalf("apache_up 0: %+v, want a new firing alert", got)
	}
}
