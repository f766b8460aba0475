package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Store keeps backup policies and their jobs; every method takes the tenant
// and puts it in the WHERE clause.
type Store struct {
	db      *sql.DB
	objects *storage.Store // services and resources, for the service level
	now     func() time.Time
	changed []func(tenant string, policy int64)
	// accounts, when set, checks that a policy's source names a cloud
	// account of its tenant and of the source's provider.
	accounts cloudaccount.Resolver
}

// NewStore returns a Store on a database migrated by internal/database.
func NewStore(db *sql.DB, objects *storage.Store) *Store {
	return &Store{db: db, objects: objects, now: time.Now}
}

// OnChange calls fn after a policy is created, changed or deleted, or a job
// of it is stored: the compliance watch evaluates it again at once.
func (s *Store) OnChange(fn func(tenant string, policy int64)) { s.changed = append(s.changed, fn) }

func (s *Store) notify(tenant string, policy int64) {
	for _, fn := range s.changed {
		fn(tenant, policy)
	}
}

const policyColumns = `id, tenant_id, name, service_id, coalesce(resource_id, 0), target, method, schedule, retention_ms, rpo_ms, rto_ms, grace_ms, runbook, created_at, updated_at, source,
	size_low_percent, size_high_percent, restore_plan, restore_grace_ms, restore_plan_since,
	restorable_oldest, restorable_newest`

func scanPolicy(sc func(...any) error) (*Policy, error) {
	var p Policy
	var retention, rpo, rto, grace, created, updated, restoreGrace, since, oldest, newest int64
	var source string
	if err := sc(&p.ID, &p.TenantID, &p.Name, &p.ServiceID, &p.ResourceID, &p.Target, &p.Method, &p.Schedule,
		&retention, &rpo, &rto, &grace, &p.Runbook, &created, &updated, &source,
		&p.SizeLowPercent, &p.SizeHighPercent, &p.RestorePlan, &restoreGrace, &since, &oldest, &newest); err != nil {
		return nil, err
	}
	var err error
	if p.Source, err = decodeSource(source); err != nil {
		return nil, err
	}
	if since != 0 {
		t := database.FromMillis(since)
		p.RestorePlanSince = &t
	}
	if oldest != 0 && newest != 0 {
		p.Restorable = &Restorable{Oldest: database.FromMillis(oldest), Newest: database.FromMillis(newest)}
	}
	ms := func(v int64) model.Duration { return model.Duration(time.Duration(v) * time.Millisecond) }
	p.Retention, p.RPO, p.RTO, p.Grace, p.RestoreGrace = ms(retention), ms(rpo), ms(rto), ms(grace), ms(restoreGrace)
	p.CreatedAt, p.UpdatedAt = database.FromMillis(created), database.FromMillis(updated)
	return &p, nil
}

func millis(d model.Duration) int64 { return time.Duration(d).Milliseconds() }

// sinceMillis is when p's restore plan was set, 0 without a plan.
func sinceMillis(p *Policy) int64 {
	if p.RestorePlan == "" || p.RestorePlanSince == nil {
		return 0
	}
	return p.RestorePlanSince.UnixMilli()
}

// check validates p and ties it to its tenant's service and resource.
func (s *Store) check(ctx context.Context, p *Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	svc, err := s.objects.Service(ctx, p.TenantID, p.ServiceID)
	if errors.Is(err, storage.ErrNotFound) {
		return invalid.New("service_id", "no service %d in this tenant", p.ServiceID)
	}
	if err != nil {
		return fmt.Errorf("backup: unable to read service: %w", err)
	}
	if p.ResourceID != 0 {
		_, err := s.objects.Resource(ctx, p.TenantID, p.ResourceID)
		if errors.Is(err, storage.ErrNotFound) {
			return invalid.New("resource_id", "no resource %d in this tenant", p.ResourceID)
		}
		if err != nil {
			return fmt.Errorf("backup: unable to read resource: %w", err)
		}
	}
	if err := s.checkAccount(ctx, p); err != nil {
		return err
	}
	return p.applyLevel(svc.Level)
}

