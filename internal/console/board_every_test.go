package console

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
)

// TestBoardOfEveryTenantIsEachTenantsRow: the MSP's board, which reads
// every customer's services, resources and firing alerts in one query
// each, shows for each tenant the row the tenant's own reads give, alerts
// by severity, incidents and this month's availability included.
func TestBoardOfEveryTenantIsEachTenantsRow(t *testing.T) {
	e := newCacheEnv(t)
	ctx := context.Background()
	e.console.opts.Alerts = e.engine.Store()
	e.console.opts.Availability = e.plain
	desk := incident.NewDesk(e.store.DB(), e.store, nil)
	e.console.opts.Incidents = deskIncidents{desk: desk, now: e.clock.now}
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
	if a := byID["acme"].Alerts; a["critical"] != 2 || a["warning"] != 1 || len(a) != 2 {
		t.Errorf("acme's firing alerts by severity: %v, want 2 critical and 1 warning", a)
	}
	if a := byID["empty"].Alerts; a == nil || len(a) != 0 || byID["empty"].AlertsFailed {
		t.Errorf("a tenant with nothing firing shows %v (failed %v), want known zeros", a, byID["empty"].AlertsFailed)
	}
	if byID["acme"].Services != 1 || byID["acme"].Resources != 1 || len(byID["acme"].Incidents) != 1 || len(byID["acme"].Availability) != 1 {
		t.Errorf("acme's row lacks its service, host, incident or availability: %+v", byID["acme"])
	}
}
