package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const passwordBanner = `id="password-banner"`

// TestPasswordBannerForAUserAnAdminCreated: a user whose password an admin
// typed sees, on every page and in their language, a banner linking to the
// password page, until they change it; the admin, whose password is their
// own, never sees it.
func TestPasswordBannerForAUserAnAdminCreated(t *testing.T) {
	e := newEnv(t)
	admin := e.login("admin")
	if code, _, _ := admin.postForm("/settings/users", "/settings/users", url.Values{"login": {"hanako"}, "role": {"viewer"},
		"tenant": {"acme"}, "password": {"hanako-password-1"}, "language": {"en"}, "time_zone": {"UTC"}}); code != http.StatusCreated {
		t.Fatalf("create user = %d", code)
	}
	for _, path := range []string{"/board", "/settings/users"} {
		if _, page, _ := admin.get(path); strings.Contains(page, passwordBanner) {
			t.Errorf("the admin, with their own password, sees the banner on %s", path)
		}
	}
	hb := e.browser()
	if code, _, _ := hb.loginAs("hanako", "hanako-password-1"); code != http.StatusSeeOther {
		t.Fatalf("the new user cannot log in: %d", code)
	}
	for _, path := range []string{"/board", "/tenants/acme", "/account/password"} {
		code, page, _ := hb.get(path)
		if code != http.StatusOK || !strings.Contains(page, passwordBanner) ||
			!strings.Contains(page, "Your password was set by someone else") ||
			!strings.Contains(page, `<a href="/account/password" id="password-banner-link">Change your password</a>`) {
			t.Errorf("%s (%d) has no English banner linking to the password page", path, code)
		}
	}
	// In Japanese too.
	hb.postForm("/board", "/preferences", url.Values{"language": {"ja"}, "time_zone": {"UTC"}})
	if _, page, _ := hb.get("/board"); !strings.Contains(page, "ご自身だけが知るパスワードに変更してください") {
		t.Error("no Japanese banner")
	}
	// A refused change keeps the banner.
	if code, page, _ := hb.postForm("/account/password", "/account/password", url.Values{"current_password": {"wrong-password-1"},
		"password": {"hanakos-own-pass"}, "confirm_password": {"hanakos-own-pass"}}); code != http.StatusBadRequest || !strings.Contains(page, passwordBanner) {
		t.Errorf("refused change = %d, banner shown: %v", code, strings.Contains(page, passwordBanner))
	}
	if code, _, _ := hb.postForm("/account/password", "/account/password", url.Values{"current_password": {"hanako-password-1"},
		"password": {"hanakos-own-pass"}, "confirm_password": {"hanakos-own-pass"}}); code != http.StatusSeeOther {
		t.Fatalf("change = %d, want 303", code)
	}
	for _, path := range []string{"/board", "/account/password?changed=1"} {
		if _, page, _ := hb.get(path); strings.Contains(page, passwordBanner) {
			t.Errorf("%s still shows the banner after the user set their own password", path)
		}
	}
	// A later login keeps it gone: the mark is stored, not held by the session.
	again := e.browser()
	if code, _, _ := again.loginAs("hanako", "hanakos-own-pass"); code != http.StatusSeeOther {
		t.Fatalf("login with the new password = %d", code)
	}
	if _, page, _ := again.get("/board"); strings.Contains(page, passwordBanner) {
		t.Error("the banner came back at the next login")
	}
}
