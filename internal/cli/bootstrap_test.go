package cli

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// get fetches a console page and returns its status and body.
func (c *consoleClient) get(path string) (int, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

const passwordBanner = `id="password-banner"`

// TestGeneratedAdminPasswordBannerUntilChanged: the first admin's password
// was generated and printed to whoever read the server's output, so every
// console page asks the admin to change it, until they do.
func TestGeneratedAdminPasswordBannerUntilChanged(t *testing.T) {
	a, cfg := testAppWithoutAdmin(t)
	ctx := context.Background()
	generated, err := bootstrapAdmin(ctx, a.objects, "")
	if err != nil {
		t.Fatal(err)
	}
	c := loginConsoleAs(t, a, cfg, generated)
	for _, path := range []string{"/board", "/tenants/acme", "/account/password"} {
		code, page := c.get(path)
		if code != http.StatusOK {
			t.Fatalf("GET %s = %d", path, code)
		}
		if !strings.Contains(page, passwordBanner) || !strings.Contains(page, `<a href="/account/password" id="password-banner-link">`) {
			t.Errorf("%s has no banner linking to the password page for the admin with a generated password", path)
		}
	}
	const own = "the-admins-own-password"
	if code := c.postForm("/account/password", "/account/password",
		url.Values{"current_password": {generated}, "password": {own}, "confirm_password": {own}}); code != http.StatusSeeOther {
		t.Fatalf("password change = %d, want 303", code)
	}
	for _, path := range []string{"/board", "/account/password"} {
		if _, page := c.get(path); strings.Contains(page, passwordBanner) {
			t.Errorf("%s still shows the banner after the admin changed the password", path)
		}
	}
	u, err := a.objects.UserByLogin(ctx, "admin")
	if err != nil || u.PasswordMustChange {
		t.Errorf("after the change: PasswordMustChange = %v (%v), want false", u != nil && u.PasswordMustChange, err)
	}
}

// TestOperatorChosenAdminPasswordHasNoBanner: a password the operator gave
// through UNYO_ADMIN_PASSWORD is theirs; the console does not nag.
func TestOperatorChosenAdminPasswordHasNoBanner(t *testing.T) {
	a, cfg := testApp(t) // bootstraps with a given password
	c := loginConsole(t, a, cfg)
	if _, page := c.get("/board"); strings.Contains(page, passwordBanner) {
		t.Error("the banner shows for an admin password the operator chose")
	}
}
