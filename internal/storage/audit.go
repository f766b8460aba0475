package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
)

// AuditEntry records one change: who did what to which object.
type AuditEntry struct {
	ID         int64           `json:"id"`
	TenantID   string          `json:"tenant,omitempty"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action"` // create, update, delete, revoke, ...
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Detail     json.RawMessage `json:"detail"`
	At         time.Time       `json:"at"`
}

// Audit appends an entry to the audit log. detail is stored as JSON and must
// hold no secrets.
func (s *Store) Audit(ctx context.Context, e AuditEntry, detail any) error {
	return AuditIn(ctx, s.db, e, detail, s.now())
}

// Execer runs a statement: a *sql.DB, or the *sql.Tx of a change that must
// be audited if and only if it commits.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// AuditIn records e at time at through q.
func AuditIn(ctx context.Context, q Execer, e AuditEntry, detail any, at time.Time) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("store: unable to audit: %w", err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO audit_log (tenant_id, actor, action, object_type, object_id, detail, at) VALUES (?,?,?,?,?,?,?)`,
		database.NullString(e.TenantID), e.Actor, e.Action, e.ObjectType, e.ObjectID, string(b), database.Millis(at))
	if err != nil {
		return fmt.Errorf("store: unable to audit: %w", err)
	}
	return nil
}

// AuditLog lists the newest entries first; with tenant set, only that tenant's.
func (s *Store) AuditLog(ctx context.Context, tenant string, limit int) ([]AuditEntry, error) {
	q, args := `SELECT id, COALESCE(tenant_id,''), actor, action, object_type, object_id, detail, at FROM audit_log`, []any{}
	if tenant != "" {
		q, args = q+` WHERE tenant_id=?`, append(args, tenant)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list audit log: %w", err)
	}
	defer rows.Close()
	list := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var detail string
		var at int64
		if err := rows.Scan(&e.ID, &e.TenantID, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &detail, &at); err != nil {
			return nil, fmt.Errorf("store: unable to list audit log: %w", err)
		}
		e.Detail, e.At = json.RawMessage(detail), database.FromMillis(at)
		list = append(list, e)
	}
	return list, rows.Err()
}
