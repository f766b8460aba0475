package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestAssignTemplateAndExport(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tmpls, err := e.design.Templates(ctx, "acme")
	if err != nil || len(tmpls) == 0 {
		t.Fatalf("no built-in templates: %v", err)
	}
	host := e.resourceID("acme", "acme-web-01")
	b := e.login("operator")
	code, body, _ := b.get("/tenants/acme/monitoring")
	if code != 200 || !strings.Contains(body, tmpls[0].Name) {
		t.Fatalf("monitoring page = %d, want the templates listed", code)
	}
	form := url.Values{"template_id": {fmt.Sprint(tmpls[0].ID)}, "resource_id": {fmt.Sprint(host)}}
	code, body, _ = b.postForm("/tenants/acme/monitoring", "/tenants/acme/monitoring/assignments", form)
	if code != 200 || !strings.Contains(body, `id="assignments"`) || !strings.Contains(body, "acme-web-01") {
		t.Fatalf("assign = %d, want the assignment listed", code)
	}
	if as, _ := e.design.Assignments(ctx, "acme"); len(as) != 1 || as[0].ResourceID != host {
		t.Fatalf("assignments = %+v", as)
	}
	code, body, _ = b.postForm("/tenants/acme/monitoring", "/tenants/acme/monitoring/assignments", form)
	if code != http.StatusBadRequest || !strings.Contains(body, "already assigned") {
		t.Errorf("assigning twice = %d, want 400", code)
	}
	// A beta host cannot be assigned from acme's page.
	form.Set("resource_id", fmt.Sprint(e.resourceID("beta", "beta-web-01")))
	if code, _, _ := b.postForm("/tenants/acme/monitoring", "/tenants/acme/monitoring/assignments", form); code != http.StatusBadRequest {
		t.Errorf("assigning beta's host in acme = %d, want 400", code)
	}
	if as, _ := e.design.Assignments(ctx, "beta"); len(as) != 0 {
		t.Errorf("beta got an assignment: %+v", as)
	}
	code, csv, _ := b.get("/tenants/acme/monitoring/items.csv")
	if code != 200 || !strings.Contains(csv, "acme-web-01") {
		t.Errorf("items.csv = %d, want the host's items:\n%s", code, csv)
	}
	code, html, _ := b.get("/tenants/acme/monitoring/items.html")
	if code != 200 || !strings.Contains(html, "監視項目一覧") {
		t.Errorf("items.html = %d, want the Japanese item list", code)
	}
	// The resource page now lists the items in effect.
	_, body, _ = b.get(fmt.Sprintf("/tenants/acme/resources/%d", host))
	if !strings.Contains(body, `id="items-h"`) {
		t.Error("the resource page does not list the assigned items")
	}
	// Item kinds in the reader's language, not the stored word.
	if strings.Contains(body, "<td>process</td>") || strings.Contains(body, "<td>exporter</td>") || !strings.Contains(body, "<td>プロセス監視</td>") {
		t.Error("the resource page shows item kinds untranslated")
	}
}
