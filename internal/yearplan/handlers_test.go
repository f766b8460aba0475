package yearplan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
)

// TestAPI: the plan in JSON, HTML and PDF, and its drafts, for acme's
// operator and acme's customer viewer.
func TestAPI(t *testing.T) {
	f := newFixture(t)
	srv := apitest.NewServer(t, NewHandlers(f.svc, apitest.PathTenant, nil).Routes())
	for _, who := range []string{"acme:read", "acme:viewer"} {
		code, _, body := apitest.Do(t, srv, "GET", "/api/v1/tenants/acme/yearly-plan?lang=en&target=50", who, nil)
		if code != 200 {
			t.Fatalf("%s: %d %s", who, code, body)
		}
		var p Plan
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		// At 50%: weekdays ⌈1.0/0.5⌉ = 2, nights ⌈0.4/0.5⌉ = 1, weekends ⌈0.9/0.5⌉ = 2.
		if p.Target != 50 || p.Language != "en" || len(p.Groups) != 1 || p.Groups[0].Months[0].Weekend != 2 || p.Groups[0].Events[0].Count != 4 {
			t.Errorf("%s: plan target %v, language %s, groups %d", who, p.Target, p.Language, len(p.Groups))
		}
	}
	code, h, body := apitest.Do(t, srv, "GET", "/api/v1/tenants/acme/yearly-plan.pdf", "acme:read", nil)
	if code != 200 || h.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(body), "%PDF-") {
		t.Errorf("PDF: %d %s %.20q", code, h.Get("Content-Type"), body)
	}
	code, h, body = apitest.Do(t, srv, "GET", "/api/v1/tenants/acme/yearly-plan.html?lang=ja", "acme:read", nil)
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "年間運行計画") {
		t.Errorf("HTML: %d %s", code, h.Get("Content-Type"))
	}
	code, _, body = apitest.Do(t, srv, "GET", "/api/v1/tenants/acme/yearly-plan/drafts", "acme:read", nil)
	var ds []Draft
	if err := json.Unmarshal(body, &ds); code != 200 || err != nil || len(ds) != 1 || len(ds[0].Periods) != 1 || len(ds[0].Periods[0].Baseline.Rules) != 2 {
		t.Errorf("drafts: %d %s", code, body)
	}
}

// TestAPIBadInput: a bad lang or target is a 400 naming the field.
func TestAPIBadInput(t *testing.T) {
	f := newFixture(t)
	srv := apitest.NewServer(t, NewHandlers(f.svc, apitest.PathTenant, nil).Routes())
	for q, field := range map[string]string{"lang=fr": "lang", "target=0": "target", "target=99": "target", "target=abc": "target", "target=NaN": "target"} {
		code, _, body := apitest.Do(t, srv, "GET", "/api/v1/tenants/acme/yearly-plan?"+q, "acme:read", nil)
		var e struct{ Field, Reason string }
		_ = json.Unmarshal(body, &e)
		if code != 400 || e.Field != field || e.Reason == "" {
			t.Errorf("?%s: %d %s, want 400 naming %s", q, code, body, field)
		}
	}
	if code, _, _ := apitest.Do(t, srv, "GET", "/api/v1/tenants/acme/yearly-plan", "", nil); code != 401 {
		t.Errorf("without credentials: %d", code)
	}
}

// TestTenantIsolation: beta's token with every scope and beta's viewer get
// 404 on every yearly plan path of acme, and beta's own plan holds nothing
// of acme's: not its group, hosts, events or load.
func TestTenantIsolation(t *testing.T) {
	f := newFixture(t)
	srv := apitest.NewServer(t, NewHandlers(f.svc, apitest.PathTenant, nil).Routes())
	for _, rt := range NewHandlers(nil, apitest.PathTenant, nil).Routes() {
		for _, beta := range []string{"beta:ingest,read,write,admin", "beta:viewer"} {
			code, _, body := apitest.Do(t, srv, rt.Method, strings.ReplaceAll(rt.Path, "{tenant}", "acme"), beta, nil)
			if code != 404 {
				t.Errorf("%s %s %s on acme: %d %s", beta, rt.Method, rt.Path, code, body)
			}
		}
		code, _, body := apitest.Do(t, srv, rt.Method, strings.ReplaceAll(rt.Path, "{tenant}", "beta"), "beta:read", nil)
		if code != 200 {
			t.Errorf("beta's own %s: %d %s", rt.Path, code, body)
		}
		for _, leak := range []string{"ACME", "Autumn campaign", "New Year sale", "web-02", `"tenant":"acme"`, "Standard_D4s_v5"} {
			if strings.Contains(string(body), leak) {
				t.Errorf("beta's %s leaks %q", rt.Path, leak)
			}
		}
	}
	// beta's host web-01 at 99% is beta's own load, and acme's hosts of the
	// same name at 50% never mix into it.
	p, err := f.svc.Generate(t.Context(), "beta", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if g := p.Groups[0]; len(p.Groups) != 1 || g.Group.Name != "beta-portal" || !near(g.Week[24+10], 0.99) {
		t.Errorf("beta's plan: %+v", p.Groups)
	}
}

// TestOpenAPIPathsMatchRoutes holds openapi_paths.json and Routes together.
func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant, nil))
}
