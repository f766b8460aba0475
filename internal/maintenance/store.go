package maintenance

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Stored is a maintenance window kept for a tenant. Its scope is the
// intersection of what it names: no service, resource or labels means the
// whole tenant; a service, a host (resource) or a label set narrows it, and
// every one given must match.
type Stored struct {
	ID         int64             `json:"id"`
	Tenant     string            `json:"tenant"`
	Name       string            `json:"name"`
	ServiceID  *int64            `json:"service_id,omitempty"`
	ResourceID *int64            `json:"resource_id,omitempty"`
	Labels     map[string]string `json:"labels"`
	Window
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// matches reports whether the window's scope covers the given target.
func (w *Stored) matches(resourceID, serviceID int64, labels map[string]string) bool {
	if w.ServiceID != nil && *w.ServiceID != serviceID {
		return false
	}
	if w.ResourceID != nil && *w.ResourceID != resourceID {
		return false
	}
	for k, v := range w.Labels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// Store keeps maintenance windows in SQLite; every query is scoped by tenant.
type Store struct {
	db      *sql.DB
	objects *storage.Store
	now     func() time.Time

	// byTenant caches each tenant's windows with their compiled schedules
	// for Active, which the alert engine calls for every alert it
	// evaluates. Every write goes through this Store and drops the
	// tenant's entry, so the cache is never stale in this process.
	mu       sync.Mutex
	byTenant map[string][]compiled
	loaded   map[string]time.Time // when each tenant's entry was read
	gen      uint64               // bumped by every write, so a load racing one is not cached
	// maxAge, when set, bounds how long an entry is trusted: with replicas
	// a window written on another replica drops no entry here.
	maxAge time.Duration
}

// SetMaxAge makes a tenant's cached windows be read again once older than
// d: with replicas on one database, a window created, changed or ended on
// one replica applies on the others within d. Zero (the default, one
// server) trusts the cache until a write of this process drops it.
func (s *Store) SetMaxAge(d time.Duration) { s.maxAge = d }

type compiled struct {
	w     *Stored
	sched *Schedule // nil: the window does not compile and never applies
}

// NewStore returns a Store on a database migrated by internal/database.
func NewStore(db *sql.DB, objects *storage.Store) *Store {
	return &Store{db: db, objects: objects, now: time.Now, byTenant: map[string][]compiled{}, loaded: map[string]time.Time{}}
}

// validate checks w and that the service and resource it names belong to
// its tenant (another tenant's ID is refused as unknown, never revealed).
func (s *Store) validate(ctx context.Context, w *Stored) error {
	w.Name = strings.TrimSpace(w.Name)
	if w.Name == "" {
		return invalid.New("name", "is required")
	}
	if utf8.RuneCountInString(w.Name) > 200 {
		return invalid.New("name", "must be at most 200 characters")
	}
	if err := w.Window.Validate(); err != nil {
		return err
	}
	if w.ServiceID != nil {
		if _, err := s.objects.Service(ctx, w.Tenant, *w.ServiceID); errors.Is(err, storage.ErrNotFound) {
			return invalid.New("service_id", "no service %d in this tenant", *w.ServiceID)
		} else if err != nil {
			return fmt.Errorf("maintenance: cannot read service: %w", err)
		}
	}
	if w.ResourceID != nil {
		if _, err := s.objects.Resource(ctx, w.Tenant, *w.ResourceID); errors.Is(err, storage.ErrNotFound) {
			return invalid.New("resource_id", "no resource %d in this tenant", *w.ResourceID)
		} else if err != nil {
			return fmt.Errorf("maintenance: cannot read resource: %w", err)
		}
	}
	keys := make([]string, 0, len(w.Labels))
	for k := range w.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "" || len(k) > 100 || strings.ContainsAny(k, "=,\" \t\n") {
			return invalid.New("labels", "%q is not a label name", k)
		}
	}
	if w.Labels == nil {
		w.Labels = map[string]string{}
	}
	return nil
}

// Create validates and stores w for w.Tenant and sets its ID.
func (s *Store) Create(ctx context.Context, w *Stored) error {
	if err := s.validate(ctx, w); err != nil {
		return err
	}
	labels, sched, err := encode(w)
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	w.CreatedAt, w.UpdatedAt = now, now
	defer s.forget(w.Tenant)
	return database.InTx(ctx, s.db, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO maintenance_windows
			(tenant_id, name, service_id, resource_id, labels, schedule, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?) RETURNING id`,
			w.Tenant, w.Name, database.NullIDPtr(w.ServiceID), database.NullIDPtr(w.ResourceID), labels, sched, now.UnixMilli(), now.UnixMilli()).Scan(&w.ID)
		if err != nil {
			return fmt.Errorf("maintenance: cannot create window: %w", err)
		}
		return storage.AuditChange(ctx, tx, storage.Object{ID: w.ID, Detail: w}, now)
	})
}

// Update replaces the window w.ID of w.Tenant.
func (s *Store) Update(ctx context.Context, w *Stored) error {
	if err := s.validate(ctx, w); err != nil {
		return err
	}
	labels, sched, err := encode(w)
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	w.UpdatedAt = now
	defer s.forget(w.Tenant)
	return database.InTx(ctx, s.db, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE maintenance_windows SET name=?, service_id=?, resource_id=?, labels=?, schedule=?, updated_at=?
			WHERE tenant_id=? AND id=?`,
			w.Name, database.NullIDPtr(w.ServiceID), database.NullIDPtr(w.ResourceID), labels, sched, now.UnixMilli(), w.Tenant, w.ID)
		if err := storage.RowsAffected(res, err); err != nil {
			return fmt.Errorf("maintenance: cannot update window: %w", err)
		}
		return storage.AuditChange(ctx, tx, storage.Object{ID: w.ID, Detail: w}, now)
	})
}

