package response

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
)

// Serve is the shape of a tenant API handler: authz (a route.Authorizer,
// such as api.(*API).PathTenant) authorises the caller for scope and names
// the tenant; f does the work for that tenant and returns the status and
// body of the answer. 204 is written without a body; an error goes through
// Error, which also logs what is the server's fault.
func Serve(w http.ResponseWriter, r *http.Request, authz func(*http.Request, model.Scope) (string, error), scope model.Scope,
	f func(tenant string) (int, any, error)) {
	tenant, err := authz(r, scope)
	if err != nil {
		Error(w, r, err)
		return
	}
	status, v, err := f(tenant)
	switch {
	case err != nil:
		Error(w, r, err)
	case status == http.StatusNoContent:
		w.WriteHeader(status)
	default:
		JSON(w, status, v)
	}
}

// ServeAs is Serve for a change that records who made it: f is told the
// caller's name (e.g. "user:sato", "token:ci"), "unknown" without one.
func ServeAs(w http.ResponseWriter, r *http.Request, authz func(*http.Request, model.Scope) (string, error), scope model.Scope,
	f func(tenant, actor string) (int, any, error)) {
	Serve(w, r, authz, scope, func(tenant string) (int, any, error) { return f(tenant, Actor(r)) })
}

// Actor is the name of r's caller, "unknown" without one.
func Actor(r *http.Request) string {
	if p := auth.FromContext(r.Context()); p != nil {
		return p.Name
	}
	return "unknown"
}
