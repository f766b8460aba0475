package monitoring

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/response"
)

type server struct {
	*design
	srv *httptest.Server
}

// newServer serves the handlers; the X-Token header "tenant:scope,scope"
// stands for an authenticated token ("" tenant: every tenant).
func newServer(t *testing.T) *server {
	d := newDesign(t)
	h := NewHandlers(d.s, apitest.PathTenant, nil, nil)
	srv := apitest.NewServer(t, h.Routes())
	return &server{d, srv}
}

func (s *server) do(t *testing.T, method, path, token string, body any) (int, http.Header, []byte) {
	t.Helper()
	return apitest.Do(t, s.srv, method, path, token, body)
}

const (
	acmeRW  = "acme:read,write"
	acmeRO  = "acme:read"
	acmeAgt = "acme:ingest"
	acmeCol = "acme:ingest,collect"
	betaRW  = "beta:read,write"
)

func TestHandlersDesignFlow(t *testing.T) {
	s := newServer(t)
	base := "/api/v1/tenants/acme/monitoring"
	code, _, body := s.do(t, "POST", base+"/templates", acmeRW, map[string]any{
		"name": "batch", "title": map[string]string{"ja": "バッチ", "en": "Batch"},
		"items": []any{map[string]any{"name": "batch-proc", "kind": "process", "process": map[string]any{"pattern": "^batchd$"}, "severity": "critical"}},
	})
	if code != 201 {
		t.Fatalf("create template = %d %s", code, body)
	}
	var tpl Template
	json.Unmarshal(body, &tpl)
	code, _, body = s.do(t, "POST", base+"/items", acmeRW, map[string]any{
		"template_id": tpl.ID, "name": "batch-log", "kind": "log", "severity": "warning",
		"log": map[string]any{"glob": "/var/log/batch/*.log", "regex": "FAILED", "window": "30m"},
	})
	if code != 201 {
		t.Fatalf("create item = %d %s", code, body)
	}
	code, _, body = s.do(t, "POST", base+"/assignments", acmeRW, map[string]any{"template_id": tpl.ID, "resource_id": s.web2.ID})
	if code != 201 {
		t.Fatalf("create assignment = %d %s", code, body)
	}
	code, _, body = s.do(t, "GET", fmt.Sprintf("%s/effective-items?resource=%d", base, s.web2.ID), acmeRO, nil)
	var items []ResolvedItem
	if err := json.Unmarshal(body, &items); code != 200 || err != nil {
		t.Fatalf("effective items = %d %s", code, body)
	}
	if items[0].Name != "batch-proc" || items[0].Source.Template != "batch" || items[1].Log.Window != dur("30m") {
		t.Fatalf("first effective items: %+v %+v", items[0].Source, items[1].Item)
	}
	code, _, body = s.do(t, "GET", "/api/v1/agent/config?host=web-02", acmeAgt, nil)
	if code != 200 || !strings.Contains(string(body), `"name":"batch-log"`) {
		t.Fatalf("agent config = %d %s", code, body)
	}
	code, _, body = s.do(t, "GET", "/api/v1/agent/config?host=web-02&tenant=acme", ":ingest", nil)
	if code != 200 {
		t.Fatalf("agent config for an MSP-wide token = %d %s", code, body)
	}
	code, _, _ = s.do(t, "DELETE", fmt.Sprintf("%s/templates/%d", base, tpl.ID), acmeRW, nil)
	if code != 204 {
		t.Fatalf("delete template = %d", code)
	}
}

func TestHandlersExport(t *testing.T) {
	s := newServer(t)
	code, h, body := s.do(t, "GET", "/api/v1/tenants/acme/monitoring/items.csv?lang=en", acmeRO, nil)
	if code != 200 || h.Get("Content-Type") != "text/csv; charset=utf-8" || !bytes.HasPrefix(body, []byte("\ufeffNo.,Host")) {
		t.Fatalf("items.csv = %d %q %.40q", code, h.Get("Content-Type"), body)
	}
	if cd := h.Get("Content-Disposition"); !strings.Contains(cd, `filename="monitoring-items-acme-en-`) {
		t.Fatalf("Content-Disposition = %q", cd)
	}
	code, h, body = s.do(t, "GET", "/api/v1/tenants/acme/monitoring/items.html", acmeRO, nil)
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "監視項目一覧") {
		t.Fatalf("items.html = %d %q", code, h.Get("Content-Type"))
	}
	code, _, _ = s.do(t, "GET", "/api/v1/tenants/acme/monitoring/items.html?lang=de", acmeRO, nil)
	if code != 400 {
		t.Fatalf("lang=de = %d, want 400", code)
	}
}

