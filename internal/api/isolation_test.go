package api_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/prompb"
)

// TestTenantIsolation walks the whole route table with tenant b's token, which
// holds every scope, aimed at tenant a's objects, and proves that it reads and
// changes nothing of a's. Because it walks the route table, a new route is
// covered the day it is added: it must either refuse (403/404/400) or be listed
// below with a check that a's data does not leak through it.
func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{"a", "b"} {
		e.must(201, "POST", "/api/v1/tenants", admin, map[string]any{"id": id, "name": "Tenant " + id}, nil)
	}
	var svc, res, usr struct {
		ID int64 `json:"id"`
	}
	e.must(201, "POST", "/api/v1/tenants/a/services", admin, map[string]any{"name": "a-shop"}, &svc)
	e.must(201, "POST", "/api/v1/tenants/a/resources", admin, map[string]any{"name": "a-web1", "kind": "host", "service_id": svc.ID}, &res)
	e.must(201, "POST", "/api/v1/users", admin, map[string]any{"login": "a-viewer", "role": "viewer", "tenant": "a", "password": "a-viewer-password"}, &usr)
	var cloud struct {
		ID int64 `json:"id"`
	}
	e.must(201, "POST", "/api/v1/tenants/a/cloud-accounts", admin, map[string]any{"name": "a-cloud", "provider": "aws",
		"aws": map[string]any{"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "a-secret-access-key-of-tenant-a", "regions": []string{"ap-northeast-1"}}}, &cloud)
	aIngest, aRead := e.token("a", "ingest"), e.token("a", "read")
	var aTokens []struct {
		ID int64 `json:"id"`
	}
	e.must(200, "GET", "/api/v1/tokens", tok(e.token("a", "admin")), nil, &aTokens)
	now := time.Now().UnixMilli()
	e.must(204, "POST", "/api/v1/write", tok(aIngest), remoteWrite(series(now, 42, "__name__", "a_secret_metric", "host", "a-web1")), nil)
	e.must(204, "POST", "/api/v1/write", tok(aIngest), remoteWriteMetadata(prompb.MetricMetadata{
		Type: prompb.MetricMetadata_GAUGE, MetricFamilyName: "a_secret_metric", Help: "a-shop revenue"}), nil)

	e.must(200, "POST", "/api/v1/events", tok(aIngest), []map[string]any{{"time": time.Now(), "host": "a-web1", "source": "/var/log/app.log",
		"item": "app-errors", "severity": "critical", "message": "a-web1 disk failure"}}, nil)
	b := tok(e.token("b", "ingest", "read", "write", "admin"))
	bodies := map[string]string{
		"/api/v1/tenants":                              `{"id":"a","name":"taken over"}`,
		"/api/v1/tenants/{tenant}":                     `{"name":"taken over"}`,
		"/api/v1/tenants/{tenant}/services":            `{"name":"b-was-here"}`,
		"/api/v1/tenants/{tenant}/services/{id}":       `{"name":"taken over"}`,
		"/api/v1/tenants/{tenant}/resources":           `{"name":"b-was-here","kind":"host"}`,
		"/api/v1/tenants/{tenant}/resources/{id}":      `{"name":"taken over","kind":"host"}`,
		"/api/v1/users":                                `{"login":"b-admin","role":"admin","password":"b-admin-password"}`,
		"/api/v1/users/{id}":                           `{"role":"admin","password":"taken-over-password"}`,
		"/api/v1/tokens":                               `{"name":"b-into-a","tenant":"a","scopes":["read"]}`,
		"/api/v1/events":                               `[{"time":"2026-11-22T00:00:00Z","host":"b-host","item":"x","severity":"info","message":"b line"}]`,
		"/api/v1/tenants/{tenant}/limits":              `{"max_series":1,"ingest_rate":1}`,
		"/api/v1/tenants/{tenant}/cloud-accounts":      `{"name":"b-was-here","provider":"aws","aws":{"access_key_id":"AKIAB0000000000000BB","secret_access_key":"b-secret","regions":["us-east-1"]}}`,
		"/api/v1/tenants/{tenant}/cloud-accounts/{id}": `{"name":"taken over","provider":"aws","aws":{"access_key_id":"AKIAB0000000000000BB","secret_access_key":"b-secret","regions":["us-east-1"]}}`,
	}
	ids := map[string]int64{"services": svc.ID, "resources": res.ID, "users": usr.ID, "tokens": aTokens[0].ID, "cloud-accounts": cloud.ID}
	leaks := []string{"disk failure", "a_secret_metric", "revenue", "a-web1", "a-shop", "a-viewer", `"tenant":"a"`, `"id":"a"`, "a-cloud", "a-secret-access-key"}

	// Routes that answer 2xx to b by design, each with what b must see.
	allowed := map[string]func(body string) bool{
		"GET /api/v1/openapi.json":        func(string) bool { return true },
		"GET /api/v1/whoami":              func(s string) bool { return strings.Contains(s, `"tenant":"b"`) },
		"GET /api/v1/tenants":             func(s string) bool { return strings.Contains(s, `"id":"b"`) },
		"GET /api/v1/tokens":              func(string) bool { return true },
		"GET /api/v1/status/buildinfo":    func(string) bool { return true },
		"GET /api/v1/metadata":            func(s string) bool { return strings.Contains(s, `"data":{}`) },
		"GET /api/v1/status/config":       func(string) bool { return true },
		"GET /api/v1/query_exemplars":     func(s string) bool { return strings.Contains(s, `"data":[]`) },
		"POST /api/v1/query_exemplars":    func(s string) bool { return strings.Contains(s, `"data":[]`) },
		"GET /api/v1/format_query":        func(string) bool { return true },
		"POST /api/v1/format_query":       func(string) bool { return true },
		"GET /api/v1/rules":               func(string) bool { return true },
		"GET /api/v1/alerts":              func(string) bool { return true },
		"POST /api/v1/write":              func(string) bool { return true }, // lands in b, checked below
		"POST /api/v1/events":             func(s string) bool { return strings.Contains(s, `"added":1`) },
		"GET /api/v1/query":               func(string) bool { return true },
		"POST /api/v1/query":              func(string) bool { return true },
		"GET /api/v1/query_range":         func(string) bool { return true },
		"POST /api/v1/query_range":        func(string) bool { return true },
		"GET /api/v1/series":              func(string) bool { return true },
		"POST /api/v1/series":             func(string) bool { return true },
		"GET /api/v1/labels":              func(string) bool { return true },
		"POST /api/v1/labels":             func(string) bool { return true },
		"GET /api/v1/label/{name}/values": func(string) bool { return true },
	}
	q := url.Values{
		"query": {`a_secret_metric{tenant="a"} or {__name__=~".+"}`}, "match[]": {`{tenant="a"}`, `{__name__=~".+"}`},
		"start": {fmt.Sprint(now/1000 - 60)}, "end": {fmt.Sprint(now/1000 + 60)}, "step": {"15"}, "time": {fmt.Sprintf("%.3f", float64(now)/1000)},
	}.Encode()

	for _, rt := range e.api.Routes() {
		path := strings.ReplaceAll(rt.Path, "{tenant}", "a")
		path = strings.ReplaceAll(path, "{name}", "host")
		if strings.Contains(path, "{id}") {
			kind := strings.Split(strings.TrimPrefix(rt.Path, "/api/v1/"), "/")
			k := kind[slices.Index(kind, "{id}")-1] // the collection the ID is of, also under .../{id}/test
			path = strings.ReplaceAll(path, "{id}", fmt.Sprint(ids[k]))
		}
		var body any
		switch {
		case rt.Path == "/api/v1/write":
			body = remoteWrite(series(now, 666, "__name__", "b_metric", "host", "b-host", "tenant", "a"))
		case rt.Method == "POST" || rt.Method == "PUT":
			body = bodies[rt.Path]
		}
		if rt.Path != "/api/v1/write" && allowed[rt.Method+" "+rt.Path] != nil {
			path += "?" + q
		}
		code, out := e.doHeader(rt.Method, path, b, body, "X-Unyo-Tenant", "a")
		key := rt.Method + " " + rt.Path
		if check, ok := allowed[key]; ok {
			if code >= 300 || !check(string(out)) {
				t.Errorf("%s: %d %s", key, code, out)
			}
		} else if code != 403 && code != 404 && code != 400 {
			t.Errorf("%s as tenant b on tenant a = %d, want a refusal: %s", key, code, out)
		}
		// format_query echoes the caller's own query, which names a's metric.
		if rt.Path != "/api/v1/openapi.json" && rt.Path != "/api/v1/format_query" {
			for _, leak := range leaks {
				if strings.Contains(string(out), leak) {
					t.Errorf("%s leaks %q of tenant a: %s", key, leak, out)
				}
			}
		}
	}

	// Everything of a is as it was.
	var s, r struct {
		Name string `json:"name"`
	}
	e.must(200, "GET", fmt.Sprintf("/api/v1/tenants/a/services/%d", svc.ID), admin, nil, &s)
	e.must(200, "GET", fmt.Sprintf("/api/v1/tenants/a/resources/%d", res.ID), admin, nil, &r)
	var ten struct {
		Name string `json:"name"`
	}
	e.must(200, "GET", "/api/v1/tenants/a", admin, nil, &ten)
	if s.Name != "a-shop" || r.Name != "a-web1" || ten.Name != "Tenant a" {
		t.Fatalf("tenant a changed: service %q resource %q tenant %q", s.Name, r.Name, ten.Name)
	}
	// Limits belong to the MSP admin: not even a's own admin token reads or
	// sets them, and b's attempt above left none on a.
	aAdmin := tok(e.token("a", "admin", "read", "write"))
	e.must(403, "GET", "/api/v1/tenants/a/limits", aAdmin, nil, nil)
	e.must(403, "PUT", "/api/v1/tenants/a/limits", aAdmin, map[string]any{"max_series": 1_000_000_000}, nil)
	if o := e.limits.Override("a"); !o.Empty() {
		t.Fatalf("tenant a's limits were changed by a tenant token: %+v", o)
	}
	var clouds []struct {
		Name string `json:"name"`
	}
	e.must(200, "GET", "/api/v1/tenants/a/cloud-accounts", admin, nil, &clouds)
	if len(clouds) != 1 || clouds[0].Name != "a-cloud" {
		t.Fatalf("tenant a's cloud accounts changed: %+v", clouds)
	}
	var svcs []any
	e.must(200, "GET", "/api/v1/tenants/a/services", admin, nil, &svcs)
	if len(svcs) != 1 {
		t.Fatalf("tenant a has %d services, want 1", len(svcs))
	}
	e.must(200, "GET", "/api/v1/tenants/a", tok(aRead), nil, nil)
	var evs []struct{ Message, Host string }
	e.must(200, "GET", "/api/v1/tenants/a/events", tok(aRead), nil, &evs)
	if len(evs) != 1 || evs[0].Message != "a-web1 disk failure" {
		t.Fatalf("tenant a's events changed: %+v", evs)
	}
	e.must(200, "GET", "/api/v1/whoami", cred{login: "a-viewer", password: "a-viewer-password"}, nil, nil)
	var qr struct {
		Data struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	e.must(200, "GET", "/api/v1/query?"+url.Values{"query": {"a_secret_metric"}, "time": {fmt.Sprintf("%.3f", float64(now)/1000)}}.Encode(), tok(aRead), nil, &qr)
	if len(qr.Data.Result) != 1 || qr.Data.Result[0].Value[1] != "42" {
		t.Fatalf("tenant a's series changed: %+v", qr.Data.Result)
	}
	// a's metadata is a's.
	var md struct {
		Data map[string][]struct{ Type, Help string } `json:"data"`
	}
	e.must(200, "GET", "/api/v1/metadata", tok(aRead), nil, &md)
	if m := md.Data["a_secret_metric"]; len(m) != 1 || m[0].Type != "gauge" || m[0].Help != "a-shop revenue" {
		t.Fatalf("tenant a's metadata: %+v", md.Data)
	}
	// b's write landed in b, with its forged tenant label kept aside.
	e.must(200, "GET", "/api/v1/query?"+url.Values{"query": {"b_metric"}, "time": {fmt.Sprintf("%.3f", float64(now)/1000)}}.Encode(), tok(aRead), nil, &qr)
	if len(qr.Data.Result) != 0 {
		t.Fatalf("b's write reached tenant a: %+v", qr.Data.Result)
	}
	e.must(200, "GET", "/api/v1/query?"+url.Values{"query": {"b_metric"}, "time": {fmt.Sprintf("%.3f", float64(now)/1000)}}.Encode(), b, nil, &qr)
	if len(qr.Data.Result) != 1 || qr.Data.Result[0].Metric["tenant"] != "b" || qr.Data.Result[0].Metric["exported_tenant"] != "a" {
		t.Fatalf("b's write as b sees it: %+v", qr.Data.Result)
	}
}
