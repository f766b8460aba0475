package monitoring

import (
	"context"
	"testing"

	"github.com/unyo-ops/unyo/internal/model"
)

// design is a small MSP customer: two Linux web hosts, a Windows database
// host and an app service, the built-ins assigned by selector and by hand,
// an item of a host's own and overrides. Another tenant has a host too.
type design struct {
	s                         *Store
	web1, web2, db1, appsvc   *model.Resource
	beta1                     *model.Resource
	templates                 map[string]*Template // built-ins by name
	cpuOverride, swapOverride *Override
	appLog                    *Item
}

func newDesign(t *testing.T) *design {
	t.Helper()
	ctx := context.Background()
	d := &design{s: newStore(t), templates: map[string]*Template{}}
	if err := d.s.SyncBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	tpls, err := d.s.Templates(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, tpl := range tpls {
		d.templates[tpl.Name] = tpl
	}
	d.web1 = addResource(t, d.s, "acme", "web-01", "host", map[string]string{"os": "linux", "role": "web", "site": "shop.example.com"})
	d.web2 = addResource(t, d.s, "acme", "web-02", "host", map[string]string{"os": "linux", "role": "web"})
	d.db1 = addResource(t, d.s, "acme", "db-01", "host", map[string]string{"os": "windows", "role": "db"})
	d.appsvc = addResource(t, d.s, "acme", "shop-api", "app_service", map[string]string{"os": "linux"})
	d.beta1 = addResource(t, d.s, "beta", "b-01", "host", map[string]string{"os": "linux"})
	d.assign(t, "acme", "linux-base", "os=linux", 0)
	d.assign(t, "acme", "windows-base", "os=windows", 0)
	d.assign(t, "acme", "apache", "role=web", 0)
	d.assign(t, "acme", "sqlserver", "role=db", 0)
	d.assign(t, "acme", "http-service", "", d.web1.ID)
	d.assign(t, "beta", "linux-base", "os=linux", 0)

	d.appLog = &Item{
		TenantID: "acme", ResourceID: d.web1.ID, Name: "app-log", Kind: KindLog,
		Title:    Text{Ja: "ショップアプリ エラーログ", En: "Shop application error log"},
		Log:      &Log{Glob: "/var/log/shop/app.log", Regex: `\bERROR\b`, Count: 5, Window: dur("10m")},
		Severity: SeverityWarning, RunbookURL: "https://wiki.example.com/runbooks/shop-app-log",
		ServiceLevelRequirement: "原因特定 1時間以内 / cause identified within 1h",
		IncidentPolicy:          PolicyAttach, Notify: []string{"slack:#acme-ops"},
	}
	if err := d.s.CreateItem(ctx, d.appLog); err != nil {
		t.Fatal(err)
	}
	d.cpuOverride = &Override{TenantID: "acme", ItemID: d.item("linux-base", "cpu").ID, ResourceID: d.web1.ID,
		Critical: ptr(95.0), Recovery: ptr(70.0), Note: "nightly batch runs the CPU hot"}
	d.swapOverride = &Override{TenantID: "acme", ItemID: d.item("linux-base", "swap").ID, ResourceID: d.web2.ID, Disabled: ptr(true)}
	for _, o := range []*Override{
		d.cpuOverride, d.swapOverride,
		{TenantID: "acme", ItemID: d.item("linux-base", "nodata").ID, ServiceLevelRequirement: "可用性 99.9% / availability 99.9%"},
		{TenantID: "acme", ItemID: d.item("windows-base", "nodata").ID, ServiceLevelRequirement: "可用性 99.9% / availability 99.9%"},
	} {
		if err := d.s.CreateOverride(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func (d *design) assign(t *testing.T, tenant, template, selector string, resource int64) *Assignment {
	t.Helper()
	a := &Assignment{TenantID: tenant, TemplateID: d.templates[template].ID, Selector: selector, ResourceID: resource}
	if err := d.s.CreateAssignment(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

// item returns the item of a built-in template by name.
func (d *design) item(template, name string) *Item {
	for _, it := range d.templates[template].Items {
		if it.Name == name {
			return it
		}
	}
	panic("no item " + template + "/" + name)
}
