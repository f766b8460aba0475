package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	e := newEnv(t)
	here, elsewhere := e.login("operator"), e.login("operator")
	_, board, _ := here.get("/board")
	if !strings.Contains(board, `href="/account/password" id="password-link"`) {
		t.Fatal("the user menu has no link to the password page")
	}
	const next = "brand-new-password-1"
	change := func(current, password, confirm string) (int, string, string) {
		return here.postForm("/account/password", "/account/password",
			url.Values{"current_password": {current}, "password": {password}, "confirm_password": {confirm}})
	}
	for _, c := range []struct{ current, password, confirm, says string }{
		{"wrong-current-password", next, next, "現在のパスワードが正しくありません"},
		{testPassword, "short", "short", "at least 12 characters"},
		{testPassword, next, next + "x", "does not match"},
		{testPassword, testPassword, testPassword, "must differ"},
	} {
		code, page, _ := change(c.current, c.password, c.confirm)
		if code != http.StatusBadRequest || !strings.Contains(page, c.says) {
			t.Errorf("change %+v = %d, want 400 saying %q", c, code, c.says)
		}
	}
	if !elsewhere.loggedIn() {
		t.Fatal("a refused change ended a session")
	}
	// Without the form's token, nothing changes.
	if code, _, _ := here.post("/account/password", url.Values{"current_password": {testPassword}, "password": {next}, "confirm_password": {next}}); code != http.StatusForbidden {
		t.Errorf("change without CSRF token = %d, want 403", code)
	}
	code, _, loc := change(testPassword, next, next)
	if code != http.StatusSeeOther || loc != "/account/password?changed=1" {
		t.Fatalf("change = %d to %q", code, loc)
	}
	if _, page, _ := here.get(loc); !strings.Contains(page, "パスワードを変更しました") {
		t.Error("no notice that the password changed")
	}
	if !here.loggedIn() {
		t.Error("the browser that changed the password was logged out")
	}
	if elsewhere.loggedIn() {
		t.Error("the session elsewhere survived the password change")
	}
	if code, _, _ := e.browser().loginAs("operator", testPassword); code != http.StatusUnauthorized {
		t.Errorf("the old password = %d, want 401", code)
	}
	if code, _, _ := e.browser().loginAs("operator", next); code != http.StatusSeeOther {
		t.Errorf("the new password = %d, want 303", code)
	}
}

func TestPasswordPageIsInEnglish(t *testing.T) {
	e := newEnv(t)
	b := e.login("admin")
	b.postForm("/board", "/preferences", url.Values{"language": {"en"}})
	_, page, _ := b.get("/account/password")
	for _, want := range []string{"Change your password", "Current password", "New password (12 characters or more)", `minlength="12"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the English password page lacks %q", want)
		}
	}
}

// loggedIn reports whether the browser's session still opens the board.
func (b *browser) loggedIn() bool {
	code, _, _ := b.get("/board")
	return code == http.StatusOK
}

// TestPasswordChangeTouchesOnlyTheCaller: the form names no user; whatever
// a viewer adds to it, only the viewer's own password changes.
func TestPasswordChangeTouchesOnlyTheCaller(t *testing.T) {
	e := newEnv(t)
	beta := e.login("beta-viewer")
	acme := e.login("acme-viewer")
	const next = "acme-viewer-new-password"
	code, _, _ := acme.postForm("/account/password", "/account/password", url.Values{"current_password": {testPassword},
		"password": {next}, "confirm_password": {next}, "login": {"beta-viewer"}, "user_id": {"4"}, "id": {"4"}})
	if code != http.StatusSeeOther {
		t.Fatalf("change = %d", code)
	}
	if !beta.loggedIn() {
		t.Error("beta's viewer was logged out by acme's viewer's change")
	}
	if code, _, _ := e.browser().loginAs("beta-viewer", testPassword); code != http.StatusSeeOther {
		t.Errorf("beta's viewer with its own password = %d, want 303", code)
	}
	if code, _, _ := e.browser().loginAs("acme-viewer", next); code != http.StatusSeeOther {
		t.Errorf("acme's viewer with the new password = %d, want 303", code)
	}
}