// Delete removes the window id of tenant.
func (s *Store) Delete(ctx context.Context, tenant string, id int64) error {
	defer s.forget(tenant)
	return database.InTx(ctx, s.db, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM maintenance_windows WHERE tenant_id=? AND id=?`, tenant, id)
		if err := storage.RowsAffected(res, err); err != nil {
			return fmt.Errorf("maintenance: cannot delete window: %w", err)
		}
		return storage.AuditChange(ctx, tx, storage.Object{ID: id}, s.now())
	})
}

const selectWindows = `SELECT id, tenant_id, name, service_id, resource_id, labels, schedule, created_at, updated_at FROM maintenance_windows`

// Get returns the window id of tenant, storage.ErrNotFound when there is none.
func (s *Store) Get(ctx context.Context, tenant string, id int64) (*Stored, error) {
	w, err := scan(database.On(ctx, s.db).QueryRowContext(ctx, selectWindows+` WHERE tenant_id=? AND id=?`, tenant, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("maintenance: cannot read window: %w", err)
	}
	return w, nil
}

// List returns every window of tenant, oldest first.
func (s *Store) List(ctx context.Context, tenant string) ([]*Stored, error) {
	rows, err := database.On(ctx, s.db).QueryContext(ctx, selectWindows+` WHERE tenant_id=? ORDER BY id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("maintenance: cannot list windows: %w", err)
	}
	defer rows.Close()
	list := []*Stored{}
	for rows.Next() {
		w, err := scan(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("maintenance: cannot list windows: %w", err)
		}
		list = append(list, w)
	}
	return list, rows.Err()
}

