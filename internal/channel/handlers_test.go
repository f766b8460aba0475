package channel

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/notify/email/smtptest"
	"github.com/unyo-ops/unyo/internal/notify/slack/slacktest"
	"github.com/unyo-ops/unyo/internal/notify/webhook/webhooktest"
	"github.com/unyo-ops/unyo/internal/response"
)

// TestSecretsSealedRedactedNeverLogged: the webhook URL's secret path is not
// in the database file's row, not in any API answer, not in the audit log,
// and not in the logs, even when a delivery fails.
func TestSecretsSealedRedactedNeverLogged(t *testing.T) {
	slackSrv := slacktest.NewServer(t)
	f := newFixture(t, Builder{Outbound: loopback})
	hook := slackSrv.WebhookURL()
	secretPart := hook[strings.Index(hook, "/services/"):]
	code, body := f.do(t, "POST", base+"/channels", acmeRW, map[string]any{"name": "ops", "type": "slack", "config": map[string]string{"webhook_url": hook}})
	if code != 201 {
		t.Fatalf("create = %d %s", code, body)
	}
	var c Channel
	json.Unmarshal(body, &c)
	whSrv := webhooktest.NewServer(t)
	code, body = f.do(t, "POST", base+"/channels", acmeRW, map[string]any{"name": "hook", "type": "webhook",
		"config": map[string]any{"url": whSrv.WebhookURL() + "?token=tok-secret-123", "secret": webhooktest.Secret, "headers": map[string]string{"Authorization": "Bearer gw-secret-456"}}})
	if code != 201 {
		t.Fatalf("create webhook = %d %s", code, body)
	}
	slackSrv.FailNext(1, 500, "boom")
	if code, body = f.do(t, "POST", fmt.Sprintf("%s/channels/%d/test", base, c.ID), acmeRW, nil); code != 502 {
		t.Fatalf("test message against a failing Slack = %d %s", code, body)
	}
	var answers []string
	for _, p := range []string{"/channels", fmt.Sprintf("/channels/%d", c.ID)} {
		_, b := f.do(t, "GET", base+p, acmeRO, nil)
		answers = append(answers, string(b))
	}
	if !strings.Contains(answers[1], `"webhook_url":"http://127.0.0.1:`) || !strings.Contains(answers[1], `/…"`) {
		t.Errorf("redacted form not shown: %s", answers[1])
	}
	var rows []string
	r, err := f.store.db.Query(`SELECT config || CAST(sealed AS TEXT) FROM notify_channels`)
	if err != nil {
		t.Fatal(err)
	}
	for r.Next() {
		var s string
		r.Scan(&s)
		rows = append(rows, s)
	}
	r.Close()
	audit, _ := f.db.AuditLog(context.Background(), "acme", 50)
	auditJSON, _ := json.Marshal(audit)
	everything := strings.Join(answers, "\n") + strings.Join(rows, "\n") + string(auditJSON) + f.logs.String()
	for _, s := range []string{secretPart, "tok-secret-123", "gw-secret-456", webhooktest.Secret} {
		if strings.Contains(everything, s) {
			t.Errorf("secret %q found in answers, rows, audit or logs", s)
		}
	}
	if !strings.Contains(f.logs.String(), "test message failed") {
		t.Errorf("the failed test message was not logged at all: %s", f.logs.String())
	}
}

func TestTestMessageDeliversOnce(t *testing.T) {
	slackSrv := slacktest.NewServer(t)
	whSrv := webhooktest.NewServer(t)
	f := newFixture(t, Builder{Outbound: loopback})
	_, body := f.do(t, "POST", base+"/channels", acmeRW, map[string]any{"name": "ops", "type": "slack", "config": map[string]string{"webhook_url": slackSrv.WebhookURL()}})
	var c Channel
	json.Unmarshal(body, &c)
	code, body := f.do(t, "POST", fmt.Sprintf("%s/channels/%d/test", base, c.ID), acmeRW, nil)
	if code != 200 || !strings.Contains(string(body), `"delivered":true`) {
		t.Fatalf("test = %d %s", code, body)
	}
	msgs, err := slackSrv.WaitFor(1, 5*time.Second)
	if err != nil || len(msgs) != 1 || len(slackSrv.Rejections()) != 0 {
		t.Fatalf("slack got %d messages, %v, rejections %v", len(msgs), err, slackSrv.Rejections())
	}
	if !strings.Contains(msgs[0].AllText(), "テスト通知") {
		t.Errorf("acme's test message is not in Japanese: %s", msgs[0].AllText())
	}
	// beta is English, through a signed webhook.
	cfg := whSrv.Config()
	_, body = f.do(t, "POST", "/api/v1/tenants/beta/channels", betaRW, map[string]any{"name": "hook", "type": "webhook", "config": map[string]string{"url": cfg.URL, "secret": cfg.Secret}})
	json.Unmarshal(body, &c)
	if code, body = f.do(t, "POST", fmt.Sprintf("/api/v1/tenants/beta/channels/%d/test", c.ID), betaRW, nil); code != 200 {
		t.Fatalf("webhook test = %d %s", code, body)
	}
	hooks, err := whSrv.WaitFor(1, 5*time.Second)
	if err != nil || hooks[0].Payload.Language != "en" || !strings.Contains(hooks[0].Payload.Title, "test notification") {
		t.Fatalf("webhook got %+v, %v", hooks, err)
	}
	if len(slackSrv.Messages()) != 1 || whSrv.Requests() != 1 {
		t.Fatalf("deliveries: slack %d, webhook %d; want one each", len(slackSrv.Messages()), whSrv.Requests())
	}
}