// CreatePolicy stores a new policy.
func (s *Store) CreatePolicy(ctx context.Context, p *Policy) error {
	if err := s.check(ctx, p); err != nil {
		return err
	}
	source, err := encodeSource(p.Source)
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	p.CreatedAt, p.UpdatedAt = now, now
	p.RestorePlanSince = nil
	if p.RestorePlan != "" {
		p.RestorePlanSince = &now
	}
	err = storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO backup_policies (tenant_id, name, service_id, resource_id, target, method, schedule,
		retention_ms, rpo_ms, rto_ms, grace_ms, runbook, created_at, updated_at, source, size_low_percent, size_high_percent,
		restore_plan, restore_grace_ms, restore_plan_since) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
			p.TenantID, p.Name, p.ServiceID, database.NullID(p.ResourceID), p.Target, p.Method, p.Schedule, millis(p.Retention),
			millis(p.RPO), millis(p.RTO), millis(p.Grace), p.Runbook, now.UnixMilli(), now.UnixMilli(), source, p.SizeLowPercent,
			p.SizeHighPercent, p.RestorePlan, millis(p.RestoreGrace), sinceMillis(p)).Scan(&p.ID)
		return storage.Object{ID: p.ID}, err
	})
	if database.IsUnique(err) {
		return invalid.New("name", "a policy named %q exists already", p.Name)
	}
	if err != nil {
		return fmt.Errorf("backup: unable to create policy: %w", err)
	}
	s.notify(p.TenantID, p.ID)
	return nil
}

// UpdatePolicy replaces the editable fields of a policy of its tenant.
func (s *Store) UpdatePolicy(ctx context.Context, p *Policy) error {
	if err := s.check(ctx, p); err != nil {
		return err
	}
	source, err := encodeSource(p.Source)
	if err != nil {
		return err
	}
	p.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	if p.RestorePlan == "" {
		p.RestorePlanSince = nil
	} else if p.RestorePlanSince == nil {
		p.RestorePlanSince = &p.UpdatedAt
	}
	err = storage.Change(ctx, s.db, p.UpdatedAt, func(tx *sql.Tx) (storage.Object, error) {
		// A plan kept keeps when it was set; a new plan starts now.
		res, err := tx.ExecContext(ctx, `UPDATE backup_policies SET name=?, service_id=?, resource_id=?, target=?, method=?, schedule=?,
		retention_ms=?, rpo_ms=?, rto_ms=?, grace_ms=?, runbook=?, updated_at=?, source=?, size_low_percent=?, size_high_percent=?,
		restore_plan_since = CASE WHEN restore_plan = ? AND restore_plan_since <> 0 THEN restore_plan_since ELSE ? END,
		restore_plan=?, restore_grace_ms=?,
		restorable_oldest = CASE WHEN source = ? THEN restorable_oldest ELSE 0 END,
		restorable_newest = CASE WHEN source = ? THEN restorable_newest ELSE 0 END
		WHERE tenant_id=? AND id=?`,
			p.Name, p.ServiceID, database.NullID(p.ResourceID), p.Target, p.Method, p.Schedule, millis(p.Retention), millis(p.RPO),
			millis(p.RTO), millis(p.Grace), p.Runbook, p.UpdatedAt.UnixMilli(), source, p.SizeLowPercent, p.SizeHighPercent,
			p.RestorePlan, sinceMillis(p), p.RestorePlan, millis(p.RestoreGrace), source, source, p.TenantID, p.ID)
		return storage.Object{ID: p.ID}, storage.RowsAffected(res, err)
	})
	if database.IsUnique(err) {
		return invalid.New("name", "a policy named %q exists already", p.Name)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return storage.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("backup: unable to update policy: %w", err)
	}
	if p.Restorable != nil { // a new source forgot what the old one's vaults held
		if p.Restorable, err = s.restorable(ctx, p.TenantID, p.ID); err != nil {
			return err
		}
	}
	s.notify(p.TenantID, p.ID)
	return nil
}

