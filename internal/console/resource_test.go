package console

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestResourceChartsComeFromTheTSDB(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	for i := 30; i >= 0; i-- {
		at := now.Add(-time.Duration(i) * time.Minute)
		idle := float64(30-i) * 60 * 0.75 // 25 % busy
		e.push("acme", "node_cpu_seconds_total", at, idle, "host", "acme-web-01", "cpu", "0", "mode", "idle")
		e.push("acme", "node_memory_MemTotal_bytes", at, 8e9, "host", "acme-web-01")
		e.push("acme", "node_memory_MemAvailable_bytes", at, 2e9, "host", "acme-web-01")
		// The same host name in beta must not leak into acme's charts.
		e.push("beta", "node_memory_MemTotal_bytes", at, 8e9, "host", "acme-web-01")
		e.push("beta", "node_memory_MemAvailable_bytes", at, 8e9, "host", "acme-web-01")
	}
	b := e.login("operator")
	path := fmt.Sprintf("/tenants/acme/resources/%d?range=1h", e.resourceID("acme", "acme-web-01"))
	code, body, _ := b.get(path)
	if code != 200 {
		t.Fatalf("resource page = %d", code)
	}
	for _, want := range []string{`id="chart-cpu" data-has-data="true"`, `id="chart-memory" data-has-data="true"`, "<polyline", "<strong>75.0%</strong>", "<strong>25.0%</strong>"} {
		if !strings.Contains(body, want) {
			t.Errorf("resource page lacks %q", want)
		}
	}
	if !strings.Contains(body, `data-range="1h" aria-current="true"`) {
		t.Error("the chosen range is not marked current")
	}
	code, body, _ = b.get(fmt.Sprintf("/tenants/beta/resources/%d?range=7d", e.resourceID("beta", "beta-web-01")))
	if code != 200 || !strings.Contains(body, "この期間のデータはありません") {
		t.Errorf("a host without data = %d, want 200 saying there is no data", code)
	}
	if code, body, _ := b.get(path[:strings.Index(path, "?")] + "?range=2y"); code != http.StatusBadRequest || !strings.Contains(body, "range: must be one of") {
		t.Errorf("range=2y = %d, want 400 naming range", code)
	}
}

func TestParseRange(t *testing.T) {
	f := func(in string, want time.Duration, ok bool) {
		t.Helper()
		tr, err := parseRange(in)
		if (err == nil) != ok || tr.Span != want {
			t.Errorf("parseRange(%q) = %v, %v; want %v ok=%v", in, tr.Span, err, want, ok)
		}
	}
	f("", 6*time.Hour, true)
	f("1h", time.Hour, true)
	f("30d", 30*24*time.Hour, true)
	f("1H", 0, false)
	f("90d", 0, false)
	if s := (timeRange{Span: 30 * 24 * time.Hour}).step(); s != 3*time.Hour {
		t.Errorf("step of 30d = %v, want 3h (240 points)", s)
	}
	if s := (timeRange{Span: time.Hour}).step(); s != 15*time.Second {
		t.Errorf("step of 1h = %v, want 15s", s)
	}
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"", "1h", "6h", "24h", "7d", "30d", "1h\x00", "-1h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tr, err := parseRange(s)
		if err == nil && (tr.Span <= 0 || tr.step() < 15*time.Second) {
			t.Fatalf("parseRange(%q) accepted a range that cannot be drawn: %+v", s, tr)
		}
	})
}
