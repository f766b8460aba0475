package browser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestVendorCaseBlock drives the Vendor cases block of an incident page in
// the real server: a Japanese operator escalates the incident to Microsoft
// (every field labelled), which pauses its resolve clock (the service says
// vendor_wait: pause); Microsoft replies, the clock runs again; the case is
// closed. The customer's viewer sees the case and the escalation but not
// the internal notes nor a form; an English operator reads the tenant's
// list and the timeline in English.
func TestVendorCaseBlock(t *testing.T) {
	s := startServer(t, freePort(t))
	s.api(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "acme", "name": "株式会社アクメ", "language": "ja", "time_zone": "Asia/Tokyo"}, nil)
	for _, u := range []map[string]any{
		{"login": "hanako", "role": "operator", "password": userPassword, "language": "ja", "time_zone": "Asia/Tokyo"},
		{"login": "pat", "role": "operator", "password": userPassword, "language": "en", "time_zone": "UTC"},
		{"login": "acme-viewer", "role": "viewer", "tenant": "acme", "password": userPassword, "language": "ja"},
	} {
		s.api(201, "POST", "/api/v1/users", "", u, nil)
	}
	var svc, inc struct {
		ID int64 `json:"id"`
	}
	s.api(201, "POST", "/api/v1/tenants/acme/services", "", map[string]any{"name": "Microsoft 365",
		"service_level": map[string]any{"resolve_target": "8h", "vendor_wait": "pause"}}, &svc)
	s.api(201, "POST", "/api/v1/tenants/acme/incidents", "", map[string]any{"short_description": "Teams にサインインできない", "service_id": svc.ID}, &inc)
	page := fmt.Sprintf("%s/tenants/acme/incidents/%d", s.url, inc.ID)
	const number = "2612070040000555"
	row := fmt.Sprintf(`#vendor-case-list tr[data-case="%s"]`, number)

	t.Run("ja: escalate, the vendor replies, close", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, s.url, "hanako", userPassword); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#vendor-case-form"))); err != nil {
			t.Fatal(err)
		}
		if none := text(ctx, "#vendor-cases-none"); none != "ベンダー問い合わせはありません。" {
			t.Errorf("empty block says %q", none)
		}
		checkLabels(t, ctx, "incident with no vendor case")
		err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS("#vc-vendor"), "microsoft"),
			chromedp.SendKeys(chromedp.CSS("#vc-number"), number),
			chromedp.SendKeys(chromedp.CSS("#vc-severity"), "B"),
			chromedp.SendKeys(chromedp.CSS("#vc-plan"), "Unified Enterprise"),
			chromedp.SendKeys(chromedp.CSS("#vc-notes"), "社内メモ: 窓口は山田さん"),
			chromedp.Click(chromedp.CSS("#vc-submit")),
			chromedp.WaitVisible(chromedp.CSS(row+`[data-status="waiting_on_vendor"]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		checkLabels(t, ctx, "incident with a vendor case")
		if r := text(ctx, row); !strings.Contains(r, "Microsoft") || !strings.Contains(r, "Unified Enterprise") || !strings.Contains(r, "ベンダー回答待ち") {
			t.Errorf("case row = %q", r)
		}
		if tl := text(ctx, "#timeline"); !strings.Contains(tl, "Microsoftへエスカレーションしました（ケース "+number+"）") {
			t.Errorf("timeline lacks the escalation: %q", tl)
		}
		if c := text(ctx, `[data-clock="resolve"]`); !strings.Contains(c, "停止中") {
			t.Errorf("resolve clock = %q, want paused while Microsoft has the case", c)
		}
		err = chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS(row+" select[name=status]"), "waiting_on_us"),
			chromedp.Click(chromedp.CSS(row+" .vc-update-form button")),
			chromedp.WaitVisible(chromedp.CSS(row+`[data-status="waiting_on_us"]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		if tl := text(ctx, "#timeline"); !strings.Contains(tl, "Microsoftから回答がありました") {
			t.Errorf("timeline lacks the reply: %q", tl)
		}
		if c := text(ctx, `[data-clock="resolve"]`); !strings.Contains(c, "計測中") {
			t.Errorf("resolve clock = %q, want running again", c)
		}
		err = chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(row+` button[id^="vc-close-"]`)),
			chromedp.WaitVisible(chromedp.CSS(row+`[data-status="closed"]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#vendor-case-list form').length`)); n != 0 {
			t.Errorf("a closed case still has %d forms", n)
		}
	})

	t.Run("ja: the customer's viewer sees the case, not the notes", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, s.url, "acme-viewer", userPassword); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(row))); err != nil {
			t.Fatal(err)
		}
		main := text(ctx, "main")
		if !strings.Contains(main, "Microsoftへエスカレーション") || strings.Contains(main, "山田") {
			t.Errorf("viewer's page: want the escalation and no internal note: %q", main)
		}
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#vendor-cases form').length`)); n != 0 {
			t.Errorf("the viewer has %d vendor-case forms, want none", n)
		}
	})

	t.Run("en: the tenant's list and the timeline", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, s.url, "pat", userPassword); err != nil {
			t.Fatal(err)
		}
		err := chromedp.Do(ctx,
			chromedp.Navigate(s.url+"/tenants/acme"),
			chromedp.Click(chromedp.CSS(`main a[href="/tenants/acme/vendor-cases"]`)),
			chromedp.WaitVisible(chromedp.CSS("#vendor-cases-empty")),
			chromedp.Click(chromedp.CSS(`main a[href="/tenants/acme/vendor-cases?view=all"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#vendor-cases tr[data-case="`+number+`"]`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		if r := text(ctx, `#vendor-cases tr[data-case="`+number+`"]`); !strings.Contains(r, "INC0001001") || !strings.Contains(r, "Closed") {
			t.Errorf("list row = %q", r)
		}
		err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#vendor-cases a`)), chromedp.WaitVisible(chromedp.CSS("#timeline")))
		if err != nil {
			t.Fatal(err)
		}
		tl := text(ctx, "#timeline")
		for _, want := range []string{"Escalated to Microsoft, case " + number, "Microsoft replied, case " + number, "Microsoft case " + number + " closed"} {
			if !strings.Contains(tl, want) {
				t.Errorf("English timeline lacks %q: %q", want, tl)
			}
		}
	})
}
