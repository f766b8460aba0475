package runbook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

type fixture struct {
	store *Store
	st    *storage.Store
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
	fx := &fixture{store: NewStore(db), st: st}
	fx.srv = apitest.NewServer(t, NewHandlers(fx.store, apitest.PathTenant, nil).Routes())
	return fx
}

func (fx *fixture) do(t *testing.T, method, path, token, body string, out any) int {
	t.Helper()
	code, _, data := apitest.Do(t, fx.srv, method, path, token, body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return code
}

func TestRenderIsSafe(t *testing.T) {
	f := func(md, mustHave, mustNot string) {
		t.Helper()
		html, err := Render(md)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(html, mustHave) || (mustNot != "" && strings.Contains(html, mustNot)) {
			t.Errorf("Render(%q) = %q: want %q and not %q", md, html, mustHave, mustNot)
		}
	}
	f("# ディスク満杯\n\n1. `df -h` で確認", "<h1>ディスク満杯</h1>", "")
	f("| a | b |\n|---|---|\n| 1 | 2 |", "<table>", "")
	f("- [x] 確認済み", `type="checkbox"`, "")
	f("<script>alert(1)</script>", "raw HTML omitted", "<script")
	f(`<img src=x onerror="alert(1)">`, "raw HTML omitted", "onerror")
	f("[click](javascript:alert(1))", "<a href=\"\">", "javascript:")
	f("[ok](https://example.com/runbook)", `href="https://example.com/runbook"`, "")
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{"<script>x</script>", "[a](javascript:b)", "<a href=\"javascript:x\">", "```\n<script>\n```", "![i](data:text/html,<script>)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		html, err := Render(md)
		if err != nil {
			return
		}
		low := strings.ToLower(html)
		if strings.Contains(low, "<script") || strings.Contains(low, `href="javascript:`) || strings.Contains(low, `src="javascript:`) {
			t.Fatalf("Render(%q) = %q runs script", md, html)
		}
	})
}

func TestRunbooksTenantAndGlobal(t *testing.T) {
	fx := newFixture(t)
	var global, own Runbook
	if c := fx.do(t, "POST", "/api/v1/runbooks", ":read,write", `{"title":"共通: ディスク満杯","body":"# 手順"}`, &global); c != 201 {
		t.Fatalf("global create: %d", c)
	}
	if c := fx.do(t, "POST", "/api/v1/runbooks", "acme:read,write", `{"title":"x"}`, nil); c != 403 {
		t.Errorf("a tenant's token wrote a global runbook: %d", c)
	}
	if c := fx.do(t, "POST", "/api/v1/tenants/acme/runbooks", "acme:read,write", `{"title":"acme: DB再起動","body":"1. 停止"}`, &own); c != 201 {
		t.Fatalf("tenant create: %d", c)
	}
	var list []Runbook
	fx.do(t, "GET", "/api/v1/tenants/acme/runbooks", "acme:read", "", &list)
	if len(list) != 2 || list[0].Global == list[1].Global {
		t.Errorf("acme's runbooks: %+v", list)
	}
	var got Runbook
	if c := fx.do(t, "GET", fmt.Sprintf("/api/v1/tenants/acme/runbooks/%d", global.ID), "acme:read", "", &got); c != 200 || got.HTML != "<h1>手順</h1>\n" {
		t.Errorf("acme reading the global runbook: %d %+v", c, got)
	}
	if c := fx.do(t, "PUT", fmt.Sprintf("/api/v1/tenants/acme/runbooks/%d", global.ID), "acme:read,write", `{"title":"hijacked"}`, nil); c != 404 {
		t.Errorf("acme changed the global runbook: %d", c)
	}
	if c := fx.do(t, "POST", "/api/v1/tenants/acme/runbooks", "acme:read,write", `{"body":"x"}`, nil); c != 400 {
		t.Errorf("a runbook without a title: %d", c)
	}
}

