package cloudaccount

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/storage"
)

// View is an account as the API shows it: every setting but the secret,
// of which only a masked hint is given.
type View struct {
	ID        int64      `json:"id"`
	Tenant    string     `json:"tenant"`
	Name      string     `json:"name"`
	Provider  Provider   `json:"provider"`
	Azure     *AzureView `json:"azure,omitempty"`
	AWS       *AWSView   `json:"aws,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`

	secret string // opened from the sealed column; never serialised
}

// AzureView is the Azure part of a View: the credential's type and, in
// place of the credential, the secret's hint, the certificate's
// thumbprint and expiry, or the federated token file's path.
type AzureView struct {
	TenantID           string           `json:"tenant_id"`
	ClientID           string           `json:"client_id"`
	SubscriptionID     string           `json:"subscription_id"`
	ResourceManager    string           `json:"resource_manager,omitempty"`
	Login              string           `json:"login,omitempty"`
	Credential         string           `json:"credential"` // secret, certificate or workload_identity
	ClientSecretHint   string           `json:"client_secret_hint,omitempty"`
	Certificate        *CertificateView `json:"certificate,omitempty"`
	FederatedTokenFile string           `json:"federated_token_file,omitempty"`
}

// CertificateView is what the API shows of a client certificate: enough to
// find it in the app registration and to renew it in time.
type CertificateView struct {
	Thumbprint       string    `json:"thumbprint"`        // SHA-1, as the Azure portal lists it
	ThumbprintSHA256 string    `json:"thumbprint_sha256"` // the x5t#S256 of the assertions
	Subject          string    `json:"subject"`
	NotAfter         time.Time `json:"not_after"`
	// Expiring is set from ExpiringWithin before NotAfter on, Expired
	// from NotAfter on; computed when read, never stored.
	Expiring bool `json:"expiring"`
	Expired  bool `json:"expired"`
}

// AWSView is the AWS part of a View.
type AWSView struct {
	AccessKeyID         string   `json:"access_key_id"`
	RoleARN             string   `json:"role_arn,omitempty"`
	ExternalID          string   `json:"external_id,omitempty"`
	Regions             []string `json:"regions"`
	Endpoint            string   `json:"endpoint,omitempty"`
	SecretAccessKeyHint string   `json:"secret_access_key_hint"`
}

// Store keeps the tenants' cloud accounts, each secret sealed. Every
// query is scoped by tenant. It is the Resolver the cloud consumers hold.
type Store struct {
	db  *sql.DB
	box *secret.Box
	now func() time.Time
}

var _ Resolver = (*Store)(nil)

// NewStore returns a Store on a migrated database; box seals the secrets.
func NewStore(db *sql.DB, box *secret.Box) *Store {
	return &Store{db: db, box: box, now: time.Now}
}

// ad binds a sealed secret to its account: tenant, row, provider and the
// principal it authenticates. Copied to another row, or kept after the
// client ID or access key ID changed, it does not open.
func ad(tenant string, id int64, p Provider, principal string) []byte {
	return []byte("cloudaccount/" + tenant + "/" + strconv.FormatInt(id, 10) + "/" + string(p) + "/" + principal)
}

// hint masks a secret down to its last four characters, enough for a
// person to tell which one is stored.
func hint(s string) string {
	if len(s) < 12 {
		return "****"
	}
	return "****" + s[len(s)-4:]
}

// Create validates in and stores it as a new account of tenant. msp says
// the caller is the MSP admin, the only one who may set endpoints.
func (s *Store) Create(ctx context.Context, tenant string, in Input, msp bool) (*View, error) {
	return s.save(ctx, tenant, nil, in, msp)
}

