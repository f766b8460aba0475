package browser

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/prometheus/prometheus/prompb"
)

// loadSeries is twenty minutes of node_load1 of two hosts: web at 1.5,
// db at 2.
func loadSeries(now time.Time) []prompb.TimeSeries {
	var out []prompb.TimeSeries
	for _, h := range []struct {
		host string
		v    float64
	}{{"acme-web-01", 1.5}, {"acme-db-01", 2}} {
		s := prompb.TimeSeries{Labels: []prompb.Label{{Name: "__name__", Value: "node_load1"}, {Name: "host", Value: h.host}}}
		for i := 20; i >= 0; i-- {
			s.Samples = append(s.Samples, prompb.Sample{Timestamp: now.Add(-time.Duration(i) * time.Minute).UnixMilli(), Value: h.v})
		}
		out = append(out, s)
	}
	return out
}

// TestDashboards drives the dashboard pages through the real server: a
// Japanese operator makes a dashboard of two panels in the editor (a
// variable of the hosts, a line panel and a single value), previews one,
// saves, and reads the values, the line's under the keyboard's cursor
// and under the pointer; then imports a Grafana dashboard and sees what was
// skipped; in English the same pages read in English.
func TestDashboards(t *testing.T) {
	s := startServer(t, freePort(t))
	s.api(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "acme", "name": "株式会社アクメ", "language": "ja", "time_zone": "Asia/Tokyo"}, nil)
	s.api(201, "POST", "/api/v1/users", "", map[string]any{"login": "hanako", "name": "Hanako", "role": "operator", "password": "operator-password-1",
		"language": "ja", "time_zone": "Asia/Tokyo"}, nil)
	var tok struct{ Token string }
	s.api(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "acme-agent", "tenant": "acme", "scopes": []string{"ingest"}}, &tok)
	s.push(tok.Token, loadSeries(time.Now()))

	ctx := chromium(t)
	if err := login(ctx, s.url, "hanako", "operator-password-1"); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/tenants/acme/dashboards"),
		chromedp.WaitVisible(chromedp.CSS("#dashboard-new")),
		chromedp.SendKeys(chromedp.CSS("#dash-title"), "ウェブ監視"),
		chromedp.Click(chromedp.CSS("#dashboard-create")),
		chromedp.WaitVisible(chromedp.CSS("#dashboard-editor")),
		chromedp.SetValue(chromedp.CSS("#v0-name"), "host"),
		chromedp.SetValue(chromedp.CSS("#v0-label"), "host"),
		chromedp.SetValue(chromedp.CSS("#v0-metric"), "node_load1"),
		chromedp.Click(chromedp.CSS("#panel-add")),
		chromedp.WaitVisible(chromedp.CSS("#edit-panel-0")),
		chromedp.SendKeys(chromedp.CSS("#p0-title"), "ホストの負荷"),
		chromedp.SetValue(chromedp.CSS("#p0-q0-query"), `node_load1{host="$host"}`),
		chromedp.SetValue(chromedp.CSS("#p0-q0-legend"), "{{host}}"),
		chromedp.Click(chromedp.CSS("#panel-add")),
		chromedp.WaitVisible(chromedp.CSS("#edit-panel-1")),
		chromedp.SetValue(chromedp.CSS("#p1-title"), "全体の負荷"),
		chromedp.SetValue(chromedp.CSS("#p1-type"), "stat"),
		chromedp.SetValue(chromedp.CSS("#p1-q0-query"), "sum(node_load1)"),
		chromedp.Click(chromedp.CSS("#p1-preview")),
		chromedp.WaitVisible(chromedp.CSS("#preview .stat-value")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkLabels(t, ctx, "the dashboard editor")
	if got := textOf(t, ctx, "#preview .stat-value"); got != "3.5" {
		t.Errorf("the preview's single value = %q, want 3.5", got)
	}
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#p0-title").value`)); err != nil || got != "ホストの負荷" {
		t.Errorf("the editor lost the first panel across the preview")
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#dashboard-save")),
		chromedp.WaitVisible(chromedp.CSS("#dashboard")),
		chromedp.WaitVisible(chromedp.CSS("#panel-0 svg")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, "#panel-1 .stat-value"); got != "3.5" {
		t.Errorf("the single value = %q, want 3.5", got)
	}
	// The line's values under the keyboard's cursor: the hosts' picker opens
	// on the first host, and choosing the other redraws.
	err = chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#panel-0 .dash-chart")), chromedp.KeyEvent(kb.End), tipShown("#panel-0"))
	if err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, "#panel-0 .dash-tip"); !strings.Contains(got, "acme-db-01: 2") {
		t.Errorf("the value under the cursor = %q, want acme-db-01: 2", got)
	}
	err = chromedp.Do(ctx,
		// The picker applies itself on a change, here from the keyboard.
		chromedp.Focus(chromedp.CSS("#var-host")),
		chromedp.KeyEvent(kb.ArrowDown),
	)
	if err != nil {
		t.Fatal(err)
	}
	await(t, ctx, `location.search.includes("var-host=acme-web-01") && document.readyState === "complete" && document.querySelector("#panel-0 .dash-chart") !== null`)
	// Under the pointer: the middle of the chart.
	box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = document.querySelector("#panel-0 .dash-chart").getBoundingClientRect();
		return [r.left + r.width / 2, r.top + r.height / 2]; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.MouseEvent("mouseMoved", box[0], box[1]), tipShown("#panel-0")); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, "#panel-0 .dash-tip"); !strings.Contains(got, "acme-web-01: 1.5") || strings.Contains(got, "acme-db-01") {
		t.Errorf("the value under the pointer = %q, want acme-web-01: 1.5 only", got)
	}
	if got := textOf(t, ctx, "#dashboard-vars"); !strings.Contains(got, "host") {
		t.Errorf("the variables' form = %q", got)
	}

	// The import of a Grafana dashboard, pasted.
	fixture, err := os.ReadFile("../../internal/dashboard/testdata/grafana/web-shop-classic.json")
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/tenants/acme/dashboards"),
		chromedp.WaitVisible(chromedp.CSS("#dashboard-import")),
		chromedp.SetValue(chromedp.CSS("#import-json"), string(fixture)),
		chromedp.Click(chromedp.CSS("#import-submit")),
		chromedp.WaitVisible(chromedp.CSS("#skipped-list")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkLabels(t, ctx, "the imported dashboard")
	imported, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, "#import-notice"); got != "Grafanaから取り込みました: パネル 4 件、取り込めなかったもの 7 件。" {
		t.Errorf("the import's notice = %q", got)
	}
	if n := count(t, ctx, "#skipped-list tbody tr"); n != 7 {
		t.Errorf("%d skipped rows, want 7", n)
	}
	if got := textOf(t, ctx, `#skipped-list tr[data-skipped="heatmap"]`); !strings.Contains(got, "Latency buckets") || !strings.Contains(got, "パネル") ||
		!strings.Contains(got, "パネルの種類「heatmap」は取り込めません") {
		t.Errorf("the heatmap's row = %q", got)
	}

	// In English.
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#pref-language"), "en"),
		chromedp.Click(chromedp.CSS("#pref-save")),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"]`)),
		chromedp.Navigate(strings.TrimSuffix(imported, "?imported=1")),
		chromedp.WaitVisible(chromedp.CSS("#skipped")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, "#skipped summary"); got != "Not carried from Grafana (7)" {
		t.Errorf("the skipped list's heading in English = %q", got)
	}
	if got := textOf(t, ctx, `#skipped-list tr[data-skipped="logs"]`); !strings.Contains(got, "panel") || !strings.Contains(got, "Access log") ||
		!strings.Contains(got, `panel type "logs" is not carried`) {
		t.Errorf("the logs row in English = %q", got)
	}
	err = chromedp.Do(ctx, chromedp.Navigate(s.url+"/tenants/acme/dashboards"), chromedp.WaitVisible(chromedp.CSS("#dashboards")))
	if err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, "#dashboards"); !strings.Contains(got, "ウェブ監視") || !strings.Contains(got, "Web shop") || !strings.Contains(got, "Panels") {
		t.Errorf("the English list = %q", got)
	}
	checkLabels(t, ctx, "the dashboards list")
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/tenants/acme/dashboards/1"), chromedp.WaitVisible(chromedp.CSS("#panel-1 .stat-value"))); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, ".dash-bar"); !strings.Contains(got, "Auto-refresh") || !strings.Contains(got, "Time range") {
		t.Errorf("the English dashboard's bar = %q", got)
	}
	if got := textOf(t, ctx, "#panel-1 .stat-value"); got != "3.5" {
		t.Errorf("the English single value = %q", got)
	}
}

