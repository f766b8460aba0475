package api

import (
	"net/http"
	"time"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
)

// tokenInput is what a client may set on a new token.
type tokenInput struct {
	Name      string        `json:"name"`
	Tenant    string        `json:"tenant"`
	Scopes    []model.Scope `json:"scopes"`
	ExpiresAt *time.Time    `json:"expires_at"`
	// HostSelector limits an enroll token to the hosts whose facts match.
	HostSelector string `json:"host_selector"`
}

// createdToken is the one answer that carries the secret.
type createdToken struct {
	*model.Token
	Secret string `json:"token"`
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request) {
	if err := require(r, model.ScopeAdmin, false); err != nil {
		response.Error(w, r, err)
		return
	}
	list, err := a.store.Tokens(r.Context(), auth.FromContext(r.Context()).Tenant)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, list)
}

func (a *API) getToken(w http.ResponseWriter, r *http.Request) {
	if err := require(r, model.ScopeAdmin, false); err != nil {
		response.Error(w, r, err)
		return
	}
	id, err := request.PathID(r, "id")
	if err != nil {
		response.Error(w, r, err)
		return
	}
	t, err := a.store.Token(r.Context(), auth.FromContext(r.Context()).Tenant, id)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, t)
}

// createToken issues a token. A tenant-bound caller may issue tokens only for
// its tenant and only with scopes it holds itself.
func (a *API) createToken(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	if err := require(r, model.ScopeAdmin, false); err != nil {
		response.Error(w, r, err)
		return
	}
	var in tokenInput
	if err := request.DecodeJSON(w, r, &in); err != nil {
		response.Error(w, r, err)
		return
	}
	if err := a.checkTokenGrant(r, p, in); err != nil {
		response.Error(w, r, err)
		return
	}
	secret, hash := auth.NewToken()
	t := &model.Token{Name: in.Name, TenantID: in.Tenant, Scopes: in.Scopes, ExpiresAt: in.ExpiresAt,
		Hash: hash, Prefix: auth.DisplayPrefix(secret), CreatedBy: p.Name}
	if in.HostSelector != "" {
		sel, err := monitoring.ParseSelector(in.HostSelector)
		if err != nil {
			response.Error(w, r, invalid.Prefix("host_selector", err))
			return
		}
		t.HostSelector = sel.String()
	}
	if err := t.Validate(); err != nil {
		response.Error(w, r, err)
		return
	}
	if err := a.store.CreateToken(response.Audited(r, t.TenantID, "create", "token", "", in), t); err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusCreated, createdToken{Token: t, Secret: secret})
}

func (a *API) checkTokenGrant(r *http.Request, p *auth.Principal, in tokenInput) error {
	if !p.Global() && in.Tenant != p.Tenant {
		return invalid.New("tenant", "must be %q: you can only issue tokens for your own tenant", p.Tenant)
	}
	for _, s := range in.Scopes {
		if !p.Can(s) {
			return invalid.New("scopes", "you cannot grant %q: you do not hold it", s)
		}
	}
	if in.Tenant != "" {
		if _, err := a.store.Tenant(r.Context(), in.Tenant); err != nil {
			return invalid.New("tenant", "no tenant %q", in.Tenant)
		}
	}
	return nil
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	if err := require(r, model.ScopeAdmin, false); err != nil {
		response.Error(w, r, err)
		return
	}
	id, err := request.PathID(r, "id")
	if err != nil {
		response.Error(w, r, err)
		return
	}
	if err := a.store.RevokeToken(response.Audited(r, p.Tenant, "revoke", "token", "", nil), p.Tenant, id); err != nil {
		response.Error(w, r, err)
		return
	}
	a.authn.Forget(id)
	w.WriteHeader(http.StatusNoContent)
}
