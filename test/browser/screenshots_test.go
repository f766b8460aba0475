package browser

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestScreenshots saves PNGs of the main pages into $UNYO_SCREENSHOTS, for
// people to look at (`make screenshots`); it is not a check.
// $UNYO_SCREENSHOTS_ONLY=setup,incident takes only the shots named.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("UNYO_SCREENSHOTS")
	if dir == "" {
		t.Skip("set UNYO_SCREENSHOTS=<dir> (or run `make screenshots`) to save screenshots of the console")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	d := newDeskData(t, f)
	base := f.srv.url
	// A recurring window, so the calendar has occurrences to show.
	f.srv.api(201, "POST", "/api/v1/tenants/acme/maintenance-windows", "", map[string]any{"name": "定期パッチ適用",
		"recurrence": map[string]any{"frequency": "weekly", "weekdays": []string{"sun"}, "start_time": "02:00", "duration": "3h",
			"time_zone": "Asia/Tokyo", "starts_on": "2026-01-01", "ends_on": "2027-12-31"}}, nil)
	shots := []struct{ name, path string }{
		{"board", "/board"},
		{"tenant", "/tenants/acme"},
		{"resource", fmt.Sprintf("/tenants/acme/resources/%d", f.hostID)},
		{"monitoring", "/tenants/acme/monitoring"},
		{"tokens", "/settings/tokens"},
		{"users", "/settings/users"},
		{"forbidden", "/tenants/nope"},
		{"alerts", "/alerts"},
		{"alert", fmt.Sprintf("/tenants/acme/alerts/%d", d.acmeAlert)},
		{"alert-history", "/alerts?view=history"},
		{"incidents", "/incidents"},
		{"incident", fmt.Sprintf("/tenants/acme/incidents/%d", d.acmeIncident)},
		{"maintenance", "/tenants/acme/maintenance"},
		{"reports", "/reports"},
		{"report", fmt.Sprintf("/tenants/acme/reports/%d", d.acmeReport)},
		{"notifications", "/tenants/acme/settings/notifications"},
		{"cloud-accounts", "/tenants/acme/settings/cloud-accounts"},
		{"silences", fmt.Sprintf("/tenants/acme/silences?alert=%d", d.acmeAlert)},
		{"board-wall", "/board?wall=1"},
		{"incidents-acme", "/tenants/acme/incidents"},
	}
	shots = append(shots, serviceDeskShots(t, f.srv)...)
	shots = append(shots, adminShots(t, f)...)
	shots = append(shots, dashboardShots(t, f.srv)...)
	// Only the shots named in $UNYO_SCREENSHOTS_ONLY (comma-separated), when set.
	if only := os.Getenv("UNYO_SCREENSHOTS_ONLY"); only != "" {
		names := strings.Split(only, ",")
		shots = slices.DeleteFunc(shots, func(s struct{ name, path string }) bool { return !slices.Contains(names, s.name) })
	}
	// Each pass is an admin, who may see every page (the first setup is an
	// admin's): the Japanese one the built-in admin, the English one an
	// admin whose language is English.
	f.srv.api(201, "POST", "/api/v1/users", "", map[string]any{"login": "en-admin", "name": "Alex Admin", "role": "admin",
		"password": userPassword, "language": "en", "time_zone": "UTC"}, nil)
	for _, lang := range []struct{ user, password, suffix string }{{"admin", adminPassword, "ja"}, {"en-admin", userPassword, "en"}} {
		ctx := chromium(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login?lang="+lang.suffix)); err != nil {
			t.Fatal(err)
		}
		save(t, ctx, filepath.Join(dir, "login-"+lang.suffix+".png"))
		if err := login(ctx, base, lang.user, lang.password); err != nil {
			t.Fatal(err)
		}
		for _, s := range shots {
			if err := chromedp.Do(ctx, chromedp.Navigate(base+s.path), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
				t.Fatal(err)
			}
			save(t, ctx, filepath.Join(dir, s.name+"-"+lang.suffix+".png"))
		}
	}
}

func save(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("saved %s", path)
}
