package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/statuspage"
)

// withStatusPages wires the status page settings over the real store, with
// the incident desk whose open incidents staff publish.
func withStatusPages(o *Options) {
	withServiceDesk(o)
	o.IncidentDesk = o.Requests.(*incident.Desk)
	o.StatusPages = statuspage.NewService(statuspage.Options{Store: statuspage.NewStore(o.Store.DB()), Tenants: o.Store})
}

// TestStatusSettingsPage: an operator enables acme's public page under a
// slug and publishes an open incident with a public title and update (both
// audited); a bad slug is refused naming the field and changes nothing;
// the customer's users and another tenant's paths get 403.
func TestStatusSettingsPage(t *testing.T) {
	e := newEnv(t, withStatusPages)
	ctx := context.Background()
	o := e.opts()
	title := "acme-web-01 の nginx 停止"
	inc, err := o.IncidentDesk.(*incident.Desk).Open(ctx, "acme", "user:operator", incident.Fields{ShortDescription: &title})
	if err != nil {
		t.Fatal(err)
	}
	const page = "/tenants/acme/settings/status-page"
	op := e.login("operator")
	if code, body, _ := op.postForm(page, page, url.Values{"enabled": {"on"}, "slug": {"Bad Slug"}}); code != http.StatusBadRequest || !strings.Contains(body, "slug") {
		t.Errorf("a bad slug = %d", code)
	}
	if code, _, _ := op.postForm(page, page, url.Values{"enabled": {"on"}, "slug": {"acme-status"}, "title": {"ACME 稼働状況"}}); code != http.StatusSeeOther {
		t.Fatalf("save = %d", code)
	}
	if code, _, _ := op.postForm(page, page+"/notices", url.Values{"incident_id": {fmt.Sprint(inc.ID)}, "title": {"サイトにつながりにくい状態です"}, "body": {"調査中です"}}); code != http.StatusSeeOther {
		t.Fatalf("publish = %d", code)
	}
	code, body, _ := op.get(page)
	if code != 200 || !strings.Contains(body, `href="/status/acme-status"`) || !strings.Contains(body, "サイトにつながりにくい状態です") || !strings.Contains(body, "調査中です") {
		t.Errorf("the settings page = %d", code)
	}
	if !e.auditHas("acme", "update", "status_page") || !e.auditHas("acme", "publish", "status_notice") {
		t.Error("the page's changes are not audited")
	}
	for _, who := range []string{"acme-viewer", "acme-requester"} {
		b := e.login(who)
		if code, _, _ := b.get(page); code != http.StatusForbidden {
			t.Errorf("GET as %s = %d, want 403", who, code)
		}
		if code, _, _ := b.postForm("/board", page, url.Values{"enabled": {}, "slug": {"acme-status"}}); code != http.StatusForbidden {
			t.Errorf("POST as %s = %d, want 403", who, code)
		}
		if code, _, _ := b.get("/tenants/beta/settings/status-page"); code != http.StatusForbidden {
			t.Errorf("beta's page as %s = %d, want 403", who, code)
		}
	}
	if code, _, _ := op.postForm(page, "/tenants/beta/settings/status-page/notices", url.Values{"incident_id": {fmt.Sprint(inc.ID)}, "title": {"x"}}); code != http.StatusNotFound {
		t.Errorf("acme's incident under beta's path = %d, want 404", code)
	}
	p, _ := o.StatusPages.Store().Page(ctx, "acme")
	if !p.Enabled || p.Slug != "acme-status" {
		t.Errorf("acme's page after refusals: %+v", p)
	}
}
