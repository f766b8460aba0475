package blueprint

import (
	"context"
	"fmt"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// resources are the tenant's hosts, databases, load balancers…, each of a
// service or none: assignments, windows, overrides and backups name them.
type resources struct{}

func (resources) name() string { return KindResource }

func (resources) read(ctx context.Context, s Stores, tenant string, st *state) error {
	list, err := s.Objects.Resources(ctx, tenant, storage.ResourceFilter{})
	if err != nil {
		return err
	}
	for _, m := range list {
		st.x.setResource(m.Name, m.ID)
	}
	for _, m := range list {
		st.put(KindResource, m.Name, &object{id: m.ID, design: resourceOf(m, st.x)})
	}
	return nil
}

func (resources) want(d *Design, tenant string, x *ids, add adder) error {
	for i, v := range d.Resources {
		x.setResource(v.Name, int64(-i-1))
	}
	for _, v := range d.Resources {
		r := resourceOf(v.model(tenant, x), x)
		add(v.Name, r, r)
	}
	return nil
}

func (resources) validate(l *loader, d *Design, x *ids, u *unique) {
	for i, r := range d.Resources {
		at := fmt.Sprintf("resources[%d]", i)
		u.add("resources", at, "name", r.Name)
		l.ref(at, "service", "service", r.Service, x.services)
		l.check(at, r.model(d.Tenant, x).Validate())
		x.setResource(r.Name, int64(i+1))
	}
}

func (resources) write(ctx context.Context, w *writer, v any, id int64) error {
	r := v.(Resource)
	m := r.model(w.tenant, w.st.x)
	m.ID = id
	objects := w.s.stores.Objects
	if id != 0 {
		return objects.UpdateResource(ctx, m)
	}
	if err := objects.CreateResource(ctx, m); err != nil {
		return err
	}
	w.st.x.setResource(r.Name, m.ID)
	return nil
}

func (resources) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.Objects.DeleteResource(ctx, tenant, id)
}

func (resources) export(d *Design, v any) { d.Resources = append(d.Resources, v.(Resource)) }

func (r Resource) model(tenant string, x *ids) *model.Resource {
	return &model.Resource{TenantID: tenant, Name: r.Name, Kind: r.Kind, ServiceID: optID(x.services, r.Service), Labels: r.Labels}
}

func resourceOf(m *model.Resource, x *ids) Resource {
	labels := m.Labels
	if len(labels) == 0 {
		labels = nil
	}
	return Resource{Name: m.Name, Kind: m.Kind, Service: optName(x.serviceOf, m.ServiceID), Labels: labels}
}
