package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// designEnv are the customer template's secrets, as CI would set them.
var designEnv = []string{
	"ACME_SLACK_WEBHOOK=https://hooks.slack.com/services/T000/B000/e2e",
	"ACME_SMTP_PASSWORD=e2e-password",
	"AZURE_CLIENT_SECRET=e2e-azure-secret",
}

// unyoCLI runs the real binary with args and the environment env, and
// returns its exit code, stdout and stderr.
func unyoCLI(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("unyo %v: %v", args, err)
	}
	return code, out.String(), errb.String()
}

// copyTree copies the customer template so that a test may edit it.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// writeToken creates a token with the read and write scopes of tenant
// ("": every tenant, the MSP's own).
func (s *server) writeToken(tenant string) string {
	s.t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	s.mustJSON(201, "POST", "/api/v1/tokens", "", map[string]any{"name": tenant + "-ci", "tenant": tenant, "scopes": []string{"read", "write"}}, &out)
	return out.Token
}

// TestDesignAsCode takes the customer template through validate, plan and
// apply against a real server: with the MSP's token it applies to an
// empty server, creating the tenant; then with the tenant's own token a
// second apply changes nothing, one threshold plans one update, the
// tenant's settings are refused, an invalid file fails with its file and
// line, another tenant's token cannot apply it, and the commit is in the
// audit log.
func TestDesignAsCode(t *testing.T) {
	s := startServer(t, t.TempDir())
	msp := s.writeToken("")
	repo := t.TempDir()
	copyTree(t, "../../examples/customer-template", repo)
	dir := filepath.Join(repo, "unyo")
	env := append([]string{"UNYO_SERVER=" + s.url, "UNYO_TOKEN=" + msp}, designEnv...)

	if code, out, errs := unyoCLI(t, nil, "validate", dir); code != 0 || !strings.Contains(out, "tenant acme-shop is valid") {
		t.Fatalf("validate: %d %s %s", code, out, errs)
	}
	code, out, errs := unyoCLI(t, env, "plan", dir)
	if code != 2 || !strings.Contains(out, "32 to create, 0 to update, 0 to delete") || !strings.Contains(out, "  + tenant acme-shop\n  + service web-shop\n") {
		t.Fatalf("plan of an empty server: %d\n%s%s", code, out, errs)
	}
	if code, out, errs = unyoCLI(t, env, "apply", "--commit", "c0ffee1", dir); code != 0 || !strings.Contains(out, "Applied for tenant acme-shop: 32 to create") {
		t.Fatalf("apply: %d\n%s%s", code, out, errs)
	}
	var tenant struct {
		Name     string `json:"name"`
		Language string `json:"language"`
	}
	s.mustJSON(200, "GET", "/api/v1/tenants/acme-shop", "", nil, &tenant)
	if tenant.Name != "ACME Shop 株式会社" || tenant.Language != "ja" {
		t.Fatalf("the tenant apply created: %+v", tenant)
	}
	// From here on, CI holds the tenant's own token.
	s.mustJSON(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "beta", "name": "BETA"}, nil)
	acme, beta := s.writeToken("acme-shop"), s.writeToken("beta")
	env = append([]string{"UNYO_SERVER=" + s.url, "UNYO_TOKEN=" + acme}, designEnv...)
	if code, out, errs = unyoCLI(t, env, "plan", dir); code != 0 || !strings.Contains(out, "no changes") {
		t.Fatalf("plan after apply: %d\n%s%s", code, out, errs)
	}
	if code, out, errs = unyoCLI(t, env, "apply", dir); code != 0 || !strings.Contains(out, "no changes") {
		t.Fatalf("second apply: %d\n%s%s", code, out, errs)
	}
	var audit []struct {
		Action   string `json:"action"`
		ObjectID string `json:"object_id"`
	}
	s.mustJSON(200, "GET", "/api/v1/tenants/acme-shop/audit", "", nil, &audit)
	applies := 0
	for _, e := range audit {
		if e.Action == "apply" {
			applies++
			if e.ObjectID != "c0ffee1" {
				t.Fatalf("apply recorded for commit %q", e.ObjectID)
			}
		}
	}
	if applies != 1 {
		t.Fatalf("%d applies in the audit log, want 1", applies)
	}

	// One threshold of the shared template: one update, that field only.
	shared := filepath.Join(repo, "templates", "linux-web.yaml")
	b, _ := os.ReadFile(shared)
	edited := strings.Replace(string(b), `{op: ">", warning: 80, critical: 90, recovery: 75}`, `{op: ">", warning: 85, critical: 90, recovery: 75}`, 1)
	if edited == string(b) {
		t.Fatal("the template's cpu threshold is not where the test expects it")
	}
	os.WriteFile(shared, []byte(edited), 0o644)
	code, out, errs = unyoCLI(t, env, "plan", dir)
	if code != 2 || !strings.Contains(out, "0 to create, 1 to update, 0 to delete") ||
		!strings.Contains(out, "  ~ template linux-web\n      items.cpu.threshold.warning: 80 → 85\n") {
		t.Fatalf("plan of one threshold: %d\n%s%s", code, out, errs)
	}

	// The tenant's own token does not change the tenant's settings.
	customer := filepath.Join(dir, "customer.yaml")
	b, _ = os.ReadFile(customer)
	os.WriteFile(customer, bytes.Replace(b, []byte("language: ja "), []byte("language: en "), 1), 0o644)
	if code, out, errs = unyoCLI(t, env, "apply", dir); code != 1 || !strings.Contains(errs, "403") || !strings.Contains(errs, "MSP-wide token") {
		t.Fatalf("apply of the tenant's settings with its own token: %d\n%s%s", code, out, errs)
	}
	os.WriteFile(customer, b, 0o644)

	// Another tenant's token cannot apply this tenant's design.
	other := append([]string{"UNYO_SERVER=" + s.url, "UNYO_TOKEN=" + beta}, designEnv...)
	if code, out, errs = unyoCLI(t, other, "apply", dir); code != 1 || !strings.Contains(errs, "404") {
		t.Fatalf("apply with tenant beta's token: %d\n%s%s", code, out, errs)
	}

	// An invalid file fails validation with its file and line.
	os.WriteFile(customer, bytes.Replace(b, []byte("kind: load_balancer"), []byte("kind: loadbalancer"), 1), 0o644)
	code, out, errs = unyoCLI(t, nil, "validate", dir)
	if code != 1 || !strings.Contains(errs, "customer.yaml:50:11: resources[3].kind: must be one of") {
		t.Fatalf("validate of an invalid file: %d\n%s%s", code, out, errs)
	}
}

