package capacity

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/actuator"
	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Factory builds the actuator of a group of tenant from its spec (the
// secret opened). internal/cli holds the one map of kinds to factories.
type Factory func(ctx context.Context, tenant string, spec actuator.Spec) (actuator.Actuator, error)

func kindNames(kinds map[string]Factory) []string { return slices.Sorted(maps.Keys(kinds)) }

// Store keeps capacity groups, plan versions, holds, steps and
// observations; every method takes the tenant and puts it in the WHERE
// clause.
type Store struct {
	db      *sql.DB
	objects *storage.Store // services and tenants: the plan's time zone
	box     *secret.Box
	kinds   map[string]Factory
	now     func() time.Time
	changed []func(tenant string, group int64)
}

// NewStore returns a Store on a database migrated by internal/database;
// kinds are the actuators groups may use.
func NewStore(db *sql.DB, objects *storage.Store, box *secret.Box, kinds map[string]Factory) *Store {
	return &Store{db: db, objects: objects, box: box, kinds: kinds, now: time.Now}
}

// AddKind adds an actuator kind: the manual kind is built on the store.
func (s *Store) AddKind(name string, f Factory) { s.kinds[name] = f }

// OnChange calls fn after a group, its plan or its hold changed: the
// scheduler evaluates the group at once.
func (s *Store) OnChange(fn func(tenant string, group int64)) { s.changed = append(s.changed, fn) }

func (s *Store) notify(tenant string, group int64) {
	for _, fn := range s.changed {
		fn(tenant, group)
	}
}

const groupColumns = `id, tenant_id, service_id, name, kind, config, coalesce(account_id, 0), secret, min_count, max_count,
	instance_size, hourly_price, load_query, host_selector, verify_timeout_ms, created_at, updated_at,
	load_unit, load_under, load_over, load_per_instance`

func scanGroup(sc func(...any) error) (*Group, error) {
	var g Group
	var config string
	var price, under, over, per sql.NullFloat64
	var verify, created, updated int64
	if err := sc(&g.ID, &g.TenantID, &g.ServiceID, &g.Name, &g.Kind, &config, &g.AccountID, &g.secret, &g.Min, &g.Max,
		&g.InstanceSize, &price, &g.LoadQuery, &g.HostSelector, &verify, &created, &updated,
		&g.LoadUnit, &under, &over, &per); err != nil {
		return nil, err
	}
	g.LoadUnder, g.LoadOver, g.LoadPerInstance = database.FloatPtr(under), database.FloatPtr(over), database.FloatPtr(per)
	g.Config, g.HourlyPrice, g.HasSecret = []byte(config), database.FloatPtr(price), len(g.secret) > 0
	g.VerifyWithin = model.Duration(time.Duration(verify) * time.Millisecond)
	g.CreatedAt, g.UpdatedAt = database.FromMillis(created), database.FromMillis(updated)
	return &g, nil
}

// secretAD binds a sealed secret to its group's row.
func secretAD(tenant, name string) []byte { return []byte("capacity/" + tenant + "/" + name) }

// SetSecret seals plain as the group's actuator secret (nil keeps the
// stored one, an empty slice removes it).
func (s *Store) setSecret(g *Group, plain []byte) {
	switch {
	case plain == nil:
	case len(plain) == 0:
		g.secret = nil
	default:
		g.secret = s.box.Seal(plain, secretAD(g.TenantID, g.Name))
	}
	g.HasSecret = len(g.secret) > 0
}

func (s *Store) check(ctx context.Context, g *Group) error {
	if err := g.Validate(s.kinds); err != nil {
		return err
	}
	// The kind checks its own settings (a command's argv, a scale set's name).
	if _, err := s.kinds[g.Kind](withGroup(ctx, g), g.TenantID, actuator.Spec{Kind: g.Kind, Config: g.Config, Account: g.AccountID}); err != nil {
		if e, ok := invalid.As(err); ok {
			return e
		}
	}
	if _, err := s.objects.Service(ctx, g.TenantID, g.ServiceID); errors.Is(err, storage.ErrNotFound) {
		return invalid.New("service_id", "no service %d in this tenant", g.ServiceID)
	} else if err != nil {
		return fmt.Errorf("capacity: unable to read service: %w", err)
	}
	return nil
}

// CreateGroup stores a new group; secret, when set, is sealed.
func (s *Store) CreateGroup(ctx context.Context, g *Group, secret []byte) error {
	if err := s.check(ctx, g); err != nil {
		return err
	}
	s.setSecret(g, secret)
	now := s.now().UTC().Truncate(time.Millisecond)
	g.CreatedAt, g.UpdatedAt = now, now
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO capacity_groups (tenant_id, service_id, name, kind, config, account_id, secret,
		min_count, max_count, instance_size, hourly_price, load_query, host_selector, verify_timeout_ms, created_at, updated_at,
		load_unit, load_under, load_over, load_per_instance)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
			g.TenantID, g.ServiceID, g.Name, g.Kind, string(g.Config), database.NullID(g.AccountID), g.secret, g.Min, g.Max,
			g.InstanceSize, database.NullFloat(g.HourlyPrice), g.LoadQuery, g.HostSelector,
			time.Duration(g.VerifyWithin).Milliseconds(), now.UnixMilli(), now.UnixMilli(),
			g.LoadUnit, database.NullFloat(g.LoadUnder), database.NullFloat(g.LoadOver), database.NullFloat(g.LoadPerInstance)).Scan(&g.ID)
		return storage.Object{ID: g.ID}, err
	})
	if database.IsUnique(err) {
		return invalid.New("name", "a group named %q exists already", g.Name)
	}
	if err != nil {
		return fmt.Errorf("capacity: unable to create group: %w", err)
	}
	s.notify(g.TenantID, g.ID)
	return nil
}

