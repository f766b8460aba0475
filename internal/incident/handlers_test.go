package incident

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/response"
)

type server struct {
	*fixture
	srv *httptest.Server
}

// newServer serves the handlers. The X-Token header "tenant:scope,scope"
// stands for a token; "tenant:viewer" for a customer's viewer user.
func newServer(t *testing.T) *server {
	fx := newFixture(t)
	h := NewHandlers(fx.s, apitest.PathTenant, nil)
	srv := apitest.NewServer(t, h.Routes())
	return &server{fx, srv}
}

func (s *server) do(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	code, _, data := apitest.Do(t, s.srv, method, path, token, body)
	return code, data
}

func (s *server) must(t *testing.T, want int, method, path, token string, body, out any) {
	t.Helper()
	code, data := s.do(t, method, path, token, body)
	if code != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, code, data, want)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
}

const (
	acmeRW     = "acme:read,write"
	acmeRO     = "acme:read"
	acmeViewer = "acme:viewer"
	betaRW     = "beta:read,write"
	mspRW      = ":read,write"
)

func TestHandlersFlowAndErrors(t *testing.T) {
	s := newServer(t)
	var inc Incident
	s.must(t, 201, "POST", "/api/v1/tenants/acme/incidents", acmeRW, map[string]any{"short_description": "メール送信不可", "impact": 1, "urgency": 1}, &inc)
	if inc.Number != "INC0001001" || inc.PriorityName != "Critical" {
		t.Fatalf("opened %+v", inc)
	}
	base := fmt.Sprintf("/api/v1/tenants/acme/incidents/%d", inc.ID)
	s.must(t, 200, "POST", base+"/work-notes", acmeRW, map[string]string{"text": "SMTPリレーのログ確認中"}, nil)
	s.must(t, 200, "POST", base+"/comments", acmeRW, map[string]string{"text": "調査中です"}, nil)
	s.must(t, 200, "POST", base+"/state", acmeRW, map[string]string{"state": "in_progress"}, &inc)
	if inc.AcknowledgedBy != "token:test" {
		t.Errorf("moving to In Progress did not acknowledge: %+v", inc)
	}
	bad := func(method, path, body, field string) {
		t.Helper()
		code, data := s.do(t, method, path, acmeRW, body)
		var e response.Body
		json.Unmarshal(data, &e)
		if code != 400 || e.Field != field {
			t.Errorf("%s %s %s: %d %s, want 400 naming %s", method, path, body, code, data, field)
		}
	}
	bad("POST", base+"/state", `{"state":"resolved","close_code":"Solution provided"}`, "close_notes")
	bad("POST", base+"/state", `{"state":"on_hold"}`, "hold_reason")
	bad("POST", base+"/state", `{"state":"closed"}`, "state")
	bad("PATCH", base, `{"impact":7}`, "impact")
	bad("PATCH", base, `{"impact":"high"}`, "impact")
	bad("PATCH", base, `{"colour":"red"}`, "colour")
	bad("POST", base+"/cause", `{"cause":"x"}`, "category")
	bad("POST", base+"/comments", `{"text":""}`, "text")
	bad("GET", "/api/v1/tenants/acme/incident-metrics?from=yesterday&to=2026-02-01T00:00:00Z", "", "from")
	bad("GET", "/api/v1/tenants/acme/incidents?from=soon", "", "from")
	var got Incident
	s.must(t, 200, "GET", base, acmeRO, nil, &got)
	if got.State != StateInProgress || got.Impact != 1 {
		t.Errorf("refused changes changed the incident: %+v", got)
	}
	if code, _ := s.do(t, "POST", base+"/acknowledge", acmeRO, nil); code != 403 {
		t.Errorf("a read-only token acknowledged: %d", code)
	}
	if code, _ := s.do(t, "GET", "/api/v1/tenants/acme/incidents/999", acmeRO, nil); code != 404 {
		t.Errorf("a missing incident: %d", code)
	}
	var audit []struct{ Action string }
	rows, _ := s.st.AuditLog(t.Context(), "acme", 100)
	for _, e := range rows {
		audit = append(audit, struct{ Action string }{e.Action})
	}
	if len(audit) != 4 { // create, work_note, comment, state; nothing for the refusals
		t.Errorf("audit log %v, want 4 entries", audit)
	}
}

