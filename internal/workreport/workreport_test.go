package workreport

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

func pathTenant(r *http.Request, scope model.Scope) (string, error) {
	p := auth.FromContext(r.Context())
	id := r.PathValue("tenant")
	if !p.CanAccessTenant(id) {
		return "", response.NotFound("no such tenant")
	}
	if !p.Can(scope) {
		return "", response.Forbidden("this needs the " + string(scope) + " scope")
	}
	return id, nil
}

type fixture struct {
	store *Store
	st    *storage.Store
	inc   *incident.Store
	srv   *httptest.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := storage.New(db)
	for _, id := range []string{"acme", "beta"} {
		if err := st.CreateTenant(ctx, &model.Tenant{ID: id, Name: id, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			t.Fatal(err)
		}
	}
	fx := &fixture{store: NewStore(db), st: st, inc: incident.NewStore(db, nil)}
	h := NewHandlers(fx.store, st, pathTenant, nil)
	mux := http.NewServeMux()
	for _, rt := range h.Routes() {
		mux.Handle(rt.Method+" "+rt.Path, rt.Handler)
	}
	fx.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant, scopes, _ := strings.Cut(r.Header.Get("X-Token"), ":")
		tok := &model.Token{Name: "test", TenantID: tenant}
		for _, s := range strings.Split(scopes, ",") {
			tok.Scopes = append(tok.Scopes, model.Scope(s))
		}
		mux.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), auth.TokenPrincipal(tok))))
	}))
	t.Cleanup(fx.srv.Close)
	return fx
}

func (fx *fixture) do(t *testing.T, method, path, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, fx.srv.URL+path, strings.NewReader(body))
	req.Header.Set("X-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func body(subject, start, end string, incidentID int64) string {
	return fmt.Sprintf(`{"subject":%q,"worker":"佐藤","result":"done","started_at":%q,"ended_at":%q,"incident_id":%d}`, subject, start, end, incidentID)
}

