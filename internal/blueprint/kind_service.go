package blueprint

import (
	"context"
	"fmt"

	"github.com/unyo-ops/unyo/internal/model"
)

// services are the tenant's services with their service levels: what
// resources, windows, capacity groups and backups belong to by name.
type services struct{}

func (services) name() string { return KindService }

func (services) read(ctx context.Context, s Stores, tenant string, st *state) error {
	list, err := s.Objects.Services(ctx, tenant)
	if err != nil {
		return err
	}
	for _, m := range list {
		st.x.setService(m.Name, m.ID)
		st.put(KindService, m.Name, &object{id: m.ID, design: serviceOf(m)})
	}
	return nil
}

func (services) want(d *Design, tenant string, x *ids, add adder) error {
	for i, v := range d.Services {
		x.setService(v.Name, int64(-i-1)) // names only: IDs do not appear in the canonical forms
	}
	for _, v := range d.Services {
		s := serviceOf(v.model(tenant))
		add(v.Name, s, s)
	}
	return nil
}

func (services) validate(l *loader, d *Design, x *ids, u *unique) {
	for i, s := range d.Services {
		at := fmt.Sprintf("services[%d]", i)
		u.add("services", at, "name", s.Name)
		l.check(at, s.model(d.Tenant).Validate())
		x.setService(s.Name, int64(i+1))
	}
}

func (services) write(ctx context.Context, w *writer, v any, id int64) error {
	s := v.(Service)
	m := s.model(w.tenant)
	m.ID = id
	objects := w.s.stores.Objects
	if id != 0 {
		return objects.UpdateService(ctx, m)
	}
	if err := objects.CreateService(ctx, m); err != nil {
		return err
	}
	w.st.x.setService(s.Name, m.ID)
	return nil
}

func (services) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.Objects.DeleteService(ctx, tenant, id)
}

func (services) export(d *Design, v any) { d.Services = append(d.Services, v.(Service)) }

func (s Service) model(tenant string) *model.Service {
	return &model.Service{TenantID: tenant, Name: s.Name, Description: s.Description, Level: s.ServiceLevel}
}

func serviceOf(m *model.Service) Service {
	return Service{Name: m.Name, Description: m.Description, ServiceLevel: m.Level}
}