// Active reports whether at falls in a maintenance window of tenant that
// covers the resource, the service and the labels given (0 and nil mean
// none), and returns the ID of the first such window. The alert engine calls
// it before it notifies. A stored window that no longer compiles (e.g. a
// time zone removed from the system) never applies: a broken window must
// not silence alerts.
func (s *Store) Active(ctx context.Context, tenant string, resourceID, serviceID int64, labels map[string]string, at time.Time) (windowID int64, in bool, err error) {
	list, err := s.compiled(ctx, tenant)
	if err != nil {
		return 0, false, err
	}
	for _, c := range list {
		if c.sched != nil && c.w.matches(resourceID, serviceID, labels) && c.sched.Active(at) {
			return c.w.ID, true, nil
		}
	}
	return 0, false, nil
}

// compiled returns the tenant's windows with their schedules, compiling
// once per change: loading a time zone costs far more than a lookup.
func (s *Store) compiled(ctx context.Context, tenant string) ([]compiled, error) {
	s.mu.Lock()
	list, ok := s.byTenant[tenant]
	if ok && s.maxAge > 0 && time.Since(s.loaded[tenant]) >= s.maxAge {
		ok = false
	}
	gen := s.gen
	s.mu.Unlock()
	if ok {
		return list, nil
	}
	start := time.Now()
	windows, err := s.List(ctx, tenant)
	if err != nil {
		return nil, err
	}
	list = make([]compiled, 0, len(windows))
	for _, w := range windows {
		sched, err := w.Window.Compile()
		if err != nil {
			sched = nil
		}
		list = append(list, compiled{w: w, sched: sched})
	}
	s.mu.Lock()
	if s.gen == gen {
		s.byTenant[tenant], s.loaded[tenant] = list, start
	}
	s.mu.Unlock()
	return list, nil
}

// forget drops the cached windows of tenant after a change.
func (s *Store) forget(tenant string) {
	s.mu.Lock()
	delete(s.byTenant, tenant)
	s.gen++
	s.mu.Unlock()
}

func encode(w *Stored) (labels, sched string, err error) {
	l, err := json.Marshal(w.Labels)
	if err != nil {
		return "", "", fmt.Errorf("maintenance: %w", err)
	}
	sc, err := json.Marshal(w.Window)
	if err != nil {
		return "", "", fmt.Errorf("maintenance: %w", err)
	}
	return string(l), string(sc), nil
}

func scan(f func(...any) error) (*Stored, error) {
	var (
		w                Stored
		svc, res         sql.NullInt64
		labels, sched    string
		created, updated int64
	)
	if err := f(&w.ID, &w.Tenant, &w.Name, &svc, &res, &labels, &sched, &created, &updated); err != nil {
		return nil, err
	}
	if svc.Valid {
		w.ServiceID = &svc.Int64
	}
	if res.Valid {
		w.ResourceID = &res.Int64
	}
	if err := json.Unmarshal([]byte(labels), &w.Labels); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(sched), &w.Window); err != nil {
		return nil, err
	}
	w.CreatedAt, w.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &w, nil
}

// CreateIn validates w and stores it inside tx, the transaction of another
// audited change that owns the window (an approved change creates its
// windows): the owner's audit entry covers it, so it writes none of its own.
func (s *Store) CreateIn(ctx context.Context, tx *sql.Tx, w *Stored) error {
	if err := s.validate(ctx, w); err != nil {
		return err
	}
	labels, sched, err := encode(w)
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	w.CreatedAt, w.UpdatedAt = now, now
	err = tx.QueryRowContext(ctx, `INSERT INTO maintenance_windows
		(tenant_id, name, service_id, resource_id, labels, schedule, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?) RETURNING id`,
		w.Tenant, w.Name, database.NullIDPtr(w.ServiceID), database.NullIDPtr(w.ResourceID), labels, sched, now.UnixMilli(), now.UnixMilli()).Scan(&w.ID)
	if err != nil {
		return fmt.Errorf("maintenance: cannot create window: %w", err)
	}
	return nil
}

// Forget drops the cached windows of tenant: a caller of CreateIn calls it
// after its transaction commits.
func (s *Store) Forget(tenant string) { s.forget(tenant) }
