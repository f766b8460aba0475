package browser

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"
)

// login fills the login form as a person would and waits for the board.
func login(ctx context.Context, base, user, password string) error {
	return chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("ul.tiles")),
	)
}

func text(ctx context.Context, sel string) string {
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		return "error: " + err.Error()
	}
	return s
}

func TestConsole(t *testing.T) {
	f := newFixture(t)
	base := f.srv.url

	t.Run("login shows the tenant on the board", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, base, "admin", adminPassword); err != nil {
			t.Fatal(err)
		}
		tile := text(ctx, `li[data-tenant="acme"]`)
		for _, want := range []string{"株式会社アクメ", "2 (database 1, host 1)", "重大 1", "受発注画面が遅い", "受付: 期限"} {
			if !strings.Contains(tile, want) {
				t.Errorf("acme's tile = %q, want %q in it", tile, want)
			}
		}
		if beta := text(ctx, `li[data-tenant="beta"]`); !strings.Contains(beta, "重大 0") || !strings.Contains(beta, "なし") {
			t.Errorf("beta's tile = %q, want no alerts and no incidents", beta)
		}
		if _, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS(`li.tile.crit[data-tenant="acme"]`))); err != nil {
			t.Errorf("acme's tile is not marked critical: %v", err)
		}
	})

	t.Run("a resource's chart from remote-written samples", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, base, "admin", adminPassword); err != nil {
			t.Fatal(err)
		}
		err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`li[data-tenant="acme"] h2 a`)),
			chromedp.WaitVisible(chromedp.CSS(`a[href$="/resources/`+fmt.Sprint(f.hostID)+`"]`)),
			chromedp.Click(chromedp.CSS(`a[href$="/resources/`+fmt.Sprint(f.hostID)+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#chart-cpu[data-has-data="true"] svg polyline`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		caption := text(ctx, "#chart-memory figcaption")
		if !strings.Contains(caption, "75.0%") {
			t.Errorf("memory caption = %q, want 75.0%%", caption)
		}
		err = chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`a[data-range="24h"]`)),
			chromedp.WaitVisible(chromedp.CSS(`a[data-range="24h"][aria-current="true"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#chart-cpu[data-has-data="true"] svg polyline`)),
		)
		if err != nil {
			t.Fatalf("the 24h range: %v", err)
		}
	})

	t.Run("a customer viewer gets 403 on another tenant", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, base, "acme-viewer", userPassword); err != nil {
			t.Fatal(err)
		}
		if board := text(ctx, "ul.tiles"); strings.Contains(board, "Beta") {
			t.Errorf("acme's viewer sees beta on the board: %q", board)
		}
		for _, path := range []string{"/tenants/beta", fmt.Sprintf("/tenants/beta/resources/%d", f.betaID), "/tenants/beta/monitoring", "/settings/users"} {
			resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+path))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != 403 || !strings.Contains(text(ctx, "main"), "権限がありません") {
				t.Errorf("%s = %d, want 403 with the reason", path, resp.Status)
			}
		}
		resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(f.resourceURL()))
		if err != nil || resp.Status != 200 {
			t.Errorf("own resource = %v, %v; want 200", status(resp), err)
		}
	})

	t.Run("single sign-on against mockoidc", func(t *testing.T) {
		ctx := chromium(t)
		f.oidc.QueueUser(&mockoidc.MockUser{Subject: "sso-1", Email: "hanako@contoso.com", PreferredUsername: "hanako", EmailVerified: true})
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/login"),
			chromedp.Click(chromedp.CSS("#login-oidc")),
			chromedp.WaitVisible(chromedp.CSS("ul.tiles")),
		)
		if err != nil {
			t.Fatal(err)
		}
		// A new SSO user takes the browser's language: headless Chromium asks for English.
		if who := text(ctx, ".who"); who != "hanako (viewer)" {
			t.Errorf("logged in as %q, want hanako, a viewer", who)
		}
		if board := text(ctx, "ul.tiles"); !strings.Contains(board, "株式会社アクメ") || strings.Contains(board, "Beta") {
			t.Errorf("the SSO viewer's board = %q, want acme only (contoso.com maps to acme)", board)
		}
	})

	t.Run("switching the language to Japanese", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, base, "en-operator", userPassword); err != nil {
			t.Fatal(err)
		}
		if h := text(ctx, "main h1"); h != "Board" {
			t.Fatalf("an English user's board heading = %q", h)
		}
		err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS("#pref-language"), "ja"),
			chromedp.Click(chromedp.CSS("#pref-save")),
			chromedp.WaitVisible(chromedp.CSS(`html[lang="ja"] ul.tiles`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		if h := text(ctx, "main h1"); h != "全体ボード" {
			t.Errorf("after switching, heading = %q, want 全体ボード", h)
		}
		if nav := text(ctx, `nav[aria-label="メインメニュー"]`); !strings.Contains(nav, "ボード") {
			t.Errorf("navigation = %q, want Japanese", nav)
		}
	})

	t.Run("keyboard: the skip link is the first stop and leads to main", func(t *testing.T) {
		ctx := chromium(t)
		if err := login(ctx, base, "admin", adminPassword); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
			t.Fatal(err)
		}
		focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.className + "|" + document.activeElement.getAttribute("href")`))
		if err != nil {
			t.Fatal(err)
		}
		if focused != "skip|#main" {
			t.Errorf("first Tab focuses %q, want the skip link", focused)
		}
	})
}

func status(r *network.Response) int64 {
	if r == nil {
		return 0
	}
	return r.Status
}
