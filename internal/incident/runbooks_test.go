package incident

import (
	"context"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// TestIncidentShowsTheRunbooksOfItsAlertsItems links alerts of two real
// monitoring items to one incident and reads their runbooks on its detail;
// a service-wide alert with policy attach joins the service's open incident.
func TestIncidentShowsTheRunbooksOfItsAlertsItems(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	design := monitoring.NewStore(fx.s.db, fx.st)
	fx.s.SetItems(design)
	host := fx.resource(t, "acme", "web-01")
	svc := fx.service(t, "acme", "shop", calendar.Calendar{}, time.Hour, 0, 0)
	item := func(name string, runbookID int64, url string) int64 {
		it := &monitoring.Item{TenantID: "acme", ResourceID: host, Name: name, Kind: monitoring.KindLog,
			Title:    monitoring.Text{Ja: name, En: name},
			Log:      &monitoring.Log{Glob: "/var/log/" + name + ".log", Regex: "ERROR", Count: 1, Window: model.Duration(10 * time.Minute)},
			Severity: monitoring.SeverityWarning, RunbookID: runbookID, RunbookURL: url}
		if err := design.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		return it.ID
	}
	withURL := item("app-log", 0, "https://wiki.example.com/runbooks/app-log")
	withID := item("db-log", 42, "")
	plain := item("misc-log", 0, "")
	ev := func(id string, itemID int64, resource int64, policy string) {
		t.Helper()
		err := fx.s.OnAlert(ctx, AlertEvent{Tenant: "acme", AlertID: id, ItemID: itemID, ResourceID: resource, ServiceID: svc,
			Policy: policy, Severity: "warning", Title: id, Status: "firing"})
		if err != nil {
			t.Fatal(err)
		}
	}
	ev("a1", withURL, host, "new")
	ev("a2", withID, host, "attach")
	ev("a3", plain, 0, "attach") // no resource: joins the open incident of the service
	list, _ := fx.s.Incidents(ctx, "acme", Filter{})
	if len(list) != 1 {
		t.Fatalf("%d incidents, want 1", len(list))
	}
	inc, err := fx.s.Incident(ctx, "acme", list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(inc.Alerts) != 3 || len(inc.Links) != 2 {
		t.Fatalf("alerts %+v, runbooks %+v", inc.Alerts, inc.Links)
	}
	if inc.Links[0] != (RunbookLink{ItemID: withURL, URL: "https://wiki.example.com/runbooks/app-log"}) || inc.Links[1] != (RunbookLink{ItemID: withID, RunbookID: 42}) {
		t.Errorf("runbooks %+v", inc.Links)
	}
	if beta, err := fx.s.Incident(ctx, "beta", inc.ID); err == nil {
		t.Errorf("beta reads acme's incident: %+v", beta)
	}
}
