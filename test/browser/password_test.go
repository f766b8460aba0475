package browser

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPasswordChange: a user whose password an admin set sees a banner
// asking them to change it, follows its link, changes the password, and the
// banner is gone; they log out and log in with the new one; the session
// they had open in another browser is ended, and the old password no
// longer works.
func TestPasswordChange(t *testing.T) {
	s := startServer(t, freePort(t))
	const oldPassword, newPassword = "first-password-123", "second-password-456"
	s.api(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "acme", "name": "株式会社アクメ"}, nil)
	s.api(201, "POST", "/api/v1/users", "", map[string]any{"login": "hanako", "name": "Hanako", "role": "operator", "password": oldPassword, "language": "ja"}, nil)

	// The other browser, where hanako is logged in too.
	elsewhere := webLogin(t, s.url, "hanako", oldPassword)

	ctx := chromium(t)
	if err := login(ctx, s.url, "hanako", oldPassword); err != nil {
		t.Fatal(err)
	}
	if banner := text(ctx, "#password-banner"); !strings.Contains(banner, "ご自身だけが知るパスワードに変更してください") {
		t.Fatalf("banner for a password the admin set = %q, want one asking to change it", banner)
	}
	err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#password-banner-link")),
		chromedp.WaitVisible(chromedp.CSS("#pwd-current")),
		chromedp.SendKeys(chromedp.CSS("#pwd-current"), oldPassword),
		chromedp.SendKeys(chromedp.CSS("#pwd-new"), newPassword),
		chromedp.SendKeys(chromedp.CSS("#pwd-confirm"), newPassword),
		chromedp.Click(chromedp.CSS("#pwd-submit")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if notice := text(ctx, "p.notice"); !strings.Contains(notice, "パスワードを変更しました") {
		t.Errorf("notice = %q, want that the password changed", notice)
	}
	if bannerShown(t, ctx) {
		t.Error("the banner is still shown after the password change")
	}
	if code, _ := elsewhere.get("/board"); code != http.StatusSeeOther {
		t.Errorf("the other browser's board after the password change = %d, want a redirect to login", code)
	}

	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), "hanako"),
		chromedp.SendKeys(chromedp.CSS("#password"), oldPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#form-error")),
	)
	if err != nil {
		t.Fatalf("logging in with the old password: %v", err)
	}
	if err := login(ctx, s.url, "hanako", newPassword); err != nil {
		t.Fatalf("logging in with the new password: %v", err)
	}
	if bannerShown(t, ctx) {
		t.Error("the banner came back at the next login")
	}
}

// bannerShown reports whether the loaded page has the change-your-password banner.
func bannerShown(t *testing.T, ctx context.Context) bool {
	t.Helper()
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#password-banner") !== null`))
	if err != nil {
		t.Fatal(err)
	}
	return shown
}
