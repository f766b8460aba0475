package blueprint

import (
	"context"
	"fmt"

	"github.com/unyo-ops/unyo/internal/runbook"
)

// runbooks are the tenant's own Markdown procedures (global runbooks are
// not the tenant's to design), keyed by their title: items name them.
type runbooks struct{}

func (runbooks) name() string { return KindRunbook }

func (runbooks) read(ctx context.Context, s Stores, tenant string, st *state) error {
	list, err := s.Runbooks.List(ctx, tenant)
	if err != nil {
		return err
	}
	for _, m := range list {
		if m.TenantID != tenant {
			continue // a global runbook: not the tenant's to design
		}
		st.x.setRunbook(m.Title, m.ID)
		st.put(KindRunbook, m.Title, &object{id: m.ID, design: runbookOf(m)})
	}
	return nil
}

func (runbooks) want(d *Design, tenant string, x *ids, add adder) error {
	for i, v := range d.Runbooks {
		x.setRunbook(v.Title, int64(-i-1))
	}
	for _, v := range d.Runbooks {
		r := runbookOf(v.model(tenant, ""))
		add(v.Title, r, r)
	}
	return nil
}

func (runbooks) validate(l *loader, d *Design, x *ids, u *unique) {
	for i, r := range d.Runbooks {
		at := fmt.Sprintf("runbooks[%d]", i)
		u.add("runbooks", at, "title", r.Title)
		l.check(at, r.model(d.Tenant, "").Validate())
		x.setRunbook(r.Title, int64(i+1))
	}
}

func (runbooks) write(ctx context.Context, w *writer, v any, id int64) error {
	r := v.(Runbook)
	m := r.model(w.tenant, w.actor)
	m.ID = id
	store := w.s.stores.Runbooks
	if id != 0 {
		return store.Update(ctx, m)
	}
	if err := store.Create(ctx, m); err != nil {
		return err
	}
	w.st.x.setRunbook(r.Title, m.ID)
	return nil
}

func (runbooks) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.Runbooks.Delete(ctx, tenant, id)
}

func (runbooks) export(d *Design, v any) { d.Runbooks = append(d.Runbooks, v.(Runbook)) }

func (r Runbook) model(tenant, actor string) *runbook.Runbook {
	return &runbook.Runbook{TenantID: tenant, Title: r.Title, Body: r.Body, CreatedBy: actor}
}

func runbookOf(m *runbook.Runbook) Runbook { return Runbook{Title: m.Title, Body: m.Body} }
