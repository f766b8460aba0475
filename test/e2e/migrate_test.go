package e2e

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/unyo-ops/unyo/internal/database/dbtest"
)

// TestMigrateSQLiteToPostgres: a server on SQLite takes data through its
// API and stops; `unyo migrate` copies it to an empty PostgreSQL database,
// printing per table the rows and a checksum both sides agree on; a server
// on PostgreSQL (same data directory, so the same TSDB and key) then serves
// the same incident, timeline, services and tokens, and numbers and ids new
// rows after the copied ones. A second copy onto the now full database is
// refused.
func TestMigrateSQLiteToPostgres(t *testing.T) {
	dir := t.TempDir()
	lite := "sqlite://" + filepath.Join(dir, "unyo.db")
	s := startServer(t, dir, "--database", lite)
	_, read := s.tenantWithTokens("acme")
	var svc struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/services", "", map[string]any{"name": "web", "description": "EC",
		"service_level": map[string]any{"acknowledge_target": "1h", "resolve_target": "8h"}}, &svc)
	var inc incidentView
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/incidents", "", map[string]any{"service_id": svc.ID,
		"short_description": "Webサイト応答なし", "impact": 1, "urgency": 2}, &inc)
	base := fmt.Sprintf("/api/v1/tenants/acme/incidents/%d", inc.ID)
	s.mustJSON(200, "POST", base+"/acknowledge", "", map[string]any{}, nil)
	s.mustJSON(200, "POST", base+"/work-notes", "", map[string]string{"text": "LBを切り替えた"}, nil)
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v\n%s", err, s.stderr)
	}

	pg := dbtest.NewPostgres(t, false)
	out, err := exec.Command(binary, "migrate", "--from", lite, "--to", pg).CombinedOutput()
	if err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	for _, want := range []string{`(?m)^incidents\s+1\s+[0-9a-f]{16}$`, `(?m)^incident_events\s+[1-9]\d*\s`, `(?m)^services\s+1\s`,
		`(?m)^api_tokens\s+2\s`, `row counts and checksums match`} {
		if !regexp.MustCompile(want).Match(out) {
			t.Errorf("migrate output lacks %s:\n%s", want, out)
		}
	}

	s = startServer(t, dir, "--database", pg)
	var got incidentView
	s.mustJSON(200, "GET", base, read, nil, &got)
	if got.Number != inc.Number || got.AcknowledgedAt == nil {
		t.Fatalf("on PostgreSQL: %+v, want %s acknowledged", got, inc.Number)
	}
	code, body := s.call("GET", base+"/timeline", "", nil) // work notes are for staff
	if code != 200 || !strings.Contains(string(body), "LBを切り替えた") {
		t.Fatalf("timeline on PostgreSQL = %d %s", code, body)
	}
	var next incidentView
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/incidents", "", map[string]any{"short_description": "二件目", "impact": 3, "urgency": 3}, &next)
	if next.ID <= inc.ID || next.Number != "INC0001002" {
		t.Fatalf("next incident id %d number %s, want after %d and INC0001002", next.ID, next.Number, inc.ID)
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/services", "", map[string]any{"name": "api", "description": ""}, nil)
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v", err)
	}

	cmd := exec.Command(binary, "migrate", "--from", lite, "--to", pg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil || !strings.Contains(stderr.String(), "not empty") {
		t.Fatalf("second migrate onto a full database: err %v, stderr %s; want a refusal", err, stderr.String())
	}
}