// Update replaces the account id of tenant with in. A secret left empty
// keeps the stored one unless the principal or endpoint changes; a caller
// other than the MSP admin keeps the stored endpoints. A refused input
// changes nothing.
func (s *Store) Update(ctx context.Context, tenant string, id int64, in Input, msp bool) (*View, error) {
	prev, err := s.Get(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	return s.save(ctx, tenant, prev, in, msp)
}

func (s *Store) save(ctx context.Context, tenant string, prev *View, in Input, msp bool) (*View, error) {
	in, err := in.validate()
	if err != nil {
		return nil, err
	}
	v := &View{Tenant: tenant, Name: in.Name, Provider: in.Provider}
	if prev != nil {
		if prev.Provider != in.Provider {
			return nil, invalid.New("provider", "cannot change from %s: create another account", prev.Provider)
		}
		v.ID, v.CreatedAt = prev.ID, prev.CreatedAt
	}
	if err := v.fill(in, prev, msp); err != nil {
		return nil, err
	}
	if v.Azure != nil {
		s.flag(v.Azure.Certificate)
	}
	settings, _ := json.Marshal(struct {
		Azure *AzureView `json:"azure,omitempty"`
		AWS   *AWSView   `json:"aws,omitempty"`
	}{v.Azure, v.AWS})
	now := s.now().UTC().Truncate(time.Millisecond)
	v.UpdatedAt = now
	if prev == nil {
		v.CreatedAt = now
	}
	err = storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		if prev == nil {
			// The sealed secret names the row, so the row comes first.
			if err := tx.QueryRowContext(ctx, `INSERT INTO cloud_accounts (tenant_id, name, provider, settings, sealed, secret_hint, created_at, updated_at)
				VALUES (?,?,?,?,?,?,?,?) RETURNING id`, tenant, v.Name, v.Provider, string(settings), []byte{}, "", now.UnixMilli(), now.UnixMilli()).Scan(&v.ID); err != nil {
				return storage.Object{}, err
			}
		}
		sealed := s.box.Seal([]byte(v.secret), ad(tenant, v.ID, v.Provider, v.principal()))
		res, err := tx.ExecContext(ctx, `UPDATE cloud_accounts SET name=?, settings=?, sealed=?, secret_hint=?, updated_at=? WHERE tenant_id=? AND id=?`,
			v.Name, string(settings), sealed, hint(v.secret), now.UnixMilli(), tenant, v.ID)
		return storage.Object{ID: v.ID, Detail: v}, storage.RowsAffected(res, err)
	})
	if database.IsUnique(err) {
		return nil, invalid.New("name", "an account named %q exists already", v.Name)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("cloudaccount: cannot save account: %w", err)
	}
	return v, nil
}

// resupply is the reason given when a stored secret is not sent again
// with a new principal or endpoint.
const resupply = "must be given again: a stored secret never follows an account to another principal or endpoint"

// fill sets v's provider part and secret from in, keeping from prev what
// in may leave out.
func (v *View) fill(in Input, prev *View, msp bool) error {
	switch in.Provider {
	case ProviderAzure:
		a := in.Azure
		v.Azure = &AzureView{TenantID: a.TenantID, ClientID: a.ClientID, SubscriptionID: a.SubscriptionID, ResourceManager: a.ResourceManager, Login: a.Login}
		var p *AzureView
		if prev != nil {
			p = prev.Azure
		}
		if err := endpoints(msp, []*string{&v.Azure.ResourceManager, &v.Azure.Login}, p != nil, func() []string { return []string{p.ResourceManager, p.Login} },
			[]string{"azure.resource_manager", "azure.login"}); err != nil {
			return err
		}
		return v.fillAzure(a, p, prev, msp)
	case ProviderAWS:
		a := in.AWS
		v.AWS = &AWSView{AccessKeyID: a.AccessKeyID, RoleARN: a.RoleARN, ExternalID: a.ExternalID, Regions: a.Regions, Endpoint: a.Endpoint}
		var p *AWSView
		if prev != nil {
			p = prev.AWS
		}
		if err := endpoints(msp, []*string{&v.AWS.Endpoint}, p != nil, func() []string { return []string{p.Endpoint} }, []string{"aws.endpoint"}); err != nil {
			return err
		}
		v.secret = a.SecretAccessKey
		if v.secret == "" {
			if p == nil {
				return invalid.New("aws.secret_access_key", "is required")
			}
			if p.AccessKeyID != v.AWS.AccessKeyID || p.Endpoint != v.AWS.Endpoint {
				return invalid.New("aws.secret_access_key", "%s (access key or endpoint changed)", resupply)
			}
			v.secret = prev.secret
		}
		v.AWS.SecretAccessKeyHint = hint(v.secret)
	}
	return nil
}