// UpdateGroup replaces the editable fields of a group; a nil secret keeps
// the stored one. A renamed group's secret is sealed again for its name.
func (s *Store) UpdateGroup(ctx context.Context, g *Group, oldName string, secret []byte) error {
	if err := s.check(ctx, g); err != nil {
		return err
	}
	if secret == nil && g.secret != nil && oldName != g.Name {
		plain, err := s.box.Open(g.secret, secretAD(g.TenantID, oldName))
		if err != nil {
			return fmt.Errorf("capacity: unable to open the group's secret: %w", err)
		}
		secret = plain
	}
	s.setSecret(g, secret)
	g.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	err := storage.Change(ctx, s.db, g.UpdatedAt, func(tx *sql.Tx) (storage.Object, error) {
		res, err := tx.ExecContext(ctx, `UPDATE capacity_groups SET service_id=?, name=?, kind=?, config=?, account_id=?, secret=?,
		min_count=?, max_count=?, instance_size=?, hourly_price=?, load_query=?, host_selector=?, verify_timeout_ms=?, updated_at=?,
		load_unit=?, load_under=?, load_over=?, load_per_instance=?
		WHERE tenant_id=? AND id=?`,
			g.ServiceID, g.Name, g.Kind, string(g.Config), database.NullID(g.AccountID), g.secret, g.Min, g.Max, g.InstanceSize,
			database.NullFloat(g.HourlyPrice), g.LoadQuery, g.HostSelector, time.Duration(g.VerifyWithin).Milliseconds(),
			g.UpdatedAt.UnixMilli(), g.LoadUnit, database.NullFloat(g.LoadUnder), database.NullFloat(g.LoadOver),
			database.NullFloat(g.LoadPerInstance), g.TenantID, g.ID)
		return storage.Object{ID: g.ID}, storage.RowsAffected(res, err)
	})
	if database.IsUnique(err) {
		return invalid.New("name", "a group named %q exists already", g.Name)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return storage.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("capacity: unable to update group: %w", err)
	}
	s.notify(g.TenantID, g.ID)
	return nil
}

