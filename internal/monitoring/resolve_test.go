package monitoring

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/storage"
)

func effective(t *testing.T, s *Store, tenant string, resource int64) map[string]ResolvedItem {
	t.Helper()
	list, err := s.EffectiveItems(context.Background(), tenant, resource)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]ResolvedItem{}
	for _, r := range list {
		m[r.Name] = r
	}
	return m
}

func TestEffectiveItemsSourcesAndOverrides(t *testing.T) {
	d := newDesign(t)
	got := effective(t, d.s, "acme", d.web1.ID)
	if want := 8 + 6 + 3 + 1; len(got) != want {
		t.Fatalf("web-01 has %d items, want %d", len(got), want)
	}
	f := func(name, via, template string) {
		t.Helper()
		r, ok := got[name]
		if !ok {
			t.Fatalf("no item %q on web-01", name)
		}
		if r.Source.Via != via || r.Source.Template != template || r.Resource != "web-01" {
			t.Errorf("%s: source %+v on %q, want via %s template %q", name, r.Source, r.Resource, via, template)
		}
		if r.Problem != "" {
			t.Errorf("%s: problem %q", name, r.Problem)
		}
	}
	f("app-log", ViaDirect, "")
	f("site-https", ViaResource, "http-service")
	f("busy-workers", ViaSelector, "apache")
	f("cpu", ViaSelector, "linux-base")

	cpu := got["cpu"]
	if *cpu.Threshold.Warning != 80 || *cpu.Threshold.Critical != 95 || *cpu.Threshold.Recovery != 70 {
		t.Errorf("cpu threshold after override = %+v", *cpu.Threshold)
	}
	if o := cpu.Source.Overrides; len(o) != 1 || o[0].Scope != "resource" || !slices.Equal(o[0].Fields, []string{"critical", "recovery"}) {
		t.Errorf("cpu overrides = %+v", o)
	}
	if !strings.Contains(cpu.Query, `host="web-01"`) || !strings.Contains(cpu.Query, `mode="idle"`) {
		t.Errorf("cpu query not scoped to the host: %s", cpu.Query)
	}
	if nd := got["nodata"]; !strings.HasPrefix(nd.ServiceLevelRequirement, "可用性 99.9%") || nd.Source.Overrides[0].Scope != "tenant" {
		t.Errorf("nodata: SLR %q, overrides %+v", nd.ServiceLevelRequirement, nd.Source.Overrides)
	}
	if u := got["site-https"].Check.URL; u != "https://shop.example.com/" {
		t.Errorf("site-https url = %q, want the site label filled in", u)
	}
	// The template itself is unchanged by the override and the placeholder.
	tpl, _ := d.s.Template(context.Background(), "acme", d.templates["linux-base"].ID)
	for _, it := range tpl.Items {
		if it.Name == "cpu" && *it.Threshold.Critical != 90 {
			t.Errorf("template cpu critical changed to %v", *it.Threshold.Critical)
		}
	}
}

func TestEffectiveItemsQueries(t *testing.T) {
	d := newDesign(t)
	got := effective(t, d.s, "acme", d.web1.ID)
	f := func(name, want string) {
		t.Helper()
		if q := got[name].Query; q != want {
			t.Errorf("%s query\n got: %s\nwant: %s", name, q, want)
		}
	}
	f("nodata", `absent_over_time({host="web-01"}[5m])`)
	f("app-log", `sum without (pattern, severity) (increase(unyo_log_matches_total{host="web-01",item="app-log"}[10m]))`)
	f("site-https", `unyo_check_up{host="web-01",item="site-https"}`)
	f("httpd-process", `unyo_process_count{host="web-01",item="httpd-process"}`)
	f("tls-expiry", `unyo_check_tls_cert_expiry_days{host="web-01",item="site-https"}`)
	f("os", "")
}

func TestEffectiveItemsPrecedence(t *testing.T) {
	ctx := context.Background()
	d := newDesign(t)
	own := &Item{TenantID: "acme", ResourceID: d.web2.ID, Name: "cpu", Kind: KindMetric,
		Metric: &Metric{Series: "node_load1"}, Threshold: &Threshold{Op: OpGT, Critical: ptr(10.0)}}
	if err := d.s.CreateItem(ctx, own); err != nil {
		t.Fatal(err)
	}
	// The same template reached twice is one set of items, not a replacement.
	d.assign(t, "acme", "linux-base", "", d.web2.ID)
	got := effective(t, d.s, "acme", d.web2.ID)
	cpu := got["cpu"]
	if cpu.Source.Via != ViaDirect || !slices.Equal(cpu.Source.Replaces, []string{"linux-base/cpu"}) {
		t.Fatalf("cpu source = %+v, want direct replacing linux-base/cpu", cpu.Source)
	}
	if mem := got["memory"]; mem.Source.Via != ViaResource || len(mem.Source.Replaces) != 0 {
		t.Fatalf("memory source = %+v, want by hand, replacing nothing", mem.Source)
	}
	if !got["swap"].Disabled {
		t.Fatalf("swap on web-02 should be disabled by its override")
	}
}

