package api

import (
	"errors"
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

// PathTenant is the route.Authorizer of paths with {tenant}: it authorises
// the caller for the path's tenant with scope and returns the tenant ID. A
// tenant the caller may not see answers 404, the same as one that does not
// exist, so tenants cannot be discovered.
func (a *API) PathTenant(r *http.Request, scope model.Scope) (string, error) {
	p := auth.FromContext(r.Context())
	id := r.PathValue("tenant")
	if !p.CanAccessTenant(id) {
		return "", response.NotFound("no such tenant")
	}
	if !p.Can(scope) {
		return "", response.Forbidden("this needs the " + string(scope) + " scope")
	}
	if _, err := a.store.Tenant(r.Context(), id); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return "", response.NotFound("no such tenant")
		}
		return "", err
	}
	return id, nil
}

// require checks a scope for callers working across all tenants.
func require(r *http.Request, scope model.Scope, global bool) error {
	p := auth.FromContext(r.Context())
	if !p.Can(scope) || (global && !p.Global()) {
		msg := "this needs the " + string(scope) + " scope"
		if global {
			msg += " across all tenants"
		}
		return response.Forbidden(msg)
	}
	return nil
}