// TestHandlersErrors checks the status and the named field of refusals.
func TestHandlersErrors(t *testing.T) {
	s := newServer(t)
	base := "/api/v1/tenants/acme/monitoring"
	linux := s.templates["linux-base"].ID
	f := func(method, path, token string, body any, wantCode int, wantField string) {
		t.Helper()
		code, _, got := s.do(t, method, path, token, body)
		var e response.Body
		json.Unmarshal(got, &e)
		if code != wantCode || e.Field != wantField {
			t.Errorf("%s %s as %q = %d field %q (%s), want %d field %q", method, path, token, code, e.Field, got, wantCode, wantField)
		}
	}
	item := map[string]any{"resource_id": s.web1.ID, "name": "x", "kind": "metric", "metric": map[string]any{"query": "up"}, "threshold": map[string]any{"op": ">", "warning": 1}}
	f("POST", base+"/items", acmeRO, item, 403, "")
	f("POST", base+"/items", betaRW, item, 404, "")
	f("POST", "/api/v1/tenants/beta/monitoring/items", betaRW, item, 400, "resource_id")
	f("POST", base+"/items", acmeRW, `{"name":"x","kind":"metric","colour":"red"}`, 400, "colour")
	f("POST", base+"/items", acmeRW, `{"name":"x","kind":"metric","for":"soon"}`, 400, "for")
	f("POST", base+"/items", acmeRW, `{"resource_id":1,"name":"x","kind":"metric","metric":{"query":"up"},"threshold":{"op":">","warning":"high"}}`, 400, "threshold.warning")
	f("POST", base+"/items", acmeRW, "", 400, "body")
	f("GET", base+"/items/abc", acmeRO, nil, 404, "")
	f("GET", fmt.Sprintf("%s/items/%d", base, s.appLog.ID), betaRW, nil, 404, "")
	f("GET", fmt.Sprintf("/api/v1/tenants/beta/monitoring/items/%d", s.appLog.ID), betaRW, nil, 404, "")
	f("PUT", fmt.Sprintf("%s/templates/%d", base, linux), acmeRW, map[string]any{"name": "mine"}, 400, "id")
	f("PUT", fmt.Sprintf("%s/templates/%d", base, linux), acmeRW, map[string]any{"name": "mine", "items": []any{}}, 400, "items")
	f("DELETE", fmt.Sprintf("%s/templates/%d", base, linux), acmeRW, nil, 400, "id")
	f("DELETE", fmt.Sprintf("%s/items/%d", base, s.item("linux-base", "cpu").ID), acmeRW, nil, 400, "id")
	f("DELETE", fmt.Sprintf("/api/v1/tenants/beta/monitoring/items/%d", s.appLog.ID), betaRW, nil, 404, "")
	f("POST", base+"/assignments", acmeRW, map[string]any{"template_id": linux, "selector": "os"}, 400, "selector")
	f("POST", base+"/assignments", acmeRW, map[string]any{"template_id": linux, "selector": "os=linux"}, 409, "")
	f("POST", base+"/overrides", acmeRW, map[string]any{"item_id": s.item("linux-base", "cpu").ID, "warning": 99}, 400, "threshold.warning")
	f("GET", base+"/effective-items", acmeRO, nil, 400, "resource")
	f("GET", base+"/effective-items?resource=x", acmeRO, nil, 400, "resource")
	f("GET", fmt.Sprintf("%s/effective-items?resource=%d", base, s.beta1.ID), acmeRO, nil, 404, "")
	f("GET", "/api/v1/agent/config?host=web-01", acmeRO, nil, 403, "")
	f("GET", "/api/v1/agent/config", acmeAgt, nil, 400, "host")
	f("GET", "/api/v1/agent/config?host=b-01", acmeAgt, nil, 404, "")
	f("GET", "/api/v1/agent/config?host=web-01", ":ingest", nil, 400, "tenant")
	f("GET", "/api/v1/agent/config?host=web-01", "", nil, 401, "")
	// The agent logs this answer as it is: it must say what to do.
	const want = "host b-01 is not registered in tenant acme: register it in the console (/tenants/acme/resources/new) or enable auto-registration by enrolling the agent with --enroll"
	if code, _, body := s.do(t, "GET", "/api/v1/agent/config?host=b-01", acmeAgt, nil); code != 404 || !strings.Contains(string(body), want) {
		t.Errorf("an unregistered host's pull = %d %s, want 404 saying %q", code, body, want)
	}
	// The attempt is kept for the console's register button, in acme only.
	if got, _ := s.s.Unregistered(context.Background(), "acme", func(string) bool { return false }, time.Now()); len(got) != 1 || got[0].Host != "b-01" || got[0].Count != 2 {
		t.Errorf("acme's unregistered attempts = %+v, want b-01 twice", got)
	}
	if got, _ := s.s.Unregistered(context.Background(), "beta", func(string) bool { return false }, time.Now()); len(got) != 0 {
		t.Errorf("beta's unregistered attempts = %+v, want none", got)
	}
}

// TestOpenAPIPathsMatchRoutes holds openapi_paths.json and Routes together.
func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant, nil, nil))
}

func regexpRefs(s string) []string {
	var out []string
	for _, part := range strings.Split(s, `"#/components/schemas/`)[1:] {
		out = append(out, part[:strings.Index(part, `"`)])
	}
	return out
}

// TestOpenAPIKindsMatchKinds keeps the item kinds the OpenAPI document
// offers to clients equal to the kinds the server accepts: a kind added in
// code and not in the document is one a generated client cannot send.
func TestOpenAPIKindsMatchKinds(t *testing.T) {
	var want []string
	for _, k := range Kinds {
		want = append(want, string(k))
	}
	slices.Sort(want)
	var doc map[string]any
	if err := json.Unmarshal(openAPIPaths, &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	found := 0
	for name, s := range schemas {
		props, _ := s.(map[string]any)["properties"].(map[string]any)
		kind, _ := props["kind"].(map[string]any)
		enum, _ := kind["enum"].([]any)
		if len(enum) == 0 || name == "AgentConfig" || name == "AgentItem" {
			continue
		}
		var got []string
		for _, e := range enum {
			got = append(got, e.(string))
		}
		slices.Sort(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("schema %s: kind enum %v, the server accepts %v", name, got, want)
		}
		found++
	}
	if found == 0 {
		t.Fatal("no schema with a kind enum: the test reads the wrong place")
	}
}