// DeletePolicy removes a policy of tenant and its jobs.
func (s *Store) DeletePolicy(ctx context.Context, tenant string, id int64) error {
	err := storage.Change(ctx, s.db, s.now(), func(tx *sql.Tx) (storage.Object, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM backup_policies WHERE tenant_id=? AND id=?`, tenant, id)
		return storage.Object{ID: id}, storage.RowsAffected(res, err)
	})
	if errors.Is(err, storage.ErrNotFound) {
		return storage.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("backup: unable to delete policy: %w", err)
	}
	s.notify(tenant, id)
	return nil
}

// Policy returns one policy of tenant with its effective RPO and RTO.
func (s *Store) Policy(ctx context.Context, tenant string, id int64) (*Policy, error) {
	return s.onePolicy(ctx, `tenant_id=? AND id=?`, tenant, id)
}

// PolicyByName returns tenant's policy called name.
func (s *Store) PolicyByName(ctx context.Context, tenant, name string) (*Policy, error) {
	return s.onePolicy(ctx, `tenant_id=? AND name=?`, tenant, name)
}

func (s *Store) onePolicy(ctx context.Context, where string, args ...any) (*Policy, error) {
	p, err := scanPolicy(database.On(ctx, s.db).QueryRowContext(ctx, `SELECT `+policyColumns+` FROM backup_policies WHERE `+where, args...).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("backup: unable to read policy: %w", err)
	}
	return p, s.levels(ctx, p.TenantID, []*Policy{p})
}

// Policies lists tenant's policies by name; "" lists every tenant's (for
// the compliance watch and the MSP's board, never for one tenant's
// caller).
func (s *Store) Policies(ctx context.Context, tenant string) ([]*Policy, error) {
	q, args := `SELECT `+policyColumns+` FROM backup_policies`, []any{}
	if tenant != "" {
		q, args = q+` WHERE tenant_id=?`, append(args, tenant)
	}
	rows, err := database.On(ctx, s.db).QueryContext(ctx, q+` ORDER BY tenant_id, name`, args...)
	if err != nil {
		return nil, fmt.Errorf("backup: unable to list policies: %w", err)
	}
	defer rows.Close()
	list := []*Policy{}
	for rows.Next() {
		p, err := scanPolicy(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("backup: unable to list policies: %w", err)
		}
		list = append(list, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("backup: unable to list policies: %w", err)
	}
	if len(list) == 0 {
		return list, nil
	}
	if tenant != "" {
		return list, s.levels(ctx, tenant, list)
	}
	// Every tenant's (the watch, the MSP's board): their services in one
	// query, not one a tenant.
	svcs, err := s.objects.EveryTenantsServices(ctx)
	if err != nil {
		return nil, fmt.Errorf("backup: unable to read services: %w", err)
	}
	byTenant := map[string][]*Policy{}
	for _, p := range list {
		byTenant[p.TenantID] = append(byTenant[p.TenantID], p)
	}
	for t, ps := range byTenant {
		setLevels(svcs[t], ps)
	}
	return list, nil
}

// levels fills the effective RPO and RTO of tenant's policies from their
// services' levels, read once.
func (s *Store) levels(ctx context.Context, tenant string, ps []*Policy) error {
	svcs, err := s.objects.Services(ctx, tenant)
	if err != nil {
		return fmt.Errorf("backup: unable to read services: %w", err)
	}
	setLevels(svcs, ps)
	return nil
}

// setLevels fills the effective RPO and RTO of policies of one tenant from
// the levels of svcs, the tenant's services.
func setLevels(svcs []*model.Service, ps []*Policy) {
	level := make(map[int64]model.ServiceLevel, len(svcs))
	for _, svc := range svcs {
		level[svc.ID] = svc.Level
	}
	for _, p := range ps {
		l := level[p.ServiceID]
		p.EffectiveRPO, p.EffectiveRTO = p.RPO, p.RTO
		if p.RPO == 0 || (l.RPO > 0 && l.RPO < p.RPO) {
			p.EffectiveRPO = l.RPO
		}
		if p.RTO == 0 || (l.RTO > 0 && l.RTO < p.RTO) {
			p.EffectiveRTO = l.RTO
		}
	}
}
