package blueprint

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/monitoring"
)

// The template's overrides (a built-in item's thresholds on the database,
// a shared template's item on one web server) are applied on their items
// and resources; one field plans one update; prune deletes; a change by
// hand is drift.
func TestItemOverridesAsCode(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d := loadTemplate(t)
	f.apply(t, d, false)
	list, err := f.stores.Monitoring.Overrides(ctx, "acme-shop", monitoring.OverrideFilter{})
	if err != nil || len(list) != 2 {
		t.Fatalf("%d overrides stored, %v", len(list), err)
	}
	// The database's DTU item, as the alert rules see it, has the override's thresholds.
	items, err := f.stores.Monitoring.Items(ctx, "acme-shop", monitoring.ItemFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var dtu *monitoring.Override
	for _, o := range list {
		for _, it := range items {
			if it.ID == o.ItemID && it.Name == "dtu" {
				dtu = o
			}
		}
	}
	if dtu == nil || *dtu.Warning != 85 || *dtu.Critical != 98 || dtu.ResourceID == 0 {
		t.Fatalf("the DTU override: %+v", dtu)
	}

	warning := 88.0
	d.ItemOverrides[0].Warning = &warning
	if got := changes(f.plan(t, d, false)); got != "update item_override azure-sql-database/dtu → resource acme-sqldb [warning: 85 → 88]" {
		t.Fatalf("plan of one threshold:\n%s", got)
	}
	f.apply(t, d, false)
	if o, _ := f.stores.Monitoring.Override(ctx, "acme-shop", dtu.ID); *o.Warning != 88 {
		t.Fatalf("warning %v", *o.Warning)
	}

	// By hand, in the console: drift, and the plan puts it back.
	o, _ := f.stores.Monitoring.Override(ctx, "acme-shop", dtu.ID)
	o.Note = "changed by hand"
	if err := f.stores.Monitoring.UpdateOverride(ctx, o); err != nil {
		t.Fatal(err)
	}
	p := f.plan(t, d, false)
	if len(p.Drift) != 1 || p.Drift[0] != (Ref{KindOverride, "azure-sql-database/dtu → resource acme-sqldb"}) || len(p.Changes) != 1 {
		t.Fatalf("drift %+v, plan:\n%s", p.Drift, changes(p))
	}
	f.apply(t, d, false)

	d.ItemOverrides = d.ItemOverrides[:1]
	if got := changes(f.plan(t, d, true)); got != "delete item_override linux-web/cpu → resource acme-web-02" {
		t.Fatalf("prune plan:\n%s", got)
	}
	f.apply(t, d, true)
	if list, _ := f.stores.Monitoring.Overrides(ctx, "acme-shop", monitoring.OverrideFilter{}); len(list) != 1 {
		t.Fatalf("after prune: %d overrides", len(list))
	}
}

// An override of an item, resource or template the design does not have,
// or one its item cannot take, is refused at its place.
func TestItemOverrideProblems(t *testing.T) {
	files := map[string][]byte{
		"a.yaml": []byte(`tenant: acme-shop
resources:
  - {name: web-01, kind: host}
templates:
  - name: web
    items:
      - {name: nginx, kind: service, service: {name: nginx}}
item_overrides:
  - {template: web, item: nginx, resource: web-01, warning: 90}
  - {template: web, item: apache, resource: web-01, disabled: true}
  - {template: azure-sql-database, item: dtu, resource: web-02, warning: 90}
  - {template: azure-sql-database, item: dtus, disabled: true}
  - {template: web, item: nginx, resource: web-01, note: nothing else}
`)}
	_, err := LoadFiles(files, Options{})
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("got %v", err)
	}
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	want := []string{
		`a.yaml:9:61: item_overrides[0].warning: item "nginx" has no threshold to override`,
		`a.yaml:10:27: item_overrides[1].item: no item "apache" in template "web"`,
		`a.yaml:11:57: item_overrides[2].resource: no resource "web-02" in this design`,
		`a.yaml:12:42: item_overrides[3].item: no item "dtus" in template "azure-sql-database"`,
		`a.yaml:13:5: item_overrides[4]: changes nothing: set a threshold, for, disabled or another field`,
		`a.yaml:13:27: item_overrides[4].item: "web/nginx → resource web-01" is also item_overrides[0] (a.yaml:9:5)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
