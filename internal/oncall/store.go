package oncall

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// ContactFunc reports whether tenant has the contact name; internal/channel
// answers it. Nil skips the check.
type ContactFunc func(ctx context.Context, tenant, name string) (bool, error)

// Store keeps rotations, overrides, feed tokens and link acknowledgements;
// every query is scoped by tenant.
type Store struct {
	db      *sql.DB
	contact ContactFunc
	now     func() time.Time
}

// NewStore returns a Store on a migrated database.
func NewStore(db *sql.DB, contact ContactFunc) *Store {
	return &Store{db: db, contact: contact, now: time.Now}
}

func (s *Store) checkContact(ctx context.Context, tenant, field, name string) error {
	if s.contact == nil {
		return nil
	}
	ok, err := s.contact(ctx, tenant, name)
	if err != nil {
		return fmt.Errorf("oncall: cannot check contact: %w", err)
	}
	if !ok {
		return invalid.New(field, "no contact %q in this tenant", name)
	}
	return nil
}

func (s *Store) validate(ctx context.Context, r *Rotation) error {
	if err := r.Validate(); err != nil {
		return err
	}
	for i, l := range r.Layers {
		for j, m := range l.Members {
			if err := s.checkContact(ctx, r.Tenant, fmt.Sprintf("layers[%d].members[%d]", i, j), m); err != nil {
				return err
			}
		}
	}
	return nil
}

// Create validates r and stores it for r.Tenant.
func (s *Store) Create(ctx context.Context, r *Rotation) error {
	if err := s.validate(ctx, r); err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	r.CreatedAt, r.UpdatedAt = now, now
	raw, _ := json.Marshal(r.Layers)
	return storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO oncall_rotations (tenant_id, name, rotation, created_at, updated_at) VALUES (?,?,?,?,?) RETURNING id`,
			r.Tenant, r.Name, string(encode(r, raw)), now.UnixMilli(), now.UnixMilli()).Scan(&r.ID)
		if err != nil {
			return storage.Object{}, conflict(err)
		}
		return storage.Object{ID: r.ID, Detail: r}, nil
	})
}

// stored is the JSON of a rotation row.
type stored struct {
	TimeZone string          `json:"time_zone"`
	Layers   json.RawMessage `json:"layers"`
}

func encode(r *Rotation, layers []byte) []byte {
	b, _ := json.Marshal(stored{TimeZone: r.TimeZone, Layers: layers})
	return b
}

// Update replaces the rotation r.ID of r.Tenant.
func (s *Store) Update(ctx context.Context, r *Rotation) error {
	prev, err := s.Get(ctx, r.Tenant, r.ID)
	if err != nil {
		return err
	}
	if err := s.validate(ctx, r); err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	r.CreatedAt, r.UpdatedAt = prev.CreatedAt, now
	raw, _ := json.Marshal(r.Layers)
	return storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		res, err := tx.ExecContext(ctx, `UPDATE oncall_rotations SET name=?, rotation=?, updated_at=? WHERE tenant_id=? AND id=?`,
			r.Name, string(encode(r, raw)), now.UnixMilli(), r.Tenant, r.ID)
		if err := storage.RowsAffected(res, err); err != nil {
			return storage.Object{}, conflict(err)
		}
		return storage.Object{ID: r.ID, Detail: r}, nil
	})
}

// Delete removes the rotation id of tenant with its overrides.
func (s *Store) Delete(ctx context.Context, tenant string, id int64) error {
	return storage.Change(ctx, s.db, s.now(), func(tx *sql.Tx) (storage.Object, error) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM oncall_overrides WHERE tenant_id=? AND rotation_id=?`, tenant, id); err != nil {
			return storage.Object{}, fmt.Errorf("oncall: cannot delete overrides: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM oncall_rotations WHERE tenant_id=? AND id=?`, tenant, id)
		if err := storage.RowsAffected(res, err); err != nil {
			return storage.Object{}, fmt.Errorf("oncall: cannot delete rotation: %w", err)
		}
		return storage.Object{ID: id}, nil
	})
}

const selectRotations = `SELECT id, tenant_id, name, rotation, created_at, updated_at FROM oncall_rotations`

// Get returns the rotation id of tenant, storage.ErrNotFound if none.
func (s *Store) Get(ctx context.Context, tenant string, id int64) (*Rotation, error) {
	return s.one(ctx, selectRotations+` WHERE tenant_id=? AND id=?`, tenant, id)
}

// ByName returns the rotation of tenant called name.
func (s *Store) ByName(ctx context.Context, tenant, name string) (*Rotation, error) {
	return s.one(ctx, selectRotations+` WHERE tenant_id=? AND name=?`, tenant, name)
}

func (s *Store) one(ctx context.Context, q string, args ...any) (*Rotation, error) {
	r, err := scanRotation(database.On(ctx, s.db).QueryRowContext(ctx, q, args...).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("oncall: cannot read rotation: %w", err)
	}
	return r, nil
}

// List returns the rotations of tenant by name.
func (s *Store) List(ctx context.Context, tenant string) ([]*Rotation, error) {
	rows, err := database.On(ctx, s.db).QueryContext(ctx, selectRotations+` WHERE tenant_id=? ORDER BY name`, tenant)
	if err != nil {
		return nil, fmt.Errorf("oncall: cannot list rotations: %w", err)
	}
	defer rows.Close()
	list := []*Rotation{}
	for rows.Next() {
		r, err := scanRotation(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("oncall: cannot list rotations: %w", err)
		}
		list = append(list, r)
	}
	return list, rows.Err()
}

