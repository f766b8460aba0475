package report

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/metricstore"
)

// TestWebAccessFromWhatHostsSend: web access is read from the sources an
// MSP has, each row naming its source: an application's own counter with
// status codes, Tomcat's JMX exporter, apache_exporter, and the lines log
// items read from an access log (not from an error log).
func TestWebAccessFromWhatHostsSend(t *testing.T) {
	f := newFixtureFrom(t, []string{"acme"}, 0, toNov.Add(-time.Hour), time.Minute)
	type ser struct {
		kv   []string
		step float64 // added each minute; a gauge when counter is false
		ctr  bool
	}
	all := []ser{
		{[]string{"__name__", "http_requests_total", "host", "app-01", "code", "200"}, 9, true},
		{[]string{"__name__", "http_requests_total", "host", "app-01", "code", "404"}, 0.5, true},
		{[]string{"__name__", "http_requests_total", "host", "app-01", "code", "503"}, 0.5, true},
		{[]string{"__name__", "http_request_duration_seconds_sum", "host", "app-01"}, 1.2, true},
		{[]string{"__name__", "http_request_duration_seconds_count", "host", "app-01"}, 10, true},
		{[]string{"__name__", "tomcat_requestcount_total", "host", "tc-01", "port", "8080", "protocol", "http-nio"}, 20, true},
		{[]string{"__name__", "tomcat_errorcount_total", "host", "tc-01", "port", "8080", "protocol", "http-nio"}, 2, true},
		{[]string{"__name__", "tomcat_processingtime_total", "host", "tc-01", "port", "8080", "protocol", "http-nio"}, 1000, true},
		{[]string{"__name__", "catalina_manager_activesessions", "host", "tc-01", "context", "/shop", "exported_host", "localhost"}, 30, false},
		{[]string{"__name__", "apache_accesses_total", "host", "ap-01"}, 5, true},
		{[]string{"__name__", "apache_connections", "host", "ap-01", "state", "total"}, 7, false},
		{[]string{"__name__", "apache_connections", "host", "ap-01", "state", "writing"}, 2, false},
		{[]string{"__name__", "unyo_log_lines_read_total", "host", "ap-01", "item", "access", "path", "/var/log/httpd/access_log"}, 5, true},
		{[]string{"__name__", "unyo_log_lines_read_total", "host", "ap-01", "item", "errors", "path", "/var/log/httpd/error_log"}, 100, true},
	}
	app := f.metrics.AppenderV2(context.Background())
	start := toNov.Add(-30 * time.Minute)
	for i := 0; i <= 30; i++ {
		at := start.Add(time.Duration(i) * time.Minute).UnixMilli()
		for _, s := range all {
			v := s.step
			if s.ctr {
				v = s.step * float64(i)
			}
			ls := labels.FromStrings(append(append([]string{}, s.kv...), metricstore.TenantLabel, "acme")...)
			if _, err := app.Append(0, ls, 0, at, v, nil, nil, storage.AOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	g := NewGenerator(f.src, nil)
	r, err := g.Generate(context.Background(), "acme", fromNov, toNov)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]WebStats{}
	for _, w := range r.Web {
		got[w.Host+" "+w.Source] = w
	}
	if len(got) != 4 {
		t.Fatalf("web rows %+v, want app-01 app, tc-01 tomcat, ap-01 apache and access_log", r.Web)
	}
	f2 := func(key string, requests, errors, responseMs, sessAvg float64, kind string) {
		t.Helper()
		w, ok := got[key]
		if !ok {
			t.Errorf("no row %s", key)
			return
		}
		if w.Requests != requests || w.Errors != errors || w.ResponseMs != responseMs || w.Sessions.Avg != sessAvg || w.SessionsKind != kind {
			t.Errorf("%s: requests %v errors %v response %v ms sessions %v %q, want %v %v %v %v %q",
				key, w.Requests, w.Errors, w.ResponseMs, w.Sessions.Avg, w.SessionsKind, requests, errors, responseMs, sessAvg, kind)
		}
	}
	// 30 minutes: 300 requests, of which 15 were 503; 36 s over 300 answers.
	f2("app-01 app", 300, 15, 120, 0, "")
	f2("tc-01 tomcat", 600, 60, 50, 30, "sessions")
	f2("ap-01 apache", 150, -1, -1, 7, "connections")
	f2("ap-01 access_log", 150, -1, -1, 0, "")
	if s := statusText(got["app-01 app"].StatusClasses); s != "2xx 90.0% 4xx 5.0% 5xx 5.0%" {
		t.Errorf("status classes %q", s)
	}
	d := Layout(r)
	html, err := RenderHTML(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Tomcat (JMX exporter)", "Apache (apache_exporter)", "アクセスログ (ログ監視の読込行数)", "アプリケーション (http_requests_total)", "120.0 ms"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report lacks the source %q", want)
		}
	}
}

