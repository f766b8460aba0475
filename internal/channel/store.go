package channel

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Channel is a tenant's configured destination as the API shows it: Config
// is the redacted form, never a secret.
type Channel struct {
	ID        int64          `json:"id"`
	Tenant    string         `json:"tenant"`
	Name      string         `json:"name"`
	Type      string         `json:"type"`
	Config    map[string]any `json:"config"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`

	cfg any // the full configuration, opened from the sealed column
}

// Input is what a client sends to create or replace a channel. On
// replace, secrets left empty keep their stored values, unless the
// destination changes: then they must be sent again (see keepSecrets).
type Input struct {
	Name   string          `json:"name"`
	Type   string          `json:"type"`
	Config json.RawMessage `json:"config"`
}

// Store keeps channels and contacts. Every query is scoped by tenant; the
// configuration is stored sealed, with only its redacted form in clear.
type Store struct {
	db      *sql.DB
	box     *secret.Box
	objects *storage.Store
	build   Builder
	now     func() time.Time
}

// NewStore returns a Store on a migrated database; box seals the
// configurations and build makes their notify.Channel.
func NewStore(db *sql.DB, objects *storage.Store, box *secret.Box, build Builder) *Store {
	return &Store{db: db, box: box, objects: objects, build: build, now: time.Now}
}

// ad binds a sealed configuration to its tenant and type: copied into
// another tenant's row, it does not open.
func ad(tenant, typ string) []byte { return []byte("channel/" + tenant + "/" + typ) }

func validName(field, name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", invalid.New(field, "is required")
	case utf8.RuneCountInString(name) > 100:
		return "", invalid.New(field, "must be at most 100 characters")
	case strings.ContainsAny(name, ":/\n\t"):
		return "", invalid.New(field, "must not contain ':', '/' or control characters")
	}
	return name, nil
}

// Create validates in and stores it for tenant.
func (s *Store) Create(ctx context.Context, tenant string, in Input) (*Channel, error) {
	return s.save(ctx, tenant, 0, in, nil)
}

// Update replaces the channel id of tenant with in; secrets left empty in
// in keep their stored values. A refused input changes nothing.
func (s *Store) Update(ctx context.Context, tenant string, id int64, in Input) (*Channel, error) {
	prev, err := s.Get(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	return s.save(ctx, tenant, id, in, prev)
}

func (s *Store) save(ctx context.Context, tenant string, id int64, in Input, prev *Channel) (*Channel, error) {
	name, err := validName("name", in.Name)
	if err != nil {
		return nil, err
	}
	cfg, err := decodeConfig(in.Type, in.Config)
	if err != nil {
		return nil, err
	}
	if prev != nil && prev.Type == in.Type {
		if cfg, err = keepSecrets(cfg, prev.cfg); err != nil {
			return nil, err
		}
	}
	if err := validate(cfg); err != nil {
		return nil, err
	}
	plain, _ := json.Marshal(cfg)
	shown, _ := json.Marshal(redact(cfg))
	sealed := s.box.Seal(plain, ad(tenant, in.Type))
	now := s.now().UTC().Truncate(time.Millisecond)
	c := &Channel{ID: id, Tenant: tenant, Name: name, Type: in.Type, Config: redact(cfg), UpdatedAt: now, cfg: cfg}
	c.CreatedAt = now
	if prev != nil {
		c.CreatedAt = prev.CreatedAt
	}
	err = database.InTx(ctx, s.db, func(tx *sql.Tx) error {
		var err error
		if prev == nil {
			err = tx.QueryRowContext(ctx, `INSERT INTO notify_channels (tenant_id, name, type, config, sealed, created_at, updated_at)
				VALUES (?,?,?,?,?,?,?) RETURNING id`, tenant, name, in.Type, string(shown), sealed, now.UnixMilli(), now.UnixMilli()).Scan(&c.ID)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE notify_channels SET name=?, type=?, config=?, sealed=?, updated_at=? WHERE tenant_id=? AND id=?`,
				name, in.Type, string(shown), sealed, now.UnixMilli(), tenant, id)
		}
		if err != nil {
			return conflict("channel", err)
		}
		return storage.AuditChange(ctx, tx, storage.Object{ID: c.ID, Detail: c}, now)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Delete removes the channel id of tenant.
func (s *Store) Delete(ctx context.Context, tenant string, id int64) error {
	return s.remove(ctx, "notify_channels", tenant, id)
}

// remove deletes row id of tenant from table, with the audit entry ctx
// carries.
func (s *Store) remove(ctx context.Context, table, tenant string, id int64) error {
	return database.InTx(ctx, s.db, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE tenant_id=? AND id=?`, tenant, id)
		if err := storage.RowsAffected(res, err); err != nil {
			return fmt.Errorf("channel: cannot delete: %w", err)
		}
		return storage.AuditChange(ctx, tx, storage.Object{ID: id}, s.now())
	})
}

const selectChannels = `SELECT id, tenant_id, name, type, config, sealed, created_at, updated_at FROM notify_channels`

// Get returns the channel id of tenant, storage.ErrNotFound if none.
func (s *Store) Get(ctx context.Context, tenant string, id int64) (*Channel, error) {
	return s.one(ctx, selectChannels+` WHERE tenant_id=? AND id=?`, tenant, id)
}

// ByName returns the channel of tenant called name, storage.ErrNotFound if none.
func (s *Store) ByName(ctx context.Context, tenant, name string) (*Channel, error) {
	return s.one(ctx, selectChannels+` WHERE tenant_id=? AND name=?`, tenant, name)
}

func (s *Store) one(ctx context.Context, q string, args ...any) (*Channel, error) {
	c, err := s.scan(database.On(ctx, s.db).QueryRowContext(ctx, q, args...).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("channel: cannot read channel: %w", err)
	}
	return c, nil
}

// List returns the channels of tenant by name.
func (s *Store) List(ctx context.Context, tenant string) ([]*Channel, error) {
	rows, err := database.On(ctx, s.db).QueryContext(ctx, selectChannels+` WHERE tenant_id=? ORDER BY name`, tenant)
	if err != nil {
		return nil, fmt.Errorf("channel: cannot list channels: %w", err)
	}
	defer rows.Close()
	list := []*Channel{}
	for rows.Next() {
		c, err := s.scan(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("channel: cannot list channels: %w", err)
		}
		list = append(list, c)
	}
	return list, rows.Err()
}

func (s *Store) scan(f func(...any) error) (*Channel, error) {
	var (
		c                Channel
		shown            string
		sealed           []byte
		created, updated int64
	)
	if err := f(&c.ID, &c.Tenant, &c.Name, &c.Type, &shown, &sealed, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(shown), &c.Config); err != nil {
		return nil, err
	}
	plain, err := s.box.Open(sealed, ad(c.Tenant, c.Type))
	if err != nil {
		return nil, fmt.Errorf("channel %q: %w", c.Name, err)
	}
	if c.cfg, err = decodeConfig(c.Type, plain); err != nil {
		return nil, fmt.Errorf("channel %q: stored configuration: %w", c.Name, err)
	}
	c.CreatedAt, c.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &c, nil
}

func conflict(what string, err error) error {
	if database.IsUnique(err) {
		return fmt.Errorf("channel: %s name in use: %w", what, storage.ErrConflict)
	}
	return fmt.Errorf("channel: cannot save %s: %w", what, err)
}
