package monitoring

import (
	"context"
	"errors"
	"testing"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

func loadItem() *Item {
	return &Item{Name: "load", Kind: KindMetric, Title: Text{Ja: "負荷", En: "Load"},
		Metric: &Metric{Series: `node_load5`}, Threshold: &Threshold{Op: OpGT, Warning: ptr(2.0), Critical: ptr(4.0), Recovery: ptr(1.5)},
		For: dur("5m"), Interval: dur("30s"), RunbookID: 7, ServiceLevelRequirement: "availability 99.9%",
		IncidentPolicy: PolicyAttach, Notify: []string{"mail:ops@example.com"}, Description: "why"}
}

func TestItemRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	web := addResource(t, s, "acme", "web-01", "host", nil)
	f := func(it *Item) {
		t.Helper()
		it.TenantID, it.ResourceID = "acme", web.ID
		if err := s.CreateItem(ctx, it); err != nil {
			t.Fatalf("%s: %v", it.Name, err)
		}
		got, err := s.Item(ctx, "acme", it.ID)
		if err != nil {
			t.Fatal(err)
		}
		a, b := mustJSON(t, it), mustJSON(t, got)
		if a != b {
			t.Fatalf("round trip of %s\n put: %s\n got: %s", it.Name, a, b)
		}
	}
	f(loadItem())
	f(&Item{Name: "app", Kind: KindLog, Log: &Log{Glob: "/var/log/a.log", Regex: "E", Count: 2, Window: dur("1m")}, Severity: SeverityInfo})
	f(&Item{Name: "db", Kind: KindCheck, Check: &Check{Type: CheckTCP, Address: "db:5432", Failures: 3, Timeout: dur("3s")}, Interval: dur("30s"), Severity: SeverityCritical, Disabled: true})
	f(&Item{Name: "up", Kind: KindNoData, NoData: &NoData{After: dur("10m"), Series: "node_load1"}, Severity: SeverityCritical})
	f(&Item{Name: "os", Kind: KindOS})
	f(&Item{Name: "sshd", Kind: KindService, Service: &Service{Name: "sshd"}, Severity: SeverityWarning})
	f(&Item{Name: "nginx", Kind: KindProcess, Process: &Process{Pattern: "^nginx$", MinCount: 2}})
	f(&Item{Name: "jmx", Kind: KindExporter, Exporter: &Exporter{URL: "http://127.0.0.1:9404/metrics"}})
}

