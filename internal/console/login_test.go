package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLoginShowsBoardAndLogoutEndsIt(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	if code, _, loc := b.get("/board"); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
		t.Fatalf("board before login = %d to %q, want a redirect to the login page", code, loc)
	}
	code, body, _ := b.loginAs("admin", "wrong-password-123")
	if code != http.StatusUnauthorized || !strings.Contains(body, "ログインIDまたはパスワードが正しくありません") {
		t.Fatalf("wrong password = %d, want 401 with the reason", code)
	}
	if code, _, loc := b.loginAs("admin", testPassword); code != http.StatusSeeOther || loc != "/board" {
		t.Fatalf("login = %d to %q", code, loc)
	}
	code, body, _ = b.get("/board")
	if code != 200 || !strings.Contains(body, "株式会社アクメ") || !strings.Contains(body, "Beta Inc.") {
		t.Fatalf("board = %d, want both tenants:\n%s", code, body)
	}
	if code, _, loc := b.postForm("/board", "/logout", url.Values{}); code != http.StatusSeeOther || loc != "/login" {
		t.Fatalf("logout = %d to %q", code, loc)
	}
	if code, _, _ := b.get("/board"); code != http.StatusSeeOther {
		t.Errorf("board after logout = %d, want a redirect to login", code)
	}
}

func TestLoginReturnsToTheAskedPageOnlyOnThisSite(t *testing.T) {
	e := newEnv(t)
	for next, want := range map[string]string{"/tenants/acme": "/tenants/acme", "//evil.example/x": "/board", "https://evil.example": "/board"} {
		b := e.browser()
		_, page, _ := b.get("/login")
		_, _, loc := b.post("/login", url.Values{"login": {"admin"}, "password": {testPassword}, "next": {next}, "csrf_token": {csrfOf(page)}})
		if loc != want {
			t.Errorf("next=%q: redirected to %q, want %q", next, loc, want)
		}
	}
}

func TestFormsWithoutCSRFTokenAreRefused(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.get("/login")
	if code, _, _ := b.post("/login", url.Values{"login": {"admin"}, "password": {testPassword}}); code != http.StatusForbidden {
		t.Errorf("login without form token = %d, want 403", code)
	}
	b = e.login("admin")
	code, _, _ := b.post("/preferences", url.Values{"language": {"en"}, "csrf_token": {"forged"}})
	if code != http.StatusForbidden {
		t.Errorf("preferences with a forged token = %d, want 403", code)
	}
	if _, body, _ := b.get("/board"); !strings.Contains(body, `lang="ja"`) {
		t.Error("a forged form changed the user's language")
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	_, page, _ := b.get("/login")
	req, _ := http.NewRequest("POST", e.url+"/login", strings.NewReader(url.Values{"login": {"admin"}, "password": {testPassword}, "csrf_token": {csrfOf(page)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "unyo_session" {
			if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie behind https = %+v, want HttpOnly, Secure, SameSite=Lax", c)
			}
			return
		}
	}
	t.Fatal("no session cookie set")
}