// fillAzure sets v's Azure credential from a, keeping prev's (p is its
// Azure part) when a names none.
func (v *View) fillAzure(a *AzureInput, p *AzureView, prev *View, msp bool) error {
	kind, _ := a.credential()
	if kind == "" {
		if p == nil {
			return invalid.New("azure.client_secret", "is required: give one of client_secret, client_certificate and federated_token_file")
		}
		if p.TenantID != v.Azure.TenantID || p.ClientID != v.Azure.ClientID || p.Login != v.Azure.Login || p.ResourceManager != v.Azure.ResourceManager {
			field := map[string]string{CredentialCertificate: "azure.client_certificate", CredentialWorkload: "azure.federated_token_file"}[p.Credential]
			if field == "" {
				field = "azure.client_secret"
			}
			return invalid.New(field, "%s (tenant, client or endpoint changed)", resupply)
		}
		v.secret = prev.secret
		v.Azure.Credential, v.Azure.ClientSecretHint, v.Azure.Certificate, v.Azure.FederatedTokenFile =
			p.Credential, p.ClientSecretHint, p.Certificate, p.FederatedTokenFile
		return nil
	}
	v.Azure.Credential = kind
	switch kind {
	case CredentialSecret:
		v.secret = a.ClientSecret
		v.Azure.ClientSecretHint = hint(v.secret)
	case CredentialCertificate:
		c := a.cert
		v.secret = c.pem
		v.Azure.Certificate = &CertificateView{Thumbprint: c.thumbprint, ThumbprintSHA256: c.thumbprint256, Subject: c.subject, NotAfter: c.notAfter}
	case CredentialWorkload:
		// The path decides which file of the server is sent to the
		// login endpoint: only the MSP admin names one.
		if !msp && (p == nil || p.FederatedTokenFile != a.FederatedTokenFile) {
			return ErrTokenFileForbidden
		}
		v.secret = ""
		v.Azure.FederatedTokenFile = a.FederatedTokenFile
	}
	return nil
}

// ErrTokenFileForbidden refuses a federated token file named by another
// caller than the MSP admin: it is a path on the server.
var ErrTokenFileForbidden = errors.New("cloudaccount: a federated token file is named by the MSP admin only: it is a path on the server")

// ErrEndpointForbidden refuses an endpoint set by another caller than the
// MSP admin: an endpoint decides where a customer's secret is sent.
var ErrEndpointForbidden = errors.New("cloudaccount: endpoints are set by the MSP admin only: they decide where the account's secret is sent")

// endpoints applies the endpoint rule: the MSP admin sets them as sent;
// anyone else keeps the stored ones (none on a new account) and may only
// repeat them.
func endpoints(msp bool, next []*string, hasPrev bool, prev func() []string, fields []string) error {
	if msp {
		return nil
	}
	stored := make([]string, len(next))
	if hasPrev {
		stored = prev()
	}
	for i, p := range next {
		if *p != "" && *p != stored[i] {
			return fmt.Errorf("%w (%s)", ErrEndpointForbidden, fields[i])
		}
		*p = stored[i]
	}
	return nil
}

// SameSecret reports whether v already holds the secret in gives: a
// client secret, a certificate (compared as stored, PEM, so a PFX and its
// PEM are the same), an access key's secret. in giving none keeps v's, so
// it is the same. The comparison is made here, in the server; the secret
// is never returned.
func (v *View) SameSecret(in Input) bool {
	in, err := in.validate()
	if err != nil {
		return false
	}
	var s string
	switch {
	case in.Azure != nil:
		kind, _ := in.Azure.credential()
		switch kind {
		case CredentialSecret:
			s = in.Azure.ClientSecret
		case CredentialCertificate:
			s = in.Azure.cert.pem
		default: // none, or a token file: no secret to compare (the path is a setting)
			return true
		}
	case in.AWS != nil && in.AWS.SecretAccessKey != "":
		s = in.AWS.SecretAccessKey
	default:
		return true
	}
	return subtle.ConstantTimeCompare([]byte(s), []byte(v.secret)) == 1
}

// principal is who the secret authenticates: the client or access key ID.
func (v *View) principal() string {
	if v.Azure != nil {
		return v.Azure.ClientID
	}
	if v.AWS != nil {
		return v.AWS.AccessKeyID
	}
	return ""
}