// TestUpdateKeepsSecrets: replacing a channel without its secret keeps the
// stored one; a refused update changes nothing.
func TestUpdateKeepsSecrets(t *testing.T) {
	whSrv := webhooktest.NewServer(t)
	f := newFixture(t, Builder{Outbound: loopback})
	cfg := whSrv.Config()
	_, body := f.do(t, "POST", base+"/channels", acmeRW, map[string]any{"name": "hook", "type": "webhook", "config": map[string]string{"url": cfg.URL, "secret": cfg.Secret}})
	var c Channel
	json.Unmarshal(body, &c)
	path := fmt.Sprintf("%s/channels/%d", base, c.ID)
	if code, body := f.do(t, "PUT", path, acmeRW, map[string]any{"name": "hook2", "type": "webhook", "config": map[string]string{}}); code != 200 {
		t.Fatalf("update without secrets = %d %s", code, body)
	}
	if code, body := f.do(t, "PUT", path, acmeRW, map[string]any{"name": "hook3", "type": "webhook", "config": map[string]string{"secret": "short"}}); code != 400 || !strings.Contains(string(body), `"field":"config.secret"`) {
		t.Fatalf("update with a short secret = %d %s", code, body)
	}
	if code, body := f.do(t, "POST", path+"/test", acmeRW, nil); code != 200 {
		t.Fatalf("test after update = %d %s (stored secret lost?)", code, body)
	}
	got, _ := f.store.Get(context.Background(), "acme", c.ID)
	if got.Name != "hook2" {
		t.Fatalf("name = %q, want hook2 (the refused update must change nothing)", got.Name)
	}
}

func TestRefusalsNameTheField(t *testing.T) {
	f := newFixture(t, Builder{Outbound: loopback})
	check := func(method, path string, body any, wantCode int, wantField string) {
		t.Helper()
		code, got := f.do(t, method, path, acmeRW, body)
		var e response.Body
		json.Unmarshal(got, &e)
		if code != wantCode || e.Field != wantField {
			t.Errorf("%s %s %v = %d field %q (%s), want %d %q", method, path, body, code, e.Field, got, wantCode, wantField)
		}
	}
	ch := base + "/channels"
	check("POST", ch, map[string]any{"name": "x", "type": "pager", "config": map[string]any{}}, 400, "type")
	check("POST", ch, map[string]any{"name": "", "type": "slack", "config": map[string]any{}}, 400, "name")
	check("POST", ch, map[string]any{"name": "x", "type": "slack"}, 400, "config")
	check("POST", ch, map[string]any{"name": "x", "type": "slack", "config": map[string]any{"webhook_url": "http://hooks.slack.com/services/x"}}, 400, "config.webhook_url")
	check("POST", ch, map[string]any{"name": "x", "type": "slack", "config": map[string]any{"url": "https://x"}}, 400, "config.url")
	check("POST", ch, map[string]any{"name": "x", "type": "teams", "config": map[string]any{"webhook_url": "https://acme.webhook.office.com/x"}}, 400, "config.webhook_url")
	check("POST", ch, map[string]any{"name": "x", "type": "email", "config": map[string]any{"host": "smtp.example.com", "from": "a@example.com", "to": []string{"b@example.com"}, "port": "25"}}, 400, "config.port")
	check("POST", ch, map[string]any{"name": "x", "type": "email", "config": map[string]any{"host": "smtp.example.com", "from": "a@example.com", "to": []string{"b@example.com"}, "auth": "plain", "username": "u"}}, 400, "config.password")
	check("POST", ch, map[string]any{"name": "x", "type": "webhook", "config": map[string]any{"url": "https://r.example.com/h", "secret": "s"}}, 400, "config.secret")
	check("POST", ch, `{"name":"x","type":"slack","colour":"red"}`, 400, "colour")
	check("POST", ch, "", 400, "body")
	check("POST", base+"/contacts", map[string]any{"name": "alice", "email": "not-an-address", "via": "mail"}, 400, "email")
	check("POST", base+"/contacts", map[string]any{"name": "alice", "email": "a@example.com", "language": "de", "via": "mail"}, 400, "language")
	check("POST", base+"/contacts", map[string]any{"name": "alice", "email": "a@example.com", "time_zone": "Mars/Olympus", "via": "mail"}, 400, "time_zone")
	check("POST", base+"/contacts", map[string]any{"name": "alice", "email": "a@example.com", "via": "mail"}, 400, "via")
	okSlack := map[string]any{"name": "dup", "type": "slack", "config": map[string]any{"webhook_url": "https://hooks.slack.com/services/T/B/x"}}
	check("POST", ch, okSlack, 201, "")
	check("POST", ch, okSlack, 409, "")
	check("POST", base+"/contacts", map[string]any{"name": "alice", "email": "a@example.com", "via": "dup"}, 400, "via")
	check("GET", ch+"/abc", nil, 404, "")
}

