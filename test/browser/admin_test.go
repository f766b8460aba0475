package browser

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/unyo-ops/unyo/internal/notify/webhook/webhooktest"
)

// setupRun is one pass of the first setup, in one language.
type setupRun struct {
	lang, tenant, name, host string
	firing, open             string // the words the alert and incident lists show
}

// TestSetupFromNothing is issue 18's "done when": on an installation with
// nothing but its admin, the admin sets a customer up to a firing alert
// and an open incident without leaving the console — the tenant (typed
// with the keyboard alone), a service with its service level, a host, a
// metric item with a threshold, a webhook channel, the agent's token from
// the guided setup — once in Japanese, once in English. The test then only
// does what the host's agent would: it sends the metric with the token the
// page showed. Every form on the way has a label for each field.
func TestSetupFromNothing(t *testing.T) {
	s := startServer(t, freePort(t))
	ctx := chromium(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/setup"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range []setupRun{
		{lang: "ja", tenant: "acme", name: "株式会社アクメ", host: "acme-web-01", firing: "発生中", open: "新規"},
		{lang: "en", tenant: "globex", name: "Globex Ltd.", host: "globex-app-01", firing: "firing", open: "New"},
	} {
		t.Run(run.lang, func(t *testing.T) { setUpTenant(t, ctx, s, run) })
	}
}

