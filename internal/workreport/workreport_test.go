package workreport

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

type fixture struct {
	store *Store
	st    *storage.Store
	inc   *incident.Desk
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
	fx := &fixture{store: NewStore(db), st: st, inc: incident.NewDesk(db, st, nil)}
	h := NewHandlers(fx.store, apitest.PathTenant, nil)
	fx.srv = apitest.NewServer(t, h.Routes())
	return fx
}

func (fx *fixture) do(t *testing.T, method, path, token, body string) (int, string) {
	t.Helper()
	code, _, data := apitest.Do(t, fx.srv, method, path, token, body)
	return code, string(data)
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
	for _, rt := range NewHandlers(nil, apitest.PathTenant, nil).Routes() {
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

// TestOpenAPIPathsMatchRoutes holds openapi_paths.json and Routes together.
func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant, nil))
}

func ptr[T any](v T) *T { return &v }
