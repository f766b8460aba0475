package blueprint

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/statuspage"
	"github.com/unyo-ops/unyo/internal/storage"
)

func changes(p *Plan) string {
	var out []string
	for _, c := range p.Changes {
		s := c.Action + " " + c.Kind + " " + c.Key
		for _, f := range c.Fields {
			s += fmt.Sprintf(" [%s: %v → %v]", f.Field, f.Old, f.New)
		}
		out = append(out, s)
	}
	return strings.Join(out, "\n")
}

func TestApplyTemplateThenNothing(t *testing.T) {
	f := newFixture(t)
	d := loadTemplate(t)
	res := f.apply(t, d, false)
	if !res.Applied || len(res.Plan.Changes) != 31 {
		t.Fatalf("first apply:\n%s", changes(res.Plan))
	}
	for _, c := range res.Plan.Changes {
		if c.Action != Create {
			t.Fatalf("an empty tenant plans only creates: %+v", c)
		}
	}
	ctx := context.Background()
	resources, _ := f.stores.Objects.Resources(ctx, "acme-shop", storage.ResourceFilter{})
	items, _ := f.stores.Monitoring.Items(ctx, "acme-shop", monitoringItems())
	own := 0
	for _, it := range items {
		if it.TenantID == "acme-shop" {
			own++
		}
	}
	if len(resources) != 4 || own != 7 {
		t.Fatalf("stored %d resources, %d items", len(resources), own)
	}
	if again := f.apply(t, d, false); again.Applied || !again.Plan.Empty() {
		t.Fatalf("a second apply changed:\n%s", changes(again.Plan))
	}
	log, _ := f.stores.Objects.AuditLog(ctx, "acme-shop", 10)
	applies := 0
	for _, e := range log {
		if e.Action == "apply" {
			applies++
			if e.ObjectID != "abc123" || e.Actor != "token:ci" || !strings.Contains(string(e.Detail), "create resource acme-web-01") {
				t.Fatalf("audit entry %+v %s", e, e.Detail)
			}
		}
	}
	if applies != 1 {
		t.Fatalf("%d apply entries in the audit log, want 1 (the second apply changed nothing)", applies)
	}
}

func TestOneThresholdOneUpdate(t *testing.T) {
	f := newFixture(t)
	d := loadTemplate(t)
	f.apply(t, d, false)
	warning := 85.0
	d.Templates[1].Items[1].Threshold.Warning = &warning // linux-web cpu
	p := f.plan(t, d, false)
	if got := changes(p); got != "update template linux-web [items.cpu.threshold.warning: 80 → 85]" {
		t.Fatalf("plan:\n%s", got)
	}
	f.apply(t, d, false)
	items, _ := f.stores.Monitoring.Items(context.Background(), "acme-shop", monitoringItems())
	for _, it := range items {
		if it.TenantID == "acme-shop" && it.Name == "cpu" && *it.Threshold.Warning != 85 {
			t.Fatalf("cpu warning %v", *it.Threshold.Warning)
		}
	}
	if p := f.plan(t, d, false); !p.Empty() {
		t.Fatalf("after the apply:\n%s", changes(p))
	}
}

func TestPruneAndUnmanaged(t *testing.T) {
	f := newFixture(t)
	d := loadTemplate(t)
	f.apply(t, d, false)
	d.Resources = d.Resources[:3] // acme-lb leaves the design, and its assignment with it
	d.Assignments = d.Assignments[:3]
	p := f.plan(t, d, false)
	if !p.Empty() || len(p.Unmanaged) != 2 {
		t.Fatalf("without prune nothing is deleted: %s %+v", changes(p), p.Unmanaged)
	}
	p = f.plan(t, d, true)
	if got := changes(p); got != "delete assignment azure-load-balancer → resource acme-lb\ndelete resource acme-lb" {
		t.Fatalf("prune plan:\n%s", got)
	}
	f.apply(t, d, true)
	if p := f.plan(t, d, true); !p.Empty() {
		t.Fatalf("after prune:\n%s", changes(p))
	}
}

// A refusal in the middle of an apply leaves nothing of it: the changes
// made before it in the same transaction are rolled back.
func TestApplyAllOrNothing(t *testing.T) {
	f := newFixture(t)
	d := loadTemplate(t)
	// Valid offline, refused by the status page store, near the end of the
	// apply: another tenant holds the slug.
	ctx := context.Background()
	if _, err := f.stores.StatusPages.SavePage(ctx, "beta", statuspage.Page{Slug: "acme-status"}); err != nil {
		t.Fatal(err)
	}
	d.StatusPage = &StatusPage{Enabled: true, Slug: "acme-status"}
	_, err := f.planner.Apply(ctx, "acme-shop", "token:ci", &Request{Design: *d})
	if err == nil || !strings.Contains(err.Error(), "slug: is taken") {
		t.Fatalf("want the store's refusal, got %v", err)
	}
	services, _ := f.stores.Objects.Services(ctx, "acme-shop")
	resources, _ := f.stores.Objects.Resources(ctx, "acme-shop", storage.ResourceFilter{})
	channels, _ := f.stores.Channels.List(ctx, "acme-shop")
	if len(services)+len(resources)+len(channels) != 0 {
		t.Fatalf("a failed apply left %d services, %d resources, %d channels", len(services), len(resources), len(channels))
	}
}

