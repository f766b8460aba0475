package blueprint

import (
	"context"
	"fmt"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// KindOverride is the kind of per-resource item overrides in plans.
const KindOverride = "item_override"

// ItemOverride changes one item of a template (the design's own or a
// built-in or global one) for one resource, or for every resource of the
// tenant when Resource is left out (個別閾値): a threshold, for, disabled, a
// severity... Fields left out keep the item's value. It is keyed by
// template, item and resource, all by name.
type ItemOverride struct {
	Template                string                    `json:"template"`
	Item                    string                    `json:"item"`
	Resource                string                    `json:"resource,omitempty"` // a resource's name; left out: every resource
	Warning                 *float64                  `json:"warning,omitempty"`
	Critical                *float64                  `json:"critical,omitempty"`
	Recovery                *float64                  `json:"recovery,omitempty"`
	For                     *model.Duration           `json:"for,omitempty"`
	Disabled                *bool                     `json:"disabled,omitempty"`
	Severity                monitoring.Severity       `json:"severity,omitempty"`
	IncidentPolicy          monitoring.IncidentPolicy `json:"incident_policy,omitempty"`
	RunbookURL              string                    `json:"runbook_url,omitempty"`
	ServiceLevelRequirement string                    `json:"service_level_requirement,omitempty"`
	Note                    string                    `json:"note,omitempty"` // why, e.g. "batch host: CPU 100% at night is normal"
}

// key names an override, which has no name of its own.
func (o ItemOverride) key() string {
	on := "every resource"
	if o.Resource != "" {
		on = "resource " + o.Resource
	}
	return o.Template + "/" + o.Item + " → " + on
}

// overrides are per-resource item overrides.
type overrides struct{}

func (overrides) name() string { return KindOverride }

func (overrides) read(ctx context.Context, s Stores, tenant string, st *state) error {
	list, err := s.Monitoring.Overrides(ctx, tenant, monitoring.OverrideFilter{})
	if err != nil || len(list) == 0 {
		return err
	}
	_, names, err := templateItems(ctx, s, tenant)
	if err != nil {
		return err
	}
	for _, m := range list {
		n, ok := names[m.ItemID]
		if !ok {
			continue // an item attached to one resource: not the design's
		}
		o := overrideOf(m, n)
		if m.ResourceID != 0 {
			o.Resource = st.x.resourceOf[m.ResourceID]
		}
		st.put(KindOverride, o.key(), &object{id: m.ID, design: o})
	}
	return nil
}

func (overrides) want(d *Design, tenant string, x *ids, add adder) error {
	for _, o := range d.ItemOverrides {
		add(o.key(), o, o)
	}
	return nil
}

func (overrides) validate(l *loader, d *Design, x *ids, u *unique) {
	var builtins []*monitoring.Template // read once, when an override names one
	for i, o := range d.ItemOverrides {
		at := fmt.Sprintf("item_overrides[%d]", i)
		u.add("item_overrides", at, "item", o.key())
		l.ref(at, "resource", "resource", o.Resource, x.resources)
		m := o.model(d.Tenant, 1, 0)
		if err := m.Validate(); err != nil {
			l.check(at, err)
			continue
		}
		t := designTemplate(d, o.Template, x)
		if t == nil {
			if builtins == nil {
				builtins, _ = monitoring.Builtins()
			}
			t = namedTemplate(builtins, o.Template)
		}
		if t == nil {
			continue // a global template of the MSP, looked up when applied
		}
		it := namedItem(t, o.Item)
		if it == nil {
			l.fail(at, "item", fmt.Sprintf("no item %q in template %q", o.Item, o.Template))
			continue
		}
		it.Normalize()
		_, err := m.Apply(it)
		l.check(at, err)
	}
}

func (overrides) write(ctx context.Context, w *writer, v any, id int64) error {
	o := v.(ItemOverride)
	if id != 0 { // its item and resource are its key: they do not change
		m := o.model(w.tenant, 0, 0)
		m.ID = id
		return w.s.stores.Monitoring.UpdateOverride(ctx, m)
	}
	byName, _, err := templateItems(ctx, w.s.stores, w.tenant)
	if err != nil {
		return err
	}
	item, ok := byName[[2]string{o.Template, o.Item}]
	if !ok {
		return invalid.New("item_overrides", "no item %q in template %q of tenant %s", o.Item, o.Template, w.tenant)
	}
	var resource int64
	if o.Resource != "" {
		resource = w.st.x.resources[o.Resource]
	}
	return w.s.stores.Monitoring.CreateOverride(ctx, o.model(w.tenant, item, resource))
}

func (overrides) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.Monitoring.DeleteOverride(ctx, tenant, id)
}

func (overrides) export(d *Design, v any) {
	d.ItemOverrides = append(d.ItemOverrides, v.(ItemOverride))
}

// templateItems maps the items of the templates tenant sees, its own and
// the global ones, by (template, item) name to their IDs and back; a
// tenant's template wins over a global one of the same name.
func templateItems(ctx context.Context, s Stores, tenant string) (map[[2]string]int64, map[int64][2]string, error) {
	templates, err := s.Monitoring.Templates(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	byName, byID := map[[2]string]int64{}, map[int64][2]string{}
	for _, own := range []bool{false, true} {
		for _, t := range templates {
			if (t.TenantID == tenant) != own {
				continue
			}
			for _, it := range t.Items {
				n := [2]string{t.Name, it.Name}
				byName[n], byID[it.ID] = it.ID, n
			}
		}
	}
	return byName, byID, nil
}

func (o ItemOverride) model(tenant string, item, resource int64) *monitoring.Override {
	return &monitoring.Override{TenantID: tenant, ItemID: item, ResourceID: resource, Warning: o.Warning, Critical: o.Critical,
		Recovery: o.Recovery, For: o.For, Disabled: o.Disabled, Severity: o.Severity, IncidentPolicy: o.IncidentPolicy,
		RunbookURL: o.RunbookURL, ServiceLevelRequirement: o.ServiceLevelRequirement, Note: o.Note}
}

func overrideOf(m *monitoring.Override, n [2]string) ItemOverride {
	return ItemOverride{Template: n[0], Item: n[1], Warning: m.Warning, Critical: m.Critical, Recovery: m.Recovery, For: m.For,
		Disabled: m.Disabled, Severity: m.Severity, IncidentPolicy: m.IncidentPolicy, RunbookURL: m.RunbookURL,
		ServiceLevelRequirement: m.ServiceLevelRequirement, Note: m.Note}
}

// designTemplate is the design's template named name, as the store takes
// it (secret references aside), or nil.
func designTemplate(d *Design, name string, x *ids) *monitoring.Template {
	for _, t := range d.Templates {
		if t.Name == name {
			return unresolved(t).model(d.Tenant, x)
		}
	}
	return nil
}

func namedTemplate(list []*monitoring.Template, name string) *monitoring.Template {
	for _, t := range list {
		if t.Name == name {
			return t
		}
	}
	return nil
}

func namedItem(t *monitoring.Template, name string) *monitoring.Item {
	for _, it := range t.Items {
		if it.Name == name {
			return it
		}
	}
	return nil
}