// TestContactMailedInOwnLanguage sends through a real SMTP server: the
// contact's address replaces the channel's recipients, the Subject is
// RFC 2047 encoded Japanese, and the mail has text and HTML parts.
func TestContactMailedInOwnLanguage(t *testing.T) {
	smtp := smtptest.NewServer(t, smtptest.Options{Username: "unyo", Password: "smtp-pass-789", STARTTLS: true})
	f := newFixture(t, Builder{Outbound: loopback, TLS: smtp.ClientTLSConfig()})
	code, body := f.do(t, "POST", "/api/v1/tenants/beta/channels", betaRW, map[string]any{"name": "mail", "type": "email", "config": map[string]any{
		"host": smtp.Host(), "port": smtp.Port(), "tls": "mandatory", "auth": "plain", "username": "unyo", "password": "smtp-pass-789",
		"from": "unyo <alerts@msp.example>", "to": []string{"noc@msp.example"}}})
	if code != 201 || strings.Contains(string(body), "smtp-pass-789") {
		t.Fatalf("create email channel = %d %s", code, body)
	}
	code, body = f.do(t, "POST", "/api/v1/tenants/beta/contacts", betaRW, map[string]any{"name": "tanaka", "email": "tanaka@beta.example", "language": "ja", "time_zone": "Asia/Tokyo", "via": "mail"})
	if code != 201 {
		t.Fatalf("create contact = %d %s", code, body)
	}
	ctx := context.Background()
	d, err := f.store.Resolve(ctx, "beta", ContactPrefix+"tanaka")
	if err != nil || d.Language != "ja" || d.TimeZone != "Asia/Tokyo" {
		t.Fatalf("Resolve = %+v, %v", d, err)
	}
	tenant, _ := f.db.Tenant(ctx, "beta")
	if err := d.Channel.Send(ctx, TestMessage(tenant, d, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))); err != nil {
		t.Fatal(err)
	}
	msgs, err := smtp.WaitFor(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	raw := m.Header.Get("Subject")
	if !strings.HasPrefix(strings.ToLower(raw), "=?utf-8?b?") {
		t.Errorf("raw Subject %q is not RFC 2047 B-encoded", raw)
	}
	if !strings.Contains(m.Subject, "テスト通知") || len(m.RcptTo) != 1 || m.RcptTo[0] != "tanaka@beta.example" || !m.TLS || m.AuthUser != "unyo" {
		t.Errorf("mail: subject %q, rcpt %v, tls %v, auth %q", m.Subject, m.RcptTo, m.TLS, m.AuthUser)
	}
	if m.ContentType != "multipart/alternative" || !strings.Contains(m.Text, "正しく設定") || !strings.Contains(m.HTML, "正しく設定") || !strings.Contains(m.Text, "JST") {
		t.Errorf("mail parts: %s\ntext: %s\nhtml: %.200s", m.ContentType, m.Text, m.HTML)
	}
	if _, err := f.store.Resolve(ctx, "acme", ContactPrefix+"tanaka"); err == nil {
		t.Error("acme resolved beta's contact")
	}
}