func TestItemWrites(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	web := addResource(t, s, "acme", "web-01", "host", nil)
	it := loadItem()
	it.TenantID, it.ResourceID = "acme", web.ID
	if err := s.CreateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	dup := loadItem()
	dup.TenantID, dup.ResourceID = "acme", web.ID
	if err := s.CreateItem(ctx, dup); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("duplicate name: err = %v, want ErrConflict", err)
	}
	it.Threshold.Critical = ptr(8.0)
	it.ResourceID = 999 // the owner does not move
	if err := s.UpdateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Item(ctx, "acme", it.ID)
	if *got.Threshold.Critical != 8 || got.ResourceID != web.ID {
		t.Fatalf("after update: critical %v resource %d", *got.Threshold.Critical, got.ResourceID)
	}
	list, err := s.Items(ctx, "acme", ItemFilter{ResourceID: web.ID})
	if err != nil || len(list) != 1 {
		t.Fatalf("items of web-01: %d, %v", len(list), err)
	}
	if err := s.DeleteItem(ctx, "acme", it.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Item(ctx, "acme", it.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

// TestTenantIsolation tries every way for beta to reach acme's design.
func TestTenantIsolation(t *testing.T) {
	ctx := context.Background()
	d := newDesign(t)
	s := d.s
	acmeTpl := &Template{TenantID: "acme", Name: "acme-only", Items: []*Item{loadItem()}}
	if err := s.CreateTemplate(ctx, acmeTpl); err != nil {
		t.Fatal(err)
	}
	notFound := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", what, err)
		}
	}
	refused := func(what, field string, err error) {
		t.Helper()
		if e, ok := invalid.As(err); !ok || e.Field != field {
			t.Errorf("%s: err = %v, want invalid %s", what, err, field)
		}
	}
	_, err := s.Item(ctx, "beta", d.appLog.ID)
	notFound("read item", err)
	_, err = s.Template(ctx, "beta", acmeTpl.ID)
	notFound("read template", err)
	notFound("delete item", s.DeleteItem(ctx, "beta", d.appLog.ID))
	notFound("delete template", s.DeleteTemplate(ctx, "beta", acmeTpl.ID))
	upd := *d.appLog
	upd.TenantID = "beta"
	notFound("update item", s.UpdateItem(ctx, &upd))

	onAcmeHost := loadItem()
	onAcmeHost.TenantID, onAcmeHost.ResourceID = "beta", d.web1.ID
	refused("item on acme's host", "resource_id", s.CreateItem(ctx, onAcmeHost))
	inAcmeTpl := loadItem()
	inAcmeTpl.TenantID, inAcmeTpl.TemplateID = "beta", acmeTpl.ID
	refused("item in acme's template", "template_id", s.CreateItem(ctx, inAcmeTpl))
	refused("assign acme's template", "template_id", s.CreateAssignment(ctx, &Assignment{TenantID: "beta", TemplateID: acmeTpl.ID, Selector: "os=linux"}))
	refused("assign to acme's host", "resource_id", s.CreateAssignment(ctx, &Assignment{TenantID: "beta", TemplateID: d.templates["apache"].ID, ResourceID: d.web1.ID}))
	refused("override acme's item", "item_id", s.CreateOverride(ctx, &Override{TenantID: "beta", ItemID: d.appLog.ID, Disabled: ptr(true)}))
	refused("override on acme's host", "resource_id", s.CreateOverride(ctx, &Override{TenantID: "beta", ItemID: d.item("linux-base", "cpu").ID, ResourceID: d.web1.ID, Disabled: ptr(true)}))

	_, err = s.Override(ctx, "beta", d.cpuOverride.ID)
	notFound("read override", err)
	notFound("delete override", s.DeleteOverride(ctx, "beta", d.cpuOverride.ID))
	upo := *d.cpuOverride
	upo.TenantID = "beta"
	notFound("update override", s.UpdateOverride(ctx, &upo))
	list, _ := s.Assignments(ctx, "beta")
	if len(list) != 1 {
		t.Errorf("beta sees %d assignments, want its own 1", len(list))
	}
	notFound("delete assignment", s.DeleteAssignment(ctx, "beta", list[0].ID+100))
	tpls, _ := s.Templates(ctx, "beta")
	for _, tpl := range tpls {
		if tpl.TenantID == "acme" {
			t.Errorf("beta lists acme's template %s", tpl.Name)
		}
	}
	overrides, _ := s.Overrides(ctx, "beta", OverrideFilter{})
	if len(overrides) != 0 {
		t.Errorf("beta lists %d overrides", len(overrides))
	}
}

func TestBuiltinReadOnly(t *testing.T) {
	ctx := context.Background()
	d := newDesign(t)
	s := d.s
	linux := d.templates["linux-base"]
	cpu := d.item("linux-base", "cpu")
	refused := func(what string, err error) {
		t.Helper()
		if _, ok := invalid.As(err); !ok {
			t.Errorf("%s: err = %v, want refusal", what, err)
		}
	}
	// Through the store with no tenant, as a future MSP-wide API would call it.
	refused("delete", s.DeleteTemplate(ctx, "", linux.ID))
	refused("update", s.UpdateTemplate(ctx, &Template{ID: linux.ID, Name: "x"}))
	refused("update item", s.UpdateItem(ctx, cpu))
	refused("delete item", s.DeleteItem(ctx, "", cpu.ID))
	extra := loadItem()
	extra.TemplateID = linux.ID
	refused("add item", s.CreateItem(ctx, extra))

	// A tenant copies it to change it.
	cp, err := s.CopyTemplate(ctx, "acme", linux.ID, "linux-acme")
	if err != nil {
		t.Fatal(err)
	}
	if cp.TenantID != "acme" || len(cp.Items) != len(linux.Items) || cp.Builtin != "" {
		t.Fatalf("copy: tenant %q, %d items, builtin %q", cp.TenantID, len(cp.Items), cp.Builtin)
	}
	c := cp.Items[1]
	c.Threshold.Critical = ptr(99.0)
	if err := s.UpdateItem(ctx, c); err != nil {
		t.Fatalf("changing the copy: %v", err)
	}
	if _, err := s.CopyTemplate(ctx, "acme", linux.ID, "linux-acme"); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("second copy with the same name: %v", err)
	}
}

