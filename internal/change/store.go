package change

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Store keeps the changes of every tenant; every query is scoped by tenant.
type Store struct {
	db      *sql.DB
	objects *storage.Store
	windows *maintenance.Store
	now     func() time.Time
	hooks   []Hook
}

// NewStore returns a Store on a database migrated by internal/database;
// windows is where an approved change's maintenance windows go.
func NewStore(db *sql.DB, objects *storage.Store, windows *maintenance.Store) *Store {
	return &Store{db: db, objects: objects, windows: windows, now: time.Now}
}

// check validates f and that what it names belongs to tenant: another
// tenant's resource or catalog item is refused as unknown, never revealed.
func (s *Store) check(ctx context.Context, tenant string, f *Fields) error {
	if err := f.validate(); err != nil {
		return err
	}
	for i, id := range f.ResourceIDs {
		if _, err := s.objects.Resource(ctx, tenant, id); errors.Is(err, storage.ErrNotFound) {
			return invalid.New(fmt.Sprintf("resource_ids[%d]", i), "no resource %d in this tenant", id)
		} else if err != nil {
			return fmt.Errorf("change: cannot read resource: %w", err)
		}
	}
	if f.CatalogItemID != 0 {
		var one int
		err := s.db.QueryRowContext(ctx, `SELECT 1 FROM catalog_items WHERE tenant_id=? AND id=?`, tenant, f.CatalogItemID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return invalid.New("catalog_item_id", "no catalog item %d in this tenant", f.CatalogItemID)
		} else if err != nil {
			return fmt.Errorf("change: cannot read catalog item: %w", err)
		}
	}
	if f.ResourceIDs == nil {
		f.ResourceIDs = []int64{}
	}
	if f.Selector == nil {
		f.Selector = map[string]string{}
	}
	return nil
}

