package statuspage

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/incident"
)

const (
	acmeStaff = "acme:read,write"
	betaStaff = "beta:read,write"
)

// TestStatusPageIsOffUntilEnabled: no tenant has a public page until MSP
// staff enable one; a customer's users and read tokens cannot; a slug is
// one tenant's; switching the page off takes it down at once, cache or not.
func TestStatusPageIsOffUntilEnabled(t *testing.T) {
	fx := newFixture(t)
	for _, slug := range []string{"acme", "acme-status"} {
		if code, _, _ := fx.page(t, slug); code != 404 {
			t.Errorf("/status/%s before any setting: %d, want 404", slug, code)
		}
		if code, _ := fx.do(t, "GET", "/api/v1/public/status/"+slug, "", nil); code != 404 {
			t.Errorf("the JSON of %s before any setting: %d, want 404", slug, code)
		}
	}
	var p Page
	json.Unmarshal([]byte(fx.must(t, 200, "GET", "/api/v1/tenants/acme/status-page", "acme:viewer", nil)), &p)
	if p.Enabled || p.Slug != "acme" {
		t.Errorf("default settings: %+v", p)
	}
	on := map[string]any{"enabled": true, "slug": "acme-status", "title": "ACME サービス稼働状況"}
	for _, who := range []string{"acme:viewer", "acme:requester", "acme:read"} {
		if code, out := fx.do(t, "PUT", "/api/v1/tenants/acme/status-page", who, on); code != 403 {
			t.Errorf("%s enables the page: %d %s, want 403", who, code, out)
		}
	}
	if code, out := fx.do(t, "PUT", "/api/v1/tenants/acme/status-page", acmeStaff, map[string]any{"enabled": true, "slug": "A!"}); code != 400 || !strings.Contains(out, `"field":"slug"`) {
		t.Errorf("a bad slug: %d %s", code, out)
	}
	fx.must(t, 200, "PUT", "/api/v1/tenants/acme/status-page", acmeStaff, on)
	if code, out := fx.do(t, "PUT", "/api/v1/tenants/beta/status-page", betaStaff, on); code != 400 || !strings.Contains(out, `"field":"slug"`) {
		t.Errorf("beta takes acme's slug: %d %s", code, out)
	}
	if code, _, body := fx.page(t, "acme-status"); code != 200 || !strings.Contains(body, "ACME サービス稼働状況") {
		t.Fatalf("the enabled page: %d %s", code, body)
	}
	on["enabled"] = false
	fx.must(t, 200, "PUT", "/api/v1/tenants/acme/status-page", acmeStaff, on)
	if code, _, _ := fx.page(t, "acme-status"); code != 404 {
		t.Errorf("the page switched off: %d, want 404 at once", code)
	}
}

