package escalation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// TargetFunc reports whether target (a channel name or contact:<name>)
// exists in tenant; internal/channel answers it. Nil skips the check.
type TargetFunc func(ctx context.Context, tenant, target string) (bool, error)

// OnCallFunc returns the contact on call at at in the rotation of tenant
// (internal/oncall answers it): "" when nobody is, storage.ErrNotFound for
// no such rotation.
type OnCallFunc func(ctx context.Context, tenant, rotation string, at time.Time) (string, error)

// OnCallPrefix starts a target that means whoever is on call in a
// rotation, e.g. "oncall:primary"; it is resolved when the step fires.
const OnCallPrefix = "oncall:"

// Store keeps escalation policies and runs; every query is scoped by tenant.
type Store struct {
	db      *sql.DB
	objects *storage.Store
	exists  TargetFunc
	onCall  OnCallFunc
	now     func() time.Time
}

// SetOnCall lets steps target "oncall:<rotation>"; without it such a
// target is refused.
func (s *Store) SetOnCall(f OnCallFunc) { s.onCall = f }

// checkTarget reports whether target names something of tenant.
func (s *Store) checkTarget(ctx context.Context, tenant, target string) (bool, error) {
	if rot, ok := strings.CutPrefix(target, OnCallPrefix); ok {
		if s.onCall == nil {
			return false, nil
		}
		_, err := s.onCall(ctx, tenant, rot, s.now())
		if errors.Is(err, storage.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	}
	if s.exists == nil {
		return true, nil
	}
	return s.exists(ctx, tenant, target)
}

// NewStore returns a Store on a migrated database.
func NewStore(db *sql.DB, objects *storage.Store, exists TargetFunc) *Store {
	return &Store{db: db, objects: objects, exists: exists, now: time.Now}
}

func (s *Store) validate(ctx context.Context, p *Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	for i, st := range p.Steps {
		for j, t := range st.Targets {
			ok, err := s.checkTarget(ctx, p.Tenant, t)
			if err != nil {
				return fmt.Errorf("escalation: cannot check target: %w", err)
			}
			if !ok {
				return invalid.New(fmt.Sprintf("steps[%d].targets[%d]", i, j), "no channel, contact or on-call rotation %q in this tenant", t)
			}
		}
	}
	return nil
}

// Create validates p and stores it for p.Tenant.
func (s *Store) Create(ctx context.Context, p *Policy) error {
	if err := s.validate(ctx, p); err != nil {
		return err
	}
	steps, _ := json.Marshal(p)
	now := s.now().UTC().Truncate(time.Millisecond)
	p.CreatedAt, p.UpdatedAt = now, now
	return storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO escalation_policies (tenant_id, name, is_default, policy, created_at, updated_at) VALUES (?,?,?,?,?,?) RETURNING id`,
			p.Tenant, p.Name, p.Default, string(steps), now.UnixMilli(), now.UnixMilli()).Scan(&p.ID)
		if err != nil {
			return storage.Object{}, conflict(err)
		}
		return storage.Object{ID: p.ID, Detail: p}, nil
	})
}

// Update replaces the policy p.ID of p.Tenant. Running escalations follow
// the new steps from their next step on.
func (s *Store) Update(ctx context.Context, p *Policy) error {
	prev, err := s.Get(ctx, p.Tenant, p.ID)
	if err != nil {
		return err
	}
	if err := s.validate(ctx, p); err != nil {
		return err
	}
	steps, _ := json.Marshal(p)
	now := s.now().UTC().Truncate(time.Millisecond)
	p.CreatedAt, p.UpdatedAt = prev.CreatedAt, now
	return storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		_, err := tx.ExecContext(ctx, `UPDATE escalation_policies SET name=?, is_default=?, policy=?, updated_at=? WHERE tenant_id=? AND id=?`,
			p.Name, p.Default, string(steps), now.UnixMilli(), p.Tenant, p.ID)
		if err != nil {
			return storage.Object{}, conflict(err)
		}
		return storage.Object{ID: p.ID, Detail: p}, nil
	})
}

// Delete removes the policy id of tenant; its running escalations end at
// their next step.
func (s *Store) Delete(ctx context.Context, tenant string, id int64) error {
	return storage.Change(ctx, s.db, s.now(), func(tx *sql.Tx) (storage.Object, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM escalation_policies WHERE tenant_id=? AND id=?`, tenant, id)
		if err := storage.RowsAffected(res, err); err != nil {
			return storage.Object{}, fmt.Errorf("escalation: cannot delete policy: %w", err)
		}
		return storage.Object{ID: id}, nil
	})
}

const selectPolicies = `SELECT id, tenant_id, name, is_default, policy, created_at, updated_at FROM escalation_policies`

// Get returns the policy id of tenant, storage.ErrNotFound if none.
func (s *Store) Get(ctx context.Context, tenant string, id int64) (*Policy, error) {
	p, err := scanPolicy(database.On(ctx, s.db).QueryRowContext(ctx, selectPolicies+` WHERE tenant_id=? AND id=?`, tenant, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("escalation: cannot read policy: %w", err)
	}
	return p, nil
}

// List returns the policies of tenant by ID; with defaults, only the default ones.
func (s *Store) List(ctx context.Context, tenant string, defaults bool) ([]*Policy, error) {
	q := selectPolicies + ` WHERE tenant_id=?`
	if defaults {
		q += ` AND is_default=1`
	}
	rows, err := database.On(ctx, s.db).QueryContext(ctx, q+` ORDER BY id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("escalation: cannot list policies: %w", err)
	}
	defer rows.Close()
	list := []*Policy{}
	for rows.Next() {
		p, err := scanPolicy(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("escalation: cannot list policies: %w", err)
		}
		list = append(list, p)
	}
	return list, rows.Err()
}

func scanPolicy(f func(...any) error) (*Policy, error) {
	var (
		p                Policy
		id               int64
		tenant, name     string
		def              bool
		raw              string
		created, updated int64
	)
	if err := f(&id, &tenant, &name, &def, &raw, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return nil, err
	}
	p.ID, p.Tenant, p.Name, p.Default = id, tenant, name, def
	p.CreatedAt, p.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &p, nil
}

func conflict(err error) error {
	if database.IsUnique(err) {
		return fmt.Errorf("escalation: policy name in use: %w", storage.ErrConflict)
	}
	return fmt.Errorf("escalation: cannot save policy: %w", err)
}
