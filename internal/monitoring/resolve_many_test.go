package monitoring

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// TestEffectiveItemsOfIsEffectiveItemsOfEach resolves every resource of the
// fixture's tenant at once, as the alert engine's reload does, and compares
// each with its own EffectiveItems: own items, templates by hand and by
// selector, per-resource and tenant-wide overrides, a disabled item, an app
// service that takes no selector. Another tenant's resource is left out.
func TestEffectiveItemsOfIsEffectiveItemsOfEach(t *testing.T) {
	d := newDesign(t)
	ctx := context.Background()
	list, err := d.s.resources.Resources(ctx, "acme", storage.ResourceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	all, err := d.s.EffectiveItemsOf(ctx, "acme", append(list, d.beta1))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(list) {
		t.Fatalf("%d resources resolved, want acme's %d", len(all), len(list))
	}
	if _, ok := all[d.beta1.ID]; ok {
		t.Error("beta's host resolved with acme's design")
	}
	for _, res := range list {
		one, err := d.s.EffectiveItems(ctx, "acme", res.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(all[res.ID])
		want, _ := json.Marshal(one)
		if string(got) != string(want) {
			t.Errorf("%s resolved with the others:\n%s\nalone:\n%s", res.Name, got, want)
		}
	}
	if n := len(all[d.web1.ID]); n < 10 {
		t.Errorf("web-01 has %d items: the fixture did not reach it", n)
	}
}

// TestDesignChangesReachTheNextResolution: an override, an assignment and
// a resource's labels changed between two resolutions are in the second,
// whether one resource or all are resolved, and in the next pull.
func TestDesignChangesReachTheNextResolution(t *testing.T) {
	d := newDesign(t)
	ctx := context.Background()
	cpu := d.item("linux-base", "cpu").ID
	resolveCPU := func(res *model.Resource) (alone, together ResolvedItem) {
		t.Helper()
		list, err := d.s.EffectiveItems(ctx, "acme", res.ID)
		if err != nil {
			t.Fatal(err)
		}
		all, err := d.s.EffectiveItemsOf(ctx, "acme", []*model.Resource{res, d.db1})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range list {
			if it.ID == cpu {
				alone = it
			}
		}
		for _, it := range all[res.ID] {
			if it.ID == cpu {
				together = it
			}
		}
		return alone, together
	}
	a, b := resolveCPU(d.web2)
	if *a.Threshold.Critical != 90 || *b.Threshold.Critical != 90 {
		t.Fatalf("web-02's cpu critical %v and %v, want the template's 90", *a.Threshold.Critical, *b.Threshold.Critical)
	}
	if err := d.s.CreateOverride(ctx, &Override{TenantID: "acme", ItemID: cpu, ResourceID: d.web2.ID, Critical: ptr(97.0)}); err != nil {
		t.Fatal(err)
	}
	if a, b := resolveCPU(d.web2); *a.Threshold.Critical != 97 || *b.Threshold.Critical != 97 {
		t.Fatalf("after the override, web-02's cpu critical %v and %v, want 97", *a.Threshold.Critical, *b.Threshold.Critical)
	}

	pulled := func(host string) map[string]bool {
		t.Helper()
		c, err := d.s.AgentConfig(ctx, "acme", host)
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, it := range c.Items {
			names[it.Name] = true
		}
		return names
	}
	if pulled("db-01")["error-log-error"] {
		t.Fatal("db-01 pulls apache's error log item before apache is assigned to it")
	}
	d.assign(t, "acme", "apache", "", d.db1.ID)
	d.assign(t, "acme", "linux-base", "", d.db1.ID)
	if !pulled("db-01")["error-log-error"] {
		t.Fatal("the assignment of apache by hand is not in db-01's next pull")
	}
	db1, err := d.s.resources.Resource(ctx, "acme", d.db1.ID)
	if err != nil {
		t.Fatal(err)
	}
	all, err := d.s.EffectiveItemsOf(ctx, "acme", []*model.Resource{db1})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range all[db1.ID] {
		found = found || (it.ID == cpu && it.Source.Via == ViaResource)
	}
	if !found {
		t.Error("linux-base assigned to db-01 by hand is not in its resolution with the others")
	}
}

func TestScopeCacheAnswersAsScopeQuery(t *testing.T) {
	c := &scopeCache{}
	f := func(q, host string) {
		t.Helper()
		want, wantErr := scopeQuery(q, host)
		for range 2 { // computed, then remembered
			got, err := c.scope(q, host)
			if got != want || (err == nil) != (wantErr == nil) {
				t.Errorf("scope(%q, %q) = %q, %v; scopeQuery gives %q, %v", q, host, got, err, want, wantErr)
			}
		}
	}
	f(`node_load5`, "web-01")
	f(`node_load5`, "web-02")
	f(`rate(node_cpu_seconds_total{mode="idle"}[5m])`, "web-01")
	f(`node_load5 +`, "web-01")
}
