package incident

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/unyo-ops/unyo/internal/storage"
)

// auditAutomatic writes to the audit log, in the change's own transaction,
// the changes that no API handler made: those of alerts and those pulled
// back from ServiceNow. The handlers audit what people and tokens do.
func (s *Desk) auditAutomatic(ctx context.Context, tx *sql.Tx, c Change) error {
	if c.Incident == nil || (c.Actor != ActorAlert && c.Actor != ActorServiceNow) {
		return nil
	}
	inc := c.Incident
	return storage.AuditIn(ctx, tx, storage.AuditEntry{
		TenantID: inc.TenantID, Actor: c.Actor, Action: string(c.Kind),
		ObjectType: string(inc.Kind), ObjectID: strconv.FormatInt(inc.ID, 10),
	}, map[string]any{"number": inc.Number, "fields": c.Fields, "state": inc.State}, s.now())
}
