package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/oidc"
)

// oidcEnv is a console whose single sign-on goes to a mockoidc provider;
// the provider is found by discovery, like a real one.
func oidcEnv(t *testing.T) (*env, *mockoidc.MockOIDC) {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	late := &lateProvider{}
	e := newEnv(t, func(o *Options) { o.OIDC = late })
	cfg := m.Config()
	p, err := oidc.New(context.Background(), oidc.Config{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: e.url + "/login/oidc/callback", Tenants: map[string]string{"contoso.com": "acme"}})
	if err != nil {
		t.Fatal(err)
	}
	late.Provider = p
	return e, m
}

// lateProvider lets the test learn the console's URL before building the
// provider, whose redirect URL must name it.
type lateProvider struct{ *oidc.Provider }

// ssoLogin follows the whole flow: console -> provider -> callback.
func ssoLogin(t *testing.T, b *browser) (int, string) {
	t.Helper()
	code, _, loc := b.get("/login/oidc")
	if code != http.StatusFound {
		t.Fatalf("start = %d", code)
	}
	resp, err := b.client.Get(loc) // the provider's authorize endpoint
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb, _ := url.Parse(resp.Header.Get("Location"))
	code, _, loc = b.get(cb.RequestURI())
	return code, loc
}

func TestOIDCLoginCreatesAViewerOfTheMappedTenant(t *testing.T) {
	e, m := oidcEnv(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "s-1", Email: "hanako@contoso.com", PreferredUsername: "hanako", EmailVerified: true})
	b := e.browser()
	if _, page, _ := b.get("/login"); !strings.Contains(page, `id="login-oidc"`) {
		t.Fatal("the login page offers no single sign-on")
	}
	if code, loc := ssoLogin(t, b); code != http.StatusSeeOther || loc != "/board" {
		t.Fatalf("callback = %d to %q", code, loc)
	}
	u, err := e.store.UserByEmail(context.Background(), "hanako@contoso.com")
	if err != nil || u.Role != model.RoleViewer || u.TenantID != "acme" {
		t.Fatalf("user = %+v, %v; want a viewer of acme", u, err)
	}
	if code, _, _ := b.get("/tenants/acme"); code != 200 {
		t.Errorf("own tenant = %d", code)
	}
	if code, _, _ := b.get("/tenants/beta"); code != http.StatusForbidden {
		t.Errorf("other tenant = %d, want 403", code)
	}
}

func TestOIDCLoginMatchesAnExistingUserByEmail(t *testing.T) {
	e, m := oidcEnv(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "s-2", Email: "OPERATOR@example.com", EmailVerified: true})
	b := e.browser()
	if code, _ := ssoLogin(t, b); code != http.StatusSeeOther {
		t.Fatalf("callback = %d", code)
	}
	if _, body, _ := b.get("/board"); !strings.Contains(body, "Beta Inc.") || !strings.Contains(body, "operator (オペレーター)") {
		t.Error("the SSO login did not log in as the existing operator")
	}
}

func TestOIDCLoginRefusesUnknownDomainAndForgedState(t *testing.T) {
	e, m := oidcEnv(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "s-3", Email: "someone@elsewhere.example", EmailVerified: true})
	b := e.browser()
	if code, _ := ssoLogin(t, b); code != http.StatusForbidden {
		t.Errorf("unmapped domain = %d, want 403", code)
	}
	if _, err := e.store.UserByEmail(context.Background(), "someone@elsewhere.example"); err == nil {
		t.Error("a user was created for an unmapped domain")
	}
	b.get("/login/oidc")
	if code, _, _ := b.get("/login/oidc/callback?code=x&state=forged"); code != http.StatusBadRequest {
		t.Errorf("forged state = %d, want 400", code)
	}
	if code, _, _ := b.get("/board"); code != http.StatusSeeOther {
		t.Errorf("board after a forged callback = %d, want no session", code)
	}
}

