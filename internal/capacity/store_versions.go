package capacity

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

const versionColumns = `id, group_id, version, state, document, reason, author, created_at, updated_at, proposed_by, proposed_at,
	approval, approved_by, approved_at, approval_ref, activated_by, activated_at, superseded_at, origin_detail`

func scanVersion(sc func(...any) error) (*Version, error) {
	var v Version
	var doc, origin string
	var created, updated int64
	var proposed, approved, activated, superseded sql.NullInt64
	if err := sc(&v.ID, &v.GroupID, &v.Version, &v.State, &doc, &v.Reason, &v.Author, &created, &updated, &v.ProposedBy, &proposed,
		&v.Approval, &v.ApprovedBy, &approved, &v.ApprovalRef, &v.ActivatedBy, &activated, &superseded, &origin); err != nil {
		return nil, err
	}
	if origin != "" {
		v.Origin = new(Origin)
		if err := json.Unmarshal([]byte(origin), v.Origin); err != nil {
			return nil, fmt.Errorf("plan version %d: origin: %w", v.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(doc), &v.Document); err != nil {
		return nil, fmt.Errorf("plan version %d: %w", v.ID, err)
	}
	v.CreatedAt, v.UpdatedAt = database.FromMillis(created), database.FromMillis(updated)
	v.ProposedAt, v.ApprovedAt = database.TimePtr(proposed), database.TimePtr(approved)
	v.ActivatedAt, v.SupersededAt = database.TimePtr(activated), database.TimePtr(superseded)
	return &v, nil
}

// Versions lists the versions of group's plan, oldest first.
func (s *Store) Versions(ctx context.Context, tenant string, group int64) ([]*Version, error) {
	if _, err := s.Group(ctx, tenant, group); err != nil {
		return nil, err
	}
	rows, err := database.On(ctx, s.db).QueryContext(ctx, `SELECT `+versionColumns+` FROM capacity_plan_versions WHERE tenant_id=? AND group_id=? ORDER BY version`, tenant, group)
	if err != nil {
		return nil, fmt.Errorf("capacity: unable to list plan versions: %w", err)
	}
	defer rows.Close()
	list := []*Version{}
	for rows.Next() {
		v, err := scanVersion(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("capacity: unable to list plan versions: %w", err)
		}
		list = append(list, v)
	}
	return list, rows.Err()
}

// Version returns version n of group's plan.
func (s *Store) Version(ctx context.Context, tenant string, group int64, n int) (*Version, error) {
	v, err := scanVersion(database.On(ctx, s.db).QueryRowContext(ctx, `SELECT `+versionColumns+` FROM capacity_plan_versions
		WHERE tenant_id=? AND group_id=? AND version=?`, tenant, group, n).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("capacity: unable to read plan version: %w", err)
	}
	return v, nil
}

// Active returns the active version of group's plan, or nil.
func (s *Store) Active(ctx context.Context, tenant string, group int64) (*Version, error) {
	v, err := scanVersion(database.On(ctx, s.db).QueryRowContext(ctx, `SELECT `+versionColumns+` FROM capacity_plan_versions
		WHERE tenant_id=? AND group_id=? AND state=?`, tenant, group, StateActive).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("capacity: unable to read the active plan: %w", err)
	}
	return v, nil
}

// CreateVersion stores a new draft of group's plan. Once a version has
// been active, a new one needs its reason.
func (s *Store) CreateVersion(ctx context.Context, tenant string, group int64, doc Document, reason, author string) (*Version, error) {
	if _, err := s.Group(ctx, tenant, group); err != nil {
		return nil, err
	}
	if err := doc.Validate(); err != nil {
		return nil, invalid.Prefix("document", err)
	}
	body, _ := json.Marshal(doc)
	now := s.now().UTC().Truncate(time.Millisecond)
	v := &Version{GroupID: group, State: StateDraft, Document: doc, Reason: reason, Author: author, CreatedAt: now, UpdatedAt: now}
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		var last, ran int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(MAX(version), 0), COUNT(activated_at) FROM capacity_plan_versions
			WHERE tenant_id=? AND group_id=?`, tenant, group).Scan(&last, &ran); err != nil {
			return storage.Object{}, err
		}
		if ran > 0 && reason == "" {
			return storage.Object{}, invalid.New("reason", "is required: this plan has run, so a new version says why it changes")
		}
		v.Version = last + 1
		err := tx.QueryRowContext(ctx, `INSERT INTO capacity_plan_versions (tenant_id, group_id, version, state, document, reason, author,
		created_at, updated_at, proposed_by, approval, approved_by, approval_ref, activated_by) VALUES (?,?,?,?,?,?,?,?,?,'','','','','') RETURNING id`,
			tenant, group, v.Version, v.State, string(body), reason, author, now.UnixMilli(), now.UnixMilli()).Scan(&v.ID)
		return storage.Object{Key: fmt.Sprintf("%d/v%d", group, v.Version)}, err
	})
	if database.IsUnique(err) {
		return nil, invalid.New("version", "another version was created at the same moment: try again")
	}
	if err != nil {
		if _, ok := invalid.As(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("capacity: unable to create plan version: %w", err)
	}
	return v, nil
}

// UpdateDraft replaces the document and reason of a draft.
func (s *Store) UpdateDraft(ctx context.Context, tenant string, group int64, n int, doc Document, reason string) (*Version, error) {
	if err := doc.Validate(); err != nil {
		return nil, invalid.Prefix("document", err)
	}
	body, _ := json.Marshal(doc)
	now := s.now().UTC().Truncate(time.Millisecond)
	err := s.transition(ctx, tenant, group, n, now, []State{StateDraft}, `document=?, reason=?`, string(body), reason)
	if err != nil {
		return nil, err
	}
	return s.Version(ctx, tenant, group, n)
}

// Propose puts a draft before the customer.
func (s *Store) Propose(ctx context.Context, tenant string, group int64, n int, actor string) (*Version, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	if err := s.transition(ctx, tenant, group, n, now, []State{StateDraft}, `state=?, proposed_by=?, proposed_at=?`,
		StateProposed, actor, now.UnixMilli()); err != nil {
		return nil, err
	}
	return s.Version(ctx, tenant, group, n)
}

// Approve records the customer's agreement to a proposed version: given by
// actor in the console or API (ApprovalCustomer), or recorded by MSP staff
// with a reference to where it was given (ApprovalDocumented).
func (s *Store) Approve(ctx context.Context, tenant string, group int64, n int, actor string, how Approval, ref string) (*Version, error) {
	if how == ApprovalDocumented && ref == "" {
		return nil, invalid.New("reference", "is required: where the customer agreed (e.g. the minutes of the meeting)")
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	if err := s.transition(ctx, tenant, group, n, now, []State{StateProposed}, `state=?, approval=?, approved_by=?, approved_at=?, approval_ref=?`,
		StateAgreed, how, actor, now.UnixMilli(), ref); err != nil {
		return nil, err
	}
	return s.Version(ctx, tenant, group, n)
}

// Activate makes an agreed version the one the scheduler runs; the active
// one before it is superseded. With emergency, an MSP admin activates a
// version that is not agreed; it is recorded as such, with the reason.
func (s *Store) Activate(ctx context.Context, tenant string, group int64, n int, actor string, emergency bool, reason string) (*Version, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	from, set, args := []State{StateAgreed}, `state=?, activated_by=?, activated_at=?`, []any{StateActive, actor, now.UnixMilli()}
	if emergency {
		if reason == "" {
			return nil, invalid.New("reason", "is required for an emergency change")
		}
		from = []State{StateDraft, StateProposed, StateAgreed}
		set += `, approval=?, approved_by=?, approved_at=?, reason=?`
		args = append(args, ApprovalEmergency, actor, now.UnixMilli(), reason)
	}
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_plan_versions SET state=?, superseded_at=?, updated_at=?
			WHERE tenant_id=? AND group_id=? AND state=? AND version<>?`,
			StateSuperseded, now.UnixMilli(), now.UnixMilli(), tenant, group, StateActive, n); err != nil {
			return storage.Object{}, err
		}
		return s.transitionTx(ctx, tx, tenant, group, n, now, from, set, args...)
	})
	if err != nil {
		return nil, s.stateError(ctx, tenant, group, n, from, err)
	}
	s.notify(tenant, group)
	return s.Version(ctx, tenant, group, n)
}