func TestDriftAndSecrets(t *testing.T) {
	f := newFixture(t)
	d := loadTemplate(t)
	f.apply(t, d, false)
	ctx := context.Background()
	// By hand, in the console: a resource's labels.
	resources, _ := f.stores.Objects.Resources(ctx, "acme-shop", storage.ResourceFilter{})
	r := resources[0]
	for _, x := range resources {
		if x.Name == "acme-web-01" {
			r = x
		}
	}
	r.Labels["role"] = "batch"
	if err := f.stores.Objects.UpdateResource(ctx, r); err != nil {
		t.Fatal(err)
	}
	p := f.plan(t, d, false)
	if len(p.Drift) != 1 || p.Drift[0] != (Ref{KindResource, r.Name}) {
		t.Fatalf("drift %+v", p.Drift)
	}
	if got := changes(p); got != "update resource "+r.Name+" [labels.role: batch → web]" {
		t.Fatalf("plan:\n%s", got)
	}
	drifted, _ := f.planner.Drifted(ctx, "acme-shop")
	if len(drifted) != 1 {
		t.Fatalf("Drifted %+v", drifted)
	}
	// A secret that changes plans an update without showing either value.
	d.Channels[0].Config["webhook_url"] = "https://hooks.slack.com/services/T000/B000/rotated"
	p = f.plan(t, d, false)
	if got := changes(p); !strings.Contains(got, "update channel acme-slack [config: (secret) → (secret)]") || strings.Contains(got, "rotated") {
		t.Fatalf("plan:\n%s", got)
	}
	f.apply(t, d, false)
	if p := f.plan(t, d, false); !p.Empty() || len(p.Drift) != 0 {
		t.Fatalf("after apply: %s drift %+v", changes(p), p.Drift)
	}
}

func TestExportRoundTrip(t *testing.T) {
	f := newFixture(t)
	f.apply(t, loadTemplate(t), false)
	exported, err := f.planner.Export(context.Background(), "acme-shop")
	if err != nil {
		t.Fatal(err)
	}
	files, err := Files(exported)
	if err != nil {
		t.Fatal(err)
	}
	refs := References(exported)
	if strings.Join(refs, " ") != "${env:UNYO_ACME_AZURE_CLIENT_SECRET} ${env:UNYO_ACME_MAIL_PASSWORD} ${env:UNYO_ACME_SLACK_WEBHOOK_URL}" {
		t.Fatalf("references %v", refs)
	}
	for name, b := range files {
		if strings.Contains(string(b), "template-password") || strings.Contains(string(b), "B000/template") || strings.Contains(string(b), "template-azure-secret") {
			t.Fatalf("%s holds a secret", name)
		}
	}
	dir := t.TempDir()
	writeFiles(t, dir, files)
	env := map[string]string{"UNYO_ACME_MAIL_PASSWORD": secrets["ACME_SMTP_PASSWORD"], "UNYO_ACME_SLACK_WEBHOOK_URL": secrets["ACME_SLACK_WEBHOOK"],
		"UNYO_ACME_AZURE_CLIENT_SECRET": secrets["AZURE_CLIENT_SECRET"]}
	d, err := Load(dir, Options{Resolve: func(kind, arg string) (string, error) { return env[arg], nil }})
	if err != nil {
		t.Fatal(err)
	}
	if p := f.plan(t, d, true); !p.Empty() {
		t.Fatalf("the export plans:\n%s", changes(p))
	}
}

// A token of one tenant plans and applies its own tenant only; an MSP-wide
// token any; read scope is not enough.
func TestTokenScope(t *testing.T) {
	f := newFixture(t)
	body := map[string]any{"design": loadTemplate(t)}
	f2 := func(path, token string, want int) {
		t.Helper()
		status, _, b := apitest.Do(t, f.srv, "POST", path, token, body)
		if status != want {
			t.Fatalf("%s as %q: %d %s, want %d", path, token, status, b, want)
		}
	}
	f2("/api/v1/tenants/acme-shop/design/plan", "beta:write", http.StatusNotFound)
	f2("/api/v1/tenants/acme-shop/design/apply", "beta:write,admin", http.StatusNotFound)
	f2("/api/v1/tenants/acme-shop/design/apply", "acme-shop:read", http.StatusForbidden)
	f2("/api/v1/tenants/beta/design/apply", "beta:write", http.StatusBadRequest) // the design is acme-shop's
	f2("/api/v1/tenants/acme-shop/design/plan", "acme-shop:write", http.StatusOK)
	f2("/api/v1/tenants/acme-shop/design/apply", ":write", http.StatusOK)
	status, _, b := apitest.Do(t, f.srv, "GET", "/api/v1/tenants/acme-shop/design/export", "beta:read", nil)
	if status != http.StatusNotFound {
		t.Fatalf("export of another tenant: %d %s", status, b)
	}
	status, _, b = apitest.Do(t, f.srv, "GET", "/api/v1/design/schema.json", "", nil)
	var s map[string]any
	if status != http.StatusOK || json.Unmarshal(b, &s) != nil || s["$id"] == nil {
		t.Fatalf("schema: %d %s", status, b)
	}
}

func TestOpenAPI(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant, nil))
}

// A design refused by the server answers 400 naming the field, and stores
// nothing.
func TestBadDesignIs400(t *testing.T) {
	f := newFixture(t)
	d := loadTemplate(t)
	d.Resources[3].Kind = "loadbalancer"
	status, _, b := apitest.Do(t, f.srv, "POST", "/api/v1/tenants/acme-shop/design/apply", "acme-shop:write", map[string]any{"design": d})
	var body struct {
		Field string `json:"field"`
		Error string `json:"error"`
	}
	if status != http.StatusBadRequest || json.Unmarshal(b, &body) != nil || body.Field != "design.resources[3].kind" {
		t.Fatalf("%d %s", status, b)
	}
	if services, _ := f.stores.Objects.Services(context.Background(), "acme-shop"); len(services) != 0 {
		t.Fatal("a refused design stored something")
	}
}
