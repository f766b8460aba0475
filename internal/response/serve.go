package response

import (
	"context"
	"net/http"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
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

// Audited returns r's context carrying the audit entry of the change a
// handler is about to make: the caller is the actor, and the store that
// makes the change writes the entry in the change's own transaction (see
// storage.WithAudit). objID may be empty for a create; detail may be nil
// to record what the store wrote. Detail must hold no secrets.
func Audited(r *http.Request, tenant, action, objType, objID string, detail any) context.Context {
	return storage.WithAudit(r.Context(), storage.AuditEntry{
		TenantID: tenant, Actor: Actor(r), Action: action, ObjectType: objType, ObjectID: objID,
	}, detail)
}

// Actor is the name of r's caller, "unknown" without one.
func Actor(r *http.Request) string {
	if p := auth.FromContext(r.Context()); p != nil {
		return p.Name
	}
	return "unknown"
}