// transition moves version n from one of from, setting set, in an audited
// transaction.
func (s *Store) transition(ctx context.Context, tenant string, group int64, n int, now time.Time, from []State, set string, args ...any) error {
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		return s.transitionTx(ctx, tx, tenant, group, n, now, from, set, args...)
	})
	if err != nil {
		return s.stateError(ctx, tenant, group, n, from, err)
	}
	return nil
}

func (s *Store) transitionTx(ctx context.Context, tx *sql.Tx, tenant string, group int64, n int, now time.Time, from []State, set string, args ...any) (storage.Object, error) {
	q := `UPDATE capacity_plan_versions SET ` + set + `, updated_at=? WHERE tenant_id=? AND group_id=? AND version=? AND state IN (?`
	args = append(args, now.UnixMilli(), tenant, group, n, from[0])
	for _, st := range from[1:] {
		q += `,?`
		args = append(args, st)
	}
	res, err := tx.ExecContext(ctx, q+`)`, args...)
	return storage.Object{Key: fmt.Sprintf("%d/v%d", group, n)}, storage.RowsAffected(res, err)
}

// stateError explains a transition that changed no row: no such version
// (404), or one in another state (400 naming the state).
func (s *Store) stateError(ctx context.Context, tenant string, group int64, n int, from []State, err error) error {
	if !errors.Is(err, storage.ErrNotFound) {
		if _, ok := invalid.As(err); ok {
			return err
		}
		return fmt.Errorf("capacity: unable to change plan version: %w", err)
	}
	v, verr := s.Version(ctx, tenant, group, n)
	if verr != nil {
		return verr
	}
	return invalid.New("state", "version %d is %s; this needs %v", n, v.State, from)
}

