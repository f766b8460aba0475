package console

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/escalation"
	"github.com/unyo-ops/unyo/internal/secret"
)

// withChannels wires the real channel and escalation stores.
func withChannels(t *testing.T) func(*Options) {
	return func(o *Options) {
		box, err := secret.New(bytes.Repeat([]byte{7}, secret.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		ch := channel.NewStore(o.Store.DB(), o.Store, box, channel.Builder{})
		o.Channels, o.Policies = ch, escalation.NewStore(o.Store.DB(), o.Store, ch.TargetExists)
	}
}

// TestChannelFormsPerType: an operator adds an e-mail, a Slack and a
// webhook channel through their own forms (no JSON), edits one without
// retyping its secrets, and never sees a secret again: not on the refused
// form, not on the edit form, which says "set"; contacts and policies are
// edited and deleted, each write audited.
func TestChannelFormsPerType(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, withChannels(t))
	o := e.opts()
	op := e.login("operator")
	base := "/tenants/acme/settings"
	_, page, _ := op.get(base + "/notifications")
	for _, typ := range channelTypes {
		if !strings.Contains(page, fmt.Sprintf(`href="%s/channels/new?type=%s"`, base, typ)) {
			t.Errorf("the settings page does not lead to the %s form", typ)
		}
	}
	if strings.Contains(page, `name="config"`) {
		t.Error("the settings page still asks for the configuration as JSON")
	}

	const hookSecret, bearer = "webhook-shared-secret-1", "Bearer tok-VERY-SECRET"
	from := base + "/channels/new?type=webhook"
	_, page, _ = op.get(from)
	for _, want := range []string{`<label for="ch-url">`, `<label for="ch-secret">`, `<label for="ch-headers">`, `type="password"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the webhook form lacks %q", want)
		}
	}
	hook := url.Values{"type": {"webhook"}, "name": {"ops-hook"}, "config.url": {"https://hooks.example.com/unyo"}, "config.secret": {"short"},
		"config.headers": {"Authorization: " + bearer}}
	code, page, _ := op.postForm(from, base+"/channels", hook)
	if code != http.StatusBadRequest || !strings.Contains(fieldError(page, "config.secret"), "16") || strings.Contains(page, bearer) || strings.Contains(page, "hooks.example.com/unyo") {
		t.Errorf("a short secret = %d, field error %q; want 400 beside the secret and no secret echoed", code, fieldError(page, "config.secret"))
	}
	hook.Set("config.secret", hookSecret)
	channels := func() string {
		list, _ := o.Channels.List(ctx, "acme")
		return fmt.Sprint(len(list))
	}
	apitest.CheckAudited(t, e.store.DB(), adminDoer(op, from), "acme", apitest.Change{Method: "POST", Path: base + "/channels", Body: hook,
		State: channels, Action: "create", ObjectType: "channel"})
	for _, c := range []url.Values{
		{"type": {"email"}, "name": {"ops-mail"}, "config.host": {"smtp.example.com"}, "config.port": {"587"}, "config.tls": {"mandatory"},
			"config.from": {"unyo <alerts@msp.example>"}, "config.to": {"ops@example.com, noc@example.com"}},
		{"type": {"slack"}, "name": {"ops-slack"}, "config.webhook_url": {"https://hooks.slack.com/services/T000/B000/XXXXSECRET"}},
	} {
		if code, page, _ := op.postForm(base+"/channels/new?type="+c.Get("type"), base+"/channels", c); code != http.StatusSeeOther {
			t.Fatalf("add %s = %d %s", c.Get("name"), code, refusedText(page))
		}
	}
	list, _ := o.Channels.List(ctx, "acme")
	ids := map[string]int64{}
	for _, ch := range list {
		ids[ch.Name] = ch.ID
	}
	mail, _ := o.Channels.Get(ctx, "acme", ids["ops-mail"])
	if fmt.Sprint(mail.Config["to"]) != "[ops@example.com noc@example.com]" || mail.Config["host"] != "smtp.example.com" {
		t.Errorf("the e-mail channel stored = %v", mail.Config)
	}

	// The edit form of the webhook: the secret and the header's value are
	// "set", never shown; saved with a new name only, they stay.
	edit := fmt.Sprintf("%s/channels/%d", base, ids["ops-hook"])
	_, page, _ = op.get(edit)
	if strings.Contains(page, hookSecret) || strings.Contains(page, bearer) || strings.Contains(page, "/unyo") || !strings.Contains(page, `data-secret="config.secret">設定済み`) ||
		!strings.Contains(page, "Authorization:") {
		t.Errorf("the webhook's edit form shows a secret, or not that it is set:\n%.3000s", page)
	}
	apitest.CheckAudited(t, e.store.DB(), adminDoer(op, edit), "acme", apitest.Change{Method: "POST", Path: edit,
		Body:  url.Values{"type": {"webhook"}, "name": {"ops-hook-2"}, "config.headers": {"Authorization:"}},
		State: func() string { c, _ := o.Channels.Get(ctx, "acme", ids["ops-hook"]); return c.Name }, Action: "update", ObjectType: "channel"})
	hk, _ := o.Channels.Get(ctx, "acme", ids["ops-hook"])
	if hk.Name != "ops-hook-2" || hk.Config["secret"] != "…" || fmt.Sprint(hk.Config["headers"]) != "map[Authorization:…]" {
		t.Errorf("after renaming, the webhook = %s %v; want its secret and header kept", hk.Name, hk.Config)
	}
	// The e-mail form shows its destination, to edit.
	if _, page, _ = op.get(fmt.Sprintf("%s/channels/%d", base, ids["ops-mail"])); !strings.Contains(page, `value="smtp.example.com"`) || !strings.Contains(page, "noc@example.com") {
		t.Error("the e-mail channel's form does not show its server and recipients")
	}

	// A contact and a policy, edited and deleted.
	ct := &channel.Contact{Tenant: "acme", Name: "山田", Email: "yamada@example.com", Via: "ops-mail"}
	if err := o.Channels.CreateContact(ctx, ct); err != nil {
		t.Fatal(err)
	}
	cpath := fmt.Sprintf("%s/contacts/%d", base, ct.ID)
	if code, _, _ := op.postForm(cpath, cpath, url.Values{"name": {"山田"}, "email": {"yamada2@example.com"}, "language": {"en"}, "via": {"ops-mail"}}); code != http.StatusSeeOther {
		t.Fatalf("edit contact = %d", code)
	}
	if got, _ := o.Channels.Contact(ctx, "acme", ct.ID); got.Email != "yamada2@example.com" || got.Language != "en" {
		t.Errorf("the contact after the edit = %+v", got)
	}
	if code, page, _ := op.postForm(cpath, cpath, url.Values{"name": {"山田"}, "email": {"not an address"}, "via": {"ops-mail"}}); code != http.StatusBadRequest || refusedText(page) == "" {
		t.Errorf("a bad address = %d, want 400 with the reason", code)
	}
	pol := &escalation.Policy{Tenant: "acme", Name: "夜間", Steps: []escalation.Step{{Targets: []string{"ops-mail"}}, {Targets: []string{"contact:山田"}}}}
	if err := o.Policies.Create(ctx, pol); err != nil {
		t.Fatal(err)
	}
	ppath := fmt.Sprintf("%s/policies/%d", base, pol.ID)
	_, page, _ = op.get(ppath)
	if !strings.Contains(page, `value="contact:山田"`) || !strings.Contains(page, `id="po-targets-2"`) {
		t.Error("the policy form does not show its steps and one more row")
	}
	if code, page, _ := op.postForm(ppath, ppath, url.Values{"name": {"夜間"}, "when": {""}, "repeat": {"1"},
		"step_targets": {"ops-slack", "", "contact:山田"}, "step_wait": {"10m", "", ""}, "step_when": {"", "", ""}}); code != http.StatusSeeOther {
		t.Fatalf("edit policy = %d %s", code, refusedText(page))
	}
	if got, _ := o.Policies.Get(ctx, "acme", pol.ID); len(got.Steps) != 2 || got.Steps[0].Targets[0] != "ops-slack" || got.Repeat != 1 {
		t.Errorf("the policy after the edit = %+v", got)
	}
	policies := func() string { l, _ := o.Policies.List(ctx, "acme", false); return fmt.Sprint(len(l)) }
	apitest.CheckAudited(t, e.store.DB(), adminDoer(op, ppath), "acme", apitest.Change{Method: "POST", Path: ppath + "/delete", Body: url.Values{},
		State: policies, Action: "delete", ObjectType: "escalation_policy"})
	contacts := func() string { l, _ := o.Channels.Contacts(ctx, "acme"); return fmt.Sprint(len(l)) }
	apitest.CheckAudited(t, e.store.DB(), adminDoer(op, cpath), "acme", apitest.Change{Method: "POST", Path: cpath + "/delete", Body: url.Values{},
		State: contacts, Action: "delete", ObjectType: "contact"})
	apitest.CheckAudited(t, e.store.DB(), adminDoer(op, edit), "acme", apitest.Change{Method: "POST", Path: edit + "/delete", Body: url.Values{},
		State: channels, Action: "delete", ObjectType: "channel"})

	// Across tenants: beta's channel under acme's path is not found, and
	// a customer's viewer has no settings.
	bch, err := o.Channels.Create(ctx, "beta", channel.Input{Name: "beta-slack", Type: "slack", Config: []byte(`{"webhook_url":"https://hooks.slack.com/services/T/B/BETA"}`)})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fmt.Sprintf("%s/channels/%d", base, bch.ID)} {
		if code, _, _ := op.get(p); code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, code)
		}
		if code, _, _ := op.postForm("/board", p+"/delete", url.Values{}); code != http.StatusNotFound {
			t.Errorf("POST %s/delete = %d, want 404", p, code)
		}
	}
	v := e.login("acme-viewer")
	for _, p := range []string{base + "/channels/new?type=email", fmt.Sprintf("/tenants/beta/settings/channels/%d", bch.ID)} {
		if code, _, _ := v.get(p); code != http.StatusForbidden {
			t.Errorf("viewer GET %s = %d, want 403", p, code)
		}
	}
	if code, _, _ := v.postForm("/board", fmt.Sprintf("/tenants/beta/settings/channels/%d/delete", bch.ID), url.Values{}); code != http.StatusForbidden {
		t.Errorf("viewer deleting beta's channel = %d, want 403", code)
	}
	if _, err := o.Channels.Get(ctx, "beta", bch.ID); err != nil {
		t.Errorf("beta's channel is gone: %v", err)
	}
}
