package browser

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDriftBadgeInTheBrowser applies a design that creates its tenant,
// edits the applied service by hand in the console, and sees the service
// marked as changed by hand on the tenant's page, in Japanese and in
// English; the resource left as designed is not marked.
func TestDriftBadgeInTheBrowser(t *testing.T) {
	s := startServer(t, freePort(t))
	design := map[string]any{
		"tenant":          "shop",
		"tenant_settings": map[string]any{"name": "ショップ株式会社", "language": "ja", "time_zone": "Asia/Tokyo"},
		"services":        []map[string]any{{"name": "web-shop", "description": "通販サイト", "service_level": map[string]any{"resolve_target": "4h"}}},
		"resources":       []map[string]any{{"name": "shop-web-01", "kind": "host", "service": "web-shop", "labels": map[string]string{"os": "linux"}}},
	}
	s.api(200, "POST", "/api/v1/tenants/shop/design/apply", "", map[string]any{"design": design, "commit": "b1"}, nil)
	var services []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	s.api(200, "GET", "/api/v1/tenants/shop/services", "", nil, &services)
	if len(services) != 1 {
		t.Fatalf("services after apply: %+v", services)
	}

	ctx := chromium(t)
	if err := login(ctx, s.url, "admin", adminPassword); err != nil {
		t.Fatal(err)
	}
	badge := `h3 [data-drift-kind="service"][data-drift="web-shop"]`
	err := chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/tenants/shop"),
		chromedp.WaitVisible(chromedp.CSS("h1")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, "[data-drift]"); n != 0 {
		t.Fatalf("%d drift badges on a tenant as designed", n)
	}
	// By hand: the service's description, in its edit form.
	err = chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/tenants/shop/services/"+strconv.FormatInt(services[0].ID, 10)+"/edit"),
		chromedp.WaitVisible(chromedp.CSS("#svc-desc")),
		chromedp.SetValue(chromedp.CSS("#svc-desc"), "通販サイト（手で変更）"),
		chromedp.Click(chromedp.CSS("#service-save")),
		chromedp.WaitNotPresent(chromedp.CSS("#service-form")),
		chromedp.Navigate(s.url+"/tenants/shop"),
		chromedp.WaitVisible(chromedp.CSS(badge)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, badge); got != "手動変更あり" {
		t.Errorf("the Japanese badge says %q", got)
	}
	if n := count(t, ctx, `[data-drift="shop-web-01"]`); n != 0 {
		t.Error("the resource left as designed is marked")
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#pref-language"), "en"),
		chromedp.Click(chromedp.CSS("#pref-save")),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(badge)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, badge); got != "Changed by hand" {
		t.Errorf("the English badge says %q", got)
	}
	if title, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(badge), "title")); err != nil || !strings.Contains(title.Value, "next apply") {
		t.Errorf("the badge's hint is %q (%v)", title.Value, err)
	}
}