func TestAssignmentAndOverrideWrites(t *testing.T) {
	ctx := context.Background()
	d := newDesign(t)
	s := d.s
	a := &Assignment{TenantID: "acme", TemplateID: d.templates["tomcat"].ID, Selector: " role = app , os=linux"}
	if err := s.CreateAssignment(ctx, a); err != nil {
		t.Fatal(err)
	}
	if a.Selector != "os=linux,role=app" || a.Template != "tomcat" {
		t.Fatalf("assignment stored as %q of %q", a.Selector, a.Template)
	}
	again := &Assignment{TenantID: "acme", TemplateID: d.templates["tomcat"].ID, Selector: "role=app,os=linux"}
	if err := s.CreateAssignment(ctx, again); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("same selector twice: %v", err)
	}
	if err := s.DeleteAssignment(ctx, "acme", a.ID); err != nil {
		t.Fatal(err)
	}

	o := d.cpuOverride
	o.Critical, o.Recovery = ptr(97.0), nil
	if err := s.UpdateOverride(ctx, o); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Override(ctx, "acme", o.ID)
	if *got.Critical != 97 || got.Recovery != nil || got.Note != o.Note {
		t.Fatalf("override after update = %+v", got)
	}
	bad := &Override{TenantID: "acme", ItemID: d.item("linux-base", "cpu").ID, ResourceID: d.web2.ID, Warning: ptr(99.0)}
	if err := s.CreateOverride(ctx, bad); err == nil {
		t.Fatal("a warning above the critical level was accepted")
	}
	noop := &Override{TenantID: "acme", ItemID: d.item("linux-base", "cpu").ID}
	if err := s.CreateOverride(ctx, noop); err == nil {
		t.Fatal("an override that changes nothing was accepted")
	}
	sev := &Override{TenantID: "acme", ItemID: d.item("linux-base", "cpu").ID, ResourceID: d.web2.ID, Severity: SeverityInfo}
	if e, ok := invalid.As(s.CreateOverride(ctx, sev)); !ok || e.Field != "severity" {
		t.Fatalf("severity on a metric item: %v", e)
	}
}

// TestOnChange: every successful change of the design is told, a refused
// one is not, so the alert engine reloads exactly when it must.
func TestOnChange(t *testing.T) {
	ctx := context.Background()
	d := newDesign(t)
	n := 0
	d.s.OnChange(func() { n++ })
	it := &Item{TenantID: "acme", ResourceID: d.web2.ID, Name: "load", Kind: KindMetric,
		Metric: &Metric{Series: "node_load5"}, Threshold: &Threshold{Op: ">", Warning: ptr(4.0)}}
	if err := d.s.CreateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("after a created item: told %d times, want 1", n)
	}
	bad := *it
	bad.ID, bad.Name = 0, "Not A Name"
	if err := d.s.CreateItem(ctx, &bad); err == nil {
		t.Fatal("a bad item was stored")
	}
	if err := d.s.CreateOverride(ctx, &Override{TenantID: "acme", ItemID: it.ID, ResourceID: d.web2.ID, Warning: ptr(6.0)}); err != nil {
		t.Fatal(err)
	}
	if err := d.s.DeleteItem(ctx, "acme", it.ID); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("told %d times for 3 changes and 1 refusal, want 3", n)
	}
}