// Delete removes the account id of tenant.
func (s *Store) Delete(ctx context.Context, tenant string, id int64) error {
	err := storage.Change(ctx, s.db, s.now(), func(tx *sql.Tx) (storage.Object, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM cloud_accounts WHERE tenant_id=? AND id=?`, tenant, id)
		return storage.Object{ID: id}, storage.RowsAffected(res, err)
	})
	if errors.Is(err, storage.ErrNotFound) {
		return storage.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("cloudaccount: cannot delete account: %w", err)
	}
	return nil
}

const selectAccounts = `SELECT id, tenant_id, name, provider, settings, sealed, created_at, updated_at FROM cloud_accounts`

// Get returns the account id of tenant, storage.ErrNotFound if none.
func (s *Store) Get(ctx context.Context, tenant string, id int64) (*View, error) {
	v, err := s.scan(database.On(ctx, s.db).QueryRowContext(ctx, selectAccounts+` WHERE tenant_id=? AND id=?`, tenant, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("cloudaccount: cannot read account: %w", err)
	}
	return v, nil
}

// List returns tenant's accounts by name.
func (s *Store) List(ctx context.Context, tenant string) ([]*View, error) {
	rows, err := database.On(ctx, s.db).QueryContext(ctx, selectAccounts+` WHERE tenant_id=? ORDER BY name`, tenant)
	if err != nil {
		return nil, fmt.Errorf("cloudaccount: cannot list accounts: %w", err)
	}
	defer rows.Close()
	list := []*View{}
	for rows.Next() {
		v, err := s.scan(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("cloudaccount: cannot list accounts: %w", err)
		}
		list = append(list, v)
	}
	return list, rows.Err()
}

// Account returns tenant's account id with its secret open: the Resolver
// every cloud consumer calls before it builds a client.
func (s *Store) Account(ctx context.Context, tenant string, id int64) (*Account, error) {
	v, err := s.Get(ctx, tenant, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("%w: %d in tenant %s", ErrNotFound, id, tenant)
	}
	if err != nil {
		return nil, err
	}
	return v.account(), nil
}

// account is v with its secret, as consumers take it.
func (v *View) account() *Account {
	a := &Account{ID: v.ID, TenantID: v.Tenant, Name: v.Name, Provider: v.Provider, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
	if z := v.Azure; z != nil {
		a.Azure = &Azure{TenantID: z.TenantID, ClientID: z.ClientID, SubscriptionID: z.SubscriptionID,
			ResourceManager: z.ResourceManager, Login: z.Login}
		switch z.Credential {
		case CredentialCertificate:
			a.Azure.ClientCertificate = v.secret
		case CredentialWorkload:
			a.Azure.FederatedTokenFile = z.FederatedTokenFile
		default:
			a.Azure.ClientSecret = v.secret
		}
	}
	if w := v.AWS; w != nil {
		a.AWS = &AWS{AccessKeyID: w.AccessKeyID, SecretAccessKey: v.secret, RoleARN: w.RoleARN, ExternalID: w.ExternalID,
			Regions: append([]string(nil), w.Regions...), Endpoint: w.Endpoint}
	}
	return a
}

// flag sets whether c, if any, has expired or expires within
// ExpiringWithin now.
func (s *Store) flag(c *CertificateView) {
	if c == nil {
		return
	}
	now := s.now()
	c.Expired = !now.Before(c.NotAfter)
	c.Expiring = !now.Add(ExpiringWithin).Before(c.NotAfter)
}

func (s *Store) scan(f func(...any) error) (*View, error) {
	var (
		v                Account
		settings         string
		sealed           []byte
		created, updated int64
	)
	if err := f(&v.ID, &v.TenantID, &v.Name, &v.Provider, &settings, &sealed, &created, &updated); err != nil {
		return nil, err
	}
	view := &View{ID: v.ID, Tenant: v.TenantID, Name: v.Name, Provider: v.Provider,
		CreatedAt: database.FromMillis(created), UpdatedAt: database.FromMillis(updated)}
	var st struct {
		Azure *AzureView `json:"azure"`
		AWS   *AWSView   `json:"aws"`
	}
	if err := json.Unmarshal([]byte(settings), &st); err != nil {
		return nil, fmt.Errorf("account %q: stored settings: %w", v.Name, err)
	}
	view.Azure, view.AWS = st.Azure, st.AWS
	if z := view.Azure; z != nil {
		if z.Credential == "" { // stored before certificates and workload identity
			z.Credential = CredentialSecret
		}
		s.flag(z.Certificate)
	}
	plain, err := s.box.Open(sealed, ad(view.Tenant, view.ID, view.Provider, view.principal()))
	if err != nil {
		return nil, fmt.Errorf("account %q: %w", v.Name, err)
	}
	view.secret = string(plain)
	return view, nil
}