// Create stores a draft change of tenant written by actor.
func (s *Store) Create(ctx context.Context, tenant, actor string, f Fields) (*Change, error) {
	if err := s.check(ctx, tenant, &f); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	c := &Change{Tenant: tenant, State: StateDraft, CreatedBy: actor, CreatedAt: now, UpdatedAt: now, WindowIDs: []int64{}, Incidents: []IncidentLink{}}
	c.set(f)
	ids, sel, wins := encode(c)
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO changes (tenant_id, type, title, description, risk, catalog_item_id, resource_ids, selector,
			plan, backout, start_at, end_at, state, result, approval, approved_by, approval_ref, rejected_by, reject_reason, window_ids,
			created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,'','','','','','',?,?,?,?) RETURNING id`,
			tenant, c.Type, c.Title, c.Description, c.Risk, database.NullID(c.CatalogItemID), ids, sel, c.Plan, c.Backout,
			database.Millis(c.Start), database.Millis(c.End), c.State, wins, actor, database.Millis(now), database.Millis(now)).Scan(&c.ID)
		if err != nil {
			return storage.Object{}, fmt.Errorf("change: cannot create: %w", err)
		}
		return storage.Object{ID: c.ID, Type: "change", Detail: c}, s.emit(ctx, tx, Mutation{What: Created, Change: c})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Update rewrites a draft; once submitted, a change's content is what was agreed.
func (s *Store) Update(ctx context.Context, tenant string, id int64, f Fields) (*Change, error) {
	if err := s.check(ctx, tenant, &f); err != nil {
		return nil, err
	}
	return s.apply(ctx, tenant, id, func(c *Change, now time.Time) error {
		if c.State != StateDraft {
			return invalid.New("state", "only a draft can be edited; this change is %s", c.State)
		}
		c.set(f)
		return nil
	}, nil)
}

// Submit sends a draft on: a normal change to the customer for approval;
// a standard change is approved by its catalog item and an emergency change
// by actor, whom the caller has checked is an MSP admin (MayEmergency).
func (s *Store) Submit(ctx context.Context, tenant string, id int64, actor string) (*Change, error) {
	return s.apply(ctx, tenant, id, func(c *Change, now time.Time) error {
		if c.State != StateDraft {
			return invalid.New("state", "only a draft can be submitted; this change is %s", c.State)
		}
		switch c.Type {
		case TypeNormal:
			c.State = StateRequested
		case TypeStandard:
			c.approve(ApprovalStandard, actor, "", now)
		case TypeEmergency:
			c.approve(ApprovalEmergency, actor, "", now)
		}
		return nil
	}, s.openWindows)
}

// Approve records the agreement to a requested normal change and opens its
// maintenance windows in the same transaction. The caller decides how with
// ApprovalBy: the customer, or MSP staff with the reference of an agreement
// given elsewhere.
func (s *Store) Approve(ctx context.Context, tenant string, id int64, actor string, how Approval, ref string) (*Change, error) {
	if how == ApprovalDocumented && ref == "" {
		return nil, invalid.New("reference", "is required when MSP staff record the customer's approval")
	}
	return s.apply(ctx, tenant, id, func(c *Change, now time.Time) error {
		if c.State != StateRequested {
			return invalid.New("state", "only a requested change can be approved; this change is %s", c.State)
		}
		c.approve(how, actor, ref, now)
		return nil
	}, s.openWindows)
}

// Reject records who refused a requested change and why.
func (s *Store) Reject(ctx context.Context, tenant string, id int64, actor, reason string) (*Change, error) {
	if reason == "" {
		return nil, invalid.New("reason", "is required: say why the change is rejected")
	}
	if len(reason) > 20000 {
		return nil, invalid.New("reason", "must be at most 20000 bytes")
	}
	return s.apply(ctx, tenant, id, func(c *Change, now time.Time) error {
		if c.State != StateRequested {
			return invalid.New("state", "only a requested change can be rejected; this change is %s", c.State)
		}
		c.State, c.RejectedBy, c.RejectedAt, c.RejectReason = StateRejected, actor, &now, reason
		return nil
	}, nil)
}

// Move takes a change to state to by the plain transitions (CanMove);
// result, when given, records how it went.
func (s *Store) Move(ctx context.Context, tenant string, id int64, to State, result string) (*Change, error) {
	if len(result) > 20000 {
		return nil, invalid.New("result", "must be at most 20000 bytes")
	}
	return s.apply(ctx, tenant, id, func(c *Change, now time.Time) error {
		if !CanMove(c.State, to) {
			return invalid.New("state", "a %s change cannot become %q", c.State, to)
		}
		c.State = to
		if result != "" {
			c.Result = result
		}
		return nil
	}, nil)
}

func (c *Change) set(f Fields) {
	c.Type, c.Title, c.Description, c.Risk, c.CatalogItemID = f.Type, f.Title, f.Description, f.Risk, f.CatalogItemID
	c.ResourceIDs, c.Selector, c.Plan, c.Backout = f.ResourceIDs, f.Selector, f.Plan, f.Backout
	c.Start, c.End = f.Start.UTC().Truncate(time.Millisecond), f.End.UTC().Truncate(time.Millisecond)
}

func (c *Change) approve(how Approval, actor, ref string, now time.Time) {
	c.State, c.Approval, c.ApprovedBy, c.ApprovedAt, c.ApprovalRef = StateApproved, how, actor, &now, ref
}

// apply reads change id of tenant, lets edit change it, and writes it back
// only if nobody moved it meanwhile; then, when given, after runs in the
// same transaction (the windows of an approval). One audited change.
func (s *Store) apply(ctx context.Context, tenant string, id int64, edit func(*Change, time.Time) error,
	after func(ctx context.Context, tx *sql.Tx, c *Change) error) (*Change, error) {
	c, err := s.Get(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	was := c.State
	now := s.now().UTC().Truncate(time.Millisecond)
	if err := edit(c, now); err != nil {
		return nil, err
	}
	c.UpdatedAt = now
	err = storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		if after != nil && c.State == StateApproved && was != StateApproved {
			if err := after(ctx, tx, c); err != nil {
				return storage.Object{}, err
			}
		}
		ids, sel, wins := encode(c)
		res, err := tx.ExecContext(ctx, `UPDATE changes SET type=?, title=?, description=?, risk=?, catalog_item_id=?, resource_ids=?, selector=?,
			plan=?, backout=?, start_at=?, end_at=?, state=?, result=?, approval=?, approved_by=?, approved_at=?, approval_ref=?,
			rejected_by=?, rejected_at=?, reject_reason=?, window_ids=?, updated_at=? WHERE tenant_id=? AND id=? AND state=?`,
			c.Type, c.Title, c.Description, c.Risk, database.NullID(c.CatalogItemID), ids, sel, c.Plan, c.Backout,
			database.Millis(c.Start), database.Millis(c.End), c.State, c.Result, c.Approval, c.ApprovedBy, database.NullMillis(c.ApprovedAt), c.ApprovalRef,
			c.RejectedBy, database.NullMillis(c.RejectedAt), c.RejectReason, wins, database.Millis(now), tenant, id, was)
		if err := database.RowsAffected(res, err); err != nil {
			// Another request moved it first: say so rather than overwrite.
			return storage.Object{}, invalid.New("state", "the change was %s and has just been changed by someone else; reload it", was)
		}
		m := Mutation{What: Updated, Change: c, From: was}
		if c.State != was {
			m.What = Moved
		}
		return storage.Object{ID: id, Type: "change", Detail: c}, s.emit(ctx, tx, m)
	})
	if after != nil && len(c.WindowIDs) > 0 {
		s.windows.Forget(tenant) // after the commit (or the rollback): Active must see the truth
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// openWindows creates the maintenance windows of an approved change: one
// per affected resource (with the selector's labels too, if any), or one
// for the selector alone, over the change's schedule.
func (s *Store) openWindows(ctx context.Context, tx *sql.Tx, c *Change) error {
	var list []*maintenance.Stored
	for _, id := range c.ResourceIDs {
		list = append(list, &maintenance.Stored{Tenant: c.Tenant, Name: c.label(), ResourceID: &id, Labels: copyLabels(c.Selector),
			Window: maintenance.Window{Start: c.Start, End: c.End}})
	}
	if len(list) == 0 {
		list = append(list, &maintenance.Stored{Tenant: c.Tenant, Name: c.label(), Labels: copyLabels(c.Selector),
			Window: maintenance.Window{Start: c.Start, End: c.End}})
	}
	c.WindowIDs = []int64{}
	for _, w := range list {
		if err := s.windows.CreateIn(ctx, tx, w); err != nil {
			return fmt.Errorf("change: cannot open maintenance window: %w", err)
		}
		c.WindowIDs = append(c.WindowIDs, w.ID)
	}
	return nil
}

func copyLabels(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func encode(c *Change) (ids, sel, wins string) {
	a, _ := json.Marshal(c.ResourceIDs)
	b, _ := json.Marshal(c.Selector)
	w, _ := json.Marshal(c.WindowIDs)
	return string(a), string(b), string(w)
}