// TestStatusPageShowsOnlyWhatIsPublic: the page shows each service's state
// (the shop's checks fail now: outage; mail: operational, its open notice
// makes nothing worse than it is), 90 daily bars, and the open incident's
// public title and updates — never the incident's number, own title, work
// note, host or author, nor anything of another tenant; a resolved
// incident's notice leaves the page.
func TestStatusPageShowsOnlyWhatIsPublic(t *testing.T) {
	fx := newFixture(t)
	fx.must(t, 200, "PUT", "/api/v1/tenants/acme/status-page", acmeStaff, map[string]any{"enabled": true, "slug": "acme-status"})
	fx.must(t, 200, "PUT", "/api/v1/tenants/beta/status-page", betaStaff, map[string]any{"enabled": true, "slug": "beta-status"})
	inc := fx.incident(t, "acme", "acme-shop-host-01 nginx 502 多発", "顧客FWのNAT設定ミス")
	bInc := fx.incident(t, "beta", "beta internal outage", "beta secret note")
	path := fmt.Sprintf("/api/v1/tenants/acme/incidents/%d/status-notice", inc.ID)
	if code, out := fx.do(t, "POST", path, acmeStaff, map[string]any{"body": "調査中"}); code != 400 || !strings.Contains(out, `"field":"title"`) {
		t.Errorf("a first notice without a title: %d %s", code, out)
	}
	for _, who := range []string{"acme:requester", "acme:viewer"} {
		if code, _ := fx.do(t, "POST", path, who, map[string]any{"title": "x"}); code != 403 {
			t.Errorf("%s publishes: %d, want 403", who, code)
		}
	}
	if code, _ := fx.do(t, "POST", fmt.Sprintf("/api/v1/tenants/acme/incidents/%d/status-notice", bInc.ID), acmeStaff, map[string]any{"title": "x"}); code != 404 {
		t.Errorf("acme publishes beta's incident: %d, want 404", code)
	}
	fx.must(t, 200, "POST", path, acmeStaff, map[string]any{"title": "オンラインストアにつながりにくい状態です", "body": "原因を調査しています。"})
	fx.must(t, 200, "POST", path, acmeStaff, map[string]any{"body": "対策を実施しました。回復を確認中です。"})
	fx.must(t, 200, "POST", fmt.Sprintf("/api/v1/tenants/beta/incidents/%d/status-notice", bInc.ID), betaStaff, map[string]any{"title": "beta public notice", "body": "beta update"})

	_, out := fx.do(t, "GET", "/api/v1/public/status/acme-status", "", nil)
	var v View
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if v.Title != "acme 株式会社" || v.State != StateOutage || len(v.Services) != 2 {
		t.Fatalf("acme's page: %s", out)
	}
	states := map[string]string{}
	for _, s := range v.Services {
		states[s.Name] = s.State
		if len(s.Days) != Days {
			t.Errorf("%s has %d days, want %d", s.Name, len(s.Days), Days)
		}
	}
	if states["acme-shop"] != StateOutage || states["acme-mail"] != StateOperational {
		t.Errorf("service states: %v, want the shop in outage and mail operational", states)
	}
	if len(v.Notices) != 1 || v.Notices[0].Title != "オンラインストアにつながりにくい状態です" || len(v.Notices[0].Updates) != 2 ||
		v.Notices[0].Updates[1].Body != "対策を実施しました。回復を確認中です。" || len(v.Notices[0].Services) != 1 || v.Notices[0].Services[0] != "acme-shop" {
		t.Errorf("acme's notices: %+v", v.Notices)
	}
	code, h, html := fx.page(t, "acme-status")
	if code != 200 || !strings.Contains(html, "オンラインストアにつながりにくい状態です") || !strings.Contains(html, "サービスが停止しています") {
		t.Errorf("acme's page: %d %s", code, html)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	for name, body := range map[string]string{"JSON": out, "HTML": html} {
		if w := containsAny(body, inc.Number, "nginx 502", "顧客FW", "acme-shop-host-01", "user:op", "beta", "incident_id"); w != "" {
			t.Errorf("acme's public %s shows %q", name, w)
		}
	}
	_, bout := fx.do(t, "GET", "/api/v1/public/status/beta-status", "", nil)
	if w := containsAny(bout, "acme", "オンラインストア", "beta internal outage", "beta secret note"); w != "" || !strings.Contains(bout, "beta public notice") {
		t.Errorf("beta's page shows %q: %s", w, bout)
	}
	if _, err := fx.desk.Transition(t.Context(), "acme", inc.ID, "user:op", incident.StateChange{State: incident.StateResolved,
		CloseCode: "Solution provided", CloseNotes: "NAT fixed"}); err != nil {
		t.Fatal(err)
	}
	fx.svc.Forget("acme")
	_, out = fx.do(t, "GET", "/api/v1/public/status/acme-status", "", nil)
	if strings.Contains(out, "オンラインストア") {
		t.Errorf("a resolved incident's notice is still shown: %s", out)
	}
}

// TestStatusPageLimitsEachAddress: one address gets PerMinute pages a
// minute, then 429 with Retry-After; the page is served from the cache
// meanwhile (one build for all of them).
func TestStatusPageLimitsEachAddress(t *testing.T) {
	fx := newFixture(t)
	fx.must(t, 200, "PUT", "/api/v1/tenants/acme/status-page", acmeStaff, map[string]any{"enabled": true, "slug": "acme-status"})
	for i := 0; i < PerMinute; i++ {
		if code, _, _ := fx.page(t, "acme-status"); code != 200 {
			t.Fatalf("request %d: %d", i+1, code)
		}
	}
	code, h, body := fx.page(t, "acme-status")
	if code != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
		t.Errorf("request %d: %d %q %s, want 429 with Retry-After", PerMinute+1, code, h.Get("Retry-After"), body)
	}
	if code, _ := fx.do(t, "GET", "/api/v1/public/status/acme-status", "", nil); code != http.StatusTooManyRequests {
		t.Errorf("the JSON after the limit: %d, want 429", code)
	}
}

// TestStatusChangesAreAudited: settings and notices commit with their
// audit entry or not at all.
func TestStatusChangesAreAudited(t *testing.T) {
	fx := newFixture(t)
	inc := fx.incident(t, "acme", "x", "y")
	state := func() string {
		_, p := fx.do(t, "GET", "/api/v1/tenants/acme/status-page", acmeStaff, nil)
		_, n := fx.do(t, "GET", "/api/v1/tenants/acme/status-notices", acmeStaff, nil)
		return p + n
	}
	do := func(method, path string, body any) (int, []byte) {
		code, out := fx.do(t, method, path, acmeStaff, body)
		return code, []byte(out)
	}
	apitest.CheckAudited(t, fx.db, do, "acme", apitest.Change{Method: "PUT", Path: "/api/v1/tenants/acme/status-page",
		Body: map[string]any{"enabled": true, "slug": "acme-status"}, State: state, Action: "update", ObjectType: "status_page"})
	apitest.CheckAudited(t, fx.db, do, "acme", apitest.Change{Method: "POST", Path: fmt.Sprintf("/api/v1/tenants/acme/incidents/%d/status-notice", inc.ID),
		Body: map[string]any{"title": "障害のお知らせ", "body": "調査中"}, State: state, Action: "publish", ObjectType: "status_notice"})
}

func TestOpenAPI(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, nil, apitest.PathTenant, nil))
}

// TestWordsInBothLanguages: every word of the page has Japanese and English.
func TestWordsInBothLanguages(t *testing.T) {
	for k, w := range words {
		if w[0] == "" || w[1] == "" {
			t.Errorf("%s lacks a language: %q", k, w)
		}
	}
}
