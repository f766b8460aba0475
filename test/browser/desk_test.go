package browser

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/unyo-ops/unyo/internal/notify/webhook/webhooktest"
)

// deskData is what the operations pages' tests work on, made through the
// real API: acme's firing alert comes from the generic event intake (the
// fixture's), beta gets one too, each tenant an incident, and report drafts.
type deskData struct {
	acmeAlert, betaAlert       int64
	acmeIncident, betaIncident int64
	acmeReport, betaReport     int64
	acmeDraft                  int64 // a second draft of acme, never published
	betaWindow                 int64
}

type apiAlert struct {
	ID             int64
	State          string
	AcknowledgedBy string `json:"acknowledged_by"`
}

func newDeskData(t *testing.T, f *fixture) *deskData {
	t.Helper()
	s, d := f.srv, &deskData{}
	var alerts []apiAlert
	s.api(200, "GET", "/api/v1/tenants/acme/alerts", "", nil, &alerts)
	if len(alerts) != 1 || alerts[0].State != "firing" {
		t.Fatalf("acme's alerts = %+v, want the fixture's firing one", alerts)
	}
	d.acmeAlert = alerts[0].ID
	var tok struct{ Token string }
	s.api(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "beta-agent", "tenant": "beta", "scopes": []string{"ingest"}}, &tok)
	s.api(200, "POST", "/api/v1/intake/events", tok.Token, map[string]any{"fingerprint": "disk-full", "severity": "warning",
		"summary": "beta disk", "resource": "beta-app-01"}, nil)
	s.api(200, "GET", "/api/v1/tenants/beta/alerts", "", nil, &alerts)
	if len(alerts) != 1 {
		t.Fatalf("beta's alerts = %+v, want one", alerts)
	}
	d.betaAlert = alerts[0].ID
	var svcs []struct{ ID int64 }
	s.api(200, "GET", "/api/v1/tenants/acme/services", "", nil, &svcs)
	if len(svcs) != 1 {
		t.Fatalf("acme's services = %+v, want the fixture's one", svcs)
	}
	var inc struct{ ID int64 }
	s.api(201, "POST", "/api/v1/tenants/acme/incidents", "", map[string]any{"short_description": "在庫画面が表示されない", "impact": 1, "urgency": 2,
		"service_id": svcs[0].ID}, &inc)
	d.acmeIncident = inc.ID
	s.api(201, "POST", "/api/v1/tenants/beta/incidents", "", map[string]any{"short_description": "beta outage", "impact": 2, "urgency": 2}, &inc)
	d.betaIncident = inc.ID
	from, to := time.Now().AddDate(0, 0, -7).Format(time.DateOnly), time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	var rep struct{ ID int64 }
	s.api(201, "POST", "/api/v1/tenants/acme/reports", "", map[string]string{"from": from, "to": to}, &rep)
	d.acmeReport = rep.ID
	s.api(201, "POST", "/api/v1/tenants/acme/reports", "", map[string]string{"from": from, "to": from}, &rep)
	d.acmeDraft = rep.ID
	s.api(201, "POST", "/api/v1/tenants/beta/reports", "", map[string]string{"from": from, "to": to}, &rep)
	d.betaReport = rep.ID
	var win struct{ ID int64 }
	s.api(201, "POST", "/api/v1/tenants/beta/maintenance-windows", "", map[string]any{"name": "beta patch",
		"start": time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339), "end": time.Now().Add(50 * time.Hour).UTC().Format(time.RFC3339)}, &win)
	d.betaWindow = win.ID
	return d
}

// acceptDialogs says yes to every confirm() of the page, as a person
// clicking OK would.
func acceptDialogs(ctx context.Context) {
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
}

