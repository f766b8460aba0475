package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
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
	return AuditIn(ctx, database.Writer(s.db), e, detail, s.now())
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

type auditKey struct{}

// pendingAudit is the entry a change made in a context must write.
type pendingAudit struct {
	e       AuditEntry
	detail  any
	written bool
}

// WithAudit returns ctx carrying the audit entry of the change about to be
// made in it. A store's write method writes it with AuditChange in the
// change's own transaction, so the change and its entry commit together or
// not at all: no crash between the two loses the entry, and a failing
// entry undoes the change. The API handlers state who did what here
// (response.Audited); the store knows which object it became.
func WithAudit(ctx context.Context, e AuditEntry, detail any) context.Context {
	return context.WithValue(ctx, auditKey{}, &pendingAudit{e: e, detail: detail})
}

// AuditChange writes through tx the entry ctx carries (see WithAudit),
// once however many changes the one request makes. o names the object when
// the entry does not (a create learns its ID only in the transaction), and
// o.Detail is recorded when the entry has none. Without an entry — a change
// no person or token asked for through the API, such as a start-up seed —
// it writes nothing.
func AuditChange(ctx context.Context, tx Execer, o Object, at time.Time) error {
	p, _ := ctx.Value(auditKey{}).(*pendingAudit)
	if p == nil || p.written {
		return nil
	}
	e, detail := p.e, p.detail
	if e.ObjectID == "" {
		e.ObjectID = o.Key
		if e.ObjectID == "" {
			e.ObjectID = strconv.FormatInt(o.ID, 10)
		}
	}
	if e.ObjectType == "" {
		e.ObjectType = o.Type
	}
	if detail == nil {
		detail = o.Detail
	}
	if err := AuditIn(ctx, tx, e, detail, at); err != nil {
		return err
	}
	p.written = true
	return nil
}

// Object names the object a change made or touched, for its audit entry:
// Key when it has a name for a key (a tenant), else ID. Type is its object
// type when the handler could not tell it (an incident or a request).
// Detail is recorded when the handler gave none; it must hold no secrets.
type Object struct {
	ID     int64
	Key    string
	Type   string
	Detail any
}

// Change runs f in a transaction on db and writes in it the audit entry
// ctx carries (see WithAudit) for the object f names: the one way a store
// makes a change that is audited.
func Change(ctx context.Context, db *sql.DB, at time.Time, f func(tx *sql.Tx) (Object, error)) error {
	return database.InTx(ctx, db, func(tx *sql.Tx) error {
		o, err := f(tx)
		if err != nil {
			return err
		}
		return AuditChange(ctx, tx, o, at)
	})
}

// change is Change on s's database and clock.
func (s *Store) change(ctx context.Context, f func(tx *sql.Tx) (Object, error)) error {
	return Change(ctx, s.db, s.now(), f)
}

// remove runs one DELETE (or revoking UPDATE) of the object id, which must
// touch a row, as an audited change.
func (s *Store) remove(ctx context.Context, id int64, query string, args ...any) error {
	return s.change(ctx, func(tx *sql.Tx) (Object, error) {
		return Object{ID: id}, RowsAffected(tx.ExecContext(ctx, query, args...))
	})
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
