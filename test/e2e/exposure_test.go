package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// callAs sends a request with basic auth as login, or none when login is "".
func (s *server) callAs(login, password, method, path string) (int, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.url+path, nil)
	if login != "" {
		req.SetBasicAuth(login, password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestAuditHidesWorkNotesFromCustomer writes an internal work note on an
// incident; the tenant's viewer and the tenant's read token are refused the
// audit log (whose detail holds the note), while MSP staff still read it.
func TestAuditHidesWorkNotesFromCustomer(t *testing.T) {
	s := startServer(t, t.TempDir())
	_, read := s.tenantWithTokens("acme")
	s.mustJSON(201, "POST", "/api/v1/users", "", map[string]any{"login": "acme-viewer", "role": "viewer", "tenant": "acme", "password": "acme-viewer-password"}, nil)
	var inc struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/incidents", "", map[string]any{"short_description": "DB slow", "impact": 2, "urgency": 2}, &inc)
	const note = "internal-only: blame the vendor's DBA"
	s.mustJSON(200, "POST", fmt.Sprintf("/api/v1/tenants/acme/incidents/%d/work-notes", inc.ID), "", map[string]string{"text": note}, nil)

	code, body := s.callAs("admin", adminPassword, "GET", "/api/v1/tenants/acme/audit")
	if code != 200 || !strings.Contains(string(body), "work") {
		t.Fatalf("MSP admin's audit = %d, want 200 with the work note entry: %s", code, body)
	}
	code, body = s.callAs("acme-viewer", "acme-viewer-password", "GET", "/api/v1/tenants/acme/audit")
	if code != 403 || strings.Contains(string(body), note) {
		t.Errorf("viewer's audit = %d, want 403 without the note: %s", code, body)
	}
	code, body = s.call("GET", "/api/v1/tenants/acme/audit", read, nil)
	if code != 403 || strings.Contains(string(body), note) {
		t.Errorf("tenant read token's audit = %d, want 403 without the note: %s", code, body)
	}
}
