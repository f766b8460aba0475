package template

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata")

// fixtures are real-shaped exports of the templates a takeover meets, in
// each format and syntax generation, with the translation rate each must
// reach (what the report says; the golden file says what was translated).
var fixtures = []struct {
	file    string
	version string
	format  Format
	rate    float64
}{
	{"linux_3.0.xml", "3.0", FormatXML, 86.4},
	{"windows_4.0.json", "4.0", FormatJSON, 81.8},
	{"tomcat_5.0.xml", "5.0", FormatXML, 50},
	{"apache_6.0.xml", "6.0", FormatXML, 72.7},
	{"linux_7.0.yaml", "7.0", FormatYAML, 68},
}

// TestFixtures imports every fixture, checks that each template it gives is
// one the monitoring store accepts, and compares the report with its
// golden file (go test ./internal/zabbix/template -update rewrites them).
func TestFixtures(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", fx.file))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Import(data, "acme", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Version != fx.version || rep.Format != fx.format || rep.Rate != fx.rate {
				t.Errorf("version %s format %s rate %v, want %s %s %v", rep.Version, rep.Format, rep.Rate, fx.version, fx.format, fx.rate)
			}
			for _, tr := range rep.Templates {
				if err := tr.Template.Validate(); err != nil {
					t.Errorf("%s: the store would refuse it: %v", tr.Name, err)
				}
				if len(tr.Translated)+len(tr.Untranslated) == 0 {
					t.Errorf("%s: nothing reported", tr.Name)
				}
				for _, u := range tr.Untranslated {
					if u.Name == "" || u.Reason == "" {
						t.Errorf("%s: an untranslated part without a name or reason: %+v", tr.Name, u)
					}
				}
			}
			golden := filepath.Join("testdata", strings.TrimSuffix(fx.file, filepath.Ext(fx.file))+".report.txt")
			got := Summary(rep)
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("report differs from %s (run with -update to accept):\n%s", golden, got)
			}
		})
	}
}

// TestTranslations checks the translations a takeover relies on, one by one.
func TestTranslations(t *testing.T) {
	f := func(file, item, want string) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Import(data, "acme", Options{Address: "${host}:10050"})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range rep.Templates[0].Template.Items {
			if it.Name == item {
				if got := describe(it); got != want {
					t.Errorf("%s %s:\n got %s\nwant %s", file, item, got, want)
				}
				return
			}
		}
		t.Errorf("%s: no item %s", file, item)
	}
	// Items: the key, the address asked for, the interval (3.0 seconds, macros).
	f("linux_3.0.xml", "vfs.fs.size-pfree", `zabbix ${host}:10050 vfs.fs.size[/,pfree]`)
	f("linux_3.0.xml", "system.uptime", `zabbix ${host}:10050 system.uptime every 10m0s`)
	f("windows_4.0.json", "vfs.fs.size-c-pfree", `zabbix ${host}:10050 vfs.fs.size[C:,pfree] every 5m0s`)
	// last(), avg() of the old syntax; two severities on one value are one item.
	f("linux_3.0.xml", "free-disk-space-is-less-than-20-on-volume", `metric zabbix_vfs_fs_size{key="vfs.fs.size[/,pfree]"} < warning 20 critical 10`)
	f("linux_3.0.xml", "processor-load-is-too-high", `metric avg_over_time(zabbix_system_cpu_load{key="system.cpu.load[percpu,avg1]"}[5m]) > warning 5`)
	// Hysteresis from a recovery expression; size suffixes; macros with defaults.
	f("linux_3.0.xml", "cpu-is-busy", `metric avg_over_time(zabbix_system_cpu_util{key="system.cpu.util[,idle]"}[5m]) < critical 10 recovery 25`)
	f("linux_3.0.xml", "lack-of-available-memory", `metric zabbix_vm_memory_size{key="vm.memory.size[available]"} < warning 2.097152e+07`)
	f("windows_4.0.json", "cpu-utilization-over-90", `metric min_over_time(zabbix_perf_counter{key="perf_counter[\"\\Processor(_Total)\\% Processor Time\"]"}[5m]) > critical 90 recovery 80`)
	// Change per second and a multiplier (3.0's delta and formula); a disabled trigger stays disabled.
	f("linux_3.0.xml", "inbound-traffic-on-eth0-above-800-mbps", `metric rate(zabbix_net_if_in{key="net.if.in[eth0]"}[5m]) * 8 > warning 8e+08 disabled`)
	// nodata() of both syntaxes, with the macro's default.
	f("linux_3.0.xml", "zabbix-agent-is-unreachable-for-5-minutes", `nodata zabbix_agent_ping{key="agent.ping"} after 5m0s warning`)
	f("linux_7.0.yaml", "zabbix-agent-is-not-available", `nodata zabbix_agent_ping{key="agent.ping"} after 30m0s warning`)
	// The new syntax: min/max over a window, context macros, recovery with arithmetic.
	f("linux_7.0.yaml", "high-cpu-utilization", `metric max_over_time(zabbix_system_cpu_util{key="system.cpu.util[,idle]"}[5m]) < warning 10 recovery 20`)
	f("linux_7.0.yaml", "fs-space-is-low", `metric zabbix_vfs_fs_size{key="vfs.fs.size[/,pused]"} > warning 85 critical 90 recovery 80`)
	// = 0 on a count; #N values as N intervals.
	f("apache_6.0.xml", "apache-process-is-not-running", `metric zabbix_proc_num{key="proc.num[httpd]"} <= critical 0`)
	f("tomcat_5.0.xml", "tomcat-http-connector-is-not-listening", `metric max_over_time(zabbix_net_tcp_listen{key="net.tcp.listen[8080]"}[90s]) <= warning 0`)
}

