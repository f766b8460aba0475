package console

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/model"
)

var secretRE = regexp.MustCompile(`unyo_[A-Za-z0-9_-]{40,}`)

func TestTokenIsShownOnceAndRevokes(t *testing.T) {
	e := newEnv(t)
	b := e.login("admin")
	code, body, _ := b.postForm("/settings/tokens", "/settings/tokens", url.Values{"name": {"grafana"}, "tenant": {"acme"}, "scopes": {"read"}})
	secret := secretRE.FindString(body)
	if code != http.StatusCreated || secret == "" {
		t.Fatalf("create token = %d, want 201 showing the secret", code)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	p, err := e.authn.Authenticate(req)
	if err != nil || p.Tenant != "acme" || !p.Can(model.ScopeRead) || p.Can(model.ScopeWrite) {
		t.Fatalf("the new token authenticates as %+v, %v; want acme read-only", p, err)
	}
	_, list, _ := b.get("/settings/tokens")
	if strings.Contains(list, secret) || !strings.Contains(list, "grafana") {
		t.Fatal("the token list shows the secret again, or not the token")
	}
	toks, _ := e.store.Tokens(context.Background(), "")
	code, _, _ = b.postForm("/settings/tokens", fmt.Sprintf("/settings/tokens/%d/revoke", toks[0].ID), url.Values{})
	if code != 200 {
		t.Fatalf("revoke = %d", code)
	}
	if _, err := e.authn.Authenticate(req); err == nil {
		t.Error("a revoked token still authenticates")
	}
}

func TestTokenRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	b := e.login("admin")
	for _, f := range []url.Values{
		{"name": {""}, "scopes": {"read"}},
		{"name": {"x"}, "tenant": {"nope"}, "scopes": {"read"}},
		{"name": {"x"}, "scopes": {"root"}},
	} {
		code, body, _ := b.postForm("/settings/tokens", "/settings/tokens", f)
		if code != http.StatusBadRequest || !strings.Contains(body, `id="form-error"`) || secretRE.MatchString(body) {
			t.Errorf("token %v = %d, want 400 with the reason and no secret", f, code)
		}
	}
	if toks, _ := e.store.Tokens(context.Background(), ""); len(toks) != 0 {
		t.Errorf("refused tokens were stored: %d", len(toks))
	}
}

func TestUserCreate(t *testing.T) {
	e := newEnv(t)
	b := e.login("admin")
	code, body, _ := b.postForm("/settings/users", "/settings/users", url.Values{"login": {"hanako"}, "name": {"山田花子"}, "role": {"viewer"},
		"tenant": {"acme"}, "password": {"short"}, "language": {"ja"}, "time_zone": {"Asia/Tokyo"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "password: must be at least 12 characters") || !strings.Contains(body, `value="hanako"`) {
		t.Fatalf("short password = %d, want 400 naming password and keeping the form", code)
	}
	if _, err := e.store.UserByLogin(context.Background(), "hanako"); err == nil {
		t.Fatal("a refused user was stored")
	}
	code, _, _ = b.postForm("/settings/users", "/settings/users", url.Values{"login": {"hanako"}, "name": {"山田花子"}, "role": {"viewer"},
		"tenant": {"acme"}, "password": {"hanako-password-1"}, "language": {"en"}, "time_zone": {"UTC"}})
	if code != http.StatusCreated {
		t.Fatalf("create user = %d", code)
	}
	hb := e.browser()
	if code, _, _ := hb.loginAs("hanako", "hanako-password-1"); code != http.StatusSeeOther {
		t.Fatalf("the new user cannot log in: %d", code)
	}
	if code, _, _ := hb.get("/tenants/beta"); code != http.StatusForbidden {
		t.Errorf("the new acme viewer on beta = %d, want 403", code)
	}
	code, body, _ = b.postForm("/settings/users", "/settings/users", url.Values{"login": {"hanako"}, "role": {"operator"}, "password": {"another-password-1"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "is taken") {
		t.Errorf("duplicate login = %d, want 400 saying it is taken", code)
	}
}
