package alert

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

func TestShapeOfSplitsOnlyByHostExpressions(t *testing.T) {
	f := func(query string, want bool) {
		t.Helper()
		scoped, err := scopeForTest(query, "web-01")
		if err != nil {
			t.Fatal(err)
		}
		if got := shapeOf(scoped, "web-01") != ""; got != want {
			t.Errorf("%s: split by host = %v, want %v", query, got, want)
		}
	}
	// linux-base's metric items, and the agent-side kinds' queries.
	f(`100 * (1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{mode="idle"}[5m])))`, true)
	f(`100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)`, true)
	f(`100 * (1 - node_memory_SwapFree_bytes / node_memory_SwapTotal_bytes) and node_memory_SwapTotal_bytes > 0`, true)
	f(`node_load5 / on (host) count by (host) (node_cpu_seconds_total{mode="idle"})`, true)
	f(`node_time_seconds - node_boot_time_seconds`, true)
	f(`sum without (pattern, severity) (increase(unyo_log_matches_total{item="x"}[5m]))`, true)
	f(`min by (host, item) ({__name__=~"up|apache_up",item="x"})`, true)
	f(`max_over_time(node_load5[10m]) > time() - 5`, true)
	f(`label_replace(node_load5, "role", "$1", "instance", "(.*)")`, true)
	// Results that lose the host, or mix hosts.
	f(`sum(rate(node_cpu_seconds_total[5m]))`, false)
	f(`avg without (host) (node_load5)`, false)
	f(`topk(1, node_load5)`, false)
	f(`node_load5 / on () group_left sum(node_load5)`, false)
	f(`node_load5 / ignoring (host) group_left node_load1`, false)
	f(`node_load5 and on () node_load1`, false)
	f(`node_load5 > scalar(node_load1)`, false)
	f(`absent(node_load5)`, false)
	f(`absent_over_time(node_load5[5m])`, false)
	f(`label_replace(node_load5, "host", "x", "", "")`, false)
	f(`vector(1)`, false)
	f(`time()`, false)
}

// scopeForTest scopes query to host as monitoring.scopeQuery does: a
// host matcher added to every selector.
func scopeForTest(query, host string) (string, error) {
	expr, err := seriesParser.ParseExpr(query)
	if err != nil {
		return "", err
	}
	m := labels.MustNewMatcher(labels.MatchEqual, monitoring.HostLabel, host)
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			vs.LabelMatchers = append(vs.LabelMatchers, m)
		}
		return nil
	})
	return expr.String(), nil
}

