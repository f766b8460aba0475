package incident

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/unyo-ops/unyo/internal/storage"
)

// audit writes to the audit log, in the change's own transaction, every
// change: for those of alerts and those pulled back from ServiceNow an
// entry of its own; for what people and tokens do, the entry the API
// handler put in ctx (storage.WithAudit), once per request.
func (s *Desk) audit(ctx context.Context, tx *sql.Tx, c Change) error {
	if c.Incident == nil {
		return nil
	}
	inc := c.Incident
	if c.Actor != ActorAlert && c.Actor != ActorServiceNow {
		return storage.AuditChange(ctx, tx, storage.Object{ID: inc.ID, Type: string(inc.Kind)}, s.now())
	}
	return storage.AuditIn(ctx, tx, storage.AuditEntry{
		TenantID: inc.TenantID, Actor: c.Actor, Action: string(c.Kind),
		ObjectType: string(inc.Kind), ObjectID: strconv.FormatInt(inc.ID, 10),
	}, map[string]any{"number": inc.Number, "fields": c.Fields, "state": inc.State}, s.now())
}