func TestWorkReportsPerPeriodAndValidation(t *testing.T) {
	fx := newFixture(t)
	inc, err := fx.inc.Open(t.Context(), "acme", "user:sato", incident.Fields{ShortDescription: ptr("x")})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{
		body("月次パッチ適用", "2026-01-31T23:00:00+09:00", "2026-02-01T01:00:00+09:00", 0), // January in Tokyo
		body("証明書更新", "2026-02-03T10:00:00+09:00", "2026-02-03T10:30:00+09:00", inc.ID),
		body("バックアップ確認", "2026-03-01T00:00:00+09:00", "2026-03-01T00:10:00+09:00", 0),
	} {
		if code, out := fx.do(t, "POST", "/api/v1/tenants/acme/work-reports", "acme:read,write", b); code != 201 {
			t.Fatalf("create: %d %s", code, out)
		}
	}
	code, out := fx.do(t, "GET", "/api/v1/tenants/acme/work-reports?from=2026-02-01T00:00:00%2B09:00&to=2026-03-01T00:00:00%2B09:00", "acme:read", "")
	var feb []Report
	json.Unmarshal([]byte(out), &feb)
	if code != 200 || len(feb) != 1 || feb[0].Subject != "証明書更新" || feb[0].IncidentID != inc.ID || feb[0].Duration() != 30*time.Minute {
		t.Errorf("February: %d %s", code, out)
	}
	bad := func(b, field string) {
		t.Helper()
		code, out := fx.do(t, "POST", "/api/v1/tenants/acme/work-reports", "acme:read,write", b)
		if code != 400 || !strings.Contains(out, `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s, want 400 naming %s", b, code, out, field)
		}
	}
	bad(body("", "2026-02-03T10:00:00Z", "2026-02-03T11:00:00Z", 0), "subject")
	bad(body("x", "2026-02-03T10:00:00Z", "2026-02-03T09:00:00Z", 0), "ended_at")
	bad(strings.Replace(body("x", "2026-02-03T10:00:00Z", "2026-02-03T11:00:00Z", 0), `"done"`, `"ok"`, 1), "result")
	bad(`{"subject":"x","worker":"y","result":"done","started_at":"2026-02-03T10:00:00Z"}`, "ended_at")
	bad(`{"subject":"x","worker":"y","result":"done","started_at":"2026-02-03T10:00:00Z","ended_at":"2026-02-03T11:00:00Z","mood":"good"}`, "mood")
	if list, _ := fx.store.List(t.Context(), "acme", Filter{}); len(list) != 3 {
		t.Errorf("refusals stored something: %d reports", len(list))
	}
}

// TestTenantIsolation: beta's token reads and changes nothing of acme's on
// every work report endpoint, and cannot attach to acme's incident.
func TestTenantIsolation(t *testing.T) {
	fx := newFixture(t)
	acmeInc, _ := fx.inc.Open(t.Context(), "acme", "user:sato", incident.Fields{ShortDescription: ptr("x")})
	code, out := fx.do(t, "POST", "/api/v1/tenants/acme/work-reports", "acme:read,write", body("acme only", "2026-02-03T10:00:00Z", "2026-02-03T11:00:00Z", 0))
	var rep Report
	json.Unmarshal([]byte(out), &rep)
	if code != 201 {
		t.Fatal(out)
	}
	for _, rt := range NewHandlers(nil, nil, pathTenant, nil).Routes() {
		path := strings.ReplaceAll(rt.Path, "{id}", fmt.Sprint(rep.ID))
		b := body("beta was here", "2026-02-03T10:00:00Z", "2026-02-03T11:00:00Z", 0)
		if code, out := fx.do(t, rt.Method, strings.ReplaceAll(path, "{tenant}", "acme"), "beta:read,write", b); code != 404 {
			t.Errorf("beta %s on acme's path: %d %s", rt.Method, code, out)
		}
		code, out := fx.do(t, rt.Method, strings.ReplaceAll(path, "{tenant}", "beta"), "beta:read,write", b)
		if strings.Contains(path, "{id}") || strings.HasSuffix(path, fmt.Sprint(rep.ID)) {
			if code != 404 {
				t.Errorf("beta %s %s with acme's ID: %d %s", rt.Method, path, code, out)
			}
		}
		if strings.Contains(out, "acme only") {
			t.Errorf("beta %s %s reads acme's report: %s", rt.Method, path, out)
		}
	}
	if code, out := fx.do(t, "POST", "/api/v1/tenants/beta/work-reports", "beta:read,write", body("x", "2026-02-03T10:00:00Z", "2026-02-03T11:00:00Z", acmeInc.ID)); code != 400 || !strings.Contains(out, "incident_id") {
		t.Errorf("beta attaching to acme's incident: %d %s", code, out)
	}
	got, err := fx.store.Get(t.Context(), "acme", rep.ID)
	if err != nil || got.Subject != "acme only" {
		t.Errorf("acme's report after beta: %+v %v", got, err)
	}
	audit, _ := fx.st.AuditLog(t.Context(), "acme", 10)
	if len(audit) != 1 {
		t.Errorf("acme's audit log: %+v", audit)
	}
}

func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	data, err := os.ReadFile("openapi_paths.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	var missing []string
	for _, r := range NewHandlers(nil, nil, pathTenant, nil).Routes() {
		key := r.Method + " " + r.Path
		if !documented[key] {
			missing = append(missing, key)
		}
		delete(documented, key)
	}
	var extra []string
	for k := range documented {
		extra = append(extra, k)
	}
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("served but not documented: %v\ndocumented but not served: %v", missing, extra)
	}
	for _, part := range strings.Split(string(data), `"#/components/schemas/`)[1:] {
		ref := part[:strings.Index(part, `"`)]
		if _, ok := doc.Components.Schemas[ref]; !ok && ref != "Error" {
			t.Errorf("$ref to %s, which the fragment does not define", ref)
		}
	}
}

func ptr[T any](v T) *T { return &v }
