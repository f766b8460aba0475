package report

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// TestMaintenanceSourceTakesOutWholeServicesOnly: a window of a whole
// service, or of the whole tenant, takes time out of the measured
// availability; a window of one host or of labels does not.
func TestMaintenanceSourceTakesOutWholeServicesOnly(t *testing.T) {
	ctx := context.Background()
	db, err := database.Open(ctx, filepath.Join(t.TempDir(), "unyo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	objects := storage.New(db)
	if err := objects.CreateTenant(ctx, &model.Tenant{ID: "acme", Name: "Acme", Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	svc := &model.Service{TenantID: "acme", Name: "shop"}
	if err := objects.CreateService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	host := &model.Resource{TenantID: "acme", Name: "web-01", Kind: "host", ServiceID: &svc.ID}
	if err := objects.CreateResource(ctx, host); err != nil {
		t.Fatal(err)
	}
	windows := maintenance.NewStore(db, objects)
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	at := func(h int) maintenance.Window {
		return maintenance.Window{Start: from.Add(time.Duration(h) * time.Hour), End: from.Add(time.Duration(h+1) * time.Hour)}
	}
	for _, w := range []*maintenance.Stored{
		{Tenant: "acme", Name: "shop", ServiceID: &svc.ID, Window: at(1)},
		{Tenant: "acme", Name: "everything", Window: at(3)},
		{Tenant: "acme", Name: "one host", ResourceID: &host.ID, Window: at(5)},
		{Tenant: "acme", Name: "labels", Labels: map[string]string{"role": "db"}, Window: at(7)},
	} {
		if err := windows.Create(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	src := SourcesOf(nil, nil, Stores{Tenants: objects, Maintenance: windows, Desk: incident.NewDesk(db, objects, nil)})
	got, err := src.Maintenance.Windows(ctx, "acme", from, from.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("intervals %+v, want the service's and the tenant's only", got)
	}
	byService := map[string]time.Time{}
	for _, iv := range got {
		byService[iv.Service] = iv.Start
	}
	if !byService["shop"].Equal(from.Add(time.Hour)) || !byService[""].Equal(from.Add(3*time.Hour)) {
		t.Errorf("intervals %+v, want shop at 01:00 and every service at 03:00", got)
	}
	// Another tenant's report sees none of them.
	if other, err := src.Maintenance.Windows(ctx, "beta", from, from.Add(24*time.Hour)); err != nil || len(other) != 0 {
		t.Errorf("beta's windows: %+v, %v", other, err)
	}
}

// TestIncidentSourceTellsOpenFromMissed: an incident whose resolve clock
// still runs within its target is open, neither met nor missed, even in a
// report of a period that has not ended (its clock is read now, not at the
// period's end); a resolved one within target is met.
func TestIncidentSourceTellsOpenFromMissed(t *testing.T) {
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	objects := storage.New(db)
	if err := objects.CreateTenant(ctx, &model.Tenant{ID: "acme", Name: "Acme", Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	svc := &model.Service{TenantID: "acme", Name: "shop", Level: model.ServiceLevel{ResolveTarget: model.Duration(4 * time.Hour)}}
	if err := objects.CreateService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	desk := incident.NewDesk(db, objects, nil)
	open := func(title string) *incident.Incident {
		inc, err := desk.Open(ctx, "acme", "user:sato", incident.Fields{ServiceID: &svc.ID, ShortDescription: &title})
		if err != nil {
			t.Fatal(err)
		}
		return inc
	}
	open("running")
	done := open("resolved")
	if _, err := desk.Transition(ctx, "acme", done.ID, "user:sato", incident.StateChange{State: incident.StateResolved, CloseCode: "Solution provided", CloseNotes: "restarted"}); err != nil {
		t.Fatal(err)
	}
	src := SourcesOf(nil, nil, Stores{Tenants: objects, Desk: desk})
	now := time.Now()
	got, err := src.Incidents.Incidents(ctx, "acme", now.Add(-time.Hour), now.AddDate(0, 0, 30))
	if err != nil {
		t.Fatal(err)
	}
	state := map[string]string{}
	for _, in := range got {
		switch {
		case in.SLAOpen:
			state[in.Title] = "open"
		case in.SLAMet == nil:
			state[in.Title] = "none"
		case *in.SLAMet:
			state[in.Title] = "met"
		default:
			state[in.Title] = "missed"
		}
	}
	if state["running"] != "open" || state["resolved"] != "met" || len(state) != 2 {
		t.Errorf("SLA results %v, want running open and resolved met", state)
	}
}
