package blueprint

import (
	"context"
	"fmt"
	"strings"

	"github.com/unyo-ops/unyo/internal/maintenance"
)

// windows are maintenance windows (メンテナンス期間): alerts of the service
// or resource they cover notify nobody while one is open.
type windows struct{}

func (windows) name() string { return KindWindow }

func (windows) read(ctx context.Context, s Stores, tenant string, st *state) error {
	list, err := s.Windows.List(ctx, tenant)
	if err != nil {
		return err
	}
	for _, m := range list {
		st.put(KindWindow, m.Name, &object{id: m.ID, design: windowOf(m, st.x)})
	}
	return nil
}

func (windows) want(d *Design, tenant string, x *ids, add adder) error {
	for _, v := range d.MaintenanceWindows {
		w := windowOf(v.model(tenant, x), x)
		add(v.Name, w, v)
	}
	return nil
}

func (windows) validate(l *loader, d *Design, x *ids, u *unique) {
	for i, w := range d.MaintenanceWindows {
		at := fmt.Sprintf("maintenance_windows[%d]", i)
		u.add("maintenance_windows", at, "name", w.Name)
		l.ref(at, "service", "service", w.Service, x.services)
		l.ref(at, "resource", "resource", w.Resource, x.resources)
		if strings.TrimSpace(w.Name) == "" {
			l.fail(at, "name", "is required")
		}
		l.check(at, w.model(d.Tenant, x).Window.Validate())
	}
}

func (windows) write(ctx context.Context, w *writer, v any, id int64) error {
	m := v.(Window).model(w.tenant, w.st.x)
	m.ID = id
	if id == 0 {
		return w.s.stores.Windows.Create(ctx, m)
	}
	return w.s.stores.Windows.Update(ctx, m)
}

func (windows) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.Windows.Delete(ctx, tenant, id)
}

func (windows) export(d *Design, v any) {
	d.MaintenanceWindows = append(d.MaintenanceWindows, v.(Window))
}

func (w Window) model(tenant string, x *ids) *maintenance.Stored {
	return &maintenance.Stored{Tenant: tenant, Name: w.Name, ServiceID: optID(x.services, w.Service), ResourceID: optID(x.resources, w.Resource),
		Labels: w.Labels, Window: maintenance.Window{Start: w.Start, End: w.End, Recurrence: w.Recurrence}}
}

func windowOf(m *maintenance.Stored, x *ids) Window {
	labels := m.Labels
	if len(labels) == 0 {
		labels = nil
	}
	return Window{Name: m.Name, Service: optName(x.serviceOf, m.ServiceID), Resource: optName(x.resourceOf, m.ResourceID),
		Labels: labels, Start: utc(m.Start), End: utc(m.End), Recurrence: m.Recurrence}
}
