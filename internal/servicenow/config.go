package servicenow

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Sealer encrypts credentials at rest; *secret.Box is one. ad binds a sealed
// value to its row, so a value copied to another tenant does not open there.
type Sealer interface {
	Seal(plaintext, ad []byte) []byte
	Open(sealed, ad []byte) ([]byte, error)
}

// AuthKind is how unyo authenticates to the instance.
type AuthKind string

// Basic auth with a user, or OAuth 2.0 client credentials.
const (
	AuthBasic AuthKind = "basic"
	AuthOAuth AuthKind = "oauth"
)

// Config is a tenant's ServiceNow connection. Its secrets are write-only:
// they are sealed on the way in and never answered.
type Config struct {
	TenantID    string    `json:"tenant"`
	InstanceURL string    `json:"instance_url"` // https://example.service-now.com
	Auth        AuthKind  `json:"auth"`
	Username    string    `json:"username,omitempty"`  // basic
	ClientID    string    `json:"client_id,omitempty"` // oauth
	Enabled     bool      `json:"enabled"`
	Tables      Tables    `json:"tables"` // the table of each kind, defaults filled in
	HasSecret   bool      `json:"has_secret"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Credentials are the secret half of a Config.
type Credentials struct {
	Password     string `json:"password,omitempty"`      // basic
	ClientSecret string `json:"client_secret,omitempty"` // oauth
}

// ConfigInput is what a caller sends to set a tenant's configuration; an
// empty secret keeps the stored one, unless the instance URL changes: a
// stored secret never follows the configuration to a new destination.
type ConfigInput struct {
	InstanceURL  string   `json:"instance_url"`
	Auth         AuthKind `json:"auth"`
	Username     string   `json:"username"`
	Password     string   `json:"password"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Enabled      *bool    `json:"enabled"`
	Tables       Tables   `json:"tables"` // omitted: the stored mapping (the defaults at first)
}

// validate checks the input; hasSecret says a secret is already stored.
func (in ConfigInput) validate(hasSecret bool) error {
	if err := in.Tables.validate(); err != nil {
		return err
	}
	u, err := url.Parse(in.InstanceURL)
	if in.InstanceURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return invalid.New("instance_url", "must be an http(s) URL such as https://example.service-now.com, without credentials")
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return invalid.New("instance_url", "must be the instance's base URL, without a path or query")
	}
	switch in.Auth {
	case AuthBasic:
		if strings.TrimSpace(in.Username) == "" {
			return invalid.New("username", "is required for basic auth")
		}
		if in.Password == "" && !hasSecret {
			return invalid.New("password", "is required for basic auth")
		}
	case AuthOAuth:
		if strings.TrimSpace(in.ClientID) == "" {
			return invalid.New("client_id", "is required for oauth")
		}
		if in.ClientSecret == "" && !hasSecret {
			return invalid.New("client_secret", "is required for oauth")
		}
	default:
		return invalid.New("auth", "must be basic or oauth, not %q", in.Auth)
	}
	return nil
}

// Check validates in as Put does for a new configuration: the secret of
// its auth kind is required. Designs as code check their settings with it.
func (in ConfigInput) Check() error { return in.validate(false) }

// Same reports whether cr already holds the secret in gives; none given
// keeps cr's, so it is the same. The comparison is made in the server and
// the secret never leaves it.
func (cr Credentials) Same(in ConfigInput) bool {
	same := func(given, stored string) bool {
		return given == "" || subtle.ConstantTimeCompare([]byte(given), []byte(stored)) == 1
	}
	return same(in.Password, cr.Password) && same(in.ClientSecret, cr.ClientSecret)
}

// sameInstance reports whether two instance URLs (both validated) name the
// same scheme, host and port.
func sameInstance(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	return errA == nil && errB == nil && strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host)
}

func ad(tenant string) []byte { return []byte("servicenow/" + tenant) }

// Configs keeps the tenants' configurations.
type Configs struct {
	db     *sql.DB
	sealer Sealer
	now    func() time.Time
}

// NewConfigs returns the configuration store; sealer must not be nil.
func NewConfigs(db *sql.DB, sealer Sealer) *Configs {
	return &Configs{db: db, sealer: sealer, now: time.Now}
}

// Get returns the tenant's configuration, storage.ErrNotFound when it has none.
func (c *Configs) Get(ctx context.Context, tenant string) (*Config, error) {
	cfg, _, err := c.load(ctx, tenant)
	return cfg, err
}

// rowQuerier is what both *sql.DB and *sql.Tx offer for one row.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (c *Configs) load(ctx context.Context, tenant string) (*Config, []byte, error) {
	return loadConfig(ctx, database.On(ctx, c.db), tenant)
}

