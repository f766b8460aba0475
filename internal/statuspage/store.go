package statuspage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Store keeps status pages and notices; every query is scoped by tenant,
// but for BySlug, which is how a public request finds its tenant.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

// NewStore returns a Store on a database migrated by internal/database.
func NewStore(db *sql.DB) *Store { return &Store{db: db, now: time.Now} }

// Page returns tenant's settings; a tenant that never saved any has a
// disabled page under its own ID.
func (s *Store) Page(ctx context.Context, tenant string) (*Page, error) {
	p := &Page{Tenant: tenant}
	var enabled bool
	var updated int64
	err := database.On(ctx, s.db).QueryRowContext(ctx, `SELECT slug, enabled, title, updated_at FROM status_pages WHERE tenant_id=?`, tenant).
		Scan(&p.Slug, &enabled, &p.Title, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		p.Slug = tenant
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("statuspage: unable to read page: %w", err)
	}
	p.Enabled, p.UpdatedAt = enabled, database.FromMillis(updated)
	return p, nil
}

// SavePage stores tenant's settings; a slug another tenant holds is refused.
func (s *Store) SavePage(ctx context.Context, tenant string, p Page) (*Page, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	p.Tenant, p.UpdatedAt = tenant, now
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO status_pages (tenant_id, slug, enabled, title, updated_at) VALUES (?,?,?,?,?)
			ON CONFLICT (tenant_id) DO UPDATE SET slug=excluded.slug, enabled=excluded.enabled, title=excluded.title, updated_at=excluded.updated_at`,
			tenant, p.Slug, p.Enabled, p.Title, database.Millis(now))
		if database.IsUnique(err) {
			return storage.Object{}, invalid.New("slug", "is taken: choose another")
		}
		if err != nil {
			return storage.Object{}, fmt.Errorf("statuspage: unable to save page: %w", err)
		}
		return storage.Object{Key: tenant, Type: "status_page", Detail: p}, nil
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// DeletePage removes tenant's settings: its page is off again, under its
// own ID, as for a tenant that never saved any.
func (s *Store) DeletePage(ctx context.Context, tenant string) error {
	return storage.Change(ctx, s.db, s.now(), func(tx *sql.Tx) (storage.Object, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM status_pages WHERE tenant_id=?`, tenant)
		if err := storage.RowsAffected(res, err); err != nil {
			return storage.Object{}, fmt.Errorf("statuspage: unable to delete page: %w", err)
		}
		return storage.Object{Key: tenant, Type: "status_page"}, nil
	})
}

// BySlug returns the enabled page of slug; a disabled or unknown one is
// storage.ErrNotFound alike, so the public cannot tell them apart.
func (s *Store) BySlug(ctx context.Context, slug string) (*Page, error) {
	p := &Page{Slug: slug, Enabled: true}
	var updated int64
	err := s.db.QueryRowContext(ctx, `SELECT tenant_id, title, updated_at FROM status_pages WHERE slug=? AND enabled=1`, slug).
		Scan(&p.Tenant, &p.Title, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("statuspage: unable to read page: %w", err)
	}
	p.UpdatedAt = database.FromMillis(updated)
	return p, nil
}

// openStates are the incident states whose notices the page shows.
const openStates = `('new','in_progress','on_hold')`

