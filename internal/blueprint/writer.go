package blueprint

import (
	"context"
	"strings"

	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// writer makes one plan's changes through the stores, in the context of
// the apply's transaction, keeping the names' IDs up to date as objects
// are created.
type writer struct {
	s      *Planner
	tenant string
	actor  string
	st     *state
	commit string // the design's commit: a new operation plan version's reason
}

func (w *writer) change(ctx context.Context, c Change, d desired) error {
	cur := w.st.objs[c.Kind][c.Key]
	if c.Action == Delete {
		return w.delete(ctx, c.Kind, cur.id)
	}
	var id int64
	if cur != nil {
		id = cur.id
	}
	st, x := w.s.stores, w.st.x
	switch v := d.design.(type) {
	case Service:
		m := v.model(w.tenant)
		m.ID = id
		if id == 0 {
			if err := st.Objects.CreateService(ctx, m); err != nil {
				return err
			}
			x.setService(v.Name, m.ID)
			return nil
		}
		return st.Objects.UpdateService(ctx, m)
	case Runbook:
		m := v.model(w.tenant, w.actor)
		m.ID = id
		if id == 0 {
			if err := st.Runbooks.Create(ctx, m); err != nil {
				return err
			}
			x.setRunbook(v.Title, m.ID)
			return nil
		}
		return st.Runbooks.Update(ctx, m)
	case Channel:
		in := channel.Input{Name: v.Name, Type: v.Type, Config: configJSON(v)}
		if id == 0 {
			_, err := st.Channels.Create(ctx, w.tenant, in)
			return err
		}
		_, err := st.Channels.Update(ctx, w.tenant, id, in)
		return err
	case Resource:
		m := v.model(w.tenant, x)
		m.ID = id
		if id == 0 {
			if err := st.Objects.CreateResource(ctx, m); err != nil {
				return err
			}
			x.setResource(v.Name, m.ID)
			return nil
		}
		return st.Objects.UpdateResource(ctx, m)
	case Template:
		return w.template(ctx, v, cur, c.Fields)
	case Assignment:
		m := v.model(w.tenant, x)
		if m.TemplateID == 0 {
			var err error
			if m.TemplateID, err = st.globalTemplate(ctx, w.tenant, v.Template); err != nil {
				return err
			}
		}
		return st.Monitoring.CreateAssignment(ctx, m)
	case Policy:
		m := v.model(w.tenant)
		m.ID = id
		if id == 0 {
			return st.Policies.Create(ctx, m)
		}
		return st.Policies.Update(ctx, m)
	}
	if k := kindNamed(c.Kind); k != nil {
		return k.write(ctx, w, d.design, id)
	}
	return nil
}

// template creates a template with its items, or updates one item by item
// (so that the items' overrides and history stay with them).
func (w *writer) template(ctx context.Context, v Template, cur *object, fields []FieldChange) error {
	mon := w.s.stores.Monitoring
	m := v.model(w.tenant, w.st.x)
	if cur == nil {
		if err := mon.CreateTemplate(ctx, m); err != nil {
			return err
		}
		w.st.x.templates[v.Name] = m.ID
		return nil
	}
	m.ID = cur.id
	items, top := map[string]bool{}, false
	for _, f := range fields {
		if name, ok := strings.CutPrefix(f.Field, "items."); ok {
			// an item name may hold dots: the item is the longest known prefix
			items[itemOfField(name, cur.items, m.Items)] = true
		} else {
			top = true
		}
	}
	if top {
		if err := mon.UpdateTemplate(ctx, m); err != nil {
			return err
		}
	}
	want := map[string]*monitoring.Item{}
	for _, it := range m.Items {
		want[it.Name] = it
	}
	for _, name := range sortedKeys(items) {
		it, id := want[name], cur.items[name]
		switch {
		case it == nil:
			if err := mon.DeleteItem(ctx, w.tenant, id); err != nil {
				return err
			}
		case id == 0:
			it.TemplateID = cur.id
			if err := mon.CreateItem(ctx, it); err != nil {
				return err
			}
		default:
			it.ID, it.TemplateID = id, cur.id
			if err := mon.UpdateItem(ctx, it); err != nil {
				return err
			}
		}
	}
	return nil
}

func itemOfField(rest string, stored map[string]int64, wanted []*monitoring.Item) string {
	best := ""
	try := func(name string) {
		if (rest == name || strings.HasPrefix(rest, name+".")) && len(name) > len(best) {
			best = name
		}
	}
	for name := range stored {
		try(name)
	}
	for _, it := range wanted {
		try(it.Name)
	}
	return best
}

func (w *writer) delete(ctx context.Context, kind string, id int64) error {
	st := w.s.stores
	switch kind {
	case KindService:
		return st.Objects.DeleteService(ctx, w.tenant, id)
	case KindRunbook:
		return st.Runbooks.Delete(ctx, w.tenant, id)
	case KindChannel:
		return st.Channels.Delete(ctx, w.tenant, id)
	case KindResource:
		return st.Objects.DeleteResource(ctx, w.tenant, id)
	case KindTemplate:
		return st.Monitoring.DeleteTemplate(ctx, w.tenant, id)
	case KindAssignment:
		return st.Monitoring.DeleteAssignment(ctx, w.tenant, id)
	case KindPolicy:
		return st.Policies.Delete(ctx, w.tenant, id)
	}
	if k := kindNamed(kind); k != nil {
		return k.remove(ctx, st, w.tenant, id)
	}
	return nil
}