func setUpTenant(t *testing.T, ctx context.Context, s *server, run setupRun) {
	base := s.url
	hook := webhooktest.NewServer(t) // the customer's receiver of notifications
	if run.lang == "en" {
		err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS("#pref-language"), "en"),
			chromedp.Click(chromedp.CSS("#pref-save")),
			chromedp.WaitVisible(chromedp.CSS(`html[lang="en"]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
	}
	// 1. The customer, by keyboard: its ID, name, language and zone typed,
	// Enter to save.
	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/setup"]`)),
		chromedp.WaitVisible(chromedp.CSS("#setup-steps")),
		chromedp.Click(chromedp.CSS("#setup-new-tenant")),
		chromedp.WaitVisible(chromedp.CSS("#tenant-form")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkLabels(t, ctx, "tenant form")
	err = chromedp.Do(ctx,
		chromedp.Focus(chromedp.CSS("#tenant-id")),
		typeKeys(run.tenant, run.name),
		chromedp.SetValue(chromedp.CSS("#tenant-language"), run.lang),
		chromedp.Focus(chromedp.CSS("#tenant-zone")),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS("#step-service")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, "#step-tenant"); !strings.Contains(got, run.name) {
		t.Errorf("the setup's first step = %q, want %s done", got, run.name)
	}
	// 2. A service with its SLA clocks and a holiday.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#setup-new-service")),
		chromedp.WaitVisible(chromedp.CSS("#service-form")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkLabels(t, ctx, "service form")
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#svc-name"), "EC "+run.lang),
		chromedp.SendKeys(chromedp.CSS("#svc-target"), "99.9"),
		chromedp.SendKeys(chromedp.CSS("#svc-acknowledge_target"), "30m"),
		chromedp.SendKeys(chromedp.CSS("#svc-resolve_target"), "8h"),
		chromedp.SetValue(chromedp.CSS("#svc-holiday-import"), "2027/1/1,元日"),
		chromedp.Click(chromedp.CSS("#service-save")),
		chromedp.WaitVisible(chromedp.CSS("#step-service li.done")),
	)
	if err != nil {
		t.Fatal(err)
	}
	// 3. The host, with a label; then a metric item with a threshold that
	// the agent's value will cross.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#step-hosts a[href="/tenants/%s/resources/new"]`, run.tenant))),
		chromedp.WaitVisible(chromedp.CSS("#resource-form")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkLabels(t, ctx, "resource form")
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#res-name"), run.host),
		chromedp.SetValue(chromedp.CSS("#res-labels"), "os=linux\nrole=web"),
		chromedp.Click(chromedp.CSS("#resource-save")),
		chromedp.WaitVisible(chromedp.CSS("#resource-add-item")),
		chromedp.Click(chromedp.CSS("#resource-add-item")),
		chromedp.WaitVisible(chromedp.CSS("#item-form")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkLabels(t, ctx, "item form")
	// A refusal first: the reason shows next to the field.
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#item-name"), "cpu_busy"),
		chromedp.SendKeys(chromedp.CSS("#item-title-ja"), "CPU使用率"),
		chromedp.SendKeys(chromedp.CSS("#item-title-en"), "CPU busy"),
		chromedp.SetValue(chromedp.CSS("#item-kind"), "metric"),
		chromedp.SendKeys(chromedp.CSS("#item-metric-series"), "node_cpu_busy_percent"),
		chromedp.SetValue(chromedp.CSS("#item-threshold-op"), ">"),
		chromedp.SendKeys(chromedp.CSS("#item-threshold-critical"), "ninety"),
		chromedp.Click(chromedp.CSS("#item-save")),
		chromedp.WaitVisible(chromedp.CSS(`.field-error[id="err-threshold.critical"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#item-threshold-critical"), "90"),
		chromedp.Click(chromedp.CSS("#item-save")),
		chromedp.WaitVisible(chromedp.CSS(`#resource-admin`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	// 4. A webhook channel through its own form.
	err = chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/tenants/%s", base, run.tenant)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#tenant-links a[href="/tenants/%s/settings/notifications"]`, run.tenant))),
		chromedp.Click(chromedp.CSS("#channel-new-webhook")),
		chromedp.WaitVisible(chromedp.CSS("#channel-form")),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkLabels(t, ctx, "channel form")
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#ch-name"), "ops-hook"),
		chromedp.SendKeys(chromedp.CSS("#ch-url"), hook.WebhookURL()),
		chromedp.SendKeys(chromedp.CSS("#ch-secret"), webhooktest.Secret),
		chromedp.Click(chromedp.CSS("#channel-save")),
		chromedp.WaitVisible(chromedp.CSS(`#channels tr[data-channel="ops-hook"]`)),
		// The tenant's default escalation policy: alerts go to the webhook.
		chromedp.SendKeys(chromedp.CSS("#po-name"), "default"),
		chromedp.Click(chromedp.CSS("#po-default")),
		chromedp.SendKeys(chromedp.CSS("#po-targets-0"), "ops-hook"),
		chromedp.Click(chromedp.CSS("#policy-create")),
		chromedp.WaitVisible(chromedp.CSS(`#policies tr[data-policy="default"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	// 5. The agent's token for the host, and its command line to copy.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/setup"]`)),
		chromedp.SetValue(chromedp.CSS("#setup-tenant"), run.tenant),
		chromedp.Click(chromedp.CSS("#setup-tenant-go")),
		chromedp.WaitVisible(chromedp.CSS("#setup-token-form")),
		chromedp.Click(chromedp.CSS("#mode-host")),
		chromedp.SetValue(chromedp.CSS("#setup-host"), run.host),
		chromedp.Click(chromedp.CSS("#setup-token")),
		chromedp.WaitVisible(chromedp.CSS("#agent-command")),
	)
	if err != nil {
		t.Fatal(err)
	}
	cmd := text(ctx, "#agent-command")
	m := regexp.MustCompile(`^sudo unyo-agent -server (\S+) -token (\S+) -host (\S+)$`).FindStringSubmatch(strings.TrimSpace(cmd))
	if m == nil || m[1] != base || m[3] != run.host {
		t.Fatalf("the command to copy = %q, want the server %s, a token and the host %s", cmd, base, run.host)
	}
	// What the agent does with it: send the host's CPU, above 90.
	fired := func() bool {
		var alerts []struct{ State string }
		var incidents []struct{ State string }
		s.api(200, "GET", "/api/v1/tenants/"+run.tenant+"/alerts", "", nil, &alerts)
		s.api(200, "GET", "/api/v1/tenants/"+run.tenant+"/incidents", "", nil, &incidents)
		return len(alerts) == 1 && alerts[0].State == "firing" && len(incidents) == 1
	}
	s.pushUntil(t, m[2], run.host, 97, fired)
	// The channel made in the console carries the alert to the customer.
	msgs, err := hook.WaitFor(1, 60*time.Second)
	if err != nil || msgs[0].Payload.Resource != run.host || msgs[0].Payload.Tenant.ID != run.tenant {
		t.Errorf("the webhook got %+v, %v; want the alert of %s in %s", msgs, err, run.host, run.tenant)
	}

	// The operator sees both in the console.
	row := `#alerts tbody tr`
	err = chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/tenants/%s", base, run.tenant)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#tenant-links a[href="/tenants/%s/alerts"]`, run.tenant))),
		chromedp.WaitVisible(chromedp.CSS(row)),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{run.firing, run.host} {
		if got := text(ctx, row); !strings.Contains(got, want) {
			t.Errorf("the alert's row = %q, want %q in it", got, want)
		}
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/tenants/%s", base, run.tenant)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#tenant-links a[href="/tenants/%s/incidents"]`, run.tenant))),
		chromedp.WaitVisible(chromedp.CSS("#incidents tbody tr")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, "#incidents tbody tr"); !strings.Contains(got, run.open) {
		t.Errorf("the incident's row = %q, want %q in it", got, run.open)
	}
}

// adminShots are the administration pages for `make screenshots`, on the
// fixture's acme: its forms, a template of its own, the first setup.
func adminShots(t *testing.T, f *fixture) []struct{ name, path string } {
	t.Helper()
	s := f.srv
	var svcs []struct{ ID int64 }
	s.api(200, "GET", "/api/v1/tenants/acme/services", "", nil, &svcs)
	var tpl struct{ ID int64 }
	s.api(201, "POST", "/api/v1/tenants/acme/monitoring/templates", "", map[string]any{"name": "shop", "title": map[string]string{"ja": "ショップ", "en": "Shop"},
		"items": []map[string]any{{"name": "shop_port", "kind": "check", "title": map[string]string{"ja": "ショップのポート", "en": "Shop port"},
			"check": map[string]any{"type": "tcp", "address": "127.0.0.1:443"}, "severity": "critical"}}}, &tpl)
	var ch struct{ ID int64 }
	s.api(201, "POST", "/api/v1/tenants/acme/channels", "", map[string]any{"name": "ops-hook", "type": "webhook",
		"config": map[string]any{"url": "https://hooks.example.com/unyo", "secret": "a-shared-secret-of-the-msp"}}, &ch)
	var snmpItem struct{ ID int64 }
	s.api(201, "POST", "/api/v1/tenants/acme/monitoring/items", "", map[string]any{"resource_id": f.hostID, "name": "core_switch", "kind": "snmp",
		"title": map[string]string{"ja": "コアスイッチ", "en": "Core switch"},
		"snmp": map[string]any{"address": "${label.snmp_address}", "version": "2c", "community": "n0t-public", "interfaces": true,
			"get": []map[string]string{{"oid": "1.3.6.1.4.1.9.9.109.1.1.1.1.8.1", "series": "cisco_cpu_5m"}}}}, &snmpItem)
	return []struct{ name, path string }{
		{"setup", "/setup?tenant=acme"},
		{"item-snmp-edit", fmt.Sprintf("/tenants/acme/monitoring/items/%d", snmpItem.ID)},
		{"service-delete", fmt.Sprintf("/tenants/acme/services/%d/delete", svcs[0].ID)},
		{"tenant-delete", "/tenants/acme/delete"},
		{"tenant-new", "/settings/tenants/new"},
		{"tenant-edit", "/tenants/acme/edit"},
		{"service-edit", fmt.Sprintf("/tenants/acme/services/%d/edit", svcs[0].ID)},
		{"resource-edit", fmt.Sprintf("/tenants/acme/resources/%d/edit", f.hostID)},
		{"item-new", fmt.Sprintf("/tenants/acme/monitoring/items/new?resource_id=%d", f.hostID)},
		{"template", fmt.Sprintf("/tenants/acme/monitoring/templates/%d", tpl.ID)},
		{"channel-email", "/tenants/acme/settings/channels/new?type=email"},
		{"channel-webhook-edit", fmt.Sprintf("/tenants/acme/settings/channels/%d", ch.ID)},
	}
}
