package blueprint

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/storage"
)

// The benchmarks' fleet: 100 customers of 50 hosts each.
const benchCustomers, benchHosts = 100, 50

// benchDesign is one customer of the fleet: a service, its hosts, a
// template of five items assigned to them, a channel, a policy, a window
// and a runbook.
func benchDesign(tenant string) *Design {
	d := &Design{Tenant: tenant, Services: []Service{{Name: "web", ServiceLevel: model.ServiceLevel{AvailabilityTarget: 99.9}}},
		Runbooks:           []Runbook{{Title: "Web down", Body: "# Web down\n\n1. Restart.\n"}},
		Channels:           []Channel{{Name: "ops", Type: "slack", Config: map[string]any{"webhook_url": "https://hooks.slack.com/services/T0/B0/" + tenant}}},
		EscalationPolicies: []Policy{{Name: "default", Default: true, Steps: []Step{{Targets: []string{"ops"}}}}},
		Assignments:        []Assignment{{Template: "web", Selector: "role=web"}},
	}
	warn, crit := 80.0, 90.0
	tpl := Template{Name: "web"}
	for i := range 5 {
		tpl.Items = append(tpl.Items, Item{Name: fmt.Sprintf("m%d", i), Kind: monitoring.KindMetric, Runbook: "Web down",
			Metric: &monitoring.Metric{Query: fmt.Sprintf("metric_%d", i)}, Threshold: &monitoring.Threshold{Op: ">", Warning: &warn, Critical: &crit}})
	}
	d.Templates = []Template{tpl}
	for i := range benchHosts {
		d.Resources = append(d.Resources, Resource{Name: fmt.Sprintf("web-%02d", i), Kind: "host", Service: "web", Labels: map[string]string{"role": "web", "os": "linux"}})
	}
	d.MaintenanceWindows = []Window{{Name: "patch", Service: "web", Recurrence: &maintenance.Recurrence{Frequency: "weekly", Weekdays: []string{"wed"},
		StartTime: "02:00", Duration: "2h", TimeZone: "Asia/Tokyo", StartsOn: "2027-01-01", EndsOn: "2027-12-31"}}}
	addBenchPlans(d)
	return d
}

// benchFleet opens a fresh database with the fleet's tenants.
func benchFleet(b *testing.B) (*Planner, Stores, []*Design) {
	b.Helper()
	db := dbtest.Open(b)
	objects := storage.New(db)
	box, _ := secret.New(bytes.Repeat([]byte{5}, secret.KeySize))
	st := NewStores(db, objects, box, Stores{Capacity: planCapacity(db, objects, box)})
	var designs []*Design
	for i := range benchCustomers {
		id := fmt.Sprintf("c%03d", i)
		if err := objects.CreateTenant(context.Background(), &model.Tenant{ID: id, Name: id, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			b.Fatal(err)
		}
		designs = append(designs, benchDesign(id))
	}
	return NewPlanner(db, st), st, designs
}

// BenchmarkApply applies the fleet's designs to empty tenants, one
// transaction per customer.
func BenchmarkApply(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		p, _, designs := benchFleet(b)
		b.StartTimer()
		for _, d := range designs {
			if _, err := p.Apply(context.Background(), d.Tenant, "bench", &Request{Design: *d}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkPlan plans the fleet's designs once applied: no changes, every
// object of every customer read and compared.
func BenchmarkPlan(b *testing.B) {
	p, _, designs := benchFleet(b)
	for _, d := range designs {
		if _, err := p.Apply(context.Background(), d.Tenant, "bench", &Request{Design: *d}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		for _, d := range designs {
			plan, err := p.Plan(context.Background(), d.Tenant, &Request{Design: *d})
			if err != nil || !plan.Empty() {
				b.Fatal(err, plan)
			}
		}
	}
}

// BenchmarkStoresOneByOne is the peer: the same objects created as a
// script over the REST API would, one store call (one transaction) each.
func BenchmarkStoresOneByOne(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		p, st, designs := benchFleet(b)
		b.StartTimer()
		for _, d := range designs {
			if err := oneByOne(p, st, d); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func oneByOne(p *Planner, st Stores, d *Design) error {
	ctx, x := context.Background(), newIDs()
	w := &writer{s: p, tenant: d.Tenant, actor: "bench", st: &state{x: x, objs: map[string]map[string]*object{}}}
	var list []desired
	for _, v := range d.Services {
		list = append(list, desired{kind: KindService, key: v.Name, design: v})
	}
	for _, v := range d.Runbooks {
		list = append(list, desired{kind: KindRunbook, key: v.Title, design: v})
	}
	for _, v := range d.Channels {
		list = append(list, desired{kind: KindChannel, key: v.Name, design: v})
	}
	for _, v := range d.Resources {
		list = append(list, desired{kind: KindResource, key: v.Name, design: v})
	}
	for _, v := range d.Templates {
		list = append(list, desired{kind: KindTemplate, key: v.Name, design: v})
	}
	for _, v := range d.Assignments {
		list = append(list, desired{kind: KindAssignment, key: v.key(), design: v})
	}
	for _, v := range d.EscalationPolicies {
		list = append(list, desired{kind: KindPolicy, key: v.Name, design: v})
	}
	for _, v := range d.MaintenanceWindows {
		list = append(list, desired{kind: KindWindow, key: v.Name, design: v})
	}
	list = append(list, benchPlansOneByOne(d)...)
	for _, o := range list { // no shared transaction: each store call commits on its own
		if err := w.change(ctx, Change{Action: Create, Kind: o.kind, Key: o.key}, o); err != nil {
			return err
		}
	}
	return nil
}
