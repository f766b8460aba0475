package blueprint

import (
	"context"
	"fmt"
	"strings"

	"github.com/unyo-ops/unyo/internal/monitoring"
)

// templates are the tenant's own sets of monitoring items (監視項目), the
// items compared by name; global and built-in templates are not the
// tenant's to design.
type templates struct{}

func (templates) name() string { return KindTemplate }

func (templates) read(ctx context.Context, s Stores, tenant string, st *state) error {
	list, err := s.Monitoring.Templates(ctx, tenant)
	if err != nil {
		return err
	}
	for _, m := range list {
		if m.TenantID != tenant || m.Builtin != "" {
			continue // global and built-in templates are not the tenant's to design
		}
		st.x.templates[m.Name] = m.ID
		o := &object{id: m.ID, design: templateOf(m, st.x), items: map[string]int64{}}
		for _, it := range m.Items {
			o.items[it.Name] = it.ID
		}
		st.put(KindTemplate, m.Name, o)
	}
	return nil
}

// want compares the items normalised as stored; what is written holds
// their secrets, which the compared form hides.
func (templates) want(d *Design, tenant string, x *ids, add adder) error {
	for _, v := range d.Templates {
		m := v.model(tenant, x)
		for _, it := range m.Items {
			it.Normalize()
		}
		add(v.Name, templateOf(m, x), v)
	}
	return nil
}

func (templates) validate(l *loader, d *Design, x *ids, u *unique) {
	for i, t := range d.Templates {
		at := fmt.Sprintf("templates[%d]", i)
		u.add("templates", at, "name", t.Name)
		for j, it := range t.Items {
			l.ref(at, fmt.Sprintf("items[%d].runbook", j), "runbook", it.Runbook, x.runbooks)
		}
		l.check(at, unresolved(t).model(d.Tenant, x).Validate())
		x.templates[t.Name] = int64(i + 1)
	}
}

// write creates a template with its items, or updates one item by item
// (so that the items' overrides and history stay with them): the change's
// fields name the items that differ.
func (templates) write(ctx context.Context, w *writer, v any, id int64) error {
	t := v.(Template)
	mon := w.s.stores.Monitoring
	m := t.model(w.tenant, w.st.x)
	if id == 0 {
		if err := mon.CreateTemplate(ctx, m); err != nil {
			return err
		}
		w.st.x.templates[t.Name] = m.ID
		return nil
	}
	cur := w.st.objs[KindTemplate][t.Name]
	m.ID = id
	items, top := map[string]bool{}, false
	for _, f := range w.fields {
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
		it, itemID := want[name], cur.items[name]
		switch {
		case it == nil:
			if err := mon.DeleteItem(ctx, w.tenant, itemID); err != nil {
				return err
			}
		case itemID == 0:
			it.TemplateID = id
			if err := mon.CreateItem(ctx, it); err != nil {
				return err
			}
		default:
			it.ID, it.TemplateID = itemID, id
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

func (templates) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.Monitoring.DeleteTemplate(ctx, tenant, id)
}

// export writes the items' set secrets as environment references.
func (templates) export(d *Design, v any) {
	d.Templates = append(d.Templates, templateRefs(v.(Template)))
}

func (t Template) model(tenant string, x *ids) *monitoring.Template {
	out := &monitoring.Template{TenantID: tenant, Name: t.Name, Title: t.Title, Description: t.Description, Items: []*monitoring.Item{}}
	for _, it := range t.Items {
		out.Items = append(out.Items, it.model(tenant, x))
	}
	return out
}

func templateOf(m *monitoring.Template, x *ids) Template {
	t := Template{Name: m.Name, Title: m.Title, Description: m.Description}
	for _, it := range m.Items {
		t.Items = append(t.Items, itemOf(it, x))
	}
	return t
}

func (it Item) model(tenant string, x *ids) *monitoring.Item {
	m := &monitoring.Item{
		TenantID: tenant, Name: it.Name, Title: it.Title, Kind: it.Kind, Description: it.Description,
		Metric: it.Metric, Log: it.Log, Check: it.Check, NoData: it.NoData, Process: it.Process, Service: it.Service,
		Exporter: it.Exporter, Zabbix: (*monitoring.Zabbix)(it.Zabbix), SNMP: (*monitoring.SNMP)(it.SNMP), Backup: it.Backup, Threshold: it.Threshold,
		For: it.For, Interval: it.Interval, Severity: it.Severity, RunbookURL: it.RunbookURL,
		ServiceLevelRequirement: it.ServiceLevelRequirement, IncidentPolicy: it.IncidentPolicy, Notify: it.Notify, Disabled: it.Disabled,
	}
	if it.Runbook != "" {
		m.RunbookID = x.runbooks[it.Runbook]
	}
	return m
}

func itemOf(m *monitoring.Item, x *ids) Item {
	return Item{
		Name: m.Name, Title: m.Title, Kind: m.Kind, Description: m.Description,
		Metric: m.Metric, Log: m.Log, Check: m.Check, NoData: m.NoData, Process: m.Process, Service: m.Service,
		Exporter: m.Exporter, Zabbix: zabbixShown(m.Zabbix), SNMP: snmpShown(m.SNMP), Backup: m.Backup, Threshold: m.Threshold,
		For: m.For, Interval: m.Interval, Severity: m.Severity, RunbookURL: m.RunbookURL, Runbook: x.runbookOf[m.RunbookID],
		ServiceLevelRequirement: m.ServiceLevelRequirement, IncidentPolicy: m.IncidentPolicy, Notify: m.Notify, Disabled: m.Disabled,
	}
}
