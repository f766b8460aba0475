package improvement

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Store keeps the register; every query is scoped by the tenant.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

// NewStore returns a Store on a database migrated by internal/database.
func NewStore(db *sql.DB) *Store { return &Store{db: db, now: time.Now} }

const columns = `id, tenant_id, title, category, evidence, proposal, effect, owner, due, status, created_by, created_at, updated_at`

func scan(sc func(...any) error) (*Item, error) {
	var (
		it               Item
		ev               string
		created, updated int64
	)
	if err := sc(&it.ID, &it.Tenant, &it.Title, &it.Category, &ev, &it.Proposal, &it.Effect, &it.Owner, &it.Due, &it.Status,
		&it.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(ev), &it.Evidence); err != nil {
		return nil, fmt.Errorf("improvement: item %d has unreadable evidence: %w", it.ID, err)
	}
	it.CreatedAt, it.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &it, nil
}

// refTables are the evidence kinds that point at the tenant's own rows,
// which must exist in the tenant: a reference to another tenant's incident
// is refused, not stored.
var refTables = map[string]string{EvidenceIncident: "incidents", EvidenceWorkReport: "work_reports", EvidenceReportFinding: "reports"}

func (s *Store) checkEvidence(ctx context.Context, it *Item) error {
	for i, e := range it.Evidence {
		table, ok := refTables[e.Kind]
		if !ok {
			continue
		}
		field := fmt.Sprintf("evidence[%d].ref", i)
		id, err := strconv.ParseInt(e.Ref, 10, 64)
		if err != nil || id <= 0 {
			return invalid.New(field, "must be the ID of a %s, not %q", e.Kind, e.Ref)
		}
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE tenant_id=? AND id=?`, it.Tenant, id).Scan(&n); err != nil {
			return fmt.Errorf("improvement: unable to check evidence: %w", err)
		}
		if n == 0 {
			return invalid.New(field, "no %s %d in this tenant", e.Kind, id)
		}
	}
	return nil
}

func addEvent(ctx context.Context, tx *sql.Tx, tenant string, id int64, e Event) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO improvement_events (tenant_id, improvement_id, at, author, from_status, to_status, note)
		VALUES (?,?,?,?,?,?,?)`, tenant, id, database.Millis(e.At), e.Author, e.From, e.To, e.Note)
	return err
}

