package dashboard

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
)

const base = "/api/v1/tenants/acme/dashboards"

const twoPanels = `{"title":"Web front","description":"traffic and CPU","time_range":"24h","refresh":"1m",
	"variables":[{"name":"host","label":"host","metric":"node_uname_info","default":"web-01"}],
	"panels":[
	 {"title":"CPU","type":"line","unit":"percent","queries":[{"query":"100 * (1 - avg by (host) (rate(node_cpu_seconds_total{mode=\"idle\",host=\"$host\"}[$__rate_interval])))","legend":"{{host}}"}],
	  "thresholds":[{"value":80,"color":"orange"},{"value":95,"color":"red"}],"grid":{"x":0,"y":0,"w":12,"h":8}},
	 {"title":"Requests","type":"stat","unit":"reqps","decimals":1,"queries":[{"query":"sum(rate(http_requests_total[5m]))"}],"grid":{"x":12,"y":0,"w":12,"h":8}}]}`

// TestDashboardLivesThroughTheAPI: a dashboard made with two panels and a
// variable reads back as written, is listed, is edited (a panel removed,
// the order changed) and deleted, and only in its tenant.
func TestDashboardLivesThroughTheAPI(t *testing.T) {
	fx := newFixture(t)
	code, out := fx.do(t, "POST", base, "acme:read,write", twoPanels)
	var d Dashboard
	json.Unmarshal([]byte(out), &d)
	if code != 201 || d.ID == 0 || len(d.Panels) != 2 || d.Panels[0].Thresholds[1].Color != "red" || *d.Panels[1].Decimals != 1 ||
		d.Variables[0].Metric != "node_uname_info" || d.CreatedBy == "" || d.TimeRange != "24h" || d.Refresh != "1m" {
		t.Fatalf("create: %d %s", code, out)
	}
	path := fmt.Sprintf("%s/%d", base, d.ID)
	code, got := fx.do(t, "GET", path, "acme:read", "")
	if code != 200 || got != out {
		t.Fatalf("read back: %d\n%s\nwant\n%s", code, got, out)
	}
	if _, list := fx.do(t, "GET", base, "acme:read", ""); !strings.Contains(list, `"title":"Web front"`) {
		t.Fatalf("list: %s", list)
	}
	// The editor's save: the stat panel first, the line panel gone.
	d.Panels = []Panel{d.Panels[1]}
	d.Title = "Web front (stat)"
	body, _ := json.Marshal(Input{Title: d.Title, TimeRange: d.TimeRange, Variables: d.Variables, Panels: d.Panels})
	if code, out := fx.do(t, "PUT", path, "acme:read,write", string(body)); code != 200 || !strings.Contains(out, `"title":"Requests"`) || strings.Contains(out, `"title":"CPU"`) {
		t.Fatalf("update: %d %s", code, out)
	}
	// Another tenant's token finds nothing, and changes nothing.
	for _, c := range []struct{ method, path, body string }{{"GET", path, ""}, {"PUT", path, twoPanels}, {"DELETE", path, ""}} {
		bpath := strings.Replace(c.path, "/acme/", "/beta/", 1)
		if code, out := fx.do(t, c.method, bpath, "beta:read,write", c.body); code != 404 {
			t.Errorf("beta %s %s = %d %s", c.method, bpath, code, out)
		}
	}
	if _, list := fx.do(t, "GET", "/api/v1/tenants/beta/dashboards", "beta:read", ""); strings.TrimSpace(list) != "[]" {
		t.Fatalf("beta lists %s", list)
	}
	if code, _ := fx.do(t, "DELETE", path, "acme:read,write", ""); code != 204 {
		t.Fatalf("delete = %d", code)
	}
	if code, _ := fx.do(t, "GET", path, "acme:read", ""); code != 404 {
		t.Fatalf("deleted dashboard = %d", code)
	}
}

