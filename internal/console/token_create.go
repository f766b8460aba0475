package console

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// createToken issues a token and shows its secret once; only the hash is
// stored, and the secret is never logged or audited.
func (c *Console) createToken(w http.ResponseWriter, r *http.Request, p *page) error {
	if err := require(p, model.ScopeAdmin); err != nil {
		return err
	}
	r.ParseForm()
	t := &model.Token{Name: r.PostFormValue("name"), TenantID: r.PostFormValue("tenant"), CreatedBy: p.P.Name}
	for _, s := range r.PostForm["scopes"] {
		t.Scopes = append(t.Scopes, model.Scope(s))
	}
	if err := c.checkGrant(r, p, t); err != nil {
		return c.tokenRefused(w, r, p, err)
	}
	secret, hash := auth.NewToken()
	t.Hash, t.Prefix = hash, auth.DisplayPrefix(secret)
	if err := t.Validate(); err != nil {
		return c.tokenRefused(w, r, p, err)
	}
	if err := c.opts.Store.CreateToken(audited(r, p, t.TenantID, "create", "token", "", map[string]any{"name": t.Name, "scopes": t.Scopes}), t); err != nil {
		return err
	}
	return c.renderTokens(w, r, p, http.StatusCreated, secret)
}

// checkGrant applies the API's rule: a token only for a tenant the caller
// sees, and only with scopes the caller holds.
func (c *Console) checkGrant(r *http.Request, p *page, t *model.Token) error {
	if !p.P.Global() && t.TenantID != p.P.Tenant {
		return invalid.New("tenant", "must be %q: you can only issue tokens for your own tenant", p.P.Tenant)
	}
	for _, s := range t.Scopes {
		if !p.P.Can(s) {
			return invalid.New("scopes", "you cannot grant %q: you do not hold it", s)
		}
	}
	if t.TenantID != "" {
		if _, err := c.opts.Store.Tenant(r.Context(), t.TenantID); err != nil {
			return invalid.New("tenant", "no tenant %q", t.TenantID)
		}
	}
	return nil
}

func (c *Console) tokenRefused(w http.ResponseWriter, r *http.Request, p *page, err error) error {
	e, ok := invalid.As(err)
	if !ok {
		return err
	}
	p.Error = p.L.T("err.field", e.Field, e.Reason)
	return c.renderTokens(w, r, p, http.StatusBadRequest, "")
}