// tipShown waits until the panel's chart shows the values under the
// pointer (its class changes, which WaitVisible does not see).
func tipShown(panel string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).classList.contains("on")`, panel+" .dash-tip"),
		chromedp.WithPollingTimeout(10*time.Second))
}

// await polls the page until cond is true, across the navigation a
// change may start, for up to ten seconds.
func await(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s (%v)", cond, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// dashboardShots makes a dashboard of the fixture's host and an imported
// Grafana dashboard, and names their pages for TestScreenshots.
func dashboardShots(t *testing.T, s *server) []struct{ name, path string } {
	t.Helper()
	var d struct{ ID int64 }
	s.api(201, "POST", "/api/v1/tenants/acme/dashboards", "", map[string]any{"title": "ホスト概要", "time_range": "1h",
		"variables": []any{map[string]any{"name": "host", "label": "host", "metric": "node_memory_MemTotal_bytes"}},
		"panels": []any{
			map[string]any{"title": "CPU使用率", "type": "line", "unit": "percent", "grid": map[string]int{"x": 0, "y": 0, "w": 12, "h": 8},
				"thresholds": []any{map[string]any{"value": 80, "color": "red"}},
				"queries":    []any{map[string]any{"query": `100 * (1 - avg by (host) (rate(node_cpu_seconds_total{mode="idle",host="$host"}[$__rate_interval])))`, "legend": "{{host}}"}}},
			map[string]any{"title": "メモリ使用量", "type": "stat", "unit": "bytes", "grid": map[string]int{"x": 12, "y": 0, "w": 6, "h": 4},
				"queries": []any{map[string]any{"query": `node_memory_MemTotal_bytes{host="$host"} - node_memory_MemAvailable_bytes{host="$host"}`}}},
			map[string]any{"title": "メモリ総量", "type": "bar", "unit": "bytes", "grid": map[string]int{"x": 18, "y": 0, "w": 6, "h": 8},
				"queries": []any{map[string]any{"query": `node_memory_MemTotal_bytes`, "legend": "{{host}}"}}},
			map[string]any{"title": "ホスト一覧", "type": "table", "grid": map[string]int{"x": 12, "y": 4, "w": 6, "h": 4},
				"queries": []any{map[string]any{"query": `node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes`}}},
		}}, &d)
	fixture, err := os.ReadFile("../../internal/dashboard/testdata/grafana/node-exporter-full.json")
	if err != nil {
		t.Fatal(err)
	}
	var imp struct {
		Dashboard struct{ ID int64 } `json:"dashboard"`
	}
	s.api(201, "POST", "/api/v1/tenants/acme/dashboards/import", "", rawJSON(fixture), &imp)
	return []struct{ name, path string }{
		{"dashboards", "/tenants/acme/dashboards"},
		{"dashboard", fmt.Sprintf("/tenants/acme/dashboards/%d", d.ID)},
		{"dashboard-edit", fmt.Sprintf("/tenants/acme/dashboards/%d/edit", d.ID)},
		{"dashboard-imported", fmt.Sprintf("/tenants/acme/dashboards/%d?imported=1", imp.Dashboard.ID)},
	}
}

// rawJSON is a body sent as it is.
type rawJSON []byte

// MarshalJSON implements json.Marshaler.
func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }
