package promapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/model"
)

// limitedAPI is the query API over a real TSDB holding 20 series for each of
// the tenants acme and globex, with tenant limits lim.
func limitedAPI(t *testing.T, lim limits.Limits) (*API, *limits.Enforcer, time.Time) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ms, err := metricstore.Open(t.TempDir(), metricstore.Options{}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	now := time.Now().Truncate(time.Second)
	app := ms.AppenderV2(context.Background())
	for _, tenant := range []string{"acme", "globex"} {
		for i := range 20 {
			lset := labels.FromStrings("__name__", fmt.Sprint("m_", i), metricstore.TenantLabel, tenant)
			if _, err := app.Append(0, lset, 0, now.UnixMilli(), float64(i), nil, nil, storage.AOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	enf := limits.New(lim, nil, prometheus.NewRegistry())
	return New(ms, Options{Limits: enf}, logger, prometheus.NewRegistry()), enf, now
}

type queryAnswer struct {
	code       int
	retryAfter string
	Status     string `json:"status"`
	ErrorType  string `json:"errorType"`
	Error      string `json:"error"`
	Limit      string `json:"limit"`
	Data       struct {
		Result []json.RawMessage `json:"result"`
	} `json:"data"`
}

// queryAs runs an instant query as tenant's read token.
func (a *API) queryAs(t *testing.T, tenant, q string, at time.Time) queryAnswer {
	form := url.Values{"query": {q}, "time": {fmt.Sprint(at.Unix())}}
	r := httptest.NewRequest("GET", "/api/v1/query?"+form.Encode(), nil)
	p := auth.TokenPrincipal(&model.Token{Name: "grafana", TenantID: tenant, Scopes: []model.Scope{model.ScopeRead}})
	w := httptest.NewRecorder()
	a.Query(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	var out queryAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Errorf("answer %d is not JSON: %s", w.Code, w.Body)
	}
	out.code, out.retryAfter = w.Code, w.Header().Get("Retry-After")
	return out
}

// TestQueryConcurrencyLimit: with 8 of a tenant's queries running, the 9th
// is answered 429 naming the limit, another tenant's query runs, and once
// the 8 are done the tenant may query again.
func TestQueryConcurrencyLimit(t *testing.T) {
	a, _, now := limitedAPI(t, limits.Limits{MaxConcurrentQueries: 8})
	// A query of acme's holds its slot until release; the bound keeps a
	// missing limit from hanging the test (the 9th would then run, and fail).
	started, release := make(chan struct{}, 16), make(chan struct{})
	a.running = func(ctx context.Context) {
		if auth.FromContext(ctx).Tenant == "acme" {
			started <- struct{}{}
			select {
			case <-release:
			case <-time.After(10 * time.Second):
			}
		}
	}
	answers := make(chan queryAnswer, 8)
	for range 8 {
		go func() { answers <- a.queryAs(t, "acme", "m_1", now) }()
	}
	for range 8 {
		<-started
	}
	ninth := a.queryAs(t, "acme", "m_1", now)
	if ninth.code != 429 || ninth.Limit != "max_concurrent_queries" || ninth.retryAfter == "" {
		t.Errorf("9th concurrent query: %d limit %q Retry-After %q: %s", ninth.code, ninth.Limit, ninth.retryAfter, ninth.Error)
	}
	if other := a.queryAs(t, "globex", "m_1", now); other.code != 200 || len(other.Data.Result) != 1 {
		t.Errorf("another tenant's query beside them: %d %s", other.code, other.Error)
	}
	close(release)
	for range 8 {
		if got := <-answers; got.code != 200 {
			t.Errorf("one of the 8: %d %s", got.code, got.Error)
		}
	}
	a.running = nil
	if again := a.queryAs(t, "acme", "m_1", now); again.code != 200 {
		t.Errorf("after the 8 ended: %d %s", again.code, again.Error)
	}
}

// TestQuerySamplesLimit: a tenant's override of max_query_samples stops a
// query that would hold more samples, with 422 naming the limit; another
// tenant with the default runs the same query.
func TestQuerySamplesLimit(t *testing.T) {
	a, enf, now := limitedAPI(t, limits.Defaults)
	ten := 10
	if err := enf.SetOverride(context.Background(), "acme", limits.Override{MaxQuerySamples: &ten}); err != nil {
		t.Fatal(err)
	}
	got := a.queryAs(t, "acme", `{__name__=~"m_.*"}`, now)
	if got.code != 422 || got.Limit != "max_query_samples" || got.ErrorType != "execution" {
		t.Errorf("20 samples over a limit of 10: %d %q limit %q: %s", got.code, got.ErrorType, got.Limit, got.Error)
	}
	if got := a.queryAs(t, "acme", `m_1`, now); got.code != 200 {
		t.Errorf("1 sample under the limit: %d %s", got.code, got.Error)
	}
	if got := a.queryAs(t, "globex", `{__name__=~"m_.*"}`, now); got.code != 200 || len(got.Data.Result) != 20 {
		t.Errorf("another tenant: %d %d series %s", got.code, len(got.Data.Result), got.Error)
	}
}

// TestQueryTimeLimit: a query still running at the tenant's max_query_time
// is stopped with 503 timeout naming the limit.
func TestQueryTimeLimit(t *testing.T) {
	a, _, now := limitedAPI(t, limits.Limits{MaxQueryTime: model.Duration(50 * time.Millisecond)})
	a.running = func(ctx context.Context) {
		select { // a query that only ends when its deadline does
		case <-ctx.Done():
		case <-time.After(30 * time.Second):
		}
	}
	got := a.queryAs(t, "acme", "m_1", now)
	if got.code != 503 || got.ErrorType != "timeout" || got.Limit != "max_query_time" {
		t.Errorf("query past max_query_time: %d %q limit %q: %s", got.code, got.ErrorType, got.Limit, got.Error)
	}
}
