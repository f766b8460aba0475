package console

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/dashboard"
	"github.com/unyo-ops/unyo/internal/session"
)

// withDashboards wires the real dashboard store into the console.
func withDashboards(o *Options) { o.Dashboards = dashboard.NewStore(o.Store.DB()) }

// editorForm is the editor's form for panels given as {title, type,
// query, legend}, with a host variable.
func editorForm(title string, panels ...[4]string) url.Values {
	f := url.Values{"title": {title}, "time_range": {"1h"}, "refresh": {""}, "variables": {"1"},
		"v0-name": {"host"}, "v0-label": {"host"}, "v0-metric": {"node_load1"}, "panels": {fmt.Sprint(len(panels))}}
	for i, p := range panels {
		k := fmt.Sprintf("p%d-", i)
		f.Set(k+"title", p[0])
		f.Set(k+"type", p[1])
		f.Set(k+"q0-query", p[2])
		f.Set(k+"q0-legend", p[3])
		f.Set(k+"queries", "1")
		f.Set(k+"x", fmt.Sprint(12*(i%2)))
		f.Set(k+"y", "0")
		f.Set(k+"w", "12")
		f.Set(k+"h", "8")
	}
	return f
}

var pointerRE = regexp.MustCompile(`data-pointer="([^"]*)"`)