// describe writes an item in one line for the tests and the golden reports.
func describe(it *monitoring.Item) string {
	var b strings.Builder
	b.WriteString(string(it.Kind))
	switch it.Kind {
	case monitoring.KindZabbix:
		fmt.Fprintf(&b, " %s %s", it.Zabbix.Address, it.Zabbix.Key)
		if it.Interval != 0 {
			fmt.Fprintf(&b, " every %v", it.Interval.Std())
		}
	case monitoring.KindMetric:
		fmt.Fprintf(&b, " %s %s", it.Metric.Query, it.Threshold.Op)
		for _, l := range []struct {
			name string
			v    *float64
		}{{"warning", it.Threshold.Warning}, {"critical", it.Threshold.Critical}, {"recovery", it.Threshold.Recovery}} {
			if l.v != nil {
				fmt.Fprintf(&b, " %s %v", l.name, *l.v)
			}
		}
	case monitoring.KindNoData:
		fmt.Fprintf(&b, " %s after %v %s", it.NoData.Series, it.NoData.After.Std(), it.Severity)
	}
	if it.Disabled {
		b.WriteString(" disabled")
	}
	return b.String()
}

// TestCommandsAreNeverImported: a system.run item is listed, not imported.
func TestCommandsAreNeverImported(t *testing.T) {
	rep, err := Import([]byte(`{"zabbix_export":{"version":"6.0","templates":[{"template":"Custom","items":[
		{"name":"Queue length","key":"system.run[/usr/local/bin/queue_len.sh]","value_type":"UNSIGNED"}]}]}}`), "acme", Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := rep.Templates[0]
	if len(tr.Template.Items) != 0 || len(tr.Untranslated) != 1 || !strings.Contains(tr.Untranslated[0].Reason, "run a command") {
		t.Errorf("system.run: items %+v, untranslated %+v", tr.Template.Items, tr.Untranslated)
	}
}

func TestImportRefuses(t *testing.T) {
	f := func(body, field string) {
		t.Helper()
		_, err := Import([]byte(body), "acme", Options{})
		if e, ok := invalid.As(err); !ok || e.Field != field {
			t.Errorf("%.40q: %v, want an error on %q", body, err, field)
		}
	}
	f(`{"zabbix_export":{"version":"4.0","hosts":[{"host":"web-01"}]}}`, "zabbix_export.templates")
	f(`{"version":"4.0"}`, "zabbix_export")
	f(`<zabbix_export><version>3.0</version>`, "body")
	f(`{"zabbix_export":`, "body")
	f("zabbix_export: [1, 2", "body")
	f("just text", "zabbix_export")
	f(strings.Repeat("<a>", 40)+strings.Repeat("</a>", 40), "body")
}

// FuzzImport feeds any bytes to the importer: it must refuse with a field,
// or give templates the monitoring store accepts, and never panic.
func FuzzImport(f *testing.F) {
	for _, fx := range fixtures {
		data, err := os.ReadFile(filepath.Join("testdata", fx.file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"zabbix_export":{"version":"5.0","templates":[{"template":"T","items":[{"name":"x","key":"k[a","delay":"{$D}"}]}],"triggers":[{"expression":"{T:k.last()}=1","name":"t"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := Import(data, "acme", Options{})
		if err != nil {
			if e, ok := invalid.As(err); !ok || e.Field == "" {
				t.Fatalf("error without a field: %v", err)
			}
			return
		}
		for _, tr := range rep.Templates {
			if tr.Template.Name == "" {
				continue // the store refuses a nameless template with its own error
			}
			if err := tr.Template.Validate(); err != nil {
				t.Fatalf("a template the store refuses: %v", err)
			}
		}
	})
}
