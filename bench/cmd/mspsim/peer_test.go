package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// promtool is Debian's prometheus package's rule checker; the tests that
// need it are skipped without it.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (apt-get install prometheus)")
	}
	return p
}

// writeRules writes the translated rules into a fresh directory.
func writeRules(t *testing.T) string {
	t.Helper()
	b, err := peerRules()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The generated rule file loads in Prometheus's own checker: one rule per
// threshold level of linux-base's metric items, one for the host's no-data
// item and one for the check.
func TestPeerRulesLoad(t *testing.T) {
	tool := promtool(t)
	dir := writeRules(t)
	out, err := exec.Command(tool, "check", "rules", filepath.Join(dir, "rules.yml")).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	// cpu, memory, swap, disk, load: 2 each; uptime, nodata, check: 1 each.
	if !strings.Contains(string(out), "SUCCESS: 13 rules found") {
		t.Fatalf("promtool check rules:\n%s", out)
	}
}

// The rules fire on what the simulated hosts send, as unyo's do: over 20
// minutes at 15 s, a host whose check fails from the first minute alerts on
// both checks; a host whose CPU spikes alerts warning and critical once its
// 5-minute rate has held for the item's 10 minutes; a silent host is down
// after 5 minutes; the healthy host and the one logging errors (unyo judges
// events, which Prometheus does not take) raise nothing.
func TestPeerRulesFireOnSimulatedHosts(t *testing.T) {
	tool := promtool(t)
	dir := writeRules(t)
	const rounds, from = 80, 4 // 20 minutes; misbehaving from 1 minute
	hosts := []*host{
		newHost("c0000", "c0000-web-000", healthy),
		newHost("c0000", "c0000-web-001", checkFails),
		newHost("c0000", "c0000-web-002", cpuSpike),
		newHost("c0001", "c0001-web-000", silent),
		newHost("c0001", "c0001-web-001", logErrors),
	}
	var in strings.Builder
	for _, h := range hosts {
		values := make([][]string, len(h.series))
		for r := range rounds {
			h.misbehaving = r >= from
			for i, s := range h.next(int64(r)*15_000, 15) {
				v := strconv.FormatFloat(s.Value, 'f', -1, 64)
				if h.misbehaving && h.kind == silent {
					v = "_"
				}
				values[i] = append(values[i], v)
			}
		}
		for i, s := range h.series {
			ls := []string{fmt.Sprintf("tenant=%q", h.tenant), fmt.Sprintf("host=%q", h.name)}
			for _, l := range s.Labels {
				ls = append(ls, fmt.Sprintf("%s=%q", l.Name, l.Value))
			}
			fmt.Fprintf(&in, "      - series: '%s{%s}'\n        values: '%s'\n", s.Name, strings.Join(ls, ","), strings.Join(values[i], " "))
		}
	}
	alert := func(name string, labels ...string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "      - eval_time: 19m\n        alertname: %s\n        exp_alerts:\n", name)
		for _, l := range labels {
			fmt.Fprintf(&b, "          - exp_labels: {%s}\n", l)
		}
		if len(labels) == 0 {
			b.WriteString("            []\n")
		}
		return b.String()
	}
	tests := "rule_files: [rules.yml]\nevaluation_interval: 15s\ntests:\n  - interval: 15s\n    input_series:\n" + in.String() +
		"    alert_rule_test:\n" +
		alert("check",
			"severity: critical, tenant: c0000, host: c0000-web-001, item: check-0",
			"severity: critical, tenant: c0000, host: c0000-web-001, item: check-1") +
		alert("cpu",
			"severity: warning, tenant: c0000, host: c0000-web-002, item: os",
			"severity: critical, tenant: c0000, host: c0000-web-002, item: os") +
		alert("nodata", "severity: critical, tenant: c0001, host: c0001-web-000") +
		alert("memory") + alert("swap") + alert("disk") + alert("load") + alert("uptime")
	runRuleTests(t, tool, dir, tests)
}

// unyo's hysteresis holds in the translation: memory at 90% fires the
// warning after 10 minutes; back at 82% (under the warning's 85, over the
// recovery's 80) it stays firing; at 75% it resolves. A host that goes
// straight to 82% never fires. A critical memory (97%) fires both levels;
// back at 90% only the warning remains.
func TestPeerRulesHysteresis(t *testing.T) {
	tool := promtool(t)
	dir := writeRules(t)
	tests := `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'node_memory_MemTotal_bytes{tenant="t",host="a",item="os"}'
        values: '100x40'
      - series: 'node_memory_MemAvailable_bytes{tenant="t",host="a",item="os"}'
        values: '10x15 18x10 25x10'
      - series: 'node_memory_MemTotal_bytes{tenant="t",host="b",item="os"}'
        values: '100x40'
      - series: 'node_memory_MemAvailable_bytes{tenant="t",host="b",item="os"}'
        values: '18x40'
      - series: 'node_memory_MemTotal_bytes{tenant="t",host="c",item="os"}'
        values: '100x40'
      - series: 'node_memory_MemAvailable_bytes{tenant="t",host="c",item="os"}'
        values: '3x15 10x10 50x10'
    alert_rule_test:
      - eval_time: 12m
        alertname: memory
        exp_alerts:
          - exp_labels: {severity: warning, tenant: t, host: a, item: os}
          - exp_labels: {severity: warning, tenant: t, host: c, item: os}
          - exp_labels: {severity: critical, tenant: t, host: c, item: os}
      - eval_time: 22m
        alertname: memory
        exp_alerts:
          - exp_labels: {severity: warning, tenant: t, host: a, item: os}
          - exp_labels: {severity: warning, tenant: t, host: c, item: os}
      - eval_time: 30m
        alertname: memory
        exp_alerts: []
`
	runRuleTests(t, tool, dir, tests)
}