func loadConfig(ctx context.Context, q rowQuerier, tenant string) (*Config, []byte, error) {
	var cfg Config
	var sealed []byte
	var updated int64
	var tables string
	err := q.QueryRowContext(ctx, `SELECT tenant_id, instance_url, auth, username, client_id, sealed, enabled, tables, updated_at
		FROM servicenow_configs WHERE tenant_id=?`, tenant).Scan(&cfg.TenantID, &cfg.InstanceURL, &cfg.Auth, &cfg.Username,
		&cfg.ClientID, &sealed, &cfg.Enabled, &tables, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("servicenow: unable to read configuration: %w", err)
	}
	cfg.HasSecret, cfg.UpdatedAt, cfg.Tables = len(sealed) > 0, time.UnixMilli(updated).UTC(), decodeTables(tables)
	return &cfg, sealed, nil
}

// Credentials opens the tenant's sealed secret.
func (c *Configs) Credentials(ctx context.Context, tenant string) (*Config, Credentials, error) {
	cfg, sealed, err := c.load(ctx, tenant)
	if err != nil {
		return nil, Credentials{}, err
	}
	plain, err := c.sealer.Open(sealed, ad(tenant))
	if err != nil {
		return nil, Credentials{}, fmt.Errorf("servicenow: credentials of %s: %w", tenant, err)
	}
	var cr Credentials
	if err := json.Unmarshal(plain, &cr); err != nil {
		return nil, Credentials{}, fmt.Errorf("servicenow: credentials of %s: %w", tenant, err)
	}
	return cfg, cr, nil
}

// Put sets the tenant's configuration; an empty secret keeps the stored one
// when the auth kind is unchanged.
func (c *Configs) Put(ctx context.Context, tenant string, in ConfigInput) (*Config, error) {
	old, oldCreds, err := c.Credentials(ctx, tenant)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	keep := old != nil && old.Auth == in.Auth
	if err := in.validate(keep); err != nil {
		return nil, err
	}
	if keep && !sameInstance(old.InstanceURL, in.InstanceURL) {
		// Otherwise a caller who never saw the password could point the
		// sync at a server of their own and receive it.
		const reason = "must be given again when instance_url changes: a stored secret never follows the configuration to a new destination"
		if in.Auth == AuthBasic && in.Password == "" {
			return nil, invalid.New("password", reason)
		}
		if in.Auth == AuthOAuth && in.ClientSecret == "" {
			return nil, invalid.New("client_secret", reason)
		}
	}
	cr := Credentials{Password: in.Password, ClientSecret: in.ClientSecret}
	if keep && in.Password == "" && in.ClientSecret == "" {
		cr = oldCreds
	}
	if in.Auth == AuthBasic {
		cr.ClientSecret, in.ClientID = "", ""
	} else {
		cr.Password, in.Username = "", ""
	}
	plain, _ := json.Marshal(cr)
	enabled := in.Enabled == nil || *in.Enabled
	tables := in.Tables
	if tables == nil && old != nil {
		tables = old.Tables
	}
	url, now := strings.TrimRight(in.InstanceURL, "/"), c.now()
	// The audit entry's detail is what is stored in clear, never a secret.
	detail := map[string]any{"instance_url": url, "auth": in.Auth, "username": in.Username, "client_id": in.ClientID, "enabled": enabled,
		"tables": tables.Full()}
	err = storage.Change(ctx, c.db, now, func(tx *sql.Tx) (storage.Object, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO servicenow_configs (tenant_id, instance_url, auth, username, client_id, sealed, enabled, tables, updated_at)
			VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (tenant_id) DO UPDATE SET instance_url=excluded.instance_url, auth=excluded.auth,
			username=excluded.username, client_id=excluded.client_id, sealed=excluded.sealed, enabled=excluded.enabled, tables=excluded.tables,
			updated_at=excluded.updated_at`,
			tenant, url, in.Auth, in.Username, in.ClientID, c.sealer.Seal(plain, ad(tenant)), enabled, tables.encode(), now.UnixMilli())
		return storage.Object{Key: tenant, Detail: detail}, err
	})
	if err != nil {
		return nil, fmt.Errorf("servicenow: unable to save configuration: %w", err)
	}
	return c.Get(ctx, tenant)
}

// Delete removes the tenant's configuration; queued changes stay and wait.
func (c *Configs) Delete(ctx context.Context, tenant string) error {
	err := storage.Change(ctx, c.db, c.now(), func(tx *sql.Tx) (storage.Object, error) {
		return storage.Object{Key: tenant}, storage.RowsAffected(tx.ExecContext(ctx, `DELETE FROM servicenow_configs WHERE tenant_id=?`, tenant))
	})
	if err != nil {
		return fmt.Errorf("servicenow: unable to delete configuration: %w", err)
	}
	return nil
}
