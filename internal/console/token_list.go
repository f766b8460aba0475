package console

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/model"
)

// tokensData is the token list and the create form.
type tokensData struct {
	Tokens  []*model.Token
	Tenants []*model.Tenant
	Scopes  []model.Scope
	// Secret is the token just created, shown on this one response only.
	Secret string
}

func (c *Console) listTokens(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderTokens(w, r, p, http.StatusOK, "")
}

func (c *Console) renderTokens(w http.ResponseWriter, r *http.Request, p *page, status int, secret string) error {
	if err := require(p, model.ScopeAdmin); err != nil {
		return err
	}
	d := tokensData{Scopes: model.AllScopes, Secret: secret}
	var err error
	if d.Tokens, err = c.opts.Store.Tokens(r.Context(), p.P.Tenant); err != nil {
		return err
	}
	if d.Tenants, err = c.opts.Store.Tenants(r.Context(), p.P.Tenant); err != nil {
		return err
	}
	p.Active, p.Title, p.Data = "nav.tokens", p.L.T("tok.title"), d
	c.render(w, status, "tokens", p)
	return nil
}
