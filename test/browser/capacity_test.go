package browser

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestOperationPlanInTheBrowser: an operator opens a customer's capacity
// groups, sees the plan's calendar with its events as bars, proposes the
// draft and writes the next version in the editor; the customer's requester,
// in another browser, approves the proposal; the operator activates it,
// switches the calendar to the month and reads the diff between versions.
func TestOperationPlanInTheBrowser(t *testing.T) {
	s := startServer(t, freePort(t))
	s.api(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "acme", "name": "株式会社アクメ", "language": "ja", "time_zone": "Asia/Tokyo"}, nil)
	var svc, g struct{ ID int64 }
	s.api(201, "POST", "/api/v1/tenants/acme/services", "", map[string]any{"name": "shop",
		"service_level": map[string]any{"calendar": map[string]any{"time_zone": "Asia/Tokyo"}}}, &svc)
	s.api(201, "POST", "/api/v1/users", "", map[string]any{"login": "acme-requester", "role": "requester", "tenant": "acme", "password": userPassword, "language": "ja"}, nil)
	s.api(201, "POST", "/api/v1/users", "", map[string]any{"login": "ops", "role": "operator", "password": userPassword, "language": "ja"}, nil)
	s.api(201, "POST", "/api/v1/tenants/acme/capacity/groups", "", map[string]any{"name": "web-vmss", "service_id": svc.ID, "kind": "manual",
		"min": 1, "max": 20}, &g)
	start := time.Now().Add(26 * time.Hour).Truncate(time.Hour)
	s.api(201, "POST", fmt.Sprintf("/api/v1/tenants/acme/capacity/groups/%d/plan/versions", g.ID), "", map[string]any{"document": map[string]any{
		"baseline": map[string]any{"default": 2, "rules": []any{map[string]any{"days": []string{"mon", "tue", "wed", "thu", "fri"}, "start": "08:00", "end": "23:00", "count": 6}}},
		"events":   []any{map[string]any{"name": "年末セール", "start": start, "end": start.Add(4 * time.Hour), "count": 10, "lead": "1h"}}}}, nil)
	page := fmt.Sprintf("%s/tenants/acme/capacity/groups/%d", s.url, g.ID)

	ops := chromium(t)
	if err := login(ops, s.url, "ops", userPassword); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ops, chromedp.Navigate(s.url+"/tenants/acme/capacity"), chromedp.WaitVisible(chromedp.CSS("#capacity-groups"))); err != nil {
		t.Fatal(err)
	}
	if groups := textOf(t, ops, "#capacity-groups"); !strings.Contains(groups, "web-vmss") || !strings.Contains(groups, "manual") {
		t.Errorf("groups table: %q", groups)
	}
	if err := chromedp.Do(ops, chromedp.Click(chromedp.CSS(`#capacity-groups a`)), chromedp.WaitVisible(chromedp.CSS("#calendar"))); err != nil {
		t.Fatal(err)
	}
	if n := count(t, ops, "#calendar rect.event"); n == 0 || !strings.Contains(textOf(t, ops, "#calendar"), "年末セール") {
		t.Errorf("the calendar shows %d event bars", n)
	}
	err := chromedp.Do(ops,
		chromedp.Click(chromedp.CSS("#propose-1")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
		chromedp.SetValue(chromedp.CSS("#draft-document"), `{"baseline":{"default":3,"rules":[]},"events":[]}`),
		chromedp.SendKeys(chromedp.CSS("#draft-reason"), "夜間も3台に"),
		chromedp.Click(chromedp.CSS("#draft-create")),
		chromedp.WaitVisible(chromedp.CSS(`#versions tr[data-version="2"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if st := textOf(t, ops, `#versions tr[data-version="1"] .state`); st != "提案中" {
		t.Errorf("version 1 after propose: %q", st)
	}

	customer := chromium(t)
	if err := login(customer, s.url, "acme-requester", userPassword); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(customer, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#approve-1"))); err != nil {
		t.Fatal(err)
	}
	if count(t, customer, "#draft-form") != 0 {
		t.Error("the customer's requester is offered the editor")
	}
	if err := chromedp.Do(customer, chromedp.Click(chromedp.CSS("#approve-1")), chromedp.WaitVisible(chromedp.CSS("p.notice"))); err != nil {
		t.Fatal(err)
	}
	if a := textOf(t, customer, `#versions tr[data-version="1"] .approval`); !strings.Contains(a, "お客様承認") || !strings.Contains(a, "acme-requester") || strings.Contains(a, "user:") {
		t.Errorf("approval shown: %q", a)
	}

	err = chromedp.Do(ops,
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS("#activate-1")),
		chromedp.Click(chromedp.CSS("#activate-1")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
		chromedp.Click(chromedp.CSS("#view-month")),
		chromedp.WaitVisible(chromedp.CSS("#calendar")),
	)
	if err != nil {
		t.Fatal(err)
	}
	days := count(t, ops, `#calendar > text[x="4"]`)
	if st := textOf(t, ops, `#versions tr[data-version="1"] .state`); st != "運行中" {
		t.Errorf("version 1 after activate: %q", st)
	}
	if days < 28 {
		t.Errorf("the month view has %d day rows", days)
	}
	err = chromedp.Do(ops,
		chromedp.Click(chromedp.CSS(`#versions tr[data-version="2"] a.diff-link`)),
		chromedp.WaitVisible(chromedp.CSS("#diff")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if d := textOf(t, ops, "#diff"); !strings.Contains(d, "baseline.default") || !strings.Contains(d, "年末セール") {
		t.Errorf("the diff: %q", d)
	}
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// count is how many elements sel matches on the page.
func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	return n
}
