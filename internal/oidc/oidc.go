// Package oidc logs console users in through an OpenID Connect provider such
// as Microsoft Entra ID: the authorization code flow with a nonce, and the ID
// token verified against the provider's published keys.
package oidc

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config is what the server is told about the provider.
type Config struct {
	Issuer       string // e.g. https://login.microsoftonline.com/<tenant-id>/v2.0
	ClientID     string
	ClientSecret string
	RedirectURL  string // the console's callback, e.g. https://unyo.example.com/login/oidc/callback
	// Tenants maps an e-mail domain to the unyo tenant whose viewer a new
	// user from that domain becomes, e.g. "contoso.com" -> "contoso".
	Tenants map[string]string
}

// Enabled reports whether OIDC login is configured at all.
func (c Config) Enabled() bool { return c.Issuer != "" && c.ClientID != "" }

// Identity is who the provider says logged in. A person is the pair
// (Issuer, Subject): the subject is the provider's own stable ID, which an
// e-mail address, a display name or preferred_username is not.
type Identity struct {
	Issuer  string
	Subject string
	Email   string // "" when the token carries none
	// EmailVerified says the provider vouches that Email belongs to this
	// person; only then may Email link an existing account (see Verified).
	EmailVerified bool
	Name          string // for display only, never for matching
}

// Provider runs the login flow against one OIDC provider.
type Provider struct {
	cfg      Config
	oauth    oauth2.Config
	verifier *gooidc.IDTokenVerifier
	client   *http.Client
}

// New discovers the provider's endpoints and keys from its issuer URL.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	client := &http.Client{Timeout: 15 * time.Second}
	ctx = gooidc.ClientContext(ctx, client)
	p, err := gooidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: cannot discover %q: %w", cfg.Issuer, err)
	}
	return &Provider{
		cfg: cfg,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: []string{gooidc.ScopeOpenID, "email", "profile"}},
		verifier: p.Verifier(&gooidc.Config{ClientID: cfg.ClientID}),
		client:   client,
	}, nil
}

// NewState returns a random value for the state or the nonce of one login.
func NewState() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// AuthURL is where the browser is sent to log in.
func (p *Provider) AuthURL(state, nonce string) string {
	return p.oauth.AuthCodeURL(state, gooidc.Nonce(nonce))
}

// Exchange trades the callback's code for tokens and returns the verified identity.
func (p *Provider) Exchange(ctx context.Context, code, nonce string) (*Identity, error) {
	ctx = gooidc.ClientContext(ctx, p.client)
	tok, err := p.oauth.Exchange(ctx, code)
	if err != nil {
		return nil, fmt.Errorf("oidc: code exchange: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return nil, errors.New("oidc: the token response has no id_token")
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("oidc: ID token: %w", err)
	}
	if idt.Nonce != nonce {
		return nil, errors.New("oidc: ID token nonce does not match this login")
	}
	if idt.Subject == "" {
		return nil, errors.New("oidc: the ID token carries no subject")
	}
	var c Claims
	if err := idt.Claims(&c); err != nil {
		return nil, fmt.Errorf("oidc: ID token claims: %w", err)
	}
	email, verified := c.Verified()
	return &Identity{Issuer: idt.Issuer, Subject: idt.Subject, Email: email, EmailVerified: verified,
		Name: firstNonEmpty(c.Name, c.PreferredUsername)}, nil
}

// Claims are the ID token claims unyo reads besides the standard ones.
type Claims struct {
	Email             string `json:"email"`
	EmailVerified     any    `json:"email_verified"` // a boolean; some providers send "true"
	Name              string `json:"name"`
	PreferredUsername string `json:"preferred_username"` // display only: users can often set it
	// Entra ID sends no email_verified. Its optional claims say instead
	// whether the e-mail's domain is verified as the tenant's own
	// (xms_edov), or list the addresses Entra ID has verified.
	EmailDomainOwnerVerified any      `json:"xms_edov"`
	VerifiedPrimaryEmail     []string `json:"verified_primary_email"`
	VerifiedSecondaryEmail   []string `json:"verified_secondary_email"`
}

// Verified returns the e-mail address of the token, lower-cased, and
// whether the provider vouches for it: email_verified true; or, from Entra
// ID, xms_edov true, or the address listed in verified_primary_email or
// verified_secondary_email. Without an email claim, the first verified
// primary address stands in. preferred_username and upn are never used:
// users or tenant admins set them freely, unverified.
func (c *Claims) Verified() (string, bool) {
	email := strings.ToLower(strings.TrimSpace(c.Email))
	if email == "" && len(c.VerifiedPrimaryEmail) > 0 {
		email = strings.ToLower(strings.TrimSpace(c.VerifiedPrimaryEmail[0]))
	}
	if email == "" {
		return "", false
	}
	if truthy(c.EmailVerified) || truthy(c.EmailDomainOwnerVerified) {
		return email, true
	}
	for _, v := range append(append([]string{}, c.VerifiedPrimaryEmail...), c.VerifiedSecondaryEmail...) {
		if strings.EqualFold(strings.TrimSpace(v), email) {
			return email, true
		}
	}
	return email, false
}

// truthy reads a boolean claim sent as JSON true or as the string "true".
func truthy(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return strings.EqualFold(b, "true")
	}
	return false
}

// TenantFor returns the tenant a new user with this e-mail address joins as
// a viewer, by the domain after the @.
func (p *Provider) TenantFor(email string) (string, bool) {
	_, domain, ok := strings.Cut(strings.ToLower(email), "@")
	if !ok {
		return "", false
	}
	t, ok := p.cfg.Tenants[domain]
	return t, ok
}

// ParseTenants reads a domain=tenant,domain=tenant list, as given by flag.
func ParseTenants(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		d, t, ok := strings.Cut(part, "=")
		d, t = strings.ToLower(strings.TrimSpace(d)), strings.TrimSpace(t)
		if !ok || d == "" || t == "" || strings.Contains(d, "@") {
			return nil, fmt.Errorf("oidc: tenant map entry %q: want domain=tenant", part)
		}
		m[d] = t
	}
	return m, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
