package channel

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/notify/email/smtptest"
	"github.com/unyo-ops/unyo/internal/notify/slack/slacktest"
	"github.com/unyo-ops/unyo/internal/notify/teams/teamstest"
	"github.com/unyo-ops/unyo/internal/notify/webhook/webhooktest"
	"github.com/unyo-ops/unyo/internal/response"
)

// storedRow is a channel's row as the database holds it.
func (f *fixture) storedRow(t *testing.T, id int64) string {
	t.Helper()
	var name, cfg string
	var sealed []byte
	var updated int64
	err := f.store.db.QueryRow(`SELECT name, config, sealed, updated_at FROM notify_channels WHERE id=?`, id).Scan(&name, &cfg, &sealed, &updated)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s|%s|%x|%d", name, cfg, sealed, updated)
}

// refused sends a PUT that must be refused with 400 naming field, and
// checks that the stored row did not change.
func (f *fixture) refused(t *testing.T, path string, in map[string]any, field string) {
	t.Helper()
	var id int64
	fmt.Sscanf(path[strings.LastIndex(path, "/")+1:], "%d", &id)
	before := f.storedRow(t, id)
	code, body := f.do(t, "PUT", path, acmeRW, in)
	var e response.Body
	json.Unmarshal(body, &e)
	if code != 400 || e.Field != field || !strings.Contains(e.Error, "given again") {
		t.Errorf("PUT %v = %d %s, want 400 naming %s", in["config"], code, body, field)
	}
	if after := f.storedRow(t, id); after != before {
		t.Errorf("a refused update changed the stored channel:\n%s\n%s", before, after)
	}
}

func (f *fixture) accepted(t *testing.T, path string, in map[string]any) {
	t.Helper()
	if code, body := f.do(t, "PUT", path, acmeRW, in); code != 200 {
		t.Fatalf("PUT %v = %d %s, want 200", in["config"], code, body)
	}
}

func (f *fixture) delivered(t *testing.T, path string) {
	t.Helper()
	if code, body := f.do(t, "POST", path+"/test", acmeRW, nil); code != 200 {
		t.Fatalf("test message = %d %s", code, body)
	}
}

// TestWebhookSecretsDoNotFollowANewURL: moving a webhook channel to
// another URL without its signing secret and bearer header again is
// refused and changes nothing; with them it is accepted; renaming keeps them.
func TestWebhookSecretsDoNotFollowANewURL(t *testing.T) {
	good, other := webhooktest.NewServer(t), webhooktest.NewServer(t)
	f := newFixture(t, Builder{Outbound: loopback})
	path := f.create(t, map[string]any{"name": "hook", "type": "webhook", "config": map[string]any{
		"url": good.WebhookURL(), "secret": webhooktest.Secret, "headers": map[string]string{"Authorization": "Bearer gw-secret-456"}}})
	moved := func(cfg map[string]any) map[string]any {
		cfg["url"] = other.WebhookURL()
		return map[string]any{"name": "hook", "type": "webhook", "config": cfg}
	}
	f.refused(t, path, moved(map[string]any{}), "config.secret")
	f.refused(t, path, moved(map[string]any{"headers": map[string]string{"Authorization": "Bearer new-token"}}), "config.secret")
	f.refused(t, path, moved(map[string]any{"secret": webhooktest.Secret}), "config.headers.Authorization")
	f.refused(t, path, moved(map[string]any{"secret": webhooktest.Secret, "headers": map[string]string{"Authorization": "…"}}), "config.headers.Authorization")
	f.delivered(t, path)
	if other.Requests() != 0 || len(good.Messages()) != 1 {
		t.Fatalf("after refused moves: other got %d requests, the configured receiver %d messages", other.Requests(), len(good.Messages()))
	}

	f.accepted(t, path, moved(map[string]any{"secret": webhooktest.Secret, "headers": map[string]string{"Authorization": "Bearer new-token"}}))
	f.accepted(t, path, map[string]any{"name": "hook-renamed", "type": "webhook", "config": map[string]any{}})
	f.delivered(t, path)
	got, err := other.WaitFor(1, 5*time.Second)
	if err != nil || len(other.Rejections()) != 0 {
		t.Fatalf("the new receiver: %v, rejections %v (signing secret lost on rename?)", err, other.Rejections())
	}
	if h := got[0].Header.Get("Authorization"); h != "Bearer new-token" {
		t.Fatalf("the new receiver got Authorization %q, want the re-supplied one", h)
	}
}