// TestTenantIsolation: beta's token reads and changes nothing of acme's on
// every endpoint, and acme's names do not resolve for beta.
func TestTenantIsolation(t *testing.T) {
	slackSrv := slacktest.NewServer(t)
	f := newFixture(t, Builder{Outbound: loopback})
	_, body := f.do(t, "POST", base+"/channels", acmeRW, map[string]any{"name": "ops", "type": "email", "config": map[string]any{"host": "127.0.0.1", "tls": "none", "from": "a@example.com", "to": []string{"b@example.com"}}})
	var c Channel
	json.Unmarshal(body, &c)
	_, body = f.do(t, "POST", base+"/contacts", acmeRW, map[string]any{"name": "alice", "email": "a@example.com", "via": "ops"})
	var k Contact
	json.Unmarshal(body, &k)
	slackIn := map[string]any{"name": "x", "type": "slack", "config": map[string]string{"webhook_url": slackSrv.WebhookURL()}}
	contactIn := map[string]any{"name": "eve", "email": "e@example.com", "via": "ops"}
	for _, tb := range []string{"acme", "beta"} {
		b := "/api/v1/tenants/" + tb
		for _, r := range []struct {
			method, path string
			body         any
		}{
			{"GET", fmt.Sprintf("%s/channels/%d", b, c.ID), nil},
			{"PUT", fmt.Sprintf("%s/channels/%d", b, c.ID), slackIn},
			{"DELETE", fmt.Sprintf("%s/channels/%d", b, c.ID), nil},
			{"POST", fmt.Sprintf("%s/channels/%d/test", b, c.ID), nil},
			{"GET", fmt.Sprintf("%s/contacts/%d", b, k.ID), nil},
			{"PUT", fmt.Sprintf("%s/contacts/%d", b, k.ID), contactIn},
			{"DELETE", fmt.Sprintf("%s/contacts/%d", b, k.ID), nil},
		} {
			code, got := f.do(t, r.method, r.path, betaRW, r.body)
			if code != 404 {
				t.Errorf("beta %s %s = %d %s, want 404", r.method, r.path, code, got)
			}
		}
	}
	for _, p := range []string{"/channels", "/contacts"} {
		if code, _ := f.do(t, "GET", base+p, betaRW, nil); code != 404 {
			t.Errorf("beta GET acme %s = %d", p, code)
		}
		if code, _ := f.do(t, "POST", base+p, betaRW, slackIn); code != 404 {
			t.Errorf("beta POST acme %s = %d", p, code)
		}
		if code, got := f.do(t, "GET", "/api/v1/tenants/beta"+p, betaRW, nil); code != 200 || strings.TrimSpace(string(got)) != "[]" {
			t.Errorf("beta's own %s = %d %s", p, code, got)
		}
	}
	if _, err := f.store.Resolve(context.Background(), "beta", "ops"); err == nil {
		t.Error("beta resolved acme's channel")
	}
	got, err := f.store.Get(context.Background(), "acme", c.ID)
	if err != nil || got.Name != "ops" || got.Type != "email" {
		t.Fatalf("acme's channel after beta's attempts: %+v %v", got, err)
	}
	if kk, err := f.store.Contact(context.Background(), "acme", k.ID); err != nil || kk.Name != "alice" {
		t.Fatalf("acme's contact after beta's attempts: %+v %v", kk, err)
	}
	if len(slackSrv.Messages()) != 0 {
		t.Fatal("beta's attempts sent a message")
	}
}

// TestOpenAPIPathsMatchRoutes holds openapi_paths.json and Routes together.
func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	data, err := os.ReadFile("openapi_paths.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	var missing []string
	for _, r := range NewHandlers(nil, pathTenant, nil).Routes() {
		key := r.Method + " " + r.Path
		if !documented[key] {
			missing = append(missing, key)
		}
		delete(documented, key)
	}
	var extra []string
	for k := range documented {
		extra = append(extra, k)
	}
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("served but not documented: %v\ndocumented but not served: %v", missing, extra)
	}
	for _, part := range strings.Split(string(data), `"#/components/schemas/`)[1:] {
		ref := part[:strings.Index(part, `"`)]
		if _, ok := doc.Components.Schemas[ref]; !ok && ref != "Error" {
			t.Errorf("$ref to %s, which the fragment does not define", ref)
		}
	}
}