// Publish sets the public title of incident's notice and adds an update,
// making the notice on the first call. The incident must be one of tenant's
// (not an inquiry or request): another tenant's is not found.
func (s *Store) Publish(ctx context.Context, tenant string, incident int64, actor string, in Publication) (*Notice, error) {
	var kind string
	err := s.db.QueryRowContext(ctx, `SELECT kind FROM incidents WHERE tenant_id=? AND id=?`, tenant, incident).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != "incident") {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("statuspage: unable to read incident: %w", err)
	}
	existing, err := s.NoticeOf(ctx, tenant, incident)
	if err != nil {
		return nil, err
	}
	if err := in.validate(existing == nil); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	err = storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		var id int64
		if existing == nil {
			err := tx.QueryRowContext(ctx, `INSERT INTO status_notices (tenant_id, incident_id, title, created_at, updated_at)
				VALUES (?,?,?,?,?) RETURNING id`, tenant, incident, in.Title, database.Millis(now), database.Millis(now)).Scan(&id)
			if err != nil {
				return storage.Object{}, fmt.Errorf("statuspage: unable to create notice: %w", err)
			}
		} else {
			id = existing.ID
			title := existing.Title
			if in.Title != "" {
				title = in.Title
			}
			if _, err := tx.ExecContext(ctx, `UPDATE status_notices SET title=?, updated_at=? WHERE tenant_id=? AND id=?`,
				title, database.Millis(now), tenant, id); err != nil {
				return storage.Object{}, fmt.Errorf("statuspage: unable to update notice: %w", err)
			}
		}
		if in.Body != "" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO status_updates (tenant_id, notice_id, body, created_by, created_at) VALUES (?,?,?,?,?)`,
				tenant, id, in.Body, actor, database.Millis(now)); err != nil {
				return storage.Object{}, fmt.Errorf("statuspage: unable to add update: %w", err)
			}
		}
		return storage.Object{ID: id, Type: "status_notice", Detail: map[string]any{"incident_id": incident}}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.NoticeOf(ctx, tenant, incident)
}

// NoticeOf returns incident's notice, or nil when it has none.
func (s *Store) NoticeOf(ctx context.Context, tenant string, incident int64) (*Notice, error) {
	list, err := s.notices(ctx, tenant, ` AND n.incident_id=?`, incident)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// Notices returns tenant's notices, newest first; open only those of
// incidents still open.
func (s *Store) Notices(ctx context.Context, tenant string, open bool) ([]*Notice, error) {
	where := ""
	if open {
		where = ` AND i.state IN ` + openStates
	}
	return s.notices(ctx, tenant, where)
}

func (s *Store) notices(ctx context.Context, tenant, where string, args ...any) ([]*Notice, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT n.id, n.incident_id, COALESCE(i.service_id, 0), n.title, i.state, n.created_at, n.updated_at
		FROM status_notices n JOIN incidents i ON i.id=n.incident_id AND i.tenant_id=n.tenant_id
		WHERE n.tenant_id=?`+where+` ORDER BY n.created_at DESC, n.id DESC LIMIT 100`, append([]any{tenant}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("statuspage: unable to list notices: %w", err)
	}
	defer rows.Close()
	var out []*Notice
	byID := map[int64]*Notice{}
	var ids []string
	for rows.Next() {
		n := &Notice{Tenant: tenant, Updates: []Update{}}
		var state string
		var created, updated int64
		if err := rows.Scan(&n.ID, &n.IncidentID, &n.ServiceID, &n.Title, &state, &created, &updated); err != nil {
			return nil, fmt.Errorf("statuspage: unable to list notices: %w", err)
		}
		n.Open = strings.Contains(openStates, "'"+state+"'")
		n.CreatedAt, n.UpdatedAt = database.FromMillis(created), database.FromMillis(updated)
		out = append(out, n)
		byID[n.ID] = n
		ids = append(ids, fmt.Sprint(n.ID))
	}
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	// The IDs are the integers just read, never input.
	urows, err := s.db.QueryContext(ctx, `SELECT notice_id, body, created_by, created_at FROM status_updates
		WHERE tenant_id=? AND notice_id IN (`+strings.Join(ids, ",")+`) ORDER BY created_at, id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("statuspage: unable to list updates: %w", err)
	}
	defer urows.Close()
	for urows.Next() {
		var id, at int64
		var u Update
		if err := urows.Scan(&id, &u.Body, &u.CreatedBy, &at); err != nil {
			return nil, fmt.Errorf("statuspage: unable to list updates: %w", err)
		}
		u.CreatedAt = database.FromMillis(at)
		byID[id].Updates = append(byID[id].Updates, u)
	}
	return out, urows.Err()
}
