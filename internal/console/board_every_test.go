package console

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/report"
)

// TestBoardOfEveryTenantIsEachTenantsRow: the MSP's board, which reads
// every customer's services, resources, firing alerts, open incidents with
// their clocks, backup policies and cloud health events at once, shows for
// each tenant the row the tenant's own reads give: alerts by severity,
// incidents with running, paused and breached clocks (at most
// boardIncidentLimit, newest first), the backup tile, the health banner
// and this month's availability.
func TestBoardOfEveryTenantIsEachTenantsRow(t *testing.T) {
	e := newCacheEnv(t)
	ctx := context.Background()
	e.console.opts.Alerts = e.engine.Store()
	e.console.opts.Availability = e.plain
	e.console.opts.Backups = backup.NewStore(e.store.DB(), e.store)
	desk := incident.NewDesk(e.store.DB(), e.store, nil)
	// The desk stamps incidents with the real time: their clocks are read
	// three hours on, when a 30-minute target has breached.
	at := time.Now().Add(3 * time.Hour)
	e.console.opts.Incidents = deskIncidents{desk: desk, now: func() time.Time { return at }}
	// acme: 2 critical and a warning firing, one resolved; beta: one info;
	// gamma: nothing; a tenant with no service and no resource.
	fire := func(tenant, name string, sev alert.Severity, status alert.State) {
		t.Helper()
		if _, err := e.engine.Intake(ctx, tenant, []alert.Signal{{Source: alert.SourceGeneric, Fingerprint: name, Status: status, Severity: sev,
			Name: name, Resource: tenant + "-web-01", Labels: map[string]string{"host": tenant + "-web-01"}}}); err != nil {
			t.Fatal(err)
		}
	}
	fire("acme", "Down", alert.SeverityCritical, alert.StateFiring)
	fire("acme", "Slow", alert.SeverityCritical, alert.StateFiring)
	fire("acme", "Disk", alert.SeverityWarning, alert.StateFiring)
	fire("acme", "Gone", alert.SeverityWarning, alert.StateFiring)
	fire("acme", "Gone", alert.SeverityWarning, alert.StateResolved)
	fire("beta", "Note", alert.SeverityInfo, alert.StateFiring)
	title := "web down"
	svc := e.service("acme", "acme-web")
	if _, err := desk.Open(ctx, "acme", "operator", incident.Fields{ServiceID: &svc.ID, ShortDescription: &title}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateTenant(ctx, &model.Tenant{ID: "empty", Name: "Empty", Language: "en", TimeZone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	e.clock.add(2 * time.Hour)
	everyTenantsIncidents(t, e, desk)
	everyTenantsBackups(t, e)
	// Maintenance windows: acme-web's over its outage of 2 November, all
	// of beta's over its of the 3rd, and one of a host (not counted).
	web := e.service("acme", "acme-web")
	for _, w := range []*maintenance.Stored{
		{Tenant: "acme", Name: "web", ServiceID: &web.ID, Window: maintenance.Window{Start: time.Date(2026, 11, 2, 9, 55, 0, 0, time.UTC), End: time.Date(2026, 11, 2, 10, 35, 0, 0, time.UTC)}},
		{Tenant: "beta", Name: "all", Window: maintenance.Window{Start: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 3, 1, 0, 0, 0, time.UTC)}},
		{Tenant: "beta", Name: "host", Labels: map[string]string{"host": "beta-web-01"}, Window: maintenance.Window{Start: time.Date(2026, 11, 3, 1, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 3, 2, 0, 0, 0, time.UTC)}},
	} {
		if err := e.windows.Create(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	// Cloud health events (info): two open of acme's, one resolved, one of
	// beta's.
	health := func(tenant, name string, status alert.State) {
		t.Helper()
		if _, err := e.engine.Intake(ctx, tenant, []alert.Signal{{Source: alert.SourceCloudHealth, Fingerprint: name, Status: status,
			Severity: alert.SeverityInfo, Name: name}}); err != nil {
			t.Fatal(err)
		}
	}
	health("acme", "Azure: VM degraded", alert.StateFiring)
	health("acme", "AWS: EC2 issue", alert.StateFiring)
	health("acme", "AWS: S3 issue", alert.StateFiring)
	health("acme", "AWS: S3 issue", alert.StateResolved)
	health("beta", "Azure: storage", alert.StateFiring)

	// The MSP's board reads each of these once for every customer, not
	// per tenant (else the rows below would be equal trivially).
	tenants, err := e.store.Tenants(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	all, err := e.console.readEveryTenant(ctx, tenants)
	if err != nil {
		t.Fatal(err)
	}
	if all.alerts == nil || all.incidents == nil || all.backups == nil || all.health == nil || !all.windowsRead {
		t.Fatalf("the MSP's board reads per tenant: alerts %v, incidents %v, backups %v, health %v, windows %v",
			all.alerts != nil, all.incidents != nil, all.backups != nil, all.health != nil, all.windowsRead)
	}

	d, err := e.console.board(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rows) != 4 {
		t.Fatalf("the board has %d rows, want 4", len(d.Rows))
	}
	for _, got := range d.Rows {
		want, err := e.console.boardRow(ctx, got.Tenant, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s's row on the MSP's board is\n%+v\nits own reads give\n%+v", got.Tenant.ID, got, want)
		}
	}
	byID := map[string]boardRow{}
	for _, r := range d.Rows {
		byID[r.Tenant.ID] = r
	}
	if a := byID["acme"].Alerts; a["critical"] != 2 || a["warning"] != 1 || a["info"] != 2 || len(a) != 3 {
		t.Errorf("acme's firing alerts by severity: %v, want 2 critical, 1 warning and 2 info (the open health events)", a)
	}
	if a := byID["empty"].Alerts; a == nil || len(a) != 0 || byID["empty"].AlertsFailed {
		t.Errorf("a tenant with nothing firing shows %v (failed %v), want known zeros", a, byID["empty"].AlertsFailed)
	}
	if byID["acme"].Services != 1 || byID["acme"].Resources != 1 || len(byID["acme"].Incidents) != 1 || len(byID["acme"].Availability) != 1 {
		t.Errorf("acme's row lacks its service, host, incident or availability: %+v", byID["acme"])
	}
	// What the rows hold is what the fixtures made, so that equal rows
	// are not equally empty.
	clocks := map[string]int{}
	for _, oi := range byID["beta"].Incidents {
		for _, c := range oi.Clocks {
			switch {
			case c.Paused:
				clocks["paused"]++
			case c.Breached:
				clocks["breached"]++
			default:
				clocks["running"]++
			}
		}
	}
	if len(byID["beta"].Incidents) != 3 || clocks["paused"] == 0 || clocks["breached"] == 0 || clocks["running"] == 0 {
		t.Errorf("beta's incidents %d, clocks %v: want 3 incidents with paused, breached and running clocks", len(byID["beta"].Incidents), clocks)
	}
	// gamma's newest open incident is the one before the resolved one.
	if g := byID["gamma"].Incidents; len(g) != boardIncidentLimit || !strings.HasSuffix(g[0].Title, fmt.Sprintf(" gamma %d", boardIncidentLimit)) {
		t.Errorf("gamma's tile lists %d incidents, the first %q: want the newest %d of %d open", len(g), g[0].Title, boardIncidentLimit, boardIncidentLimit+1)
	}
	if b := byID["acme"].Backups; b == nil || *b != (backupTile{Policies: 3, AtRisk: 1, Failed: 1}) {
		t.Errorf("acme's backups %+v, want 3 policies, 1 at risk, 1 failed", b)
	}
	if b := byID["beta"].Backups; b == nil || *b != (backupTile{}) {
		t.Errorf("beta, with no policy, shows backups %+v, want a tile of none", b)
	}
	if a := byID["acme"].Availability; len(a) != 1 || a[0].Percent != 100 {
		t.Errorf("acme-web's availability %+v, want 100%% (its outage inside its maintenance window)", a)
	}
	for _, a := range byID["beta"].Availability {
		if a.Service == "beta-web" && a.Downtime != report.Duration(time.Hour) {
			t.Errorf("beta-web's availability %+v, want the second hour of its outage counted (a host's window is not the service's)", a)
		}
	}
	if len(byID["acme"].Health) != 2 || len(byID["beta"].Health) != 1 || byID["gamma"].Health != nil {
		t.Errorf("health banners: acme %d, beta %d, gamma %d; want 2, 1 and none", len(byID["acme"].Health), len(byID["beta"].Health), len(byID["gamma"].Health))
	}
}

// everyTenantsIncidents opens beta's incidents on a service with targets
// (one on hold, its clocks paused; one acknowledged; one left to breach
// its acknowledge target) and seven of gamma's, more than a tile lists
// (with no service: no clocks), one of them resolved.
func everyTenantsIncidents(t *testing.T, e *cacheEnv, desk *incident.Desk) {
	t.Helper()
	ctx := context.Background()
	svc := &model.Service{TenantID: "beta", Name: "beta-sla", Level: model.ServiceLevel{
		AcknowledgeTarget: model.Duration(30 * time.Minute), ResolveTarget: model.Duration(8 * time.Hour)}}
	if err := e.store.CreateService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	open := func(tenant string, svc *int64, title string) *incident.Incident {
		t.Helper()
		inc, err := desk.Open(ctx, tenant, "operator", incident.Fields{ServiceID: svc, ShortDescription: &title})
		if err != nil {
			t.Fatal(err)
		}
		return inc
	}
	held := open("beta", &svc.ID, "db held")
	if _, err := desk.Transition(ctx, "beta", held.ID, "user:sato", incident.StateChange{State: incident.StateOnHold, HoldReason: incident.HoldAwaitingCaller}); err != nil {
		t.Fatal(err)
	}
	acked := open("beta", &svc.ID, "db slow")
	if _, err := desk.Acknowledge(ctx, "beta", acked.ID, "user:sato"); err != nil {
		t.Fatal(err)
	}
	open("beta", &svc.ID, "db down")
	for i := range boardIncidentLimit + 2 {
		inc := open("gamma", nil, fmt.Sprintf("gamma %d", i))
		if i == boardIncidentLimit+1 {
			if _, err := desk.Transition(ctx, "gamma", inc.ID, "user:sato", incident.StateChange{State: incident.StateResolved, CloseCode: "solved", CloseNotes: "ok"}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// everyTenantsBackups gives acme three backup policies as of the board's
// clock: one whose last job failed, one that never ran in two months (at
// risk), one created an hour ago (ok); beta and gamma have none.
func everyTenantsBackups(t *testing.T, e *cacheEnv) {
	t.Helper()
	ctx := context.Background()
	db, now := e.store.DB(), e.clock.now()
	svc := e.service("acme", "acme-web")
	policy := func(name string, created time.Time) int64 {
		t.Helper()
		var id int64
		err := db.QueryRowContext(ctx, `INSERT INTO backup_policies (tenant_id, name, service_id, target, method, schedule, retention_ms,
			rpo_ms, rto_ms, grace_ms, runbook, created_at, updated_at, size_low_percent, size_high_percent, restore_plan, restore_grace_ms)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
			"acme", name, svc.ID, "db", backup.MethodDBDump, "0 2 * * *", (240 * time.Hour).Milliseconds(), (26 * time.Hour).Milliseconds(), 0,
			time.Hour.Milliseconds(), "", created.UnixMilli(), created.UnixMilli(), 50, 200, "", 0).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	failed := policy("failed", now.AddDate(0, -2, 0))
	policy("stale", now.AddDate(0, -2, 0))
	policy("new", now.Add(-time.Hour))
	start := now.Add(-3 * time.Hour)
	if _, err := db.ExecContext(ctx, `INSERT INTO backup_jobs (tenant_id, policy_id, status, started_at, finished_at, size_bytes,
		recovery_point, message, created_at, source) VALUES (?,?,?,?,?,?,?,?,?,?)`, "acme", failed, backup.StatusFailed,
		start.UnixMilli(), start.Add(time.Minute).UnixMilli(), 0, start.UnixMilli(), "", start.UnixMilli(), backup.OriginAPI); err != nil {
		t.Fatal(err)
	}
}