// Create stores it as a new proposed item, with the first line of its
// history and the audit entry ctx carries.
func (s *Store) Create(ctx context.Context, it *Item) error {
	if it.Evidence == nil {
		it.Evidence = []Evidence{}
	}
	if err := it.Validate(); err != nil {
		return err
	}
	if err := s.checkEvidence(ctx, it); err != nil {
		return err
	}
	ev, err := json.Marshal(it.Evidence)
	if err != nil {
		return fmt.Errorf("improvement: cannot encode evidence: %w", err)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	it.Status, it.CreatedAt, it.UpdatedAt = Proposed, now, now
	err = storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		if err := tx.QueryRowContext(ctx, `INSERT INTO improvements (tenant_id, title, category, evidence, proposal, effect, owner, due, status,
			created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
			it.Tenant, it.Title, it.Category, string(ev), it.Proposal, it.Effect, it.Owner, it.Due, it.Status,
			it.CreatedBy, database.Millis(now), database.Millis(now)).Scan(&it.ID); err != nil {
			return storage.Object{}, err
		}
		return storage.Object{ID: it.ID, Detail: it}, addEvent(ctx, tx, it.Tenant, it.ID, Event{At: now, Author: it.CreatedBy, To: Proposed})
	})
	if err != nil {
		return fmt.Errorf("improvement: unable to create item: %w", err)
	}
	it.History = []Event{{At: now, Author: it.CreatedBy, To: Proposed}}
	return nil
}

// Update replaces the editable fields of an item (not its status, which
// Move changes); a closed item is 400.
func (s *Store) Update(ctx context.Context, it *Item) error {
	if err := it.Validate(); err != nil {
		return err
	}
	if !it.Status.Open() {
		return invalid.New("status", "the item is %s: a closed item does not change", it.Status)
	}
	if err := s.checkEvidence(ctx, it); err != nil {
		return err
	}
	ev, err := json.Marshal(it.Evidence)
	if err != nil {
		return fmt.Errorf("improvement: cannot encode evidence: %w", err)
	}
	it.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	err = storage.Change(ctx, s.db, it.UpdatedAt, func(tx *sql.Tx) (storage.Object, error) {
		return storage.Object{ID: it.ID, Detail: it}, storage.RowsAffected(tx.ExecContext(ctx, `UPDATE improvements SET title=?, category=?,
			evidence=?, proposal=?, effect=?, owner=?, due=?, updated_at=? WHERE tenant_id=? AND id=?`, it.Title, it.Category, string(ev),
			it.Proposal, it.Effect, it.Owner, it.Due, database.Millis(it.UpdatedAt), it.Tenant, it.ID))
	})
	if err != nil {
		return fmt.Errorf("improvement: unable to update item: %w", err)
	}
	return nil
}

// Move changes an item's status along its life and writes the change to
// its history; the status read and the change are one transaction, so two
// operators moving the same item cannot both move it from the same status.
func (s *Store) Move(ctx context.Context, tenant string, id int64, to Status, author, note string) (*Item, error) {
	if len(note) > 5000 {
		return nil, invalid.New("note", "is longer than 5000 bytes")
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		var from Status
		if err := tx.QueryRowContext(ctx, `SELECT status FROM improvements WHERE tenant_id=? AND id=?`, tenant, id).Scan(&from); errors.Is(err, sql.ErrNoRows) {
			return storage.Object{}, storage.ErrNotFound
		} else if err != nil {
			return storage.Object{}, err
		}
		if err := checkMove(from, to); err != nil {
			return storage.Object{}, err
		}
		res, err := tx.ExecContext(ctx, `UPDATE improvements SET status=?, updated_at=? WHERE tenant_id=? AND id=? AND status=?`,
			to, database.Millis(now), tenant, id, from)
		if err := storage.RowsAffected(res, err); err != nil {
			return storage.Object{}, err
		}
		e := Event{At: now, Author: author, From: from, To: to, Note: note}
		return storage.Object{ID: id, Detail: e}, addEvent(ctx, tx, tenant, id, e)
	})
	if _, ok := invalid.As(err); ok || errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("improvement: unable to move item: %w", err)
	}
	return s.Get(ctx, tenant, id)
}

// Get returns one item of tenant with its history.
func (s *Store) Get(ctx context.Context, tenant string, id int64) (*Item, error) {
	it, err := scan(s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM improvements WHERE tenant_id=? AND id=?`, tenant, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("improvement: unable to read item: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT at, author, from_status, to_status, note FROM improvement_events
		WHERE tenant_id=? AND improvement_id=? ORDER BY id`, tenant, id)
	if err != nil {
		return nil, fmt.Errorf("improvement: unable to read history: %w", err)
	}
	defer rows.Close()
	it.History = []Event{}
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&at, &e.Author, &e.From, &e.To, &e.Note); err != nil {
			return nil, fmt.Errorf("improvement: unable to read history: %w", err)
		}
		e.At = time.UnixMilli(at).UTC()
		it.History = append(it.History, e)
	}
	return it, rows.Err()
}

// Filter narrows a list; the zero Filter lists every item.
type Filter struct {
	OpenOnly bool   // proposed, accepted and in progress only
	Status   Status // one status
	Category string
}

// List returns the tenant's items: the nearest due first (items without a
// due day last), then the oldest.
func (s *Store) List(ctx context.Context, tenant string, f Filter) ([]*Item, error) {
	q, args := `SELECT `+columns+` FROM improvements WHERE tenant_id=?`, []any{tenant}
	if f.OpenOnly {
		q, args = q+` AND status IN (?,?,?)`, append(args, Proposed, Accepted, InProgress)
	}
	if f.Status != "" {
		q, args = q+` AND status=?`, append(args, f.Status)
	}
	if f.Category != "" {
		q, args = q+` AND category=?`, append(args, f.Category)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY CASE WHEN due='' THEN 1 ELSE 0 END, due, id LIMIT 10000`, args...)
	if err != nil {
		return nil, fmt.Errorf("improvement: unable to list items: %w", err)
	}
	defer rows.Close()
	list := []*Item{}
	for rows.Next() {
		it, err := scan(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("improvement: unable to list items: %w", err)
		}
		list = append(list, it)
	}
	return list, rows.Err()
}
