package promapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
)

func newTestAPI(t *testing.T) (*API, *metricstore.Store) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ms, err := metricstore.Open(t.TempDir(), metricstore.Options{}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	return New(ms, Options{}, logger, nil), ms
}

// get calls h as tenant's read token (no tenant: an MSP-wide admin token)
// and returns the status and body.
func get(h http.HandlerFunc, tenant, path string) (int, string) {
	r := httptest.NewRequest("GET", path, nil)
	tok := &model.Token{Name: "t", TenantID: tenant, Scopes: []model.Scope{model.ScopeRead}}
	if tenant == "" {
		tok.Scopes = append(tok.Scopes, model.ScopeAdmin)
	}
	w := httptest.NewRecorder()
	h(w, r.WithContext(auth.WithPrincipal(r.Context(), auth.TokenPrincipal(tok))))
	return w.Code, strings.TrimSpace(w.Body.String())
}

// TestGrafanaProbes: each endpoint Grafana's Prometheus data source calls
// answers in Prometheus's format.
func TestGrafanaProbes(t *testing.T) {
	a, _ := newTestAPI(t)
	f := func(h http.HandlerFunc, path string, wantCode int, want string) {
		t.Helper()
		code, body := get(h, "acme", path)
		if code != wantCode || body != want {
			t.Errorf("GET %s = %d %s\nwant %d %s", path, code, body, wantCode, want)
		}
	}
	q := func(p string) string { return url.Values{"query": {p}}.Encode() }
	f(a.QueryExemplars, "/api/v1/query_exemplars?"+q(`up`)+"&start=1700000000&end=1700000600", 200, `{"status":"success","data":[]}`)
	f(a.QueryExemplars, "/api/v1/query_exemplars?"+q(`up{`), 400, `{"status":"error","errorType":"bad_data","error":"1:4: parse error: unexpected end of input inside braces"}`)
	f(a.FormatQuery, "/api/v1/format_query?"+q(`sum(rate(x[5m]))by(job)`), 200, `{"status":"success","data":"sum by (job) (rate(x[5m]))"}`)
	f(a.Config, "/api/v1/status/config", 200, `{"status":"success","data":{"yaml":"# unyo receives metrics by remote write and scrapes nothing itself.\nglobal: {}\n"}}`)
	f(a.Rules, "/api/v1/rules", 200, `{"status":"success","data":{"groups":[]}}`)
	f(a.Alerts, "/api/v1/alerts", 200, `{"status":"success","data":{"alerts":[]}}`)
	f(a.Metadata, "/api/v1/metadata", 200, `{"status":"success","data":{}}`)
	f(a.QueryRange, "/api/v1/query_range?"+q(`sum(nonexistent_metric_name)`)+"&start=1700000000&end=1700000600&step=60", 200,
		`{"status":"success","data":{"resultType":"matrix","result":[]}}`)
	f(a.Query, "/api/v1/query?"+q(`nonexistent_metric_name`)+"&time=1700000000", 200, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
	f(a.Series, "/api/v1/series?"+url.Values{"match[]": {"nonexistent_metric_name"}}.Encode(), 200, `{"status":"success","data":[]}`)
	f(a.LabelNames, "/api/v1/labels", 200, `{"status":"success","data":[]}`)
}

// TestMetadataIsTenantScoped: what one tenant's senders said of their
// metrics is served to that tenant only; an MSP-wide caller sees it all,
// or one tenant's with the tenant header.
func TestMetadataIsTenantScoped(t *testing.T) {
	a, ms := newTestAPI(t)
	ms.SetMetadata("acme", "http_requests_total", metricstore.MetricMetadata{Type: "counter", Help: "Requests.", Unit: ""})
	ms.SetMetadata("acme", "room_temperature", metricstore.MetricMetadata{Type: "gauge", Help: "Temperature.", Unit: "celsius"})
	ms.SetMetadata("beta", "beta_secret", metricstore.MetricMetadata{Type: "gauge", Help: "Beta's."})
	meta := func(tenant, path string) map[string][]metricstore.MetricMetadata {
		t.Helper()
		code, body := get(a.Metadata, tenant, path)
		var resp struct {
			Status string                                  `json:"status"`
			Data   map[string][]metricstore.MetricMetadata `json:"data"`
		}
		if err := json.Unmarshal([]byte(body), &resp); err != nil || code != 200 || resp.Status != "success" {
			t.Fatalf("GET %s as %q = %d %s (%v)", path, tenant, code, body, err)
		}
		return resp.Data
	}
	got := meta("acme", "/api/v1/metadata")
	if len(got) != 2 || got["room_temperature"][0] != (metricstore.MetricMetadata{Type: "gauge", Help: "Temperature.", Unit: "celsius"}) {
		t.Errorf("acme's metadata: %+v", got)
	}
	if got := meta("beta", "/api/v1/metadata"); len(got) != 1 || got["beta_secret"] == nil {
		t.Errorf("beta's metadata: %+v", got)
	}
	if got := meta("gamma", "/api/v1/metadata"); len(got) != 0 {
		t.Errorf("gamma sees metadata it never sent: %+v", got)
	}
	if got := meta("beta", "/api/v1/metadata?metric=http_requests_total"); len(got) != 0 {
		t.Errorf("beta reads acme's metadata by naming the metric: %+v", got)
	}
	if got := meta("acme", "/api/v1/metadata?metric=http_requests_total"); len(got) != 1 {
		t.Errorf("acme, one metric: %+v", got)
	}
	if got := meta("acme", "/api/v1/metadata?limit=1"); len(got) != 1 {
		t.Errorf("acme, limit=1: %+v", got)
	}
	if got := meta("", "/api/v1/metadata"); len(got) != 3 {
		t.Errorf("an MSP-wide caller: %+v", got)
	}
	r := httptest.NewRequest("GET", "/api/v1/metadata", nil)
	r.Header.Set(TenantHeader, "beta")
	w := httptest.NewRecorder()
	tok := &model.Token{Name: "t", Scopes: []model.Scope{model.ScopeRead, model.ScopeAdmin}}
	a.Metadata(w, r.WithContext(auth.WithPrincipal(r.Context(), auth.TokenPrincipal(tok))))
	if body := w.Body.String(); !strings.Contains(body, "beta_secret") || strings.Contains(body, "room_temperature") {
		t.Errorf("an MSP-wide caller naming beta: %s", body)
	}
}