// DeleteGroup removes a group with its plan, holds and records.
func (s *Store) DeleteGroup(ctx context.Context, tenant string, id int64) error {
	err := storage.Change(ctx, s.db, s.now(), func(tx *sql.Tx) (storage.Object, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM capacity_groups WHERE tenant_id=? AND id=?`, tenant, id)
		return storage.Object{ID: id}, storage.RowsAffected(res, err)
	})
	if errors.Is(err, storage.ErrNotFound) {
		return storage.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("capacity: unable to delete group: %w", err)
	}
	s.notify(tenant, id)
	return nil
}

// Group returns one group of tenant.
func (s *Store) Group(ctx context.Context, tenant string, id int64) (*Group, error) {
	g, err := scanGroup(database.On(ctx, s.db).QueryRowContext(ctx, `SELECT `+groupColumns+` FROM capacity_groups WHERE tenant_id=? AND id=?`, tenant, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("capacity: unable to read group: %w", err)
	}
	return g, nil
}

// Groups lists tenant's groups by name; "" lists every tenant's (for the
// scheduler).
func (s *Store) Groups(ctx context.Context, tenant string) ([]*Group, error) {
	q, args := `SELECT `+groupColumns+` FROM capacity_groups`, []any{}
	if tenant != "" {
		q, args = q+` WHERE tenant_id=?`, append(args, tenant)
	}
	rows, err := database.On(ctx, s.db).QueryContext(ctx, q+` ORDER BY tenant_id, name`, args...)
	if err != nil {
		return nil, fmt.Errorf("capacity: unable to list groups: %w", err)
	}
	defer rows.Close()
	list := []*Group{}
	for rows.Next() {
		g, err := scanGroup(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("capacity: unable to list groups: %w", err)
		}
		list = append(list, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("capacity: unable to list groups: %w", err)
	}
	return list, nil
}

// Actuator builds g's actuator with its secret opened.
func (s *Store) Actuator(ctx context.Context, g *Group) (actuator.Actuator, error) {
	f, ok := s.kinds[g.Kind]
	if !ok {
		return nil, fmt.Errorf("capacity: no actuator of kind %q in this server", g.Kind)
	}
	spec := actuator.Spec{Kind: g.Kind, Config: g.Config, Account: g.AccountID}
	if len(g.secret) > 0 {
		plain, err := s.box.Open(g.secret, secretAD(g.TenantID, g.Name))
		if err != nil {
			return nil, fmt.Errorf("capacity: unable to open the secret of group %d: %w", g.ID, err)
		}
		spec.Secret = plain
	}
	ctx = withGroup(ctx, g)
	return f(ctx, g.TenantID, spec)
}

type groupKey struct{}

func withGroup(ctx context.Context, g *Group) context.Context {
	return context.WithValue(ctx, groupKey{}, g)
}

// GroupOf returns the group whose actuator is being built, for a factory
// that needs more than the spec (the manual kind names the group).
func GroupOf(ctx context.Context) *Group { g, _ := ctx.Value(groupKey{}).(*Group); return g }

// location is the time zone of g's plan: its service calendar's, else its
// tenant's, else UTC.
func (s *Store) location(ctx context.Context, g *Group) (*time.Location, error) {
	svc, err := s.objects.Service(ctx, g.TenantID, g.ServiceID)
	if err != nil {
		return nil, fmt.Errorf("capacity: unable to read service: %w", err)
	}
	zone := svc.Level.Calendar.TimeZone
	if zone == "" {
		if t, err := s.objects.Tenant(ctx, g.TenantID); err == nil {
			zone = t.TimeZone
		}
	}
	loc, err := calendar.LoadZone(zone)
	if err != nil {
		return time.UTC, nil
	}
	return loc, nil
}

// locations is the plan's time zone of every group, reading each
// tenant's services once.
func (s *Store) locations(ctx context.Context, groups []*Group) (map[int64]*time.Location, error) {
	zones := map[int64]string{} // service → its calendar's zone, else its tenant's
	seen := map[string]bool{}
	out := make(map[int64]*time.Location, len(groups))
	loaded := map[string]*time.Location{}
	for _, g := range groups {
		if !seen[g.TenantID] {
			seen[g.TenantID] = true
			svcs, err := s.objects.Services(ctx, g.TenantID)
			if err != nil {
				return nil, fmt.Errorf("capacity: unable to read services: %w", err)
			}
			tz := ""
			if t, err := s.objects.Tenant(ctx, g.TenantID); err == nil {
				tz = t.TimeZone
			}
			for _, svc := range svcs {
				zones[svc.ID] = svc.Level.Calendar.TimeZone
				if zones[svc.ID] == "" {
					zones[svc.ID] = tz
				}
			}
		}
		zone := zones[g.ServiceID]
		if loaded[zone] == nil {
			loc, err := calendar.LoadZone(zone)
			if err != nil {
				loc = time.UTC
			}
			loaded[zone] = loc
		}
		out[g.ID] = loaded[zone]
	}
	return out, nil
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// SameSecret reports whether g's stored actuator secret is plain: opened
// in the server and compared there, never returned (a design's plan asks).
func (s *Store) SameSecret(g *Group, plain []byte) bool {
	if len(g.secret) == 0 {
		return len(plain) == 0
	}
	stored, err := s.box.Open(g.secret, secretAD(g.TenantID, g.Name))
	return err == nil && subtle.ConstantTimeCompare(stored, plain) == 1
}
