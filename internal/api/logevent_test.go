package api_test

import (
	"net/url"
	"testing"
	"time"
)

func TestLogEventsAreStoredOnceAndSearchable(t *testing.T) {
	e := newEnv(t)
	e.must(201, "POST", "/api/v1/tenants", admin, map[string]any{"id": "acme", "name": "Acme"}, nil)
	ingest, read := e.token("acme", "ingest"), e.token("acme", "read")
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	batch := []map[string]any{
		{"time": t0, "host": "web1", "source": "/var/log/httpd/error_log", "item": "apache-errors", "pattern": "error", "severity": "warning", "message": "[error] client denied"},
		{"time": t0.Add(time.Second), "host": "web1", "source": "/var/log/httpd/error_log", "item": "apache-errors", "pattern": "error", "severity": "warning", "message": "[error] 100% of workers busy"},
		{"time": t0.Add(2 * time.Second), "host": "db1", "source": "/var/log/postgresql.log", "item": "pg-fatal", "pattern": "fatal", "severity": "critical", "message": "FATAL: too many connections"},
	}
	var got struct{ Received, Added int }
	e.must(200, "POST", "/api/v1/events", tok(ingest), batch, &got)
	if got.Received != 3 || got.Added != 3 {
		t.Fatalf("first send = %+v", got)
	}
	// The agent retries a batch it did not see acknowledged: nothing doubles.
	e.must(200, "POST", "/api/v1/events", tok(ingest), batch, &got)
	if got.Added != 0 {
		t.Fatalf("resend added %d events, want 0", got.Added)
	}
	f := func(query url.Values, want ...string) {
		t.Helper()
		var evs []struct{ Message string }
		e.must(200, "GET", "/api/v1/tenants/acme/events?"+query.Encode(), tok(read), nil, &evs)
		if len(evs) != len(want) {
			t.Fatalf("search %v = %d events %+v, want %v", query, len(evs), evs, want)
		}
		for i := range want {
			if evs[i].Message != want[i] {
				t.Fatalf("search %v [%d] = %q, want %q", query, i, evs[i].Message, want[i])
			}
		}
	}
	f(url.Values{}, "FATAL: too many connections", "[error] 100% of workers busy", "[error] client denied")
	f(url.Values{"host": {"web1"}}, "[error] 100% of workers busy", "[error] client denied")
	f(url.Values{"q": {"100%"}}, "[error] 100% of workers busy")
	f(url.Values{"severity": {"critical"}}, "FATAL: too many connections")
	f(url.Values{"from": {t0.Add(time.Second).Format(time.RFC3339)}, "to": {t0.Add(2 * time.Second).Format(time.RFC3339)}}, "[error] 100% of workers busy")
	f(url.Values{"limit": {"1"}}, "FATAL: too many connections")

	code, body := e.do("POST", "/api/v1/events", tok(ingest), `[{"time":"2026-11-22T09:00:00Z","host":"web1","item":"x","severity":"fatal"}]`)
	if code != 400 || !contains(body, `"field":"[0].severity"`) {
		t.Fatalf("bad severity = %d %s", code, body)
	}
	code, body = e.do("GET", "/api/v1/tenants/acme/events?from=yesterday", tok(read), nil)
	if code != 400 || !contains(body, `"field":"from"`) {
		t.Fatalf("bad from = %d %s", code, body)
	}
	e.must(403, "POST", "/api/v1/events", tok(read), batch, nil)
}
