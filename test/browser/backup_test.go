package browser

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBackupPage: an operator sees on the board that acme has a backup
// policy at risk, follows the link to acme's backup page, reads the stale
// policy's state against its RPO and its job history, records a restore
// test of 2h against the 1h RTO from the form, and sees it listed over the
// RTO; a customer viewer of acme sees the page without the form.
func TestBackupPage(t *testing.T) {
	s := startServer(t, freePort(t))
	s.api(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "acme", "name": "株式会社アクメ", "language": "ja", "time_zone": "Asia/Tokyo"}, nil)
	s.api(201, "POST", "/api/v1/users", "", map[string]any{"login": "hanako", "name": "Hanako", "role": "operator", "password": "operator-password-1", "language": "ja", "time_zone": "Asia/Tokyo"}, nil)
	s.api(201, "POST", "/api/v1/users", "", map[string]any{"login": "acme-viewer", "role": "viewer", "tenant": "acme", "password": "viewer-password-12", "language": "ja"}, nil)
	var svc struct {
		ID int64 `json:"id"`
	}
	s.api(201, "POST", "/api/v1/tenants/acme/services", "", map[string]any{"name": "shop", "service_level": map[string]any{"rpo": "1h", "rto": "1h"}}, &svc)
	var shop struct {
		ID int64 `json:"id"`
	}
	s.api(201, "POST", "/api/v1/tenants/acme/backups/policies", "", map[string]any{"name": "shop-db", "service_id": svc.ID, "target": "shop-db data",
		"method": "db_dump", "schedule": "every 1h", "retention": "720h"}, &shop)
	s.api(201, "POST", "/api/v1/tenants/acme/backups/policies", "", map[string]any{"name": "files", "service_id": svc.ID, "target": "files data",
		"method": "db_dump", "schedule": "every 1h", "retention": "720h"}, nil)
	// shop-db's last good point is 3h old: beyond its 1h RPO. files' is fresh.
	point := time.Now().Add(-3 * time.Hour).UTC().Format(time.RFC3339)
	s.api(201, "POST", "/api/v1/tenants/acme/backups/jobs", "", map[string]any{"policy": "shop-db", "status": "ok", "size_bytes": 1 << 20,
		"finished_at": point, "message": "pg_dump ok"}, nil)
	s.api(201, "POST", "/api/v1/tenants/acme/backups/jobs", "", map[string]any{"policy": "files", "status": "ok", "size_bytes": 4096}, nil)

	ctx := chromium(t)
	if err := login(ctx, s.url, "hanako", "operator-password-1"); err != nil {
		t.Fatal(err)
	}
	if tile := text(ctx, `li[data-tenant="acme"] dd.backups`); !strings.Contains(tile, "失敗 0・リスクあり 1 / 2") {
		t.Errorf("acme's backup tile = %q, want one policy at risk of two", tile)
	}
	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`li[data-tenant="acme"] a.backup-risk`)),
		chromedp.WaitVisible(chromedp.CSS("#policies")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if row := text(ctx, `tr[data-policy="shop-db"]`); !strings.Contains(row, "リスクあり") || !strings.Contains(row, "RPO超過") || !strings.Contains(row, "RPO 1h00m") {
		t.Errorf("shop-db's row = %q, want at risk, RPO exceeded, against 1h", row)
	}
	if row := text(ctx, `tr[data-policy="files"]`); !strings.Contains(row, "正常") {
		t.Errorf("files' row = %q, want ok", row)
	}
	if jobs := text(ctx, "#jobs"); !strings.Contains(jobs, "pg_dump ok") || !strings.Contains(jobs, "成功") {
		t.Errorf("job history = %q", jobs)
	}

	// Record a restore test from the form, in the user's zone (Tokyo).
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	start := time.Now().In(tokyo).Add(-4 * time.Hour)
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#rt-policy"), strconv.FormatInt(shop.ID, 10)),
		chromedp.SetValue(chromedp.CSS("#rt-start"), start.Format("2006-01-02T15:04")),
		chromedp.SetValue(chromedp.CSS("#rt-end"), start.Add(2*time.Hour).Format("2006-01-02T15:04")),
		chromedp.SendKeys(chromedp.CSS("#rt-by"), "佐藤"),
		chromedp.SendKeys(chromedp.CSS("#rt-restored"), "shop-db を db-restore1 へ"),
		chromedp.SendKeys(chromedp.CSS("#rt-verification"), "注文件数が一致"),
		chromedp.Click(chromedp.CSS("#restore-submit")),
		chromedp.WaitVisible(chromedp.CSS("#restore-tests")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if row := text(ctx, "#restore-tests tbody tr"); !strings.Contains(row, "shop-db") || !strings.Contains(row, "佐藤") || !strings.Contains(row, "2h00m / 1h00m") || !strings.Contains(row, "RTO超過") {
		t.Errorf("restore test row = %q, want 2h against 1h, over the RTO", row)
	}
	var tests []struct {
		OverRTO bool `json:"over_rto"`
	}
	s.api(200, "GET", "/api/v1/tenants/acme/backups/policies/"+strconv.FormatInt(shop.ID, 10)+"/restore-tests", "", nil, &tests)
	if len(tests) != 1 || !tests[0].OverRTO {
		t.Errorf("restore tests by API: %+v", tests)
	}

	// The customer's viewer reads the page, without the form.
	vctx := chromium(t)
	if err := login(vctx, s.url, "acme-viewer", "viewer-password-12"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(vctx, chromedp.Navigate(s.url+"/tenants/acme/backups"), chromedp.WaitVisible(chromedp.CSS("#restore-tests"))); err != nil {
		t.Fatal(err)
	}
	if forms, err := chromedp.Run(vctx, chromedp.Evaluate[int](`document.querySelectorAll("#restore-form").length`)); err != nil || forms != 0 {
		t.Errorf("the viewer's page has %d restore forms (%v), want none", forms, err)
	}
}