func TestDesk(t *testing.T) {
	f := newFixture(t)
	d := newDeskData(t, f)
	base := f.srv.url

	t.Run("an operator acknowledges and silences a firing alert", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, base, "admin", adminPassword); err != nil {
			t.Fatal(err)
		}
		// The board's counts lead to the lists.
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('li[data-tenant="acme"] a[href="/tenants/acme/alerts"], li[data-tenant="acme"] a[href="/tenants/acme/incidents/%d"]').length`, d.acmeIncident))); n != 2 {
			t.Errorf("acme's tile has %d links to its alerts and its new incident, want 2", n)
		}
		row := fmt.Sprintf(`tr[data-alert="%d"]`, d.acmeAlert)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`nav a[href="/alerts"]`)), chromedp.WaitVisible(chromedp.CSS(row+" button.ack"))); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"発生中", "重大", "株式会社アクメ", "acme-web-01"} {
			if got := text(ctx, row); !strings.Contains(got, want) {
				t.Errorf("the alert's row = %q, want %q in it", got, want)
			}
		}
		// Firing before the warning of beta: the most severe first.
		if first := text(ctx, "#alerts tbody tr:first-child"); !strings.Contains(first, "acme-web-01") {
			t.Errorf("first row = %q, want acme's critical alert", first)
		}
		err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(row+" button.ack")),
			chromedp.WaitVisible(chromedp.CSS(row+" .tag")),
			chromedp.WaitNotPresent(chromedp.CSS(row+" button.ack")),
		)
		if err != nil {
			t.Fatal(err)
		}
		var a apiAlert
		f.srv.api(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/alerts/%d", d.acmeAlert), "", nil, &a)
		if a.AcknowledgedBy != "user:admin" {
			t.Errorf("stored acknowledged_by = %q, want user:admin", a.AcknowledgedBy)
		}
		until := time.Now().In(time.FixedZone("JST", 9*3600)).Add(2 * time.Hour).Format("2006-01-02T15:04")
		err = chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(row+" td a")),
			chromedp.WaitVisible(chromedp.CSS("#alert-silence")),
			chromedp.SetValue(chromedp.CSS("#silence-until"), until),
			chromedp.Click(chromedp.CSS("#alert-silence")),
			chromedp.WaitVisible(chromedp.CSS(`#alert-silenced[data-until]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := text(ctx, "#alert-silenced"), strings.Replace(until, "T", " ", 1)+" JST"; !strings.Contains(got, want) {
			t.Errorf("silenced = %q, want until %q (the admin's zone is Asia/Tokyo)", got, want)
		}
		if ev := text(ctx, "#alert-events"); !strings.Contains(ev, "確認") || !strings.Contains(ev, "通知停止") {
			t.Errorf("events = %q, want the acknowledgement and the silence", ev)
		}
	})

	t.Run("a work note is the MSP's, a comment the customer's too", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, base, "admin", adminPassword); err != nil {
			t.Fatal(err)
		}
		link := fmt.Sprintf(`a[href="/tenants/acme/incidents/%d"]`, d.acmeIncident)
		err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`nav a[href="/incidents"]`)),
			chromedp.WaitVisible(chromedp.CSS(link)),
			chromedp.Click(chromedp.CSS(link)),
			chromedp.WaitVisible(chromedp.CSS("#note-text")),
			chromedp.SendKeys(chromedp.CSS("#note-text"), "DBサーバーの再起動を検討中"),
			chromedp.Click(chromedp.CSS("#note-submit")),
			chromedp.WaitVisible(chromedp.CSS(`#timeline li[data-kind="work_note"]`)),
			chromedp.Click(chromedp.CSS("#note-kind-comment")),
			chromedp.SendKeys(chromedp.CSS("#note-text"), "調査を開始しました"),
			chromedp.Click(chromedp.CSS("#note-submit")),
			chromedp.WaitVisible(chromedp.CSS(`#timeline li[data-kind="comment"]`)),
			chromedp.SetValue(chromedp.CSS("#st-state"), "on_hold"),
			chromedp.SetValue(chromedp.CSS("#st-hold"), "awaiting_vendor"),
			chromedp.Click(chromedp.CSS("#state-submit")),
			chromedp.WaitVisible(chromedp.CSS(`#timeline li[data-kind="state"]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		if st := text(ctx, "#incident-state"); st != "保留 (ベンダー待ち)" {
			t.Errorf("state = %q, want On Hold awaiting the vendor", st)
		}
		if clocks := text(ctx, "#incident-sla"); !strings.Contains(clocks, "停止中") {
			t.Errorf("facts = %q, want the clocks paused On Hold", clocks)
		}
		// Resolving without a close code is refused, naming the field, and
		// changes nothing; with one, it resolves.
		err = chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#cause-category"), "ハードウェア"),
			chromedp.SendKeys(chromedp.CSS("#cause-text"), "DBサーバーのディスク障害"),
			chromedp.Click(chromedp.CSS("#cause-submit")),
			chromedp.WaitVisible(chromedp.CSS(`#timeline li[data-kind="cause"]`)),
			chromedp.SetValue(chromedp.CSS("#st-state"), "resolved"),
			chromedp.SendKeys(chromedp.CSS("#st-notes"), "ディスクを交換しました"),
			chromedp.Click(chromedp.CSS("#state-submit")),
			chromedp.WaitVisible(chromedp.CSS("#form-error")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if msg := text(ctx, "#form-error"); !strings.Contains(msg, "close_code") {
			t.Errorf("refusal = %q, want it to name close_code", msg)
		}
		if st := text(ctx, "#incident-state"); st != "保留 (ベンダー待ち)" {
			t.Errorf("state after a refused change = %q", st)
		}
		err = chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS("#st-state"), "resolved"),
			chromedp.SetValue(chromedp.CSS("#st-code"), "Solved (Permanently)"),
			chromedp.SetValue(chromedp.CSS("#st-notes"), "ディスクを交換しました"),
			chromedp.Click(chromedp.CSS("#state-submit")),
			chromedp.WaitNotPresent(chromedp.CSS("#state-form")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if st, cause := text(ctx, "#incident-state"), text(ctx, "#incident-cause"); st != "解決済み" || cause != "ハードウェア: DBサーバーのディスク障害" {
			t.Errorf("after resolving: state %q, cause %q", st, cause)
		}

		viewer := chromium(t)
		if err := login(viewer, base, "acme-viewer", userPassword); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(viewer, chromedp.Navigate(base+fmt.Sprintf("/tenants/acme/incidents/%d", d.acmeIncident)), chromedp.WaitVisible(chromedp.CSS("#timeline"))); err != nil {
			t.Fatal(err)
		}
		tl := text(viewer, "#timeline")
		if !strings.Contains(tl, "調査を開始しました") {
			t.Errorf("the viewer's timeline = %q, want the comment", tl)
		}
		if strings.Contains(tl, "再起動") {
			t.Errorf("the viewer's timeline = %q shows the work note", tl)
		}
		if n, _ := chromedp.Run(viewer, chromedp.Evaluate[int](`document.querySelectorAll("#note-form, #state-form").length`)); n != 0 {
			t.Errorf("the viewer has %d incident forms, want none", n)
		}
	})

	t.Run("an operator edits a report topic and publishes; the viewer sees it", func(t *testing.T) {
		ctx := chromium(t)
		acceptDialogs(ctx)
		if err := login(ctx, base, "admin", adminPassword); err != nil {
			t.Fatal(err)
		}
		link := fmt.Sprintf(`a[href="/tenants/acme/reports/%d"]`, d.acmeReport)
		err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`nav a[href="/reports"]`)),
			chromedp.WaitVisible(chromedp.CSS(link)),
			chromedp.Click(chromedp.CSS(link)),
			chromedp.WaitVisible(chromedp.CSS("#topic-title-0")),
			chromedp.SendKeys(chromedp.CSS("#topic-title-0"), "来月のOS更新"),
			chromedp.SendKeys(chromedp.CSS("#topic-body-0"), "12日 22時から作業します。"),
			chromedp.Click(chromedp.CSS("#report-save")),
			chromedp.WaitVisible(chromedp.CSS("p.notice")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#topic-title-0").value`)); v != "来月のOS更新" {
			t.Errorf("after saving, the first topic = %q", v)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#report-publish")), chromedp.WaitNotPresent(chromedp.CSS("#report-edit"))); err != nil {
			t.Fatal(err)
		}
		if st := text(ctx, "#report-state"); st != "公開済み" {
			t.Errorf("state after publishing = %q", st)
		}

		viewer := chromium(t)
		if err := login(viewer, base, "acme-viewer", userPassword); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(viewer, chromedp.Click(chromedp.CSS(`nav a[href="/reports"]`)), chromedp.WaitVisible(chromedp.CSS(link))); err != nil {
			t.Fatal(err)
		}
		if n, _ := chromedp.Run(viewer, chromedp.Evaluate[int](`document.querySelectorAll("#reports tbody tr").length`)); n != 1 {
			t.Errorf("the viewer lists %d reports, want the published one only", n)
		}
		if err := chromedp.Do(viewer, chromedp.Click(chromedp.CSS(link)), chromedp.WaitVisible(chromedp.CSS("#topics"))); err != nil {
			t.Fatal(err)
		}
		if tp := text(viewer, "#topics"); !strings.Contains(tp, "来月のOS更新") {
			t.Errorf("the viewer's topics = %q", tp)
		}
		resp, err := chromedp.RunResponse(viewer, chromedp.Navigate(base+fmt.Sprintf("/tenants/acme/reports/%d", d.acmeDraft)))
		if err != nil || resp.Status != 404 {
			t.Errorf("the viewer opening a draft = %d, %v; want 404", status(resp), err)
		}
	})

	t.Run("an operator adds a weekly maintenance window and deletes it", func(t *testing.T) {
		ctx := chromium(t)
		acceptDialogs(ctx)
		if err := login(ctx, base, "admin", adminPassword); err != nil {
			t.Fatal(err)
		}
		today := time.Now().In(time.FixedZone("JST", 9*3600))
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/tenants/acme/maintenance"),
			chromedp.WaitVisible(chromedp.CSS("#window-form")),
			chromedp.SendKeys(chromedp.CSS("#w-name"), "月例パッチ適用"),
			chromedp.Click(chromedp.CSS("#w-kind-recurring")),
			chromedp.Click(chromedp.CSS(`input[name="weekdays"][value="sun"]`)),
			chromedp.SetValue(chromedp.CSS("#w-time"), "02:00"),
			chromedp.SetValue(chromedp.CSS("#w-dur"), "3h"),
			chromedp.SetValue(chromedp.CSS("#w-from"), today.Format(time.DateOnly)),
			chromedp.SetValue(chromedp.CSS("#w-to"), today.AddDate(0, 3, 0).Format(time.DateOnly)),
			chromedp.Click(chromedp.CSS("#window-create")),
			chromedp.WaitVisible(chromedp.CSS("#windows")),
		)
		if err != nil {
			t.Fatal(err)
		}
		// Four weeks ahead hold four Sundays (five when today is one before 02:00).
		n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#occurrences tbody tr").length`))
		if n < 4 || n > 5 {
			t.Errorf("%d coming occurrences, want the four or five Sundays of four weeks", n)
		}
		if first := text(ctx, "#occurrences tbody tr:first-child"); !strings.Contains(first, "02:00 JST") || !strings.Contains(first, "05:00 JST") {
			t.Errorf("first occurrence = %q, want 02:00-05:00 JST", first)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#windows button.delete")), chromedp.WaitVisible(chromedp.CSS("#windows-empty"))); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("an operator adds a webhook channel, tests it and escalates to it; no secret shows", func(t *testing.T) {
		hook := webhooktest.NewServer(t)
		ctx := chromium(t)
		if err := login(ctx, base, "admin", adminPassword); err != nil {
			t.Fatal(err)
		}
		// The webhook's own form: its URL, its signing secret (no JSON).
		err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`nav a[href="/settings/notifications"]`)),
			chromedp.Click(chromedp.CSS(`#notify-tenants a[href="/tenants/acme/settings/notifications"]`)),
			chromedp.Click(chromedp.CSS("#channel-new-webhook")),
			chromedp.WaitVisible(chromedp.CSS("#channel-form")),
			chromedp.SendKeys(chromedp.CSS("#ch-name"), "ops-hook"),
			chromedp.SendKeys(chromedp.CSS("#ch-url"), hook.WebhookURL()),
			chromedp.SendKeys(chromedp.CSS("#ch-secret"), webhooktest.Secret),
			chromedp.Click(chromedp.CSS("#channel-save")),
			chromedp.WaitVisible(chromedp.CSS(`#channels tr[data-channel="ops-hook"]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
		if strings.Contains(html, webhooktest.Secret) {
			t.Error("the settings page shows the webhook's secret")
		}
		err = chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`#channels tr[data-channel="ops-hook"] button.test`)),
			chromedp.WaitVisible(chromedp.CSS("p.notice")),
		)
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := hook.WaitFor(1, 10*time.Second)
		if err != nil || len(msgs) != 1 || !strings.Contains(msgs[0].Payload.Title, "テスト") {
			t.Errorf("the receiver got %+v, %v; want one Japanese test message", msgs, err)
		}
		err = chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#po-name"), "夜間"),
			chromedp.SetValue(chromedp.CSS("#po-when"), "out_of_hours"),
			chromedp.SendKeys(chromedp.CSS("#po-targets-0"), "ops-hook"),
			chromedp.SendKeys(chromedp.CSS("#po-wait-0"), "15m"),
			chromedp.Click(chromedp.CSS("#policy-create")),
			chromedp.WaitVisible(chromedp.CSS(`#policies tr[data-policy="夜間"]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		// A contact is mailed through an email channel of the tenant.
		f.srv.api(201, "POST", "/api/v1/tenants/acme/channels", "", map[string]any{"name": "ops-mail", "type": "email",
			"config": map[string]any{"host": "127.0.0.1", "port": 2525, "tls": "none", "from": "unyo@example.com", "to": []string{"ops@example.com"}}}, nil)
		err = chromedp.Do(ctx,
			chromedp.Navigate(base+"/tenants/acme/settings/notifications"),
			chromedp.WaitVisible(chromedp.CSS("#contact-form")),
			chromedp.SendKeys(chromedp.CSS("#ct-name"), "山田"),
			chromedp.SendKeys(chromedp.CSS("#ct-email"), "yamada@example.com"),
			chromedp.SetValue(chromedp.CSS("#ct-lang"), "ja"),
			chromedp.SetValue(chromedp.CSS("#ct-via"), "ops-mail"),
			chromedp.Click(chromedp.CSS("#contact-create")),
			chromedp.WaitVisible(chromedp.CSS(`#contacts tr[data-contact="山田"]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		if row := text(ctx, `#policies tr[data-policy="夜間"]`); !strings.Contains(row, "ops-hook") || !strings.Contains(row, "営業時間外") || !strings.Contains(row, "0h15m") {
			t.Errorf("the policy's row = %q", row)
		}
	})

	t.Run("a customer viewer gets 403 on another tenant's alert, incident and report", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, base, "acme-viewer", userPassword); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{
			fmt.Sprintf("/tenants/beta/alerts/%d", d.betaAlert), fmt.Sprintf("/tenants/beta/incidents/%d", d.betaIncident),
			fmt.Sprintf("/tenants/beta/reports/%d", d.betaReport), "/tenants/beta/alerts", "/alerts?tenant=beta",
		} {
			resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+path))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != 403 || !strings.Contains(text(ctx, "main"), "権限がありません") {
				t.Errorf("%s = %d, want 403 with the reason", path, resp.Status)
			}
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/alerts"), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
			t.Fatal(err)
		}
		if list := text(ctx, "main"); strings.Contains(list, "beta-app-01") || !strings.Contains(list, "acme-web-01") {
			t.Errorf("the viewer's alert list = %q, want acme's only", list)
		}
	})
}