// TestBadDashboardsAreRefusedByField: each bad field is 400 naming it (a
// query that does not parse with the parser's reason), and nothing is stored.
func TestBadDashboardsAreRefusedByField(t *testing.T) {
	fx := newFixture(t)
	panel := func(typ, query string) string {
		return fmt.Sprintf(`{"title":"p","type":%q,"queries":[{"query":%q}],"grid":{"x":0,"y":0,"w":6,"h":4}}`, typ, query)
	}
	ok := panel("line", "up")
	f := func(body, field, reason string) {
		t.Helper()
		code, out := fx.do(t, "POST", base, "acme:read,write", body)
		if code != 400 || !strings.Contains(out, `"field":"`+field+`"`) || !strings.Contains(out, reason) {
			t.Errorf("%s = %d %s, want 400 naming %s with %q", body, code, out, field, reason)
		}
	}
	f(`{"title":""}`, "title", "required")
	f(`{"title":"x","time_range":"2h"}`, "time_range", "1h, 6h")
	f(`{"title":"x","refresh":"1s"}`, "refresh", "30s")
	f(`{"title":"x","panels":[`+ok+`,`+ok+`,`+panel("line", "sum(rate(up[5m])) by")+`]}`, "panels[2].queries[0].query", "parse error: unexpected end of input in grouping opts")
	f(`{"title":"x","panels":[`+panel("pie", "up")+`]}`, "panels[0].type", "line, bar, stat or table")
	f(`{"title":"x","panels":[`+panel("line", " ")+`]}`, "panels[0].queries[0].query", "required")
	f(`{"title":"x","panels":[{"title":"p","type":"line","queries":[]}]}`, "panels[0].queries", "at least one")
	f(`{"title":"x","panels":[{"title":"p","type":"line","queries":[{"query":"up"}],"grid":{"x":20,"y":0,"w":6,"h":4}}]}`, "panels[0].grid.x", "24 columns")
	f(`{"title":"x","panels":[{"title":"p","type":"stat","queries":[{"query":"up"}],"thresholds":[{"value":5,"color":"red"},{"value":1,"color":"red"}]}]}`,
		"panels[0].thresholds[1].value", "above")
	f(`{"title":"x","panels":[{"title":"p","type":"stat","queries":[{"query":"up"}],"thresholds":[{"value":5,"color":"mauve"}]}]}`,
		"panels[0].thresholds[0].color", "#rrggbb")
	f(`{"title":"x","variables":[{"name":"1host","label":"host"}]}`, "variables[0].name", "letters")
	f(`{"title":"x","variables":[{"name":"host","label":"host","metric":"up{"}]}`, "variables[0].metric", "not a series selector")
	f(`{"title":"x","variables":[{"name":"host"}]}`, "variables[0].label", "required")
	// A variable the dashboard does not have stays as written: the parser names it.
	f(`{"title":"x","panels":[`+panel("line", `rate(up[$window])`)+`]}`, "panels[0].queries[0].query", "is not valid PromQL")
	f(`{"title":"x","bogus":1}`, "bogus", "not a known field")
	if _, out := fx.do(t, "GET", base, "acme:read", ""); strings.TrimSpace(out) != "[]" {
		t.Fatalf("refused dashboards were stored: %s", out)
	}
	if code, _ := fx.do(t, "POST", base, "acme:read,write", twoPanels); code != 201 {
		t.Fatal("the good one was refused")
	}
	f(twoPanels, "title", "already has a dashboard titled")
	if code, out := fx.do(t, "POST", base, "acme:read", twoPanels); code != 403 {
		t.Fatalf("read scope creates: %d %s", code, out)
	}
}

// TestChangesCommitWithTheirAudit: create, import, update and delete each
// write their audit entry in their own transaction.
func TestChangesCommitWithTheirAudit(t *testing.T) {
	fx := newFixture(t)
	do := func(method, path string, b any) (int, []byte) {
		code, out := fx.do(t, method, path, "acme:read,write", b.(string))
		return code, []byte(out)
	}
	state := func() string { _, out := fx.do(t, "GET", base, "acme:read", ""); return out }
	check := func(method, path, b, action string) []byte {
		return apitest.CheckAudited(t, fx.store.db, do, "acme", apitest.Change{Method: method, Path: path, Body: b,
			State: state, Action: action, ObjectType: "dashboard"})
	}
	var d Dashboard
	json.Unmarshal(check("POST", base, twoPanels, "create"), &d)
	path := fmt.Sprintf("%s/%d", base, d.ID)
	check("PUT", path, strings.Replace(twoPanels, "Web front", "Web front 2", 1), "update")
	check("POST", base+"/import", string(readFixture(t, "web-shop-classic.json")), "import")
	check("DELETE", path, "", "delete")
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant))
}
