package browser

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// unlabelled counts the form fields of main that no <label for> names.
const unlabelled = `[...document.querySelectorAll('main form input:not([type=hidden]), main form select, main form textarea')]
	.filter(e => !e.id || !document.querySelector('label[for="' + e.id + '"]')).length`

// checkLabels fails the test when a form field of the page has no label.
func checkLabels(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](unlabelled))
	if err != nil || n != 0 {
		t.Errorf("%s: %d form fields without a label (%v)", where, n, err)
	}
}

// typeKeys types into the focused field, as a person at a keyboard does,
// then Tab to the next one.
func typeKeys(texts ...string) chromedp.Action[chromedp.Void] {
	var steps []chromedp.Action[chromedp.Void]
	for _, s := range texts {
		steps = append(steps, chromedp.KeyEvent(s), chromedp.KeyEvent("\t"))
	}
	return chromedp.Steps(steps...)
}

// TestServiceDeskPages drives the service desk's pages through the real
// server in both languages: a Japanese operator adds a catalog item,
// opens an inquiry by keyboard alone and a request of the item, approves
// it and writes a work note and a comment; the customer's viewer sees the
// comment and not the note; an English operator records work, writes a
// runbook (rendered, its script dropped) and ticks off a checklist; the
// admin sets ServiceNow and sees "set", never the password.
func TestServiceDeskPages(t *testing.T) {
	s := startServer(t, freePort(t))
	s.api(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "acme", "name": "株式会社アクメ", "language": "ja", "time_zone": "Asia/Tokyo"}, nil)
	s.api(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "beta", "name": "Beta Inc.", "language": "en", "time_zone": "UTC"}, nil)
	for _, u := range []map[string]any{
		{"login": "hanako", "role": "operator", "password": userPassword, "language": "ja", "time_zone": "Asia/Tokyo"},
		{"login": "pat", "role": "operator", "password": userPassword, "language": "en", "time_zone": "UTC"},
		{"login": "acme-viewer", "role": "viewer", "tenant": "acme", "password": userPassword, "language": "ja"},
	} {
		s.api(201, "POST", "/api/v1/users", "", u, nil)
	}
	short := "beta-only inquiry"
	s.api(201, "POST", "/api/v1/tenants/beta/requests", "", map[string]any{"kind": "inquiry", "short_description": short}, nil)

	var inquiry string
	t.Run("ja: catalog, inquiry by keyboard, request approved, note and comment", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, s.url, "hanako", userPassword); err != nil {
			t.Fatal(err)
		}
		err := chromedp.Do(ctx,
			chromedp.Navigate(s.url+"/tenants/acme"),
			chromedp.Click(chromedp.CSS(`main a[href="/tenants/acme/catalog"]`)),
			chromedp.WaitVisible(chromedp.CSS("#catalog-form")),
		)
		if err != nil {
			t.Fatal(err)
		}
		checkLabels(t, ctx, "catalog")
		err = chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#cat-name"), "アカウント追加"),
			chromedp.Click(chromedp.CSS("#cat-approval")),
			chromedp.SendKeys(chromedp.CSS("#fn0"), "user"),
			chromedp.SendKeys(chromedp.CSS("#fl0"), "利用者名"),
			chromedp.Click(chromedp.CSS("#fr0")),
			chromedp.Click(chromedp.CSS("#catalog-create")),
			chromedp.WaitVisible(chromedp.CSS(`#catalog tr[data-item="アカウント追加"]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		if row := text(ctx, `#catalog tr[data-item="アカウント追加"]`); !strings.Contains(row, "利用者名 (1行テキスト, 必須)") || !strings.Contains(row, "✓") {
			t.Errorf("catalog row = %q", row)
		}
		// The inquiry by keyboard: focus its first field, type, Tab, type, Tab to the button, Enter.
		err = chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`nav.crumbs a[href="/tenants/acme/requests"]`)),
			chromedp.WaitVisible(chromedp.CSS("#inquiry-form")),
			chromedp.Focus(chromedp.CSS("#inq-short")),
			typeKeys("ライセンスの違いについて", "E3 と E5 の違いを教えてください"),
			chromedp.KeyEvent("\r"),
			chromedp.WaitVisible(chromedp.CSS("#request-facts")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if h := text(ctx, "main h1"); !strings.Contains(h, "ライセンスの違いについて") {
			t.Errorf("inquiry heading = %q", h)
		}
		checkLabels(t, ctx, "inquiry")
		inquiry, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
		err = chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#note-text"), "社内メモ: ライセンス表を確認"),
			chromedp.Click(chromedp.CSS("#note-submit")),
			chromedp.WaitVisible(chromedp.CSS(`#timeline li[data-kind="work_note"]`)),
			chromedp.Click(chromedp.CSS("#vis-comment")),
			chromedp.SendKeys(chromedp.CSS("#note-text"), "本日中に回答します"),
			chromedp.Click(chromedp.CSS("#note-submit")),
			chromedp.WaitVisible(chromedp.CSS(`#timeline li[data-kind="comment"]`)),
			chromedp.SetValue(chromedp.CSS("#st-state"), "resolved"),
			chromedp.SendKeys(chromedp.CSS("#st-code"), "Solved (Permanently)"),
			chromedp.SendKeys(chromedp.CSS("#st-notes"), "回答済み"),
			chromedp.Click(chromedp.CSS("#state-submit")),
			chromedp.WaitNotPresent(chromedp.CSS("#state-form")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if st := text(ctx, "#request-state"); st != "解決済み" {
			t.Errorf("state = %q, want 解決済み", st)
		}
		// A request of the catalog item; without its required field the
		// browser itself refuses, so the test fills it.
		err = chromedp.Do(ctx,
			chromedp.Navigate(s.url+"/tenants/acme/requests"),
			chromedp.WaitVisible(chromedp.CSS(`form.request-form[data-item="アカウント追加"]`)),
			chromedp.SendKeys(chromedp.CSS(`form.request-form[data-item="アカウント追加"] input[name="v_user"]`), "yamada"),
			chromedp.Click(chromedp.CSS(`form.request-form[data-item="アカウント追加"] button`)),
			chromedp.WaitVisible(chromedp.CSS("#request-values")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if v := text(ctx, "#request-values"); !strings.Contains(v, "利用者名") || !strings.Contains(v, "yamada") {
			t.Errorf("request values = %q", v)
		}
		if a := text(ctx, "#request-approval"); a != "承認待ち" {
			t.Errorf("approval = %q, want 承認待ち", a)
		}
		err = chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#dec-note"), "部長承認済み"),
			chromedp.Click(chromedp.CSS("#approve")),
			chromedp.WaitNotPresent(chromedp.CSS("#decision-form")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if a := text(ctx, "#request-approval"); !strings.HasPrefix(a, "承認済み (hanako") {
			t.Errorf("approval = %q, want approved by hanako (the person, not the session's user:hanako)", a)
		}
	})

	t.Run("ja: the customer's viewer sees the comment, not the work note", func(t *testing.T) {
		if inquiry == "" {
			t.Fatal("the inquiry was not opened by the subtest before")
		}
		ctx := chromium(t)
		if err := login(ctx, s.url, "acme-viewer", userPassword); err != nil {
			t.Fatal(err)
		}
		err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`nav a[href="/tenants/acme"]`)),
			chromedp.Click(chromedp.CSS(`main a[href="/tenants/acme/requests"]`)),
			chromedp.WaitVisible(chromedp.CSS("#requests")),
			// The resolved inquiry is under "show all".
			chromedp.Click(chromedp.CSS(`main a[href="/tenants/acme/requests?view=all"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#requests tr[data-request="INQ0001001"]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		if list := text(ctx, "#requests"); !strings.Contains(list, "ライセンスの違いについて") || strings.Contains(list, short) {
			t.Errorf("viewer's list = %q, want acme's inquiry and nothing of beta", list)
		}
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('main form').length`)); n != 0 {
			t.Errorf("the viewer's list has %d forms, want none", n)
		}
		err = chromedp.Do(ctx, chromedp.Navigate(s.url+inquiry), chromedp.WaitVisible(chromedp.CSS("#timeline")))
		if err != nil {
			t.Fatal(err)
		}
		if st := text(ctx, "#request-state"); st != "解決済み" {
			t.Errorf("viewer sees state %q, want 解決済み", st)
		}
		tl := text(ctx, "#timeline")
		if !strings.Contains(tl, "本日中に回答します") || strings.Contains(tl, "社内メモ") {
			t.Errorf("viewer's timeline = %q, want the comment and no work note", tl)
		}
		for _, p := range []string{"/tenants/acme/runbooks", "/tenants/acme/checklists", "/tenants/acme/settings/servicenow", "/tenants/beta/requests"} {
			if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`fetch(%q).then(r => r.status)`, p), chromedp.EvalAwaitPromise)); n != 403 {
				t.Errorf("viewer GET %s = %d, want 403", p, n)
			}
		}
	})

	t.Run("en: work report, runbook, checklist", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, s.url, "pat", userPassword); err != nil {
			t.Fatal(err)
		}
		start := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Minute)
		err := chromedp.Do(ctx,
			chromedp.Navigate(s.url+"/tenants/acme"),
			chromedp.Click(chromedp.CSS(`main a[href="/tenants/acme/work-reports"]`)),
			chromedp.WaitVisible(chromedp.CSS("#workreport-form")),
		)
		if err != nil {
			t.Fatal(err)
		}
		checkLabels(t, ctx, "work reports")
		if h := text(ctx, "#add-h"); h != "Record work" {
			t.Errorf("form heading = %q, want English", h)
		}
		err = chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#wr-subject"), "Renewed the TLS certificate"),
			chromedp.SetValue(chromedp.CSS("#wr-start"), start.Format("2006-01-02T15:04")),
			chromedp.SetValue(chromedp.CSS("#wr-end"), start.Add(45*time.Minute).Format("2006-01-02T15:04")),
			chromedp.SetValue(chromedp.CSS("#wr-result"), "partial"),
			chromedp.Click(chromedp.CSS("#workreport-save")),
			chromedp.WaitVisible(chromedp.CSS(`#workreports tr[data-report="Renewed the TLS certificate"]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		if row := text(ctx, `#workreports tr[data-report="Renewed the TLS certificate"]`); !strings.Contains(row, "0h45m") ||
			!strings.Contains(row, "partially done") || !strings.Contains(row, "pat") || !strings.Contains(row, start.Format("2006-01-02 15:04")+" UTC") {
			t.Errorf("work report row = %q", row)
		}

		err = chromedp.Do(ctx,
			chromedp.Navigate(s.url+"/tenants/acme/runbooks"),
			chromedp.WaitVisible(chromedp.CSS("#runbook-form")),
			chromedp.SendKeys(chromedp.CSS("#rb-title"), "Restart the database"),
			chromedp.SendKeys(chromedp.CSS("#rb-body"), "## Steps\n\n1. **Stop** the app\n<script>document.title='owned'</script>\n"),
			chromedp.Click(chromedp.CSS("#runbook-create")),
			chromedp.WaitVisible(chromedp.CSS("#runbook-body h2")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if h := text(ctx, "#runbook-body h2"); h != "Steps" {
			t.Errorf("runbook heading = %q", h)
		}
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#runbook-body script, #runbook-body strong').length * (document.title === 'owned' ? 100 : 1)`)); n != 1 {
			t.Errorf("runbook body: %d (want the <strong> only, no script run)", n)
		}

		err = chromedp.Do(ctx,
			chromedp.Navigate(s.url+"/tenants/acme/checklists"),
			chromedp.WaitVisible(chromedp.CSS("#checklist-form")),
			chromedp.SendKeys(chromedp.CSS("#cl-name"), "Morning checks"),
			chromedp.SendKeys(chromedp.CSS("#cl-items"), "Backups green\nDisks under 80%"),
			chromedp.Click(chromedp.CSS("#checklist-create")),
			chromedp.WaitVisible(chromedp.CSS("#checklist-day")),
			chromedp.SendKeys(chromedp.CSS("#note-1"), "72% on db-01"),
			chromedp.Click(chromedp.CSS(`li[data-item="1"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`li[data-item="1"].done`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		checkLabels(t, ctx, "checklist day")
		if p := text(ctx, "#cl-progress"); p != "1 of 2 done" {
			t.Errorf("progress = %q, want 1 of 2 done", p)
		}
		if it := text(ctx, `li[data-item="1"]`); !strings.Contains(it, "done by pat at") || !strings.Contains(it, "72% on db-01") {
			t.Errorf("done item = %q", it)
		}
	})

	t.Run("ja: ServiceNow settings keep the secret write-only", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, s.url, "admin", adminPassword); err != nil {
			t.Fatal(err)
		}
		const pw = "sn-password-never-shown"
		err := chromedp.Do(ctx,
			chromedp.Navigate(s.url+"/tenants/acme"),
			chromedp.Click(chromedp.CSS(`main a[href="/tenants/acme/settings/servicenow"]`)),
			chromedp.WaitVisible(chromedp.CSS("#servicenow-form")),
		)
		if err != nil {
			t.Fatal(err)
		}
		checkLabels(t, ctx, "servicenow")
		err = chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#sn-url"), "https://acme.service-now.com"),
			chromedp.SendKeys(chromedp.CSS("#sn-user"), "unyo"),
			chromedp.SendKeys(chromedp.CSS("#sn-password"), pw),
			chromedp.Click(chromedp.CSS("#servicenow-save")),
			chromedp.WaitVisible(chromedp.CSS("#servicenow-secret")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if sec := text(ctx, "#servicenow-secret"); sec != "設定済み" {
			t.Errorf("secret shows %q, want 設定済み", sec)
		}
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
		if strings.Contains(html, pw) {
			t.Error("the page holds the password")
		}
		var cfg struct {
			InstanceURL string `json:"instance_url"`
			HasSecret   bool   `json:"has_secret"`
		}
		s.api(200, "GET", "/api/v1/tenants/acme/servicenow", "", nil, &cfg)
		if cfg.InstanceURL != "https://acme.service-now.com" || !cfg.HasSecret {
			t.Errorf("stored configuration = %+v", cfg)
		}
	})
}

// serviceDeskShots makes a record of each service desk page through the
// API and names the pages for TestScreenshots.
func serviceDeskShots(t *testing.T, s *server) []struct{ name, path string } {
	t.Helper()
	var item, inq, wr, rb, cl struct{ ID int64 }
	s.api(201, "POST", "/api/v1/tenants/acme/catalog-items", "", map[string]any{"name": "アカウント追加", "description": "M365 アカウントの追加",
		"approval_required": true, "fields": []map[string]any{{"name": "user", "label": "利用者名", "type": "string", "required": true},
			{"name": "plan", "label": "プラン", "type": "choice", "choices": []string{"E3", "E5"}}}}, &item)
	s.api(201, "POST", "/api/v1/tenants/acme/requests", "", map[string]any{"kind": "inquiry", "short_description": "ライセンスの違いについて",
		"description": "E3 と E5 の違いを教えてください"}, &inq)
	s.api(200, "POST", fmt.Sprintf("/api/v1/tenants/acme/requests/%d/comments", inq.ID), "", map[string]any{"text": "本日中に回答します"}, nil)
	s.api(201, "POST", "/api/v1/tenants/acme/requests", "", map[string]any{"kind": "request", "catalog_item_id": item.ID,
		"values": map[string]any{"user": "yamada", "plan": "E5"}}, nil)
	start := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Minute)
	s.api(201, "POST", "/api/v1/tenants/acme/work-reports", "", map[string]any{"subject": "証明書更新", "worker": "佐藤", "result": "done",
		"started_at": start.Format(time.RFC3339), "ended_at": start.Add(45 * time.Minute).Format(time.RFC3339)}, &wr)
	s.api(201, "POST", "/api/v1/tenants/acme/runbooks", "", map[string]any{"title": "DB 再起動", "body": "## 手順\n\n1. **アプリを停止**\n2. `systemctl restart postgresql`\n"}, &rb)
	s.api(201, "POST", "/api/v1/tenants/acme/checklists", "", map[string]any{"name": "朝の点検", "items": []string{"バックアップ確認", "ディスク使用率確認"}}, &cl)
	return []struct{ name, path string }{
		{"catalog", "/tenants/acme/catalog"},
		{"checklist", fmt.Sprintf("/tenants/acme/checklists/%d", cl.ID)},
		{"requests", "/tenants/acme/requests"},
		{"request", fmt.Sprintf("/tenants/acme/requests/%d", inq.ID)},
		{"runbook", fmt.Sprintf("/tenants/acme/runbooks/%d", rb.ID)},
		{"servicenow", "/tenants/acme/settings/servicenow"},
		{"work-reports", "/tenants/acme/work-reports"},
		{"work-report", fmt.Sprintf("/tenants/acme/work-reports/%d", wr.ID)},
	}
}