func TestChecklistDay(t *testing.T) {
	fx := newFixture(t)
	var c Checklist
	if code := fx.do(t, "POST", "/api/v1/tenants/acme/checklists", "acme:read,write", `{"name":"朝の点検","items":["バックアップ結果確認","ディスク使用率確認","夜間アラート確認"]}`, &c); code != 201 {
		t.Fatalf("create: %d", code)
	}
	base := fmt.Sprintf("/api/v1/tenants/acme/checklists/%d/days/2026-01-05", c.ID)
	var day Day
	if code := fx.do(t, "POST", base+"/items/1", "acme:read,write", `{"note":"85%: 要注意"}`, &day); code != 200 {
		t.Fatalf("complete: %d", code)
	}
	if code := fx.do(t, "POST", base+"/items/1", "acme:read,write", `{}`, nil); code != 409 {
		t.Errorf("completing an item twice: %d, want 409", code)
	}
	if code := fx.do(t, "POST", base+"/items/3", "acme:read,write", `{}`, nil); code != 400 {
		t.Errorf("completing a missing item: %d, want 400", code)
	}
	if code := fx.do(t, "GET", fmt.Sprintf("/api/v1/tenants/acme/checklists/%d/days/2026-02-30", c.ID), "acme:read", "", nil); code != 400 {
		t.Errorf("a day that does not exist: %d, want 400", code)
	}
	fx.do(t, "GET", base, "acme:read", "", &day)
	if day.Done != 1 || day.Total != 3 || !day.Marks[1].Done || day.Marks[1].DoneBy != "token:test" || day.Marks[1].Note != "85%: 要注意" || day.Marks[0].Done {
		t.Errorf("the day: %+v", day)
	}
	var next Day
	fx.do(t, "GET", fmt.Sprintf("/api/v1/tenants/acme/checklists/%d/days/2026-01-06", c.ID), "acme:read", "", &next)
	if next.Done != 0 {
		t.Errorf("the next day starts with %d done", next.Done)
	}
}

// TestTenantIsolation: beta's token reads and changes nothing of acme's on
// every runbook and checklist endpoint.
func TestTenantIsolation(t *testing.T) {
	fx := newFixture(t)
	var rb Runbook
	var c Checklist
	fx.do(t, "POST", "/api/v1/tenants/acme/runbooks", "acme:read,write", `{"title":"acme only","body":"secret steps"}`, &rb)
	fx.do(t, "POST", "/api/v1/tenants/acme/checklists", "acme:read,write", `{"name":"acme only","items":["a"]}`, &c)
	bodies := map[string]string{"runbooks": `{"title":"beta was here"}`, "checklists": `{"name":"beta was here","items":["b"]}`}
	for _, rt := range NewHandlers(nil, apitest.PathTenant, nil).Routes() {
		if !strings.HasPrefix(rt.Path, tenantPrefix) {
			if code := fx.do(t, rt.Method, strings.ReplaceAll(rt.Path, "{id}", fmt.Sprint(rb.ID)), "beta:read,write,admin", bodies["runbooks"], nil); code != 403 {
				t.Errorf("beta %s %s: %d, want 403", rt.Method, rt.Path, code)
			}
			continue
		}
		id, body := rb.ID, bodies["runbooks"]
		if strings.Contains(rt.Path, "checklists") {
			id, body = c.ID, bodies["checklists"]
		}
		path := strings.NewReplacer("{id}", fmt.Sprint(id), "{date}", "2026-01-05", "{item}", "0").Replace(rt.Path)
		if code := fx.do(t, rt.Method, strings.ReplaceAll(path, "{tenant}", "acme"), "beta:read,write", body, nil); code != 404 {
			t.Errorf("beta %s %s on acme's path: %d, want 404", rt.Method, path, code)
		}
		code, _, data := apitest.Do(t, fx.srv, rt.Method, strings.ReplaceAll(path, "{tenant}", "beta"), "beta:read,write", body)
		if strings.Contains(path, "/"+fmt.Sprint(id)) && code != 404 {
			t.Errorf("beta %s %s with acme's ID: %d %s", rt.Method, path, code, data)
		}
		if strings.Contains(string(data), "acme only") || strings.Contains(string(data), "secret steps") {
			t.Errorf("beta %s %s reads acme's: %s", rt.Method, path, data)
		}
	}
	got, err := fx.store.Get(t.Context(), "acme", rb.ID)
	if err != nil || got.Title != "acme only" {
		t.Errorf("acme's runbook after beta: %+v %v", got, err)
	}
	day, err := fx.store.Day(t.Context(), "acme", c.ID, "2026-01-05")
	if err != nil || day.Done != 0 {
		t.Errorf("acme's checklist after beta: %+v %v", day, err)
	}
}

// TestOpenAPIPathsMatchRoutes holds openapi_paths.json and Routes together.
func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant, nil))
}