// TestDashboardPages: an operator makes a dashboard with two panels in
// the editor (a bad query is refused naming it, nothing saved), sees both
// panels' values from the tenant's own series, with the host variable
// listing only its hosts; reorders and previews in the editor; and reads
// the pages in Japanese and English.
func TestDashboardPages(t *testing.T) {
	e := newEnv(t, withDashboards)
	now := time.Now()
	for i := range 10 {
		at := now.Add(-time.Duration(10-i) * time.Minute)
		e.push("acme", "node_load1", at, 0.5+float64(i)/20, "host", "acme-web-01")
		e.push("acme", "node_load1", at, 2, "host", "acme-db-01")
		e.push("beta", "node_load1", at, 99, "host", "beta-secret-host")
	}
	op := e.login("operator")
	code, _, loc := op.postForm("/tenants/acme/dashboards", "/tenants/acme/dashboards", url.Values{"title": {"ウェブ"}})
	if code != http.StatusSeeOther || !strings.HasSuffix(loc, "/edit") {
		t.Fatalf("create = %d to %q", code, loc)
	}
	view := strings.TrimSuffix(loc, "/edit")
	line := [4]string{"負荷", "line", `node_load1{host="$host"}`, "{{host}}"}
	stat := [4]string{"全体の負荷", "stat", "sum(node_load1)", ""}
	bad := editorForm("ウェブ", line, [4]string{"壊れた", "stat", "sum(node_load1) by", ""})
	bad.Set("action", "save")
	code, page, _ := op.postForm(loc, loc, bad)
	if code != http.StatusBadRequest || !strings.Contains(page, "panels[1].queries[0].query") || !strings.Contains(page, "unexpected end of input") {
		t.Fatalf("bad query = %d, want 400 naming panels[1].queries[0].query with the parser's reason", code)
	}
	if d, _ := e.console.opts.Dashboards.List(context.Background(), "acme"); len(d) != 1 || len(d[0].Panels) != 0 {
		t.Fatalf("the refused save was stored: %+v", d[0].Panels)
	}
	good := editorForm("ウェブ", line, stat)
	good.Set("action", "save")
	if code, _, to := op.postForm(loc, loc, good); code != http.StatusSeeOther || to != view {
		t.Fatalf("save = %d to %q", code, to)
	}
	_, page, _ = op.get(view + "?var-host=acme-web-01")
	m := pointerRE.FindStringSubmatch(page)
	if m == nil || !strings.Contains(m[1], "acme-web-01") || !strings.Contains(m[1], "0.95") || strings.Contains(page, "acme-db-01&#34;,&#34;p") {
		t.Fatalf("the line panel's data: %v", m)
	}
	for _, want := range []string{`id="panel-0"`, `<svg`, `id="panel-1"`, `<strong class="stat-value">2.95</strong>`, `<option value="acme-db-01"`,
		`<option value="acme-web-01" selected>`, "期間", "自動更新"} {
		if !strings.Contains(page, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	if strings.Contains(page, "beta-secret-host") || strings.Contains(page, "99") && strings.Contains(page, "101.95") {
		t.Errorf("the dashboard shows beta's series")
	}
	// The editor: the second panel moves up, the first is previewed.
	form := editorForm("ウェブ", line, stat)
	form.Set("action", "up-1")
	_, page, _ = op.postForm(loc, loc, form)
	if i, j := strings.Index(page, `value="全体の負荷"`), strings.Index(page, `value="負荷"`); i < 0 || j < i || !strings.Contains(page, `id="unsaved"`) {
		t.Fatalf("after up-1 the stat panel is not first (%d, %d)", i, j)
	}
	form.Set("action", "preview-0")
	if _, page, _ = op.postForm(loc, loc, form); !strings.Contains(page, `id="preview"`) || !strings.Contains(page, "<svg") {
		t.Fatalf("preview shows no chart")
	}
	form.Set("action", "add")
	if _, page, _ = op.postForm(loc, loc, form); !strings.Contains(page, `id="edit-panel-2"`) {
		t.Fatalf("add shows no third panel")
	}
	// In English, with the skipped list of an import.
	op.postForm("/board", "/preferences", url.Values{"language": {"en"}, "time_zone": {"UTC"}, "back": {"/board"}})
	_, page, _ = op.get(view)
	for _, want := range []string{"Auto-refresh", "Edit", "Dashboards", "2.95"} {
		if !strings.Contains(page, want) {
			t.Errorf("the English dashboard lacks %q", want)
		}
	}
	// A customer's viewer reads its dashboards but does not edit them.
	viewer := e.login("acme-viewer")
	if code, _, _ := viewer.get(view); code != http.StatusOK {
		t.Errorf("acme's viewer reading its dashboard = %d", code)
	}
	if code, _, _ := viewer.get(loc); code != http.StatusForbidden {
		t.Errorf("acme's viewer opening the editor = %d", code)
	}
}

// postFile sends the import form with file as an upload.
func (b *browser) postFile(from, path, name string, file []byte) (int, string, string) {
	b.e.t.Helper()
	_, page, _ := b.get(from)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField(session.CSRFField, csrfOf(page))
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(file)
	w.Close()
	req, err := http.NewRequest("POST", b.e.url+path, &body)
	if req != nil {
		req.Header.Set("Content-Type", w.FormDataContentType())
	}
	return b.do(req, err)
}

// TestGrafanaImportPage: an uploaded Grafana dashboard becomes a dashboard
// whose page lists what was skipped, with the reasons, in both languages;
// pasted JSON that is no dashboard is refused naming why.
func TestGrafanaImportPage(t *testing.T) {
	e := newEnv(t, withDashboards)
	op := e.login("operator")
	fixture, err := os.ReadFile("../dashboard/testdata/grafana/web-shop-classic.json")
	if err != nil {
		t.Fatal(err)
	}
	code, _, loc := op.postFile("/tenants/acme/dashboards", "/tenants/acme/dashboards/import", "web-shop.json", fixture)
	if code != http.StatusSeeOther || !strings.HasSuffix(loc, "?imported=1") {
		t.Fatalf("import = %d to %q", code, loc)
	}
	_, page, _ := op.get(loc)
	for _, want := range []string{`id="import-notice"`, "パネル 4 件、取り込めなかったもの 7 件", `data-skipped="heatmap"`, `data-skipped="logs"`, `data-skipped="text"`,
		"パネルの種類「heatmap」は取り込めません", "データソースの選択は取り込みません", "Requests per second", "Error ratio"} {
		if !strings.Contains(page, want) {
			t.Errorf("the imported dashboard lacks %q", want)
		}
	}
	if strings.Contains(page, "not carried") {
		t.Errorf("the Japanese page gives a reason in English")
	}
	op.postForm("/board", "/preferences", url.Values{"language": {"en"}, "time_zone": {"UTC"}, "back": {"/board"}})
	_, page, _ = op.get(loc)
	for _, want := range []string{"Imported from Grafana. Panels carried: 4; not carried: 7.", "Not carried from Grafana (7)",
		`panel type &#34;heatmap&#34; is not carried`, "a choice of datasource is not carried"} {
		if !strings.Contains(page, want) {
			t.Errorf("the English page lacks %q", want)
		}
	}
	if strings.Contains(page, "取り込め") {
		t.Errorf("the English page gives a reason in Japanese")
	}
	code, page, _ = op.postForm("/tenants/acme/dashboards", "/tenants/acme/dashboards/import", url.Values{"json": {`{"title":"notes","panels":[{"type":"text"}]}`}})
	if code != http.StatusBadRequest || !strings.Contains(page, "panels") || !strings.Contains(page, "1 skipped: text") {
		t.Fatalf("nothing to carry = %d", code)
	}
	if list, _ := e.console.opts.Dashboards.List(context.Background(), "acme"); len(list) != 1 {
		t.Fatalf("dashboards after a refused import: %d", len(list))
	}
}

// TestDashboardReadsOnlyItsTenant: a panel of acme's that asks for beta's
// series by the tenant label, or by beta's metric, finds nothing: queries
// run on acme's own view of the store.
func TestDashboardReadsOnlyItsTenant(t *testing.T) {
	e := newEnv(t, withDashboards)
	now := time.Now()
	e.push("beta", "beta_secret_metric", now.Add(-time.Minute), 4242, "host", "beta-web-01")
	d := &dashboard.Dashboard{Tenant: "acme", Title: "prying", Panels: []dashboard.Panel{
		{Title: "by tenant", Type: dashboard.Table, Queries: []dashboard.Query{{Query: `{tenant="beta"}`}}},
		{Title: "by name", Type: dashboard.Line, Queries: []dashboard.Query{{Query: `beta_secret_metric`}}},
		{Title: "every series", Type: dashboard.Stat, Queries: []dashboard.Query{{Query: `count({__name__=~".+"})`}}},
	}}
	if err := e.console.opts.Dashboards.Create(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	_, page, _ := e.login("operator").get(fmt.Sprintf("/tenants/acme/dashboards/%d", d.ID))
	if strings.Contains(page, "4242") || strings.Contains(page, "beta_secret_metric{") || strings.Contains(page, "beta-web-01") {
		t.Fatalf("acme's dashboard shows beta's series")
	}
	if n := strings.Count(page, `data-has-data="false"`); n != 3 {
		t.Fatalf("%d of 3 panels without data", n)
	}
}