func TestEffectiveItemsSelectorHostsOnly(t *testing.T) {
	d := newDesign(t)
	if got := effective(t, d.s, "acme", d.appsvc.ID); len(got) != 0 {
		t.Fatalf("an app service with os=linux got %d items from a host selector", len(got))
	}
	d.assign(t, "acme", "http-service", "", d.appsvc.ID)
	got := effective(t, d.s, "acme", d.appsvc.ID)
	if len(got) != 3 || got["site-https"].Problem == "" {
		t.Fatalf("app service by hand: %d items, site-https problem %q (no site label)", len(got), got["site-https"].Problem)
	}
}

// TestEffectiveItemsSelectorDiscoveredCloud: a selector reaches a cloud
// resource discovery registered (it carries cloud_type), whatever its
// kind, and not a hand-made resource of the same kind and labels.
func TestEffectiveItemsSelectorDiscoveredCloud(t *testing.T) {
	d := newDesign(t)
	sql := addResource(t, d.s, "acme", "sql-prod-01-orders", "database", map[string]string{"cloud_type": "sql_database", "role": "orders-db"})
	manual := addResource(t, d.s, "acme", "orders-db-by-hand", "database", map[string]string{"role": "orders-db"})
	d.assign(t, "acme", "sqlserver", "role=orders-db", 0)
	if got := effective(t, d.s, "acme", sql.ID); len(got) == 0 {
		t.Fatalf("the discovered database got %d items from its selector", len(got))
	}
	if got := effective(t, d.s, "acme", manual.ID); len(got) != 0 {
		t.Fatalf("a database made by hand got %d items from a selector", len(got))
	}
}

func TestEffectiveItemsBrokenOverride(t *testing.T) {
	ctx := context.Background()
	d := newDesign(t)
	tpl := &Template{TenantID: "acme", Name: "batch", Items: []*Item{{Name: "queue", Kind: KindMetric,
		Metric: &Metric{Series: "batch_queue_length"}, Threshold: &Threshold{Op: OpGT, Warning: ptr(100.0), Critical: ptr(500.0)}}}}
	if err := d.s.CreateTemplate(ctx, tpl); err != nil {
		t.Fatal(err)
	}
	d.assign(t, "acme", "linux-base", "", d.web2.ID)
	if err := d.s.CreateAssignment(ctx, &Assignment{TenantID: "acme", TemplateID: tpl.ID, ResourceID: d.web2.ID}); err != nil {
		t.Fatal(err)
	}
	queue := tpl.Items[0]
	if err := d.s.CreateOverride(ctx, &Override{TenantID: "acme", ItemID: queue.ID, ResourceID: d.web2.ID, Warning: ptr(300.0)}); err != nil {
		t.Fatal(err)
	}
	// The template changes later so that the override no longer fits.
	queue.Threshold = &Threshold{Op: OpGT, Warning: ptr(100.0), Critical: ptr(200.0)}
	if err := d.s.UpdateItem(ctx, queue); err != nil {
		t.Fatal(err)
	}
	r := effective(t, d.s, "acme", d.web2.ID)["queue"]
	if r.Problem == "" || *r.Threshold.Warning != 100 || len(r.Source.Overrides) != 0 {
		t.Fatalf("queue: problem %q, warning %v, overrides %+v: want the override reported and left out", r.Problem, *r.Threshold.Warning, r.Source.Overrides)
	}
}

func TestEffectiveItemsOtherTenant(t *testing.T) {
	d := newDesign(t)
	if _, err := d.s.EffectiveItems(context.Background(), "beta", d.web1.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("beta resolving acme's host: err = %v, want ErrNotFound", err)
	}
	got := effective(t, d.s, "beta", d.beta1.ID)
	if len(got) != 8 {
		t.Fatalf("beta's host has %d items, want linux-base's 8", len(got))
	}
	if got["cpu"].Source.Overrides != nil || *got["cpu"].Threshold.Critical != 90 {
		t.Fatalf("acme's override reached beta: %+v", got["cpu"].Source)
	}
}
