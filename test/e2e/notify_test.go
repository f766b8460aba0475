package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/notify/slack/slacktest"
	"github.com/unyo-ops/unyo/internal/notify/webhook/webhooktest"
)

type e2eChannel struct {
	ID     int64          `json:"id"`
	Name   string         `json:"name"`
	Config map[string]any `json:"config"`
}

// TestNotificationChannels drives the real binary: channels pointing at
// loopback fakes, the test-message endpoint (exactly one valid message
// each), secrets absent from the answers and the database file, a restart
// that keeps them usable, and maintenance windows and escalation policies
// through the API.
func TestNotificationChannels(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	s.tenantWithTokens("acme")
	slackSrv := slacktest.NewServer(t)
	hookSrv := webhooktest.NewServer(t)
	base := "/api/v1/tenants/acme"

	var slackCh, hookCh e2eChannel
	s.mustJSON(201, "POST", base+"/channels", "", map[string]any{"name": "ops-slack", "type": "slack",
		"config": map[string]string{"webhook_url": slackSrv.WebhookURL()}}, &slackCh)
	s.mustJSON(201, "POST", base+"/channels", "", map[string]any{"name": "ops-hook", "type": "webhook",
		"config": map[string]string{"url": hookSrv.WebhookURL(), "secret": webhooktest.Secret}}, &hookCh)
	if u, _ := slackCh.Config["webhook_url"].(string); !strings.HasSuffix(u, "/…") || strings.Contains(u, "/services/") {
		t.Fatalf("the API answered the webhook URL %q, want the redacted form", u)
	}

	s.mustJSON(200, "POST", fmt.Sprintf("%s/channels/%d/test", base, slackCh.ID), "", nil, nil)
	s.mustJSON(200, "POST", fmt.Sprintf("%s/channels/%d/test", base, hookCh.ID), "", nil, nil)
	if n := len(slackSrv.Messages()); n != 1 || len(slackSrv.Rejections()) != 0 {
		t.Fatalf("slack fake: %d messages, rejections %v; want exactly one valid", n, slackSrv.Rejections())
	}
	hooks := hookSrv.Messages()
	if len(hooks) != 1 || len(hookSrv.Rejections()) != 0 || hooks[0].Payload.Tenant.ID != "acme" {
		t.Fatalf("webhook fake: %+v, rejections %v; want exactly one valid, signed", hooks, hookSrv.Rejections())
	}

	// The key file is private and the database holds no secret in clear.
	if fi, err := os.Stat(filepath.Join(dir, "secret.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret.key: %v %v, want mode 0600", fi, err)
	}
	secretPath := slackSrv.WebhookURL()[strings.Index(slackSrv.WebhookURL(), "/services/"):]
	files, _ := filepath.Glob(filepath.Join(dir, "unyo.db*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte(secretPath)) || bytes.Contains(b, []byte(webhooktest.Secret)) {
			t.Errorf("%s holds a channel secret in clear", filepath.Base(f))
		}
	}

	var window struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", base+"/maintenance-windows", "", map[string]any{"name": "月次パッチ", "recurrence": map[string]any{
		"frequency": "monthly", "day_of_month": 31, "start_time": "01:00", "duration": "3h", "time_zone": "Asia/Tokyo",
		"starts_on": "2026-01-01", "ends_on": "2027-12-31"}}, &window)
	code, body := s.call("GET", fmt.Sprintf("%s/maintenance-windows/%d/occurrences?from=2027-02-01T00:00:00Z&to=2027-03-01T00:00:00Z", base, window.ID), "", nil)
	if code != 200 || !strings.Contains(string(body), "2027-02-28T01:00:00+09:00") {
		t.Fatalf("occurrences = %d %s (the 31st means February's last day)", code, body)
	}
	s.mustJSON(201, "POST", base+"/escalation-policies", "", map[string]any{"name": "standard", "default": true,
		"steps": []any{map[string]any{"targets": []string{"ops-slack"}, "wait": "15m"}, map[string]any{"targets": []string{"ops-hook"}}}}, nil)
	code, body = s.call("POST", base+"/escalation-policies", "", strings.NewReader(`{"name":"bad","steps":[{"targets":["nowhere"]}]}`))
	if code != 400 || !strings.Contains(string(body), `"field":"steps[0].targets[0]"`) {
		t.Fatalf("policy naming an unknown channel = %d %s", code, body)
	}
	if code, body = s.call("GET", base+"/notifications?state=dead", "", nil); code != 200 || strings.TrimSpace(string(body)) != "[]" {
		t.Fatalf("dead notifications = %d %s", code, body)
	}

	// After a restart the same key opens the stored secrets.
	if err := s.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v\n%s", err, s.stderr)
	}
	s = startServer(t, dir)
	s.mustJSON(200, "POST", fmt.Sprintf("%s/channels/%d/test", base, hookCh.ID), "", nil, nil)
	if _, err := hookSrv.WaitFor(2, 10*time.Second); err != nil || len(hookSrv.Rejections()) != 0 {
		t.Fatalf("after restart: %v, rejections %v", err, hookSrv.Rejections())
	}
	if strings.Contains(s.stderr.String(), secretPath) {
		t.Fatal("the server log holds a webhook secret")
	}
}
