package blueprint

import (
	"context"
	"errors"
	"slices"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

// tenants is the tenant itself, from the design's tenant_settings: the
// first kind, since every other object belongs to it. As with the tenant
// API, only an MSP-wide caller creates a tenant or changes its settings,
// and an MSP admin its networks; apply never deletes a tenant (deleting a
// customer stays an action of the console or the API).
type tenants struct{}

func (tenants) name() string { return KindTenant }

func (tenants) read(ctx context.Context, s Stores, tenant string, st *state) error {
	t, err := s.Objects.Tenant(ctx, tenant)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // not yet: the design's settings create it
	}
	if err != nil {
		return err
	}
	networks, err := s.Objects.TenantNetworks(ctx, tenant)
	if err != nil {
		return err
	}
	st.put(KindTenant, tenant, &object{id: 1, design: settingsOf(t, networks)})
	return nil
}

func (tenants) want(d *Design, tenant string, x *ids, add adder) error {
	v := d.TenantSettings
	if v == nil {
		return nil
	}
	networks, err := outbound.CheckNetworks(v.Networks)
	if err != nil {
		return invalid.Prefix("design.tenant_settings", err)
	}
	add(tenant, settingsOf(v.model(tenant), networks), *v)
	return nil
}

func (tenants) validate(l *loader, d *Design, x *ids, u *unique) {
	v := d.TenantSettings
	if v == nil {
		return
	}
	err := v.model(d.Tenant).Validate()
	if e, ok := invalid.As(err); ok && e.Field == "id" {
		l.failAt(l.tenantOrigin(), "", e.Reason, false) // the tenant: a stricter rule than other designs'
	} else {
		l.check("tenant_settings", err)
	}
	_, err = outbound.CheckNetworks(v.Networks)
	l.check("tenant_settings", err)
}

// errNotMSP refuses a tenant's own token what only the MSP does: a
// customer's CI must not create customers, nor rename its own.
var errNotMSP = response.Forbidden("creating a tenant or changing its settings (tenant_settings) needs an MSP-wide token with the write scope; a tenant's own token applies everything else")

func (tenants) write(ctx context.Context, w *writer, v any, id int64) error {
	p := auth.FromContext(ctx)
	if !p.Global() || !p.Can(model.ScopeWrite) {
		return errNotMSP
	}
	s := v.(Settings)
	objects := w.s.stores.Objects
	m := s.model(w.tenant)
	networks, err := outbound.CheckNetworks(s.Networks)
	if err != nil {
		return invalid.Prefix("design.tenant_settings", err)
	}
	var stored []string
	if id == 0 {
		err = objects.CreateTenant(ctx, m)
	} else {
		stored = w.st.objs[KindTenant][w.tenant].design.(Settings).Networks
		err = objects.UpdateTenant(ctx, m)
	}
	if err != nil || slices.Equal(stored, networks) || len(stored)+len(networks) == 0 {
		return err
	}
	if !p.Can(model.ScopeAdmin) {
		return response.Forbidden("a tenant's networks (tenant_settings.networks) are changed only by an MSP admin: a token with the admin scope across all tenants")
	}
	return objects.SetTenantNetworks(ctx, w.tenant, networks)
}

func (tenants) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return errors.New("blueprint: apply never deletes a tenant")
}

func (tenants) export(d *Design, v any) {
	s := v.(Settings)
	d.TenantSettings = &s
}

// model is the tenant the settings describe, defaults filled.
func (s Settings) model(tenant string) *model.Tenant {
	t := &model.Tenant{ID: tenant, Name: s.Name, Language: s.Language, TimeZone: s.TimeZone}
	t.Normalize()
	return t
}

func settingsOf(t *model.Tenant, networks []string) Settings {
	if len(networks) == 0 {
		networks = nil
	}
	return Settings{Name: t.Name, Language: t.Language, TimeZone: t.TimeZone, Networks: networks}
}
