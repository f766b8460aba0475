package api_test

import (
	"context"
	"testing"

	"github.com/unyo-ops/unyo/internal/limits"
)

// TestTenantLimitsAPI: the MSP admin reads a tenant's defaults, overrides
// some limits (kept across a restart), is told which field is bad, and
// removes the overrides again.
func TestTenantLimitsAPI(t *testing.T) {
	e := newEnv(t)
	e.must(201, "POST", "/api/v1/tenants", admin, map[string]any{"id": "acme", "name": "Acme"}, nil)
	type view struct {
		Overrides map[string]any `json:"overrides"`
		Effective limits.Limits  `json:"effective"`
		Defaults  limits.Limits  `json:"defaults"`
	}
	var v view
	e.must(200, "GET", "/api/v1/tenants/acme/limits", admin, nil, &v)
	if v.Effective != limits.Defaults || len(v.Overrides) != 0 {
		t.Fatalf("a new tenant's limits: %+v", v)
	}
	e.must(200, "PUT", "/api/v1/tenants/acme/limits", admin, map[string]any{"max_series": 1000, "max_query_time": "30s"}, &v)
	if v.Effective.MaxSeries != 1000 || v.Effective.MaxQueryTime.Std().String() != "30s" ||
		v.Effective.IngestRate != limits.Defaults.IngestRate || len(v.Overrides) != 2 {
		t.Fatalf("after PUT: %+v", v)
	}
	// The override is stored: a server started again on the database has it.
	again := limits.New(limits.Defaults, limits.NewStore(e.db), nil)
	if err := again.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := again.For("acme").MaxSeries; got != 1000 {
		t.Fatalf("max_series after a restart = %d, want 1000", got)
	}
	f := func(body string, field string) {
		t.Helper()
		var eb struct{ Field string }
		e.must(400, "PUT", "/api/v1/tenants/acme/limits", admin, body, &eb)
		if eb.Field != field {
			t.Errorf("PUT %s: field %q, want %q", body, eb.Field, field)
		}
	}
	f(`{"max_series":-1}`, "max_series")
	f(`{"max_query_time":"soon"}`, "max_query_time")
	f(`{"max_queries":3}`, "max_queries")
	e.must(200, "GET", "/api/v1/tenants/acme/limits", admin, nil, &v)
	if v.Effective.MaxSeries != 1000 {
		t.Fatalf("a refused PUT changed the limits: %+v", v)
	}
	e.must(200, "PUT", "/api/v1/tenants/acme/limits", admin, map[string]any{}, &v)
	if v.Effective != limits.Defaults {
		t.Fatalf("after PUT {}: %+v", v)
	}
	e.must(404, "GET", "/api/v1/tenants/nope/limits", admin, nil, nil)
}
