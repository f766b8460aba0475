package blueprint

import (
	"context"
	"errors"
	"strings"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/servicenow"
	"github.com/unyo-ops/unyo/internal/storage"
)

// KindServiceNow is the kind of a tenant's ServiceNow settings in plans.
const KindServiceNow = "servicenow"

// ServiceNow is a tenant's ServiceNow connection (ITSM連携): the instance,
// the credentials of its auth kind (a ${env:NAME} or ${file:path}
// reference), and the table each kind of record goes to. A tenant has one.
type ServiceNow struct {
	InstanceURL  string            `json:"instance_url"`
	Auth         string            `json:"auth"`                    // basic or oauth
	Username     string            `json:"username,omitempty"`      // basic
	Password     string            `json:"password,omitempty"`      // basic: a reference
	ClientID     string            `json:"client_id,omitempty"`     // oauth
	ClientSecret string            `json:"client_secret,omitempty"` // oauth: a reference
	Enabled      *bool             `json:"enabled,omitempty"`       // true when left out
	Tables       servicenow.Tables `json:"tables,omitempty"`        // kind → table; a kind left out takes its default
}

// serviceNowStored is what a plan holds of the stored settings: their
// credentials opened, for sameSecrets (nil when they do not open).
type serviceNowStored struct{ creds *servicenow.Credentials }

// serviceNows are tenants' ServiceNow settings. The API sets them with the
// admin scope, so a design does too: to a caller without it they are not
// there (not planned, exported or pruned), and writing them is refused.
type serviceNows struct{}

func (serviceNows) name() string { return KindServiceNow }

// mayServiceNow says whether ctx's caller may see and set ServiceNow
// settings: the admin scope, as the API asks.
func mayServiceNow(ctx context.Context) bool { return auth.FromContext(ctx).Can(model.ScopeAdmin) }

func (serviceNows) read(ctx context.Context, s Stores, tenant string, st *state) error {
	if !mayServiceNow(ctx) {
		return nil
	}
	cfg, cr, err := s.ServiceNow.Credentials(ctx, tenant)
	stored := serviceNowStored{&cr}
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		// Sealed under another key: the settings still plan, and any
		// secret the design gives is written again.
		if cfg, err = s.ServiceNow.Get(ctx, tenant); err != nil {
			return err
		}
		stored.creds = nil
	}
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	st.put(KindServiceNow, tenant, &object{design: serviceNowOf(cfg), stored: stored})
	return nil
}

func (serviceNows) want(d *Design, tenant string, x *ids, add adder) error {
	if d.ServiceNow != nil {
		add(tenant, serviceNowShown(d.ServiceNow.input()), *d.ServiceNow)
	}
	return nil
}

func (serviceNows) validate(l *loader, d *Design, x *ids, u *unique) {
	if d.ServiceNow != nil {
		l.check("servicenow", d.ServiceNow.input().Check())
	}
}

func (serviceNows) write(ctx context.Context, w *writer, v any, id int64) error {
	if !mayServiceNow(ctx) {
		return errServiceNowScope
	}
	_, err := w.s.stores.ServiceNow.Put(ctx, w.tenant, v.(ServiceNow).input())
	return err
}

var errServiceNowScope = response.Forbidden("ServiceNow settings are set with the admin scope, as in the API: apply with a token that has it")

func (serviceNows) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	if !mayServiceNow(ctx) {
		return errServiceNowScope
	}
	return s.ServiceNow.Delete(ctx, tenant)
}

func (serviceNows) export(d *Design, v any) {
	c := v.(ServiceNow)
	for _, f := range []struct {
		v     *string
		field string
	}{{&c.Password, "password"}, {&c.ClientSecret, "client_secret"}} {
		if *f.v == secretMark {
			*f.v = envRef("servicenow", f.field)
		}
	}
	d.ServiceNow = &c
}

func (serviceNows) secrets(l *loader, d *Design) {
	if d.ServiceNow == nil {
		return
	}
	c := d.ServiceNow
	for _, f := range []struct {
		v     *string
		field string
	}{{&c.Password, "password"}, {&c.ClientSecret, "client_secret"}} {
		if *f.v != "" && !refRE.MatchString(*f.v) {
			l.fail("servicenow", f.field, "is a secret: write it as ${env:NAME} or ${file:path}, never in the file")
			continue
		}
		*f.v = l.resolve("servicenow."+f.field, *f.v)
	}
}

func (serviceNows) sameSecrets(cur *object, written any) bool {
	creds := cur.stored.(serviceNowStored).creds
	return creds != nil && creds.Same(written.(ServiceNow).input())
}

func (serviceNows) refs(d *Design, seen map[string]bool) {
	if c := d.ServiceNow; c != nil {
		collectRefs(c.Password, seen)
		collectRefs(c.ClientSecret, seen)
	}
}

// input is c as the store takes it; the tables are always given, so that
// a design that leaves them out sets the defaults rather than keeping what
// was stored.
func (c ServiceNow) input() servicenow.ConfigInput {
	tables := servicenow.Tables{}
	for k, v := range c.Tables {
		tables[k] = v
	}
	return servicenow.ConfigInput{InstanceURL: c.InstanceURL, Auth: servicenow.AuthKind(c.Auth), Username: c.Username, Password: c.Password,
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, Enabled: c.Enabled, Tables: tables}
}

// serviceNowShown is an input as it is stored, in the compared form.
func serviceNowShown(in servicenow.ConfigInput) ServiceNow {
	enabled := in.Enabled == nil || *in.Enabled
	c := ServiceNow{InstanceURL: strings.TrimRight(in.InstanceURL, "/"), Auth: string(in.Auth), Enabled: &enabled, Tables: in.Tables.Full()}
	if in.Auth == servicenow.AuthBasic {
		c.Username, c.Password = in.Username, shownSecret(in.Password)
	} else {
		c.ClientID, c.ClientSecret = in.ClientID, shownSecret(in.ClientSecret)
	}
	return c
}

func serviceNowOf(cfg *servicenow.Config) ServiceNow {
	enabled := cfg.Enabled
	c := ServiceNow{InstanceURL: cfg.InstanceURL, Auth: string(cfg.Auth), Username: cfg.Username, ClientID: cfg.ClientID,
		Enabled: &enabled, Tables: cfg.Tables.Full()}
	if cfg.HasSecret && cfg.Auth == servicenow.AuthBasic {
		c.Password = secretMark
	} else if cfg.HasSecret {
		c.ClientSecret = secretMark
	}
	return c
}