// TestUniqueClientsPerDay: the distinct clients and sessions of each of
// the tenant's days, from the agent's day windows of log items with a
// client field, are the last point of each Tokyo day (the final count at
// the day's last millisecond, not the next day's first count at
// midnight); two items of one host add up, the hourly windows are not
// read, and the table names the fields, in both languages.
func TestUniqueClientsPerDay(t *testing.T) {
	f := newFixtureFrom(t, []string{"acme"}, 0, toNov.Add(-4*24*time.Hour), time.Minute)
	app := f.metrics.AppenderV2(context.Background())
	add := func(at time.Time, v float64, kv ...string) {
		ls := labels.FromStrings(append(append([]string{}, kv...), metricstore.TenantLabel, "acme")...)
		if _, err := app.Append(0, ls, 0, at.UnixMilli(), v, nil, nil, storage.AOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	shop := []string{"__name__", "unyo_log_unique_clients", "host", "ap-01", "item", "shop-access", "field", "remote_addr", "window", "day"}
	shopHour := []string{"__name__", "unyo_log_unique_clients", "host", "ap-01", "item", "shop-access", "field", "remote_addr", "window", "hour"}
	blog := []string{"__name__", "unyo_log_unique_clients", "host", "ap-01", "item", "blog-access", "field", "json:client.ip", "window", "day"}
	sess := []string{"__name__", "unyo_log_unique_sessions", "host", "ap-01", "item", "shop-access", "field", "cookie:JSESSIONID", "window", "day"}
	lines := []string{"__name__", "unyo_log_lines_read_total", "host", "ap-01", "item", "shop-access", "path", "/var/log/nginx/access.log"}
	days := []struct {
		start             time.Time
		clients, sessions float64
	}{
		{time.Date(2026, 11, 28, 0, 0, 0, 0, jst), 120, 50},
		{time.Date(2026, 11, 29, 0, 0, 0, 0, jst), 80, 40},
		{time.Date(2026, 11, 30, 0, 0, 0, 0, jst), 100, 60},
	}
	n := 0.0
	for _, d := range days {
		// The counts so far every 6 hours, the final count at the day's
		// last millisecond, the next day's first count at midnight.
		for h := 0; h < 24; h += 6 {
			at := d.start.Add(time.Duration(h) * time.Hour)
			add(at, d.clients*float64(h)/24, shop...)
			add(at, 5000, shopHour...)
			add(at, d.sessions*float64(h)/24, sess...)
			n += 100
			add(at, n, lines...)
		}
		end := d.start.Add(24*time.Hour - time.Millisecond)
		add(end, d.clients, shop...)
		add(end, d.sessions, sess...)
		add(end.Add(time.Millisecond), 1, shop...)
		add(end.Add(time.Millisecond), 1, sess...)
	}
	add(days[2].start.Add(24*time.Hour-time.Millisecond), 10, blog...)
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	r, err := NewGenerator(f.src, nil).Generate(context.Background(), "acme", fromNov, toNov)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Web) != 1 || r.Web[0].Source != "access_log" {
		t.Fatalf("web rows %+v, want ap-01's access_log", r.Web)
	}
	w := r.Web[0]
	// 120, 80, 100+10 clients; 50, 40, 60 sessions.
	if w.UniqueClients != (Stats{Avg: round(310.0 / 3), P95: 119, Max: 120, N: 3}) || w.UniqueSessions.Avg != 50 || w.UniqueSessions.Max != 60 || w.UniqueSessions.N != 3 {
		t.Fatalf("clients %+v sessions %+v", w.UniqueClients, w.UniqueSessions)
	}
	if strings.Join(w.ClientFields, ",") != "json:client.ip,remote_addr" {
		t.Errorf("fields %v", w.ClientFields)
	}
	for lang, want := range map[string][]string{
		"ja": {"ユニーククライアント数/日", "アクセスログのクライアント識別項目 (ログ監視) (json:client.ip, remote_addr)", "103 / 120", "50 / 60"},
		"en": {"Unique clients/day", "Access log client field (log items) (json:client.ip, remote_addr)", "103 / 120", "50 / 60"},
	} {
		r.Language = lang
		html, err := RenderHTML(Layout(r))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range want {
			if !strings.Contains(string(html), s) {
				t.Errorf("%s report lacks %q", lang, s)
			}
		}
	}
}