// TestEmailPasswordDoesNotFollowANewServer: another SMTP host or port
// needs the password again; renaming or changing recipients does not.
func TestEmailPasswordDoesNotFollowANewServer(t *testing.T) {
	good := smtptest.NewServer(t, smtptest.Options{Username: "unyo", Password: "smtp-pass-789"})
	other := smtptest.NewServer(t, smtptest.Options{Username: "unyo", Password: "smtp-pass-789"})
	f := newFixture(t, Builder{Outbound: loopback})
	cfg := func(host string, port int, password string) map[string]any {
		c := map[string]any{"host": host, "port": port, "tls": "none", "auth": "plain", "username": "unyo",
			"from": "unyo <alerts@msp.example>", "to": []string{"noc@msp.example"}}
		if password != "" {
			c["password"] = password
		}
		return map[string]any{"name": "mail", "type": "email", "config": c}
	}
	path := f.create(t, cfg(good.Host(), good.Port(), "smtp-pass-789"))
	f.refused(t, path, cfg(other.Host(), other.Port(), ""), "config.password")
	f.refused(t, path, cfg("localhost", good.Port(), ""), "config.password")
	f.delivered(t, path)
	if len(other.Messages())+len(other.Rejections()) != 0 || len(good.Messages()) != 1 {
		t.Fatalf("after refused moves: other saw %d, the configured server %d", len(other.Messages())+len(other.Rejections()), len(good.Messages()))
	}

	f.accepted(t, path, cfg(other.Host(), other.Port(), "smtp-pass-789"))
	renamed := cfg(other.Host(), other.Port(), "")
	renamed["name"] = "mail-renamed"
	renamed["config"].(map[string]any)["to"] = []string{"sre@msp.example"}
	f.accepted(t, path, renamed)
	f.delivered(t, path)
	msgs, err := other.WaitFor(1, 5*time.Second)
	if err != nil || msgs[0].AuthUser != "unyo" || msgs[0].RcptTo[0] != "sre@msp.example" {
		t.Fatalf("the new server: %v %v (password lost on rename?)", err, other.Rejections())
	}
}

// TestWebhookURLIsTheSecret: a Slack or Teams channel's secret is its URL,
// so a new URL brings its own secret and is accepted as is, and a rename
// without the URL keeps the stored one.
func TestWebhookURLIsTheSecret(t *testing.T) {
	f := newFixture(t, Builder{Outbound: loopback})
	slackA, slackB := slacktest.NewServer(t), slacktest.NewServer(t)
	path := f.create(t, map[string]any{"name": "ops", "type": "slack", "config": map[string]string{"webhook_url": slackA.WebhookURL()}})
	f.accepted(t, path, map[string]any{"name": "ops-renamed", "type": "slack", "config": map[string]string{}})
	f.delivered(t, path)
	f.accepted(t, path, map[string]any{"name": "ops-renamed", "type": "slack", "config": map[string]string{"webhook_url": slackB.WebhookURL()}})
	f.delivered(t, path)
	if len(slackA.Messages()) != 1 || len(slackB.Messages()) != 1 {
		t.Fatalf("slack: old URL got %d, new URL %d; want one each", len(slackA.Messages()), len(slackB.Messages()))
	}

	teamsA, teamsB := teamstest.NewServer(t), teamstest.NewServer(t)
	path = f.create(t, map[string]any{"name": "noc", "type": "teams", "config": map[string]string{"webhook_url": teamsA.WebhookURL()}})
	f.accepted(t, path, map[string]any{"name": "noc-renamed", "type": "teams", "config": map[string]string{}})
	f.delivered(t, path)
	f.accepted(t, path, map[string]any{"name": "noc-renamed", "type": "teams", "config": map[string]string{"webhook_url": teamsB.WebhookURL()}})
	f.delivered(t, path)
	if len(teamsA.Messages()) != 1 || len(teamsB.Messages()) != 1 {
		t.Fatalf("teams: old URL got %d, new URL %d; want one each", len(teamsA.Messages()), len(teamsB.Messages()))
	}
}
