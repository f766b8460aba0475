package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

// A host has the advertised number of series, each a distinct label set,
// and a healthy host's figures are the ones the Linux template accepts.
func TestHostSeries(t *testing.T) {
	h := newHost("c0000", "c0000-web-000", healthy)
	got := h.next(1_700_000_000_000, 15)
	if len(got) != seriesPerHost {
		t.Fatalf("%d series, want %d", len(got), seriesPerHost)
	}
	seen := map[string]bool{}
	for _, s := range got {
		var b strings.Builder
		b.WriteString(s.Name)
		for _, l := range s.Labels {
			b.WriteString("," + l.Name + "=" + l.Value)
		}
		if seen[b.String()] {
			t.Fatalf("series %s twice", b.String())
		}
		seen[b.String()] = true
		if s.TimeMs != 1_700_000_000_000 {
			t.Fatalf("%s at %d", s.Name, s.TimeMs)
		}
	}
	if busy := cpuBusy(t, 15, healthy); math.Abs(busy-30) > 0.01 {
		t.Errorf("healthy host's CPU %.2f%% busy, want 30%%", busy)
	}
	if busy := cpuBusy(t, 15, cpuSpike); math.Abs(busy-100) > 0.01 {
		t.Errorf("spiking host's CPU %.2f%% busy, want 100%%", busy)
	}
}

// cpuBusy is what the Linux template's CPU query gives over two rounds of
// a host of kind, misbehaving from the start.
func cpuBusy(t *testing.T, interval float64, kind behaviour) float64 {
	t.Helper()
	h := newHost("c", "h", kind)
	h.misbehaving = true
	first := map[int]float64{}
	for i, s := range h.next(0, interval) {
		first[i] = s.Value
	}
	var idle, all float64
	for i, s := range h.next(int64(interval*1000), interval) {
		if s.Name != "node_cpu_seconds_total" {
			continue
		}
		d := s.Value - first[i]
		all += d
		for _, l := range s.Labels {
			if l.Name == "mode" && l.Value == "idle" {
				idle += d
			}
		}
	}
	return 100 * (1 - idle/all)
}

// A failing check reads 0 only once its misbehaviour has started.
func TestCheckFails(t *testing.T) {
	h := newHost("c", "h", checkFails)
	up := func() float64 {
		var v float64
		for _, s := range h.next(0, 15) {
			if s.Name == "unyo_check_up" {
				v += s.Value
			}
		}
		return v
	}
	if got := up(); got != hostChecks {
		t.Fatalf("before: %v checks up, want %d", got, hostChecks)
	}
	h.misbehaving = true
	if got := up(); got != 0 {
		t.Fatalf("after: %v checks up, want 0", got)
	}
}

// One host in ten misbehaves, in the advertised proportions.
func TestBehaviourOf(t *testing.T) {
	n := map[behaviour]int{}
	for i := range 1000 {
		n[behaviourOf(i)]++
	}
	want := map[behaviour]int{healthy: 900, cpuSpike: 30, checkFails: 30, logErrors: 30, silent: 10}
	for k, v := range want {
		if n[k] != v {
			t.Errorf("%s: %d of 1000, want %d", k, n[k], v)
		}
	}
}

func TestQuantile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := quantile(d, c.q); got != c.want {
			t.Errorf("quantile(1..100 ms, %v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := quantile([]time.Duration{-3 * time.Millisecond}, 0.99); got != -3*time.Millisecond {
		t.Errorf("a negative latency is a value, got %v", got)
	}
	var l latencies
	if s := l.summary(); !math.IsNaN(s.P99) || s.N != 0 {
		t.Errorf("empty summary = %+v, want NaN", s)
	}
	for i := 5; i >= 1; i-- {
		l.add(time.Duration(i) * time.Second)
	}
	if s := l.summary(); s.P50 != 3000 || s.P99 != 5000 {
		t.Errorf("summary of 1..5 s = %+v, want p50 3000 ms, p99 5000 ms", s)
	}
}

func TestTenantsFor(t *testing.T) {
	ts := tenantsFor(45, 20)
	if len(ts) != 3 || len(ts[2].hosts) != 5 || ts[1].hosts[0].name != "c0001-web-000" {
		t.Fatalf("45 hosts by 20: %d tenants, last with %d hosts", len(ts), len(ts[len(ts)-1].hosts))
	}
}

func TestChart(t *testing.T) {
	svg := chart([]row{{Hosts: 100, CPUCores: 0.2, RSSMB: 200}, {Hosts: 500, CPUCores: 0.9, RSSMB: 600, Board: summary{P99: math.NaN()}}})
	if !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, "</svg>") || strings.Contains(svg, "NaN") {
		t.Fatalf("chart:\n%s", svg)
	}
}
