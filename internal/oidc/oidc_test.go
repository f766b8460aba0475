package oidc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"
)

// login runs the browser's part of the flow against mockoidc: open the
// authorization URL and read the code from the redirect to the callback.
func login(t *testing.T, p *Provider, state, nonce string) (code, gotState string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(p.AuthURL(state, nonce))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize = %d %q, want a redirect to the callback", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code"), loc.Query().Get("state")
}

func newProvider(t *testing.T) (*mockoidc.MockOIDC, *Provider) {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	c := m.Config()
	p, err := New(context.Background(), Config{Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		RedirectURL: "http://127.0.0.1:1/login/oidc/callback", Tenants: map[string]string{"contoso.com": "contoso"}})
	if err != nil {
		t.Fatal(err)
	}
	return m, p
}

func TestLoginFlow(t *testing.T) {
	m, p := newProvider(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "u-1", Email: "Hanako@Contoso.com", PreferredUsername: "hanako", EmailVerified: true})
	state, nonce := NewState(), NewState()
	code, gotState := login(t, p, state, nonce)
	if gotState != state {
		t.Fatalf("state = %q, want %q", gotState, state)
	}
	id, err := p.Exchange(context.Background(), code, nonce)
	if err != nil {
		t.Fatal(err)
	}
	if id.Email != "hanako@contoso.com" || id.Subject != "u-1" || id.Name != "hanako" {
		t.Errorf("identity = %+v", id)
	}
	if tenant, ok := p.TenantFor(id.Email); !ok || tenant != "contoso" {
		t.Errorf("TenantFor(%q) = %q, %v; want contoso", id.Email, tenant, ok)
	}
	if _, ok := p.TenantFor("someone@elsewhere.example"); ok {
		t.Error("an unmapped domain got a tenant")
	}
}

func TestReplayedLoginIsRefused(t *testing.T) {
	_, p := newProvider(t)
	nonce := NewState()
	code, _ := login(t, p, NewState(), nonce)
	if _, err := p.Exchange(context.Background(), code, "nonce-of-another-login"); err == nil {
		t.Error("an ID token with another login's nonce was accepted")
	}
	if _, err := p.Exchange(context.Background(), "not-a-code", nonce); err == nil {
		t.Error("an unknown code was accepted")
	}
}

func TestNewRefusesUnreachableIssuer(t *testing.T) {
	if _, err := New(context.Background(), Config{Issuer: "http://127.0.0.1:1/none", ClientID: "x"}); err == nil {
		t.Error("New succeeded with an issuer that does not answer")
	}
}

func TestParseTenants(t *testing.T) {
	m, err := ParseTenants(" Contoso.com=contoso, fabrikam.co.jp=fabrikam ,")
	if err != nil || len(m) != 2 || m["contoso.com"] != "contoso" || m["fabrikam.co.jp"] != "fabrikam" {
		t.Errorf("ParseTenants = %v, %v", m, err)
	}
	for _, bad := range []string{"contoso.com", "=x", "a@b.com=x", "d="} {
		if _, err := ParseTenants(bad); err == nil {
			t.Errorf("ParseTenants(%q) accepted", bad)
		}
	}
}

func FuzzParseTenants(f *testing.F) {
	f.Add("contoso.com=contoso,fabrikam.co.jp=fabrikam")
	f.Add("=,=")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseTenants(s)
		if err != nil {
			return
		}
		for d, tenant := range m {
			if d == "" || tenant == "" {
				t.Fatalf("ParseTenants(%q) gave an empty domain or tenant: %v", s, m)
			}
		}
	})
}

func TestClaimsVerified(t *testing.T) {
	f := func(c Claims, wantEmail string, wantVerified bool) {
		t.Helper()
		email, ok := c.Verified()
		if email != wantEmail || ok != wantVerified {
			t.Errorf("%+v: Verified() = %q, %v; want %q, %v", c, email, ok, wantEmail, wantVerified)
		}
	}
	f(Claims{Email: "A@Example.com", EmailVerified: true}, "a@example.com", true)
	f(Claims{Email: "a@example.com", EmailVerified: "true"}, "a@example.com", true)
	f(Claims{Email: "a@example.com", EmailVerified: false}, "a@example.com", false)
	f(Claims{Email: "a@example.com"}, "a@example.com", false)
	f(Claims{Email: "a@example.com", EmailVerified: "yes"}, "a@example.com", false)
	f(Claims{PreferredUsername: "a@example.com", EmailVerified: true}, "", false)
	// Entra ID: xms_edov, or the address in the verified lists.
	f(Claims{Email: "a@contoso.com", EmailDomainOwnerVerified: true}, "a@contoso.com", true)
	f(Claims{Email: "a@contoso.com", EmailDomainOwnerVerified: false}, "a@contoso.com", false)
	f(Claims{Email: "a@contoso.com", VerifiedSecondaryEmail: []string{"A@contoso.com"}}, "a@contoso.com", true)
	f(Claims{Email: "a@contoso.com", VerifiedPrimaryEmail: []string{"b@contoso.com"}}, "a@contoso.com", false)
	f(Claims{VerifiedPrimaryEmail: []string{"B@contoso.com"}}, "b@contoso.com", true)
}

func TestUnverifiedEmailIsReported(t *testing.T) {
	m, p := newProvider(t)
	m.QueueUser(&mockoidc.MockUser{Subject: "u-2", Email: "taro@contoso.com", PreferredUsername: "taro@contoso.com", EmailVerified: false})
	nonce := NewState()
	code, _ := login(t, p, NewState(), nonce)
	id, err := p.Exchange(context.Background(), code, nonce)
	if err != nil {
		t.Fatal(err)
	}
	if id.EmailVerified || id.Subject != "u-2" || id.Issuer != m.Issuer() {
		t.Errorf("identity = %+v, want subject u-2 of %s with an unverified address", id, m.Issuer())
	}
}

func FuzzClaimsVerified(f *testing.F) {
	f.Add(`{"email":"a@example.com","email_verified":true}`)
	f.Add(`{"email":"a@example.com","email_verified":"true","preferred_username":"b@example.com"}`)
	f.Add(`{"xms_edov":true,"verified_primary_email":["A@contoso.com"]}`)
	f.Add(`{"email":"","verified_secondary_email":[""],"xms_edov":1}`)
	f.Fuzz(func(t *testing.T, raw string) {
		var c Claims
		if json.Unmarshal([]byte(raw), &c) != nil {
			return
		}
		email, ok := c.Verified()
		if ok && email == "" {
			t.Fatalf("%s: verified with no address", raw)
		}
		if email != strings.ToLower(email) {
			t.Fatalf("%s: address %q not lower-cased", raw, email)
		}
		if c.PreferredUsername != "" && c.Email == "" && len(c.VerifiedPrimaryEmail) == 0 && email != "" {
			t.Fatalf("%s: preferred_username became the address %q", raw, email)
		}
	})
}