// Current returns, per group of tenant, the newest version of its plan
// that is not superseded (active, or newer and awaiting agreement): what
// the plan says now, or is about to. A group whose versions are all
// superseded (or that has none) has no entry.
func (s *Store) Current(ctx context.Context, tenant string) (map[int64]*Version, error) {
	rows, err := database.On(ctx, s.db).QueryContext(ctx, `SELECT `+versionColumns+` FROM capacity_plan_versions
		WHERE tenant_id=? AND state<>? ORDER BY group_id, version`, tenant, StateSuperseded)
	if err != nil {
		return nil, fmt.Errorf("capacity: unable to list plan versions: %w", err)
	}
	defer rows.Close()
	out := map[int64]*Version{}
	for rows.Next() {
		v, err := scanVersion(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("capacity: unable to list plan versions: %w", err)
		}
		out[v.GroupID] = v // the newest comes last
	}
	return out, rows.Err()
}

// Retire ends group's plan without deleting its history: every version
// not yet superseded (the active one and those awaiting agreement) is
// superseded now, so the scheduler stops following a plan for the group,
// while plan against actual still reads the versions that ran.
func (s *Store) Retire(ctx context.Context, tenant string, group int64) error {
	now := s.now().UTC().Truncate(time.Millisecond)
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		_, err := tx.ExecContext(ctx, `UPDATE capacity_plan_versions SET state=?, superseded_at=?, updated_at=?
			WHERE tenant_id=? AND group_id=? AND state<>?`, StateSuperseded, now.UnixMilli(), now.UnixMilli(), tenant, group, StateSuperseded)
		return storage.Object{Key: fmt.Sprintf("%d/retire", group)}, err
	})
	if err != nil {
		return fmt.Errorf("capacity: unable to retire the plan: %w", err)
	}
	s.notify(tenant, group)
	return nil
}