func TestOIDCUnverifiedEmailGetsNoSession(t *testing.T) {
	e, m := oidcEnv(t)
	// The operator's address, claimed by someone the provider has not checked.
	m.QueueUser(&mockoidc.MockUser{Subject: "intruder-1", Email: "operator@example.com", EmailVerified: false})
	b := e.browser()
	code, _ := ssoLogin(t, b)
	if code != http.StatusForbidden {
		t.Errorf("unverified e-mail of an existing user = %d, want 403", code)
	}
	if code, _, _ := b.get("/board"); code != http.StatusSeeOther {
		t.Errorf("board after an unverified login = %d, want no session", code)
	}
	// preferred_username that looks like the operator's address.
	m.QueueUser(&mockoidc.MockUser{Subject: "intruder-2", PreferredUsername: "operator@example.com"})
	if code, _ := ssoLogin(t, b); code != http.StatusForbidden {
		t.Errorf("preferred_username as an address = %d, want 403", code)
	}
	// An unverified address of a mapped domain creates no one.
	m.QueueUser(&mockoidc.MockUser{Subject: "intruder-3", Email: "someone@contoso.com", EmailVerified: false})
	if code, _ := ssoLogin(t, b); code != http.StatusForbidden {
		t.Errorf("unverified address of a mapped domain = %d, want 403", code)
	}
	if _, err := e.store.UserByEmail(context.Background(), "someone@contoso.com"); err == nil {
		t.Error("a user was created for an unverified address")
	}
	if code, _, _ := b.get("/board"); code != http.StatusSeeOther {
		t.Errorf("board = %d, want no session", code)
	}
}

func TestOIDCLinkedUserIsMatchedBySubject(t *testing.T) {
	e, m := oidcEnv(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "s-op", Email: "operator@example.com", EmailVerified: true})
	if code, _ := ssoLogin(t, e.browser()); code != http.StatusSeeOther {
		t.Fatalf("first login = %d", code)
	}
	// The address changed at the provider, and is not even verified: the
	// subject still names the operator.
	m.QueueUser(&mockoidc.MockUser{Subject: "s-op", Email: "op.renamed@elsewhere.example"})
	b := e.browser()
	if code, _ := ssoLogin(t, b); code != http.StatusSeeOther {
		t.Fatalf("login with a changed address = %d, want 303", code)
	}
	if _, body, _ := b.get("/board"); !strings.Contains(body, "operator (オペレーター)") {
		t.Error("the linked identity did not log in as the operator")
	}
	// The operator's old address now verified for another person of the
	// same provider does not take the account.
	m.QueueUser(&mockoidc.MockUser{Subject: "s-other", Email: "operator@example.com", EmailVerified: true})
	b = e.browser()
	if code, _ := ssoLogin(t, b); code != http.StatusForbidden {
		t.Errorf("another subject with the linked user's address = %d, want 403", code)
	}
	if code, _, _ := b.get("/board"); code != http.StatusSeeOther {
		t.Errorf("board = %d, want no session", code)
	}
}

// entraUser is an Entra ID user as its ID token shows one: no
// email_verified, but the optional claim xms_edov.
type entraUser struct {
	mockoidc.MockUser
	EDOV bool
}

func (u *entraUser) Claims(scope []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return &struct {
		*mockoidc.IDTokenClaims
		Email string `json:"email"`
		EDOV  bool   `json:"xms_edov"`
	}{base, u.Email, u.EDOV}, nil
}

func TestOIDCEntraDomainOwnerVerifiedLinks(t *testing.T) {
	e, m := oidcEnv(t)
	m.QueueUser(&entraUser{MockUser: mockoidc.MockUser{Subject: "entra-1", Email: "operator@example.com"}, EDOV: false})
	if code, _ := ssoLogin(t, e.browser()); code != http.StatusForbidden {
		t.Errorf("xms_edov false = %d, want 403", code)
	}
	m.QueueUser(&entraUser{MockUser: mockoidc.MockUser{Subject: "entra-2", Email: "operator@example.com"}, EDOV: true})
	b := e.browser()
	if code, _ := ssoLogin(t, b); code != http.StatusSeeOther {
		t.Fatalf("xms_edov true = %d, want 303", code)
	}
	if _, body, _ := b.get("/board"); !strings.Contains(body, "operator (オペレーター)") {
		t.Error("xms_edov did not link the operator")
	}
}
