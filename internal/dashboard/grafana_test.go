package dashboard

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "grafana", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// panelLine is a panel as the tests compare it: type, title, unit, the
// first query's legend and its place.
func panelLine(p Panel) string {
	return fmt.Sprintf("%s %q %q %q %d,%d,%d,%d", p.Type, p.Title, p.Unit, p.Queries[0].Legend, p.Grid.X, p.Grid.Y, p.Grid.W, p.Grid.H)
}

// TestImportNodeExporterFull: the first rows of the real Node Exporter
// Full (gauges, stats, a bar gauge, time series, a collapsed row) all
// come across, in reading order, the collapsed row's panels below the
// rows before it; its label_values() variables chain; only the choice of
// datasource is skipped.
func TestImportNodeExporterFull(t *testing.T) {
	d, err := FromGrafana(readFixture(t, "node-exporter-full.json"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "Node Exporter Full" || d.TimeRange != "24h" || d.Refresh != "1m" {
		t.Fatalf("dashboard: %q %s %s", d.Title, d.TimeRange, d.Refresh)
	}
	vars, _ := json.Marshal(d.Variables)
	if want := `[{"name":"job","label":"job","metric":"node_uname_info"},{"name":"nodename","label":"nodename","metric":"node_uname_info{job=\"$job\"}"},` +
		`{"name":"node","label":"instance","metric":"node_uname_info{job=\"$job\", nodename=\"$nodename\"}"}]`; string(vars) != want {
		t.Fatalf("variables %s\nwant      %s", vars, want)
	}
	if len(d.Skipped) != 1 || d.Skipped[0].Kind != "variable" || d.Skipped[0].Title != "ds_prometheus" || !strings.Contains(d.Skipped[0].Reason, "datasource") {
		t.Fatalf("skipped: %+v", d.Skipped)
	}
	var got []string
	for _, p := range d.Panels {
		got = append(got, panelLine(p))
	}
	want := []string{
		`bar "Pressure" "percentunit" "CPU" 0,0,3,4`,
		`stat "CPU Busy" "percent" "" 3,0,3,4`,
		`stat "Sys Load" "percent" "" 6,0,3,4`,
		`stat "RAM Used" "percent" "" 9,0,3,4`,
		`stat "SWAP Used" "percent" "" 12,0,3,4`,
		`stat "Root FS Used" "percent" "" 15,0,3,4`,
		`stat "CPU Cores" "" "" 18,0,2,2`, // legend "__auto": by the series' labels
		`stat "RAM Total" "bytes" "" 20,0,2,2`,
		`stat "SWAP Total" "bytes" "" 22,0,2,2`,
		`stat "RootFS Total" "bytes" "" 18,2,2,2`,
		`stat "Uptime" "s" "" 20,2,4,2`,
		`line "CPU Basic" "percentunit" "Busy System" 0,4,12,7`,
		`line "Memory Basic" "bytes" "Total" 12,4,12,7`,
		`line "Network Traffic Basic" "bps" "Rx {{device}}" 0,11,12,7`,
		`line "Disk Space Used Basic" "percent" "{{mountpoint}}" 12,11,12,7`,
		// The collapsed row's: below the rows before, its gap of 400 rows closed.
		`line "CPU" "percentunit" "System - Processes executing in kernel mode" 0,18,12,12`,
		`line "Memory" "bytes" "Apps - Memory used by user-space applications" 12,18,12,12`,
		`line "Network Traffic" "bps" "{{device}} - Rx in" 0,30,12,12`,
		`line "Network Saturation" "percentunit" "{{device}} - Rx in" 12,30,12,12`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("panels:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	busy := d.Panels[1]
	if len(busy.Thresholds) != 2 || busy.Thresholds[0].Value != 85 || busy.Thresholds[1].Value != 95 || busy.Decimals == nil || *busy.Decimals != 1 ||
		!strings.Contains(busy.Queries[0].Query, `instance="$node"`) {
		t.Fatalf("CPU Busy: %+v %+v", busy, busy.Queries)
	}
	if n := len(d.Panels[15].Queries); n < 5 {
		t.Fatalf("the collapsed row's CPU panel has %d queries", n)
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("the import does not validate: %v", err)
	}
}

// TestImportClassicShapes: a Grafana 5 dashboard (exported with its meta)
// with graph, singlestat and table-old panels, a collapsed row, and what
// unyo cannot draw: each skipped with its reason, the rest carried with
// units, thresholds, legends and the variables it can fill.
func TestImportClassicShapes(t *testing.T) {
	d, err := FromGrafana(readFixture(t, "web-shop-classic.json"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "Web shop" || d.Description == "" || d.TimeRange != "6h" || d.Refresh != "30s" {
		t.Fatalf("dashboard: %q %s %s", d.Title, d.TimeRange, d.Refresh)
	}
	var skipped []string
	for _, s := range d.Skipped {
		skipped = append(skipped, fmt.Sprintf("%s %s %s: %s [%s %q]", s.Kind, s.Type, s.Title, s.Reason, s.Code, s.Args))
	}
	wantSkipped := []string{
		`variable datasource DS: a choice of datasource is not carried: every query reads the tenant's own metrics [variable_datasource []]`,
		`variable query slowest: only label_values() queries are carried, not "query_result(topk(5, http_request_duration_seconds_sum))" [variable_query ["query_result(topk(5, http_request_duration_seconds_sum))"]]`,
		`panel text Runbook: panel type "text" is not carried: unyo draws line, bar, single value (stat) and table panels [panel_type ["text"]]`,
		`panel heatmap Latency buckets: panel type "heatmap" is not carried: unyo draws line, bar, single value (stat) and table panels [panel_type ["heatmap"]]`,
		`panel logs Access log: panel type "logs" is not carried: unyo draws line, bar, single value (stat) and table panels [panel_type ["logs"]]`,
		`panel graph Orders (InfluxDB): no PromQL query (its targets have no expr: another datasource, or none) [no_query []]`,
		`panel graph Broken query: query 1: is not valid PromQL: 1:35: parse error: unexpected <by> in aggregation [query_invalid ["1" "is not valid PromQL: 1:35: parse error: unexpected <by> in aggregation"]]`,
	}
	if strings.Join(skipped, "\n") != strings.Join(wantSkipped, "\n") {
		t.Fatalf("skipped:\n%s\nwant\n%s", strings.Join(skipped, "\n"), strings.Join(wantSkipped, "\n"))
	}
	var got []string
	for _, p := range d.Panels {
		got = append(got, fmt.Sprintf("%s %d", panelLine(p), len(p.Queries)))
	}
	want := []string{
		`line "Requests per second" "reqps" "{{host}}" 0,0,12,8 1`, // the hidden query is left out
		`stat "Error ratio" "percentunit" "" 12,0,6,4 1`,
		`table "Hosts up" "" "{{instance}}" 12,4,12,4 1`,
		`line "p95 latency" "s" "p95" 12,8,12,8 1`, // the collapsed row's, its heading takes no room
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("panels:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	errs := d.Panels[1]
	if th, _ := json.Marshal(errs.Thresholds); string(th) != `[{"value":0.01,"color":"#ed8128"},{"value":0.05,"color":"#d44a3a"}]` || *errs.Decimals != 2 {
		t.Fatalf("singlestat thresholds %s decimals %v", th, errs.Decimals)
	}
	vars, _ := json.Marshal(d.Variables)
	if want := `[{"name":"host","label":"host","metric":"node_uname_info","default":"web-01","all_value":".+"},{"name":"status","values":["5..","4.."],"default":"5.."}]`; string(vars) != want {
		t.Fatalf("variables %s\nwant      %s", vars, want)
	}
}

// TestImportRefusesWhatIsNoDashboard: input with nothing to carry is 400
// naming why, never an empty dashboard.
func TestImportRefusesWhatIsNoDashboard(t *testing.T) {
	f := func(body, field, reason string) {
		t.Helper()
		_, err := FromGrafana([]byte(body))
		if err == nil || !strings.Contains(err.Error(), field+": ") || !strings.Contains(err.Error(), reason) {
			t.Errorf("%s: %v, want %s: ...%s", body, err, field, reason)
		}
	}
	f(`{"title":`, "body", "not a Grafana dashboard")
	f(`[]`, "body", "not a Grafana dashboard")
	f(`{"title":"old","schemaVersion":12,"rows":[{"panels":[{"type":"graph"}]}]}`, "rows", "older than Grafana 5")
	f(`{"title":"empty","panels":[]}`, "panels", "is empty")
	f(`{"title":"notes","panels":[{"type":"text","title":"hello"},{"type":"news","title":"n"}]}`, "panels", "2 skipped: text, news")
}

// TestImportThroughTheAPI: the import answers the dashboard and the
// skipped list, stores the list with the dashboard, and a second import
// of the same title is refused naming title.
func TestImportThroughTheAPI(t *testing.T) {
	fx := newFixture(t)
	body := string(readFixture(t, "web-shop-classic.json"))
	code, out := fx.do(t, "POST", base+"/import", "acme:read,write", body)
	var imp Imported
	json.Unmarshal([]byte(out), &imp)
	if code != 201 || imp.Dashboard == nil || len(imp.Dashboard.Panels) != 4 || len(imp.Skipped) != 7 || imp.Skipped[2].Title != "Runbook" {
		t.Fatalf("import: %d %s", code, out)
	}
	_, out = fx.do(t, "GET", fmt.Sprintf("%s/%d", base, imp.Dashboard.ID), "acme:read", "")
	if !strings.Contains(out, `"reason":"panel type \"heatmap\" is not carried`) {
		t.Fatalf("the stored dashboard lost its skipped list: %s", out)
	}
	if code, out := fx.do(t, "POST", base+"/import", "acme:read,write", body); code != 400 || !strings.Contains(out, `"field":"title"`) {
		t.Fatalf("second import: %d %s", code, out)
	}
	if code, out := fx.do(t, "POST", base+"/import", "acme:read,write", `{"panels":[{"type":"text"}]}`); code != 400 || !strings.Contains(out, `"field":"panels"`) {
		t.Fatalf("nothing to carry: %d %s", code, out)
	}
}