func runRuleTests(t *testing.T, tool, dir, tests string) {
	t.Helper()
	path := filepath.Join(dir, "tests.yml")
	if err := os.WriteFile(path, []byte(tests), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tool, "test", "rules", "tests.yml")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}

// The Alertmanager configuration loads in amtool, and every alert of a
// host goes to mspsim's receiver grouped by tenant and host.
func TestAlertmanagerConfig(t *testing.T) {
	tool, err := exec.LookPath("amtool")
	if err != nil {
		t.Skip("amtool not installed (apt-get install prometheus-alertmanager)")
	}
	b, err := alertmanagerConfig("http://127.0.0.1:9/alertmanager")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "alertmanager.yml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(tool, "check-config", path).CombinedOutput(); err != nil {
		t.Fatalf("amtool check-config: %v\n%s", err, out)
	}
	out, err := exec.Command(tool, "config", "routes", "test", "--config.file", path, "--verify.receivers", "mspsim",
		"tenant=c0000", "host=c0000-web-001", "alertname=check").CombinedOutput()
	if err != nil {
		t.Fatalf("amtool config routes test: %v\n%s", err, out)
	}
}

func TestParsePeers(t *testing.T) {
	got, err := parsePeers("victoriametrics, prometheus")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	if strings.Join(got, ",") != "prometheus,victoriametrics" {
		t.Fatalf("parsePeers = %v", got)
	}
	if _, err := parsePeers("prometheus,graphite"); err == nil || !strings.Contains(err.Error(), "graphite") {
		t.Fatalf("an unknown peer: %v", err)
	}
	if got, err := parsePeers(""); err != nil || len(got) != 0 {
		t.Fatalf("no peer: %v, %v", got, err)
	}
}

// A -peers-only run adds its peers to the size's row of the earlier run,
// keeping unyo's figures and the other peers; the table and the chart show
// unyo's figures as a ratio to each peer's. Without an earlier row it is
// refused, and nothing is written.
func TestRecordPeers(t *testing.T) {
	dir := t.TempDir()
	prom := peerRow{Name: namePrometheus, CPUCores: 0.5, RSSMB: 1000, Series: 30_000, AlertLatency: summary{N: 3, P50: 9000, P99: 14000}}
	vm := peerRow{Name: nameVictoriaMetrics, CPUCores: 0.1, RSSMB: 100, AlertLatency: summary{P50: nan, P99: nan}}
	if err := record(dir, row{Hosts: 100, CPUCores: 0.25, RSSMB: 250, HeadSeries: 30_000, Peers: []peerRow{prom}}); err != nil {
		t.Fatal(err)
	}
	if err := record(dir, row{Hosts: 100, peersOnly: true, Peers: []peerRow{vm}}); err != nil {
		t.Fatal(err)
	}
	if err := record(dir, row{Hosts: 500, peersOnly: true, Peers: []peerRow{vm}}); err == nil || !strings.Contains(err.Error(), "no row of 500 hosts") {
		t.Fatalf("peers alone at a size never run: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []row
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].CPUCores != 0.25 || len(rows[0].Peers) != 2 || rows[0].Peers[1].Name != nameVictoriaMetrics {
		t.Fatalf("results.json:\n%s", b)
	}
	md, err := os.ReadFile(filepath.Join(dir, "peers.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| | Prometheus+Alertmanager | 30,000 | 0 | 0.50 | 1,000 | 0.50 | 0.25 | 9.0 / 14.0 (3/3) |",
		"| | VictoriaMetrics | 0 | 0 | 0.10 | 100 | 2.50 | 2.50 | – |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("peers.md lacks %q:\n%s", want, md)
		}
	}
	svg, err := os.ReadFile(filepath.Join(dir, "chart-peers.svg"))
	if err != nil || !strings.Contains(string(svg), "VictoriaMetrics") || strings.Contains(string(svg), "NaN") {
		t.Fatalf("chart-peers.svg (%v):\n%s", err, svg)
	}
}
