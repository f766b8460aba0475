package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// selfHost returns the ID of the host the server's own agent watches.
func (s *server) selfHost() int64 {
	s.t.Helper()
	var hosts []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	eventually(s.t, 30*time.Second, func() string {
		s.mustJSON(200, "GET", "/api/v1/tenants/self/resources?kind=host", "", nil, &hosts)
		if len(hosts) == 0 {
			return "no self host yet"
		}
		return ""
	})
	return hosts[0].ID
}

// postJSON sends body and returns the status and answer.
func (s *server) postJSON(path, token string, body any) (int, string) {
	s.t.Helper()
	b, _ := json.Marshal(body)
	code, out := s.call("POST", path, token, bytes.NewReader(b), "Content-Type", "application/json")
	return code, string(out)
}

// TestSelfAgentConfined writes, as an operator's write token of every
// tenant, items for the server's own host that would make the server tail a
// private file or call an internal address: each is refused with 403
// naming the field and the flag, nothing is stored, and the internal
// address is never called. What --self-log-paths allows is accepted, and
// the same items on a customer's host (run by that host's own agent) are not
// restricted.
func TestSelfAgentConfined(t *testing.T) {
	var called atomic.Int32
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called.Add(1)
		fmt.Fprint(w, "internal admin page")
	}))
	defer internal.Close()
	dir := t.TempDir()
	private := filepath.Join(dir, "shadow")
	if err := os.WriteFile(private, []byte("root:$6$secret-hash:19000:0:99999:7:::\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	allowedDir := filepath.Join(dir, "logs")
	s := startServer(t, t.TempDir(), "--monitor-self=true", "--self-log-paths", allowedDir+"/*.log")
	var tok struct {
		Token string `json:"token"`
	}
	s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "ops", "scopes": []string{"read", "write"}}, &tok)
	self := s.selfHost()
	items := "/api/v1/tenants/self/monitoring/items"

	refused := []struct {
		item  map[string]any
		field string
	}{
		{map[string]any{"name": "shadow", "kind": "log", "severity": "warning", "resource_id": self,
			"log": map[string]any{"glob": private, "regex": "root"}}, "log.glob"},
		{map[string]any{"name": "climb", "kind": "log", "severity": "warning", "resource_id": self,
			"log": map[string]any{"glob": allowedDir + "/../shadow", "regex": "root"}}, "log.glob"},
		{map[string]any{"name": "admin-page", "kind": "check", "severity": "critical", "resource_id": self, "interval": "1s",
			"check": map[string]any{"type": "http", "url": internal.URL, "body_match": "admin", "timeout": "1s"}}, "check.url"},
		{map[string]any{"name": "metadata", "kind": "exporter", "resource_id": self,
			"exporter": map[string]any{"url": "http://169.254.169.254/latest/meta-data/"}}, "exporter.url"},
		{map[string]any{"name": "port-scan", "kind": "check", "severity": "critical", "resource_id": self, "interval": "10s",
			"check": map[string]any{"type": "tcp", "address": strings.TrimPrefix(internal.URL, "http://"), "timeout": "1s"}}, "check.address"},
	}
	for _, c := range refused {
		code, body := s.postJSON(items, tok.Token, c.item)
		if code != 403 || !strings.Contains(body, c.field) || !strings.Contains(body, "--self-") {
			t.Errorf("item %s on the server's own host = %d %s, want 403 naming %s and the flag", c.item["name"], code, body, c.field)
		}
	}
	var stored []map[string]any
	s.mustJSON(200, "GET", fmt.Sprintf("%s?resource_id=%d", items, self), "", nil, &stored)
	if len(stored) != 0 {
		t.Errorf("refused items were stored: %v", stored)
	}

	// A template with an internal scrape may be written, not assigned to the host.
	var tpl struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/self/monitoring/templates", tok.Token, map[string]any{"name": "sneaky",
		"items": []map[string]any{{"name": "meta", "kind": "exporter", "exporter": map[string]any{"url": internal.URL + "/metrics"}}}}, &tpl)
	if code, body := s.postJSON("/api/v1/tenants/self/monitoring/assignments", tok.Token, map[string]any{"template_id": tpl.ID, "resource_id": self}); code != 403 || !strings.Contains(body, "exporter.url") {
		t.Errorf("assigning it to the server's own host = %d %s, want 403", code, body)
	}
	if code, body := s.postJSON("/api/v1/tenants/self/monitoring/assignments", tok.Token, map[string]any{"template_id": tpl.ID, "selector": "os=" + "linux"}); code != 403 {
		t.Errorf("assigning it by a selector that reaches the server's own host = %d %s, want 403", code, body)
	}

	// What the admin allows is accepted.
	s.mustJSON(201, "POST", items, tok.Token, map[string]any{"name": "app", "kind": "log", "severity": "warning", "resource_id": self,
		"log": map[string]any{"glob": allowedDir + "/*.log", "regex": "ERROR"}}, nil)

	// A customer's host runs its own agent: not confined.
	s.tenantWithTokens("acme")
	s.hostWithItems("acme", "web-01", map[string]any{"name": "admin-page", "kind": "check", "severity": "critical", "interval": "10s",
		"check": map[string]any{"type": "http", "url": internal.URL, "timeout": "1s"}})

	if n := called.Load(); n != 0 {
		t.Errorf("the server called the internal address %d times", n)
	}
}
