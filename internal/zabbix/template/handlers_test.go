package template

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/storage"
)

type harness struct {
	db    *sql.DB
	store *monitoring.Store
	srv   *httptest.Server
}

// newHarness serves the import on a real database of the dialect under
// test, with the tenants acme and beta.
func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	objects := storage.New(db)
	for _, id := range []string{"acme", "beta"} {
		if err := objects.CreateTenant(ctx, &model.Tenant{ID: id, Name: id, Language: "en", TimeZone: "UTC"}); err != nil {
			t.Fatal(err)
		}
	}
	store := monitoring.NewStore(db, objects)
	h := NewHandlers(store, apitest.PathTenant, nil)
	return &harness{db: db, store: store, srv: apitest.NewServer(t, h.Routes())}
}

func (h *harness) do(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	code, _, b := apitest.Do(t, h.srv, method, path, token, body)
	return code, b
}

func (h *harness) templateNames(t *testing.T, tenant string) string {
	t.Helper()
	list, err := h.store.Templates(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tp := range list {
		if tp.TenantID == tenant {
			names = append(names, tp.Name+":"+itoa(len(tp.Items)))
		}
	}
	return strings.Join(names, ",")
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func fixtureBytes(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const path = "/api/v1/tenants/acme/templates/import/zabbix"

// TestImportEndpoint imports a Zabbix export through the API as a user
// does: a dry run that stores nothing, the import, a second import of the
// same names refused whole, bad input refused naming the field, and another
// tenant's token refused without a trace.
func TestImportEndpoint(t *testing.T) {
	h := newHarness(t)
	linux := fixtureBytes(t, "linux_7.0.yaml")
	code, body := h.do(t, "POST", path+"?dry_run=true", "acme:read,write", linux)
	var rep Report
	if err := json.Unmarshal(body, &rep); code != 200 || err != nil || rep.Rate != 68 || len(rep.Templates) != 1 {
		t.Fatalf("dry run = %d %s", code, body)
	}
	if got := h.templateNames(t, "acme"); got != "" {
		t.Fatalf("a dry run stored %s", got)
	}
	code, body = h.do(t, "POST", path+"?address=${host}", "acme:write", linux)
	if code != 201 || !strings.Contains(string(body), `"untranslated"`) || !strings.Contains(string(body), `"address":"${host}"`) {
		t.Fatalf("import = %d %s", code, body)
	}
	if got := h.templateNames(t, "acme"); got != "Linux by Zabbix agent:16" {
		t.Fatalf("acme's templates after the import: %q", got)
	}
	// The stored template reads back with its zabbix items and thresholds.
	list, _ := h.store.Templates(context.Background(), "acme")
	var fs *monitoring.Item
	for _, it := range list[len(list)-1].Items {
		if it.Name == "fs-space-is-low" {
			fs = it
		}
	}
	if fs == nil || *fs.Threshold.Warning != 85 || *fs.Threshold.Critical != 90 || *fs.Threshold.Recovery != 80 {
		t.Errorf("stored fs item: %+v", fs)
	}

	// An export with this template and a new one: refused whole (409).
	both := `{"zabbix_export":{"version":"6.0","templates":[
		{"template":"New one","items":[{"name":"Ping","key":"agent.ping"}]},
		{"template":"Linux by Zabbix agent","items":[{"name":"Ping","key":"agent.ping"}]}]}}`
	if code, body = h.do(t, "POST", path, "acme:write", both); code != 409 {
		t.Errorf("a taken name = %d %s, want 409", code, body)
	}
	if got := h.templateNames(t, "acme"); got != "Linux by Zabbix agent:16" {
		t.Errorf("after the refused import: %q", got)
	}
	for _, c := range []struct{ query, body, field string }{
		{"", `{"zabbix_export":{"version":"5.0","hosts":[]}}`, "zabbix_export.templates"},
		{"", `<zabbix_export><version>3.0`, "body"},
		{"?dry_run=yes", string(linux), "dry_run"},
	} {
		code, body = h.do(t, "POST", path+c.query, "acme:write", c.body)
		var e struct{ Field string }
		json.Unmarshal(body, &e)
		if code != 400 || e.Field != c.field {
			t.Errorf("%s %.30s = %d %s, want 400 on %s", c.query, c.body, code, body, c.field)
		}
	}
	// Scopes and tenants.
	if code, _ = h.do(t, "POST", path, "acme:read", linux); code != 403 {
		t.Errorf("a read-only token = %d, want 403", code)
	}
	if code, _ = h.do(t, "POST", path, "beta:read,write", fixtureBytes(t, "windows_4.0.json")); code != 404 {
		t.Errorf("beta's token on acme's path = %d, want 404", code)
	}
	if got := h.templateNames(t, "beta"); got != "" {
		t.Errorf("beta got %q", got)
	}
	if got := h.templateNames(t, "acme"); got != "Linux by Zabbix agent:16" {
		t.Errorf("acme's templates after beta's call: %q", got)
	}
	code, _ = h.do(t, "POST", "/api/v1/tenants/beta/templates/import/zabbix", "beta:write", fixtureBytes(t, "windows_4.0.json"))
	if code != 201 || h.templateNames(t, "beta") != "Template OS Windows:17" || h.templateNames(t, "acme") != "Linux by Zabbix agent:16" {
		t.Errorf("beta's own import = %d: beta %q acme %q", code, h.templateNames(t, "beta"), h.templateNames(t, "acme"))
	}
}

// TestImportIsAudited: the templates and the audit entry commit together.
func TestImportIsAudited(t *testing.T) {
	h := newHarness(t)
	do := func(method, p string, body any) (int, []byte) { return h.do(t, method, p, "acme:write", body) }
	apitest.CheckAudited(t, h.db, do, "acme", apitest.Change{Method: "POST", Path: path, Body: fixtureBytes(t, "linux_3.0.xml"),
		State: func() string { return h.templateNames(t, "acme") }, Action: "import", ObjectType: "monitoring_template"})
}

func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant, nil))
}
