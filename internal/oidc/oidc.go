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

// Identity is who the provider says logged in.
type Identity struct {
	Subject string
	Email   string
	Name    string
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

// ErrNoEmail means the provider did not tell us the user's e-mail address,
// which is how unyo matches a person to a user.
var ErrNoEmail = errors.New("oidc: the ID token carries no e-mail address")

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
	var c struct {
		Email             string `json:"email"`
		Name              string `json:"name"`
		PreferredUsername string `json:"preferred_username"`
		UPN               string `json:"upn"` // Entra ID work accounts
	}
	if err := idt.Claims(&c); err != nil {
		return nil, fmt.Errorf("oidc: ID token claims: %w", err)
	}
	id := &Identity{Subject: idt.Subject, Email: strings.ToLower(firstNonEmpty(c.Email, c.UPN, emailLike(c.PreferredUsername))),
		Name: firstNonEmpty(c.Name, c.PreferredUsername)}
	if id.Email == "" {
		return nil, ErrNoEmail
	}
	return id, nil
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

func emailLike(s string) string {
	if strings.Contains(s, "@") {
		return s
	}
	return ""
}
