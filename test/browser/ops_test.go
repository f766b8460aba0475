package browser

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// tabOrder focuses first, presses Tab n times and returns the id of each
// field reached, and whether each showed a visible focus outline.
func tabOrder(t *testing.T, ctx context.Context, first string, n int) ([]string, bool) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(first))); err != nil {
		t.Fatal(err)
	}
	var ids []string
	visible := true
	for range n {
		if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
			t.Fatal(err)
		}
		id, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`))
		outline, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.activeElement).outlineStyle`))
		ids = append(ids, id)
		visible = visible && outline != "none"
	}
	return ids, visible
}

// TestOperatorDay drives the operator's daily forms through the real
// server in both languages: a Japanese admin opens an incident by keyboard
// (the tab order and the focus outline checked, Enter submits), resolves
// and reopens it, silences a host by label matcher after a preview, links
// the alert that then arrives silenced to the incident (both pages show
// the link), makes a report draft for a period and looks at the wall
// board; an English operator opens an incident for a customer chosen in
// the cross-tenant list, and is told which field is wrong in a silence and
// a report period.
func TestOperatorDay(t *testing.T) {
	f := newFixture(t)
	d := newDeskData(t, f)
	base := f.srv.url
	var tok struct{ Token string }
	f.srv.api(201, "POST", "/api/v1/tokens", "", map[string]any{"name": "acme-ops", "tenant": "acme", "scopes": []string{"ingest"}}, &tok)

	t.Run("ja: incident by keyboard, reopen, silence, link", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, base, "admin", adminPassword); err != nil {
			t.Fatal(err)
		}
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/tenants/acme/incidents"),
			chromedp.Click(chromedp.CSS("#open-incident summary")),
			chromedp.WaitVisible(chromedp.CSS("#open-short")),
		)
		if err != nil {
			t.Fatal(err)
		}
		checkLabels(t, ctx, "open incident")
		order, visible := tabOrder(t, ctx, "#open-short", 7)
		if want := []string{"open-desc", "open-service", "open-impact", "open-urgency", "open-group", "open-assignee", "open-submit"}; strings.Join(order, " ") != strings.Join(want, " ") {
			t.Errorf("tab order = %v, want %v", order, want)
		}
		if !visible {
			t.Error("a field reached by Tab shows no focus outline")
		}
		err = chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#open-group"), "運用1課"),
			chromedp.SendKeys(chromedp.CSS("#open-assignee"), "佐藤"),
			chromedp.Focus(chromedp.CSS("#open-short")),
			chromedp.KeyEvent("電話で受付: 受注画面が開かない"),
			chromedp.KeyEvent("\r"),
			chromedp.WaitVisible(chromedp.CSS("#incident-facts")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if h, who, grp := text(ctx, "main h1"), text(ctx, "#incident-assignee"), text(ctx, "#incident-group"); !strings.Contains(h, "電話で受付") || who != "佐藤" || grp != "運用1課" {
			t.Errorf("new incident: heading %q, assignee %q, group %q", h, who, grp)
		}
		incPath, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
		checkLabels(t, ctx, "incident")
		err = chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS("#assign-person"), "鈴木"),
			chromedp.Click(chromedp.CSS("#assign-submit")),
			// Only the reloaded page has the change on its timeline: waiting for
			// the facts would find the old page's before it goes.
			chromedp.WaitVisible(chromedp.CSS(`#timeline li[data-kind="changed"]`)),
			chromedp.SetValue(chromedp.CSS("#st-state"), "resolved"),
			chromedp.SendKeys(chromedp.CSS("#st-code"), "Solved (Permanently)"),
			chromedp.SendKeys(chromedp.CSS("#st-notes"), "再起動で復旧"),
			chromedp.Click(chromedp.CSS("#state-submit")),
			chromedp.WaitVisible(chromedp.CSS("#reopen-submit")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if who := text(ctx, "#incident-assignee"); who != "鈴木" {
			t.Errorf("assignee after the assign form = %q, want 鈴木", who)
		}
		if hint := text(ctx, "#reopen-hint"); !strings.Contains(hint, "7日以内") {
			t.Errorf("reopen hint = %q, want the 7-day window stated", hint)
		}
		err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#reopen-submit")), chromedp.WaitVisible(chromedp.CSS("#assign-form")))
		if err != nil {
			t.Fatal(err)
		}
		if st := text(ctx, "#incident-state"); st != "対応中" {
			t.Errorf("state after reopening = %q, want 対応中", st)
		}

		// A silence by matcher, previewed first.
		err = chromedp.Do(ctx,
			chromedp.Navigate(base+"/tenants/acme/alerts"),
			chromedp.Click(chromedp.CSS("#silences-link")),
			chromedp.WaitVisible(chromedp.CSS("#silence-form")),
		)
		if err != nil {
			t.Fatal(err)
		}
		checkLabels(t, ctx, "silences")
		err = chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#m-name-0"), "host"),
			chromedp.SendKeys(chromedp.CSS("#m-value-0"), "acme-web-01"),
			chromedp.SendKeys(chromedp.CSS("#sil-comment"), "Webサーバー移行作業"),
			chromedp.Click(chromedp.CSS("#silence-preview")),
			chromedp.WaitVisible(chromedp.CSS("#silence-matched")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if got := text(ctx, "#silence-matched"); !strings.Contains(got, "1件") || !strings.Contains(got, "CPU高負荷") {
			t.Errorf("preview = %q, want the firing CPU alert of acme-web-01", got)
		}
		err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#silence-submit")), chromedp.WaitVisible(chromedp.CSS(`#silences tr[data-state="active"]`)))
		if err != nil {
			t.Fatal(err)
		}
		// An alert of the silenced host opens no incident: the operator links it.
		f.srv.api(200, "POST", "/api/v1/intake/events", tok.Token, map[string]any{"fingerprint": "disk-slow", "severity": "warning",
			"summary": "ディスク応答遅延", "resource": "acme-web-01"}, nil)
		var alertID int64
		deadline := time.Now().Add(20 * time.Second)
		for alertID == 0 && time.Now().Before(deadline) {
			var alerts []struct {
				ID          int64
				Fingerprint string
			}
			f.srv.api(200, "GET", "/api/v1/tenants/acme/alerts", "", nil, &alerts)
			for _, a := range alerts {
				if strings.HasSuffix(a.Fingerprint, "disk-slow") {
					alertID = a.ID
				}
			}
		}
		if alertID == 0 {
			t.Fatal("the disk-slow alert did not arrive")
		}
		incID := strings.TrimPrefix(incPath, "/tenants/acme/incidents/")
		err = chromedp.Do(ctx,
			chromedp.Navigate(fmt.Sprintf("%s/tenants/acme/alerts/%d", base, alertID)),
			chromedp.WaitVisible(chromedp.CSS("#link-form")),
			chromedp.SetValue(chromedp.CSS("#link-incident"), incID),
			chromedp.Click(chromedp.CSS("#link-submit")),
			chromedp.WaitVisible(chromedp.CSS("#alert-incident")),
			chromedp.Click(chromedp.CSS("#alert-incident a")),
			chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`li[data-alert="%d"]`, alertID))),
		)
		if err != nil {
			t.Fatal(err)
		}
		if tl := text(ctx, "#timeline"); !strings.Contains(tl, "アラートを紐付け: ") {
			t.Errorf("timeline = %q, want the link recorded", tl)
		}

	})

	// A second browser: the first's 90 s would not cover every page on a busy machine.
	t.Run("ja: report draft, host page, wall", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, base, "admin", adminPassword); err != nil {
			t.Fatal(err)
		}
		// A report draft for a period chosen in the reports list.
		from, to := time.Now().AddDate(0, 0, -3).Format(time.DateOnly), time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/tenants/acme/reports"),
			chromedp.Click(chromedp.CSS("#create-report summary")),
			chromedp.WaitVisible(chromedp.CSS("#rc-from")),
			chromedp.SetValue(chromedp.CSS("#rc-from"), from),
			chromedp.SetValue(chromedp.CSS("#rc-to"), to),
			chromedp.SetValue(chromedp.CSS("#rc-service"), "基幹システム"),
			chromedp.Click(chromedp.CSS("#report-create-submit")),
			chromedp.WaitVisible(chromedp.CSS("#report-edit")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if st := text(ctx, "#report-state"); st != "下書き" {
			t.Errorf("new report state = %q, want 下書き", st)
		}

		// The host page: the values under the pointer, and a drag zooms.
		err = chromedp.Do(ctx, chromedp.Navigate(f.resourceURL()), chromedp.WaitVisible(chromedp.CSS(`#chart-cpu svg`)), chromedp.ScrollIntoView(chromedp.CSS(`#chart-cpu svg`)))
		if err != nil {
			t.Fatal(err)
		}
		box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = document.querySelector('#chart-cpu svg').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`))
		if err != nil || len(box) != 4 {
			t.Fatalf("chart box: %v %v", box, err)
		}
		y := box[1] + box[3]/2
		err = chromedp.Do(ctx,
			chromedp.MouseEvent(chromedp.MouseMoved, box[0]+box[2]*0.5, y),
			chromedp.WaitVisible(chromedp.CSS(`#chart-cpu .chart-tip`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		if tip := text(ctx, "#chart-cpu .chart-tip"); !strings.Contains(tip, "%") || !strings.Contains(tip, ":") {
			t.Errorf("tooltip = %q, want the time and the CPU value", tip)
		}
		err = chromedp.Do(ctx,
			chromedp.MouseEvent(chromedp.MousePressed, box[0]+box[2]*0.3, y, chromedp.ButtonLeft),
			chromedp.MouseEvent(chromedp.MouseMoved, box[0]+box[2]*0.6, y, chromedp.ButtonLeft),
			chromedp.MouseEvent(chromedp.MouseReleased, box[0]+box[2]*0.6, y, chromedp.ButtonLeft),
			chromedp.WaitVisible(chromedp.CSS("#zoom-reset")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if q, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`)); !strings.Contains(q, "from=") || !strings.Contains(q, "to=") {
			t.Errorf("after dragging, the page is at %q, want a from/to range", q)
		}

		// The wall board: no header, the time of the last refresh.
		err = chromedp.Do(ctx, chromedp.Navigate(base+"/board"), chromedp.Click(chromedp.CSS("#wall-link")), chromedp.WaitVisible(chromedp.CSS("#wall-updated")))
		if err != nil {
			t.Fatal(err)
		}
		if shown, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('header.top')).display`)); shown != "none" {
			t.Errorf("the wall board shows its header (display %q)", shown)
		}
	})

	t.Run("en: incident for a chosen customer, field errors", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, base, "en-operator", userPassword); err != nil {
			t.Fatal(err)
		}
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/incidents"),
			chromedp.Click(chromedp.CSS("#open-incident summary")),
			chromedp.WaitVisible(chromedp.CSS("#open-tenant")),
		)
		if err != nil {
			t.Fatal(err)
		}
		checkLabels(t, ctx, "open incident (en)")
		if s := text(ctx, "#open-incident summary"); s != "Open an incident" {
			t.Errorf("summary = %q", s)
		}
		err = chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS("#open-tenant"), "beta"),
			chromedp.SendKeys(chromedp.CSS("#open-short"), "Customer reports login failures"),
			chromedp.SetValue(chromedp.CSS("#open-impact"), "2"),
			chromedp.Click(chromedp.CSS("#open-submit")),
			chromedp.WaitVisible(chromedp.CSS("#incident-facts")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if path, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`)); !strings.HasPrefix(path, "/tenants/beta/incidents/") {
			t.Errorf("opened at %q, want under beta", path)
		}
		if facts := text(ctx, "#incident-facts"); !strings.Contains(facts, "Assigned to") || !strings.Contains(facts, "unassigned") {
			t.Errorf("facts = %q, want the English assignment fields", facts)
		}
		err = chromedp.Do(ctx,
			chromedp.Navigate(base+"/tenants/beta/silences"),
			chromedp.WaitVisible(chromedp.CSS("#silence-form")),
			chromedp.SendKeys(chromedp.CSS("#m-name-0"), "host"),
			chromedp.SetValue(chromedp.CSS("#m-op-0"), "=~"),
			chromedp.SendKeys(chromedp.CSS("#m-value-0"), "beta-("),
			chromedp.SendKeys(chromedp.CSS("#sil-comment"), "patching"),
			chromedp.Click(chromedp.CSS("#silence-submit")),
			chromedp.WaitVisible(chromedp.CSS("#form-error")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if h, msg := text(ctx, "main h1"), text(ctx, "#form-error"); h != "Silences of Beta Inc." || !strings.Contains(msg, "matchers[0].value") {
			t.Errorf("heading %q, error %q; want the English page naming matchers[0].value", h, msg)
		}
		if v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#m-value-0').value`)); v != "beta-(" {
			t.Errorf("the refused value was not kept: %q", v)
		}
		err = chromedp.Do(ctx,
			chromedp.Navigate(base+"/reports"),
			chromedp.Click(chromedp.CSS("#create-report summary")),
			chromedp.WaitVisible(chromedp.CSS("#rc-tenant")),
			chromedp.SetValue(chromedp.CSS("#rc-tenant"), "beta"),
			chromedp.SetValue(chromedp.CSS("#rc-from"), "2026-11-30"),
			chromedp.SetValue(chromedp.CSS("#rc-to"), "2026-11-01"),
			chromedp.Click(chromedp.CSS("#report-create-submit")),
			chromedp.WaitVisible(chromedp.CSS("#form-error")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if msg := text(ctx, "#form-error"); !strings.HasPrefix(msg, "to:") {
			t.Errorf("a period ending before it starts: %q, want an error naming to", msg)
		}
	})
	_ = d
}