// TestBatchGivesTheAlertsOfOneQueryAHost runs the same mixed fleet through
// the timer's batched evaluation and through one query a rule (the engine's
// way before), step by step past the items' for: durations, and compares
// every alert and every event.
func TestBatchGivesTheAlertsOfOneQueryAHost(t *testing.T) {
	shape := func(tenant string, i int) fleetHost {
		h := fleetHost{busy: 20, mem: 40, disk: 30}
		switch i {
		case 0, 1, 2: // busy: cpu and load fire, at 0 and 1 under a per-host threshold
			h.busy = 96
		case 3:
			h.mem, h.disk = 97, 92
		case 4: // sends nothing: nodata fires, nothing else
			h.silent = true
		case 5: // stops after four minutes, with its CPU firing
			h.busy, h.stop = 97, 4*time.Minute
		case 6: // in maintenance, with everything high
			h.busy, h.mem, h.disk = 99, 99, 99
		}
		if tenant == "beta" && i == 3 {
			h.mem = 86 // under beta's tenant-wide memory override only a warning
		}
		return h
	}
	build := func() *fleet {
		f := newFleet(t, []string{"acme", "beta"}, 8, 20*time.Minute, shape)
		ctx := context.Background()
		cpu, mem := f.templateItem("linux-base", "cpu"), f.templateItem("linux-base", "memory")
		for _, o := range []*monitoring.Override{
			{TenantID: "acme", ItemID: cpu, ResourceID: f.hosts["acme"][1].ID, Warning: ptr(97.0), Critical: ptr(99.0), Recovery: ptr(90.0), Note: "batch host"},
			{TenantID: "beta", ItemID: mem, Critical: ptr(90.0), Warning: ptr(85.0), Recovery: ptr(80.0)},
			{TenantID: "beta", ItemID: cpu, ResourceID: f.hosts["beta"][2].ID, For: ptrDuration(time.Minute)},
		} {
			if err := f.design.CreateOverride(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		f.maint[f.hosts["acme"][6].ID] = true
		f.maint[f.hosts["beta"][6].ID] = true
		f.start()
		return f
	}
	batched, single := build(), build()
	split := 0
	for _, r := range batched.engine.rules {
		if r.shape != "" {
			split++
		}
	}
	if split != 2*8*7 {
		t.Fatalf("%d rules split by host, want the 6 metric items and nodata of 16 hosts", split)
	}
	// web-05's last sample is at +4m: at +9m it is out of the 5-minute
	// window, which excludes its start, and a millisecond before it is in.
	steps := []time.Duration{0, 2 * time.Minute, 5*time.Minute + 30*time.Second, 8 * time.Minute,
		9*time.Minute - time.Millisecond, 9 * time.Minute, 11 * time.Minute, 16 * time.Minute}
	for _, step := range steps {
		batched.setClock(t0.Add(step))
		single.setClock(t0.Add(step))
		before := batched.engine.queries.Load()
		batched.round()
		// 6 metric items in 2 tenants, and nodata once past its 5-minute
		// window.
		want := int64(2 * 6)
		if step >= 5*time.Minute {
			want += 2
		}
		if n := batched.engine.queries.Load() - before; n != want {
			t.Fatalf("at +%s: %d queries for a round, want %d", step, n, want)
		}
		single.oneByOne()
		for _, tenant := range []string{"acme", "beta"} {
			got, want := batched.summary(tenant), single.summary(tenant)
			if got != want {
				t.Fatalf("at +%s, %s:\nbatched:\n%s\none query a rule:\n%s", step, tenant, got, want)
			}
		}
	}
	// What the fleet was made to show, so that the comparison is of something.
	all := batched.summary("acme") + "\n" + batched.summary("beta")
	for _, want := range []string{
		`acme-web-00 cpu firing critical {alertname=cpu,host=acme-web-00} "cpu 96 > 90" maint=false`,
		`acme-web-03 memory firing critical {alertname=memory,host=acme-web-03} "memory 97 > 95"`,
		`acme-web-03 disk firing critical {alertname=disk,fstype=ext4,host=acme-web-03,mountpoint=/data7}`,
		`acme-web-04 nodata firing critical`,
		`acme-web-05 cpu resolved critical {alertname=cpu,host=acme-web-05} "cpu: no data"`,
		`acme-web-05 nodata firing critical`,
		`acme-web-06 cpu firing critical {alertname=cpu,host=acme-web-06} "cpu 99 > 90" maint=true`,
		`beta-web-03 memory firing warning {alertname=memory,host=beta-web-03} "memory 86 > 85"`,
		`beta-web-06 memory firing critical {alertname=memory,host=beta-web-06} "memory 99 > 90" maint=true`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no alert %s in\n%s", want, all)
		}
	}
	// acme-web-01's own threshold (critical 99) keeps its 96 quiet; the
	// silent host has no alert but nodata; nothing but nodata on web-07.
	for _, not := range []string{"acme-web-01 cpu", "acme-web-04 cpu", "acme-web-07", "beta-web-07"} {
		if strings.Contains(all, not) {
			t.Errorf("unexpected alert %s in\n%s", not, all)
		}
	}
}

// TestBatchFollowsAThresholdChange changes the threshold of one host of a
// batch: the next round holds that host to it, and the others to theirs.
func TestBatchFollowsAThresholdChange(t *testing.T) {
	f := newFleet(t, []string{"acme"}, 4, 20*time.Minute, func(_ string, i int) fleetHost {
		return fleetHost{busy: 96, mem: 40, disk: 30}
	})
	f.start()
	for _, step := range []time.Duration{0, 11 * time.Minute} {
		f.setClock(t0.Add(step))
		f.round()
	}
	if got := strings.Count(f.summary("acme"), "cpu firing critical"); got != 4 {
		t.Fatalf("%d hosts' cpu firing, want 4:\n%s", got, f.summary("acme"))
	}
	o := &monitoring.Override{TenantID: "acme", ItemID: f.templateItem("linux-base", "cpu"), ResourceID: f.hosts["acme"][2].ID,
		Warning: ptr(98.0), Critical: ptr(99.0), Recovery: ptr(97.0)}
	if err := f.design.CreateOverride(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	f.engine.reloadRules(context.Background()) // what the design's OnChange asks for
	f.setClock(t0.Add(11*time.Minute + 15*time.Second))
	f.round()
	sum := f.summary("acme")
	if !strings.Contains(sum, `acme-web-02 cpu resolved critical {alertname=cpu,host=acme-web-02} "cpu 96 <= 97"`) {
		t.Errorf("web-02's cpu under its new recovery level 97 is not resolved:\n%s", sum)
	}
	if got := strings.Count(sum, "cpu firing critical"); got != 3 {
		t.Errorf("%d hosts' cpu firing, want the 3 others:\n%s", got, sum)
	}
}

func ptrDuration(d time.Duration) *model.Duration {
	v := model.Duration(d)
	return &v
}

// oneByOne evaluates every rule with its own query, the batched rules
// first as evaluateRules does, each in a stable order.
func (f *fleet) oneByOne() {
	f.t.Helper()
	f.engine.mu.Lock()
	var first, last []string
	for k, r := range f.engine.rules {
		if r.shape != "" {
			first = append(first, k)
		} else {
			last = append(last, k)
		}
	}
	f.engine.mu.Unlock()
	slices.Sort(first)
	slices.Sort(last)
	for _, k := range append(first, last...) {
		if err := f.engine.Evaluate(context.Background(), k, f.clock()); err != nil {
			f.t.Fatal(err)
		}
	}
}

// summary is every alert of tenant, one a line: host, item, labels, state,
// severity, value, silenced or held by maintenance, and its events.
func (f *fleet) summary(tenant string) string {
	f.t.Helper()
	var lines []string
	for _, a := range f.alerts(tenant) {
		var lbls []string
		for k, v := range a.Labels {
			lbls = append(lbls, k+"="+v)
		}
		slices.Sort(lbls)
		lines = append(lines, fmt.Sprintf("%s %s %s %s {%s} %q maint=%v [%s]", a.Resource, a.Labels["alertname"], a.State, a.Severity,
			strings.Join(lbls, ","), a.ValueText, a.InMaintenance, f.events(tenant, a.ID)))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// FuzzShapeOf: whatever expression an item holds, a shape is either ""
// or one whose batch over hosts is valid PromQL of the same type, with
// every selector matching the hosts.
func FuzzShapeOf(f *testing.F) {
	for _, q := range []string{
		`100 * (1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{mode="idle"}[5m])))`,
		`node_load5 / on (host) count by (host) (node_cpu_seconds_total{mode="idle"})`,
		`sum(rate(x[5m]))`, `topk(1, x)`, `absent(x)`, `x and on () y`, `label_replace(x, "host", "a", "", "")`,
	} {
		f.Add(q, "web-01")
	}
	f.Fuzz(func(t *testing.T, q, host string) {
		if !utf8.ValidString(host) {
			return // no regexp takes it; such a batch fails and its rules go one by one
		}
		scoped, err := scopeForTest(q, host)
		if err != nil {
			return
		}
		shape := shapeOf(scoped, host)
		if shape == "" {
			return
		}
		batch, err := batchQuery(shape, []string{host, host + ".example"})
		if err != nil {
			t.Fatalf("shape %q of %q: %v", shape, q, err)
		}
		expr, err := seriesParser.ParseExpr(batch)
		if err != nil {
			t.Fatalf("batch %q of %q does not parse: %v", batch, q, err)
		}
		if expr.Type() != parser.ValueTypeVector {
			t.Fatalf("batch %q of %q is a %s", batch, q, expr.Type())
		}
		parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
			if vs, ok := n.(*parser.VectorSelector); ok {
				if i := hostMatcher(vs); i < 0 || !vs.LabelMatchers[i].Matches(host) || !vs.LabelMatchers[i].Matches(host+".example") || vs.LabelMatchers[i].Matches(host+"x") {
					t.Fatalf("batch %q of %q: selector %s does not match exactly the hosts", batch, q, vs)
				}
			}
			return nil
		})
	})
}
