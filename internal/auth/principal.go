// Package auth decides who is calling and what they may touch: passwords,
// API tokens, and the Principal every handler consults.
package auth

import (
	"context"

	"github.com/unyo-ops/unyo/internal/model"
)

// Principal is the authenticated caller of a request: a user or an API token.
type Principal struct {
	Name    string // "user:alice" or "token:7:ci"; used as the audit actor
	UserID  int64
	TokenID int64
	Role    model.Role // users only
	Tenant  string     // "" means every tenant (MSP staff and MSP-wide tokens)
	scopes  map[model.Scope]bool
}

// Can reports whether the caller holds scope s.
func (p *Principal) Can(s model.Scope) bool { return p != nil && p.scopes[s] }

// CanAccessTenant reports whether the caller may touch tenant's data at all.
func (p *Principal) CanAccessTenant(tenant string) bool {
	return p != nil && (p.Tenant == "" || p.Tenant == tenant)
}

// Global reports whether the caller works across all tenants.
func (p *Principal) Global() bool { return p != nil && p.Tenant == "" }

// Customer reports whether the caller is a customer's user (a viewer or a
// requester): bound to its tenant, never shown the MSP's internal records.
func (p *Principal) Customer() bool { return p != nil && p.UserID != 0 && p.Role.Customer() }

// Staff reports whether the caller works for the MSP and may write: a user
// of role admin or operator, or a token with the write scope. Staff see
// internal work notes and take every operator action.
func (p *Principal) Staff() bool { return p != nil && !p.Role.Customer() && p.Can(model.ScopeWrite) }

// Requests reports whether the caller takes the customer's part in tenant:
// a requester user of that tenant, who opens inquiries and catalog
// requests, comments on them, and approves or rejects what waits for the
// customer's approval. It grants nothing else: no write scope.
func (p *Principal) Requests(tenant string) bool {
	return p != nil && p.UserID != 0 && p.Role == model.RoleRequester && p.Tenant == tenant
}

// Scopes returns the caller's scopes.
func (p *Principal) Scopes() []model.Scope {
	var out []model.Scope
	for _, s := range model.AllScopes {
		if p.scopes[s] {
			out = append(out, s)
		}
	}
	return out
}

// UserPrincipal returns the principal of a logged-in user; the role decides the scopes.
func UserPrincipal(u *model.User) *Principal {
	p := &Principal{Name: "user:" + u.Login, UserID: u.ID, Role: u.Role, Tenant: u.TenantID, scopes: map[model.Scope]bool{}}
	switch u.Role {
	case model.RoleAdmin:
		p.scopes = scopeSet(model.AllScopes)
	case model.RoleOperator:
		p.scopes = scopeSet([]model.Scope{model.ScopeRead, model.ScopeWrite})
	case model.RoleViewer, model.RoleRequester:
		// A requester's few customer actions are granted by Requests, not
		// by a scope: every operator action stays refused to it.
		p.scopes = scopeSet([]model.Scope{model.ScopeRead})
	}
	return p
}

// TokenPrincipal returns the principal of an API token.
func TokenPrincipal(t *model.Token) *Principal {
	return &Principal{Name: "token:" + t.Name, TokenID: t.ID, Tenant: t.TenantID, scopes: scopeSet(t.Scopes)}
}

func scopeSet(list []model.Scope) map[model.Scope]bool {
	m := make(map[model.Scope]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal of the request, or nil.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}
