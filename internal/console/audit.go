package console

import (
	"context"
	"net/http"

	"github.com/unyo-ops/unyo/internal/storage"
)

// audited returns r's context carrying the audit entry of the change the
// console user of p is about to make, as response.Audited does for the API:
// the store writes it in the change's own transaction, so a change without
// its entry does not stay. objID may be empty for a create, which the store
// names; detail may be nil to record what the store wrote. Detail must hold
// no secrets.
func audited(r *http.Request, p *page, tenant, action, objType, objID string, detail any) context.Context {
	return storage.WithAudit(r.Context(), storage.AuditEntry{
		TenantID: tenant, Actor: p.P.Name, Action: action, ObjectType: objType, ObjectID: objID,
	}, detail)
}