func scanRotation(f func(...any) error) (*Rotation, error) {
	var (
		r                Rotation
		raw              string
		created, updated int64
		st               stored
	)
	if err := f(&r.ID, &r.Tenant, &r.Name, &raw, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(st.Layers, &r.Layers); err != nil {
		return nil, err
	}
	r.TimeZone = st.TimeZone
	r.CreatedAt, r.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &r, nil
}

// AddOverride stores o for the rotation o.Rotation of tenant.
func (s *Store) AddOverride(ctx context.Context, tenant string, o *Override) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if _, err := s.Get(ctx, tenant, o.Rotation); err != nil {
		return err
	}
	if err := s.checkContact(ctx, tenant, "contact", o.Contact); err != nil {
		return err
	}
	o.Start, o.End = o.Start.UTC().Truncate(time.Millisecond), o.End.UTC().Truncate(time.Millisecond)
	now := s.now()
	return storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO oncall_overrides (tenant_id, rotation_id, contact, starts_at, ends_at, note, created_at) VALUES (?,?,?,?,?,?,?) RETURNING id`,
			tenant, o.Rotation, o.Contact, o.Start.UnixMilli(), o.End.UnixMilli(), o.Note, now.UnixMilli()).Scan(&o.ID)
		if err != nil {
			return storage.Object{}, fmt.Errorf("oncall: cannot save override: %w", err)
		}
		return storage.Object{ID: o.ID, Detail: o}, nil
	})
}

// DeleteOverride removes the override id of the rotation of tenant.
func (s *Store) DeleteOverride(ctx context.Context, tenant string, rotation, id int64) error {
	return storage.Change(ctx, s.db, s.now(), func(tx *sql.Tx) (storage.Object, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM oncall_overrides WHERE tenant_id=? AND rotation_id=? AND id=?`, tenant, rotation, id)
		if err := storage.RowsAffected(res, err); err != nil {
			return storage.Object{}, fmt.Errorf("oncall: cannot delete override: %w", err)
		}
		return storage.Object{ID: id}, nil
	})
}

// Overrides returns the overrides of the rotation that end after from, in
// the order they were made (a later one wins where they overlap).
func (s *Store) Overrides(ctx context.Context, tenant string, rotation int64, from time.Time) ([]Override, error) {
	rows, err := database.On(ctx, s.db).QueryContext(ctx, `SELECT id, rotation_id, contact, starts_at, ends_at, note FROM oncall_overrides
		WHERE tenant_id=? AND rotation_id=? AND ends_at>? ORDER BY id LIMIT 1000`, tenant, rotation, from.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("oncall: cannot list overrides: %w", err)
	}
	defer rows.Close()
	list := []Override{}
	for rows.Next() {
		var o Override
		var st, en int64
		if err := rows.Scan(&o.ID, &o.Rotation, &o.Contact, &st, &en, &o.Note); err != nil {
			return nil, fmt.Errorf("oncall: cannot list overrides: %w", err)
		}
		o.Start, o.End = time.UnixMilli(st).UTC(), time.UnixMilli(en).UTC()
		list = append(list, o)
	}
	return list, rows.Err()
}

// Now returns who is on call in the rotation of tenant at t.
func (s *Store) Now(ctx context.Context, tenant string, r *Rotation, t time.Time) (Shift, bool, error) {
	ov, err := s.Overrides(ctx, tenant, r.ID, t)
	if err != nil {
		return Shift{}, false, err
	}
	return OnCall(r, ov, t)
}

// Resolve returns the contact on call at t in the rotation of tenant named
// name; "" when nobody is. The escalation scheduler calls it as a step fires.
func (s *Store) Resolve(ctx context.Context, tenant, name string, t time.Time) (string, error) {
	r, err := s.ByName(ctx, tenant, name)
	if err != nil {
		return "", err
	}
	sh, ok, err := s.Now(ctx, tenant, r, t)
	if err != nil || !ok {
		return "", err
	}
	return sh.Contact, nil
}

// NewFeed makes a new iCalendar feed token for contact of tenant, replacing
// any earlier one. Only its hash is stored: the token is shown once.
func (s *Store) NewFeed(ctx context.Context, tenant, contact string) (string, error) {
	if err := s.checkContact(ctx, tenant, "contact", contact); err != nil {
		return "", err
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("oncall: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := s.now()
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO oncall_feeds (tenant_id, contact, token_hash, created_at) VALUES (?,?,?,?)
			ON CONFLICT (tenant_id, contact) DO UPDATE SET token_hash=excluded.token_hash, created_at=excluded.created_at`,
			tenant, contact, hashToken(token), now.UnixMilli())
		if err != nil {
			return storage.Object{}, fmt.Errorf("oncall: cannot save feed: %w", err)
		}
		return storage.Object{Key: contact}, nil
	})
	return token, err
}

// Feed returns the tenant and contact of a feed token, storage.ErrNotFound
// for an unknown one.
func (s *Store) Feed(ctx context.Context, token string) (tenant, contact string, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT tenant_id, contact FROM oncall_feeds WHERE token_hash=?`, hashToken(token)).Scan(&tenant, &contact)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", storage.ErrNotFound
	}
	return tenant, contact, err
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

func conflict(err error) error {
	if database.IsUnique(err) {
		return fmt.Errorf("oncall: rotation name in use: %w", storage.ErrConflict)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return fmt.Errorf("oncall: cannot save rotation: %w", err)
}