// TestDesignExportRoundTrip exports a tenant set up by hand through the
// API and plans the files against it: no changes.
func TestDesignExportRoundTrip(t *testing.T) {
	s := startServer(t, t.TempDir())
	s.mustJSON(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "handmade", "name": "Hand made"}, nil)
	token := s.writeToken("handmade")
	p := "/api/v1/tenants/handmade"
	var svc, res, rb, tpl struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", p+"/services", "", map[string]any{"name": "portal", "service_level": map[string]any{
		"calendar": map[string]any{"time_zone": "Asia/Tokyo"}, "availability_target": 99.5, "resolve_target": "8h"}}, &svc)
	s.mustJSON(201, "POST", p+"/resources", "", map[string]any{"name": "portal-vm", "kind": "host", "service_id": svc.ID, "labels": map[string]string{"os": "linux"}}, &res)
	s.mustJSON(201, "POST", p+"/runbooks", "", map[string]any{"title": "ポータル停止時", "body": "# 手順\n\n1. 再起動する\n"}, &rb)
	s.mustJSON(201, "POST", p+"/channels", "", map[string]any{"name": "ops", "type": "slack", "config": map[string]any{"webhook_url": "https://hooks.slack.com/services/T1/B1/handmade"}}, nil)
	s.mustJSON(201, "POST", p+"/monitoring/templates", "", map[string]any{"name": "portal", "items": []map[string]any{
		{"name": "disk", "kind": "metric", "metric": map[string]any{"series": "node_filesystem_avail_bytes"}, "threshold": map[string]any{"op": "<", "warning": 1e9}, "runbook_id": rb.ID}}}, &tpl)
	s.mustJSON(201, "POST", p+"/monitoring/assignments", "", map[string]any{"template_id": tpl.ID, "resource_id": res.ID}, nil)
	s.mustJSON(201, "POST", p+"/escalation-policies", "", map[string]any{"name": "default", "default": true, "steps": []map[string]any{{"targets": []string{"ops"}, "wait": "10m"}}}, nil)
	s.mustJSON(201, "POST", p+"/maintenance-windows", "", map[string]any{"name": "patch", "service_id": svc.ID,
		"start": "2027-02-01T01:00:00+09:00", "end": "2027-02-01T03:00:00+09:00"}, nil)

	dir := filepath.Join(t.TempDir(), "handmade")
	env := []string{"UNYO_SERVER=" + s.url, "UNYO_TOKEN=" + token}
	code, out, errs := unyoCLI(t, env, "export", "-o", dir, "handmade")
	if code != 0 || !strings.Contains(out, "${env:UNYO_OPS_WEBHOOK_URL}") {
		t.Fatalf("export: %d\n%s%s", code, out, errs)
	}
	if md, err := os.ReadFile(filepath.Join(dir, "runbooks", "runbook.md")); err != nil || !strings.Contains(string(md), "再起動する") {
		entries, _ := os.ReadDir(filepath.Join(dir, "runbooks"))
		t.Fatalf("runbook file: %v %v", err, entries)
	}
	env = append(env, "UNYO_OPS_WEBHOOK_URL=https://hooks.slack.com/services/T1/B1/handmade")
	if code, out, errs = unyoCLI(t, env, "plan", "--prune", dir); code != 0 || !strings.Contains(out, "no changes") {
		files, _ := os.ReadDir(dir)
		t.Fatalf("plan of the export: %d\n%s%s\nfiles %v", code, out, errs, fmt.Sprint(files))
	}
}
