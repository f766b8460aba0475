package alert

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/monitoring"
)

func ptr[T any](v T) *T { return &v }

// run feeds values (one every 15s; NaN stands for an absent series) through
// step, keeping the alert as the engine would, and returns the transitions
// as "t=30s firing/critical".
func run(c *condition, forDur time.Duration, values []float64) string {
	start := time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
	var cur *Alert
	var out []string
	for i, v := range values {
		at := start.Add(time.Duration(i) * 15 * time.Second)
		var vp *float64
		if v == v { // not NaN
			vp = ptr(v)
		}
		ch := step(c, forDur, cur, vp, at)
		if ch == nil {
			continue
		}
		out = append(out, fmt.Sprintf("t=%s %s/%s", at.Sub(start), ch.to, ch.severity))
		switch {
		case ch.to == StateResolved:
			cur = nil
		case cur == nil:
			cur = &Alert{State: ch.to, Severity: ch.severity, StartedAt: at}
		default:
			cur.State, cur.Severity = ch.to, ch.severity
		}
	}
	return strings.Join(out, ", ")
}

func TestStepThresholds(t *testing.T) {
	nan := func() float64 { var z float64; return z / z }()
	cpu := &condition{th: monitoring.Threshold{Op: ">", Warning: ptr(80.0), Critical: ptr(90.0), Recovery: ptr(75.0)}}
	low := &condition{th: monitoring.Threshold{Op: "<", Critical: ptr(10.0)}} // free disk %, no hysteresis
	f := func(name string, c *condition, forDur time.Duration, values []float64, want string) {
		t.Helper()
		if got := run(c, forDur, values); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	f("fires at once without for", cpu, 0, []float64{50, 85, 85}, "t=15s firing/warning")
	f("escalates and de-escalates", cpu, 0, []float64{85, 95, 85}, "t=0s firing/warning, t=15s firing/critical, t=30s firing/warning")
	f("hysteresis: stays firing above recovery", cpu, 0, []float64{85, 79, 76, 75.5}, "t=0s firing/warning")
	f("resolves at the recovery level", cpu, 0, []float64{85, 79, 75}, "t=0s firing/warning, t=30s resolved/warning")
	f("for: pending until held 30s", cpu, 30*time.Second, []float64{85, 85, 85, 85}, "t=0s pending/warning, t=30s firing/warning")
	f("for: a dip clears pending", cpu, 30*time.Second, []float64{85, 70, 85, 85, 85}, "t=0s pending/warning, t=15s resolved/warning, t=30s pending/warning, t=1m0s firing/warning")
	f("for: pending grades severity", cpu, 30*time.Second, []float64{85, 95, 95}, "t=0s pending/warning, t=15s pending/critical, t=30s firing/critical")
	f("for: between recovery and warning clears pending", cpu, 30*time.Second, []float64{85, 78}, "t=0s pending/warning, t=15s resolved/warning")
	f("absent series resolves", cpu, 0, []float64{95, nan}, "t=0s firing/critical, t=15s resolved/critical")
	f("absent series never fires", cpu, 0, []float64{nan, nan}, "")
	f("below: no hysteresis", low, 0, []float64{20, 9, 9.5, 10}, "t=15s firing/critical, t=45s resolved/critical")
	f("flapping values give each transition", low, 0, []float64{9, 11, 9, 11}, "t=0s firing/critical, t=15s resolved/critical, t=30s firing/critical, t=45s resolved/critical")
}

func TestStepItemKinds(t *testing.T) {
	res := newTestResource()
	f := func(it monitoring.ResolvedItem, values []float64, want string) {
		t.Helper()
		r := newRule("acme", res, it, 15*time.Second)
		if r == nil {
			t.Fatalf("%s: no rule", it.Name)
		}
		if got := run(&r.cond, r.forDur, values); got != want {
			t.Errorf("%s:\n got %s\nwant %s", it.Name, got, want)
		}
	}
	item := func(name string, kind monitoring.Kind, sev monitoring.Severity) monitoring.ResolvedItem {
		it := monitoring.ResolvedItem{Item: monitoring.Item{ID: 1, Name: name, Kind: kind, Severity: sev}, Resource: "web-01", Query: "x"}
		return it
	}
	log := item("errors", monitoring.KindLog, "warning")
	log.Log = &monitoring.Log{Count: 3}
	f(log, []float64{0, 2, 3, 1}, "t=30s firing/warning, t=45s resolved/warning")
	check := item("site", monitoring.KindCheck, "critical")
	check.Check = &monitoring.Check{Failures: 3}
	// The value of a check is its trailing failures.
	f(check, []float64{1, 2, 3, 4, 0}, "t=30s firing/critical, t=1m0s resolved/critical")
	proc := item("httpd", monitoring.KindProcess, "critical")
	proc.Process = &monitoring.Process{MinCount: 2}
	f(proc, []float64{4, 1, 2}, "t=15s firing/critical, t=30s resolved/critical")
	svc := item("sshd", monitoring.KindService, "warning")
	svc.Service = &monitoring.Service{Name: "sshd"}
	f(svc, []float64{1, 0, 1}, "t=15s firing/warning, t=30s resolved/warning")
	nodata := item("nodata", monitoring.KindNoData, "critical")
	nodata.NoData = &monitoring.NoData{}
	nan := func() float64 { var z float64; return z / z }()
	f(nodata, []float64{nan, 1, 1, nan}, "t=15s firing/critical, t=45s resolved/critical")
}

func TestNewRuleSkips(t *testing.T) {
	res := newTestResource()
	for name, it := range map[string]monitoring.ResolvedItem{
		"disabled":     {Item: monitoring.Item{Kind: monitoring.KindMetric, Disabled: true, Threshold: &monitoring.Threshold{Op: ">", Critical: ptr(1.0)}}, Query: "x"},
		"problem":      {Item: monitoring.Item{Kind: monitoring.KindMetric, Threshold: &monitoring.Threshold{Op: ">", Critical: ptr(1.0)}}, Query: "x", Problem: "bad"},
		"collect-only": {Item: monitoring.Item{Kind: monitoring.KindProcess, Process: &monitoring.Process{MinCount: 1}}, Query: "x"},
		"os":           {Item: monitoring.Item{Kind: monitoring.KindOS}},
	} {
		if r := newRule("acme", res, it, time.Second); r != nil {
			t.Errorf("%s: got a rule, want none", name)
		}
	}
}