// TestViewerNeverSeesWorkNotes: a customer's viewer reads the comments, not
// the work notes or the SLA bookkeeping; MSP staff see both.
func TestViewerNeverSeesWorkNotes(t *testing.T) {
	s := newServer(t)
	var inc Incident
	s.must(t, 201, "POST", "/api/v1/tenants/acme/incidents", mspRW, map[string]any{"short_description": "VPN切断"}, &inc)
	base := fmt.Sprintf("/api/v1/tenants/acme/incidents/%d", inc.ID)
	s.must(t, 200, "POST", base+"/work-notes", mspRW, map[string]string{"text": "顧客FWの設定ミスの疑い"}, nil)
	s.must(t, 200, "POST", base+"/comments", mspRW, map[string]string{"text": "復旧作業中です"}, nil)
	for _, who := range []string{acmeViewer, acmeRO} {
		var tl []Entry
		s.must(t, 200, "GET", base+"/timeline", who, nil, &tl)
		sawComment := false
		for _, e := range tl {
			if e.Internal || e.Kind == EntryWorkNote || strings.Contains(e.Body, "FW") {
				t.Errorf("%s sees an internal entry: %+v", who, e)
			}
			sawComment = sawComment || e.Body == "復旧作業中です"
		}
		if !sawComment {
			t.Errorf("%s does not see the comment: %+v", who, tl)
		}
	}
	var staff []Entry
	s.must(t, 200, "GET", base+"/timeline", mspRW, nil, &staff)
	notes := 0
	for _, e := range staff {
		if e.Kind == EntryWorkNote {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("MSP staff see %d work notes, want 1", notes)
	}
}

// TestTenantIsolation: beta's token reads and changes nothing of acme's on
// every incident, request and catalog endpoint.
func TestTenantIsolation(t *testing.T) {
	s := newServer(t)
	var inc, req Incident
	var item CatalogItem
	s.must(t, 201, "POST", "/api/v1/tenants/acme/incidents", acmeRW, map[string]any{"short_description": "acme only"}, &inc)
	s.must(t, 201, "POST", "/api/v1/tenants/acme/catalog-items", acmeRW, map[string]any{"name": "acme only item", "approval_required": true}, &item)
	s.must(t, 201, "POST", "/api/v1/tenants/acme/requests", acmeRW, map[string]any{"kind": "request", "catalog_item_id": item.ID, "short_description": "acme only"}, &req)
	before, _ := s.s.Timeline(t.Context(), "acme", inc.ID, true)
	beforeReq, _ := s.s.Timeline(t.Context(), "acme", req.ID, true)
	bodies := map[string]string{
		"/state": `{"state":"canceled"}`, "/cause": `{"cause":"x","category":"y"}`, "/approve": `{}`, "/reject": `{}`,
		"/work-notes": `{"text":"x"}`, "/comments": `{"text":"x"}`, "/acknowledge": `{}`,
	}
	for _, rt := range NewHandlers(nil, apitest.PathTenant, nil).Routes() {
		id := inc.ID
		body := `{"short_description":"beta was here"}`
		switch {
		case strings.Contains(rt.Path, "/requests"):
			id, body = req.ID, `{"kind":"inquiry","short_description":"beta was here"}`
		case strings.Contains(rt.Path, "/catalog-items"):
			id, body = item.ID, `{"name":"beta was here"}`
		}
		for suffix, b := range bodies {
			if strings.HasSuffix(rt.Path, suffix) {
				body = b
			}
		}
		path := strings.ReplaceAll(rt.Path, "{id}", fmt.Sprint(id))
		if strings.HasSuffix(path, "metrics") {
			path += "?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z"
		}
		// beta naming acme in the path is refused outright.
		if code, data := s.do(t, rt.Method, strings.ReplaceAll(path, "{tenant}", "acme"), betaRW, body); code != 404 {
			t.Errorf("beta %s %s on acme's path: %d %s, want 404", rt.Method, path, code, data)
		}
		// beta on its own path cannot reach acme's objects by their IDs.
		code, data := s.do(t, rt.Method, strings.ReplaceAll(path, "{tenant}", "beta"), betaRW, body)
		if strings.Contains(rt.Path, "{id}") && code != 404 {
			t.Errorf("beta %s %s with acme's ID: %d %s, want 404", rt.Method, path, code, data)
		}
		if strings.Contains(string(data), "acme only") {
			t.Errorf("beta %s %s reads acme's: %s", rt.Method, path, data)
		}
	}
	got, _ := s.s.Incident(t.Context(), "acme", inc.ID)
	after, _ := s.s.Timeline(t.Context(), "acme", inc.ID, true)
	if got.ShortDescription != "acme only" || got.State != StateNew || len(after) != len(before) {
		t.Errorf("beta changed acme's incident: %+v, %d timeline entries, was %d", got, len(after), len(before))
	}
	gotReq, _ := s.s.Incident(t.Context(), "acme", req.ID)
	afterReq, _ := s.s.Timeline(t.Context(), "acme", req.ID, true)
	if gotReq.Approval != ApprovalPending || gotReq.State != StateNew || len(afterReq) != len(beforeReq) {
		t.Errorf("beta changed acme's request: %+v", gotReq)
	}
	gotItem, err := s.s.CatalogItem(t.Context(), "acme", item.ID)
	if err != nil || gotItem.Name != "acme only item" {
		t.Errorf("beta changed acme's catalog item: %+v %v", gotItem, err)
	}
	var list []Incident
	s.must(t, 200, "GET", "/api/v1/tenants/beta/incidents", betaRW, nil, &list)
	for _, i := range list {
		if i.TenantID != "beta" {
			t.Errorf("beta's list holds %+v", i)
		}
	}
}

// TestOpenAPIPathsMatchRoutes holds openapi_paths.json and Routes together.
func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant, nil))
}
