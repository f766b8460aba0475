package blueprint

import (
	"context"
	"fmt"
	"strings"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// assignments apply a template (the tenant's or a built-in one) to the
// hosts a selector matches, or to one resource. They have no name: the
// template and what it applies to are the key, so an assignment is only
// created or deleted, never updated.
type assignments struct{}

func (assignments) name() string { return KindAssignment }

func (assignments) read(ctx context.Context, s Stores, tenant string, st *state) error {
	list, err := s.Monitoring.Assignments(ctx, tenant)
	if err != nil {
		return err
	}
	for _, m := range list {
		a := assignmentOf(m, st.x)
		st.put(KindAssignment, a.key(), &object{id: m.ID, design: a})
	}
	return nil
}

func (assignments) want(d *Design, tenant string, x *ids, add adder) error {
	for _, v := range d.Assignments {
		m := v.model(tenant, x)
		m.Normalize()
		m.Template = v.Template
		a := assignmentOf(m, x)
		add(a.key(), a, a)
	}
	return nil
}

func (assignments) validate(l *loader, d *Design, x *ids, u *unique) {
	for i, a := range d.Assignments {
		at := fmt.Sprintf("assignments[%d]", i)
		u.add("assignments", at, "template", a.key())
		l.ref(at, "resource", "resource", a.Resource, x.resources)
		m := a.model(d.Tenant, x)
		m.TemplateID = 1
		err := m.Validate()
		if e, ok := invalid.As(err); ok {
			e.Field = strings.TrimSuffix(e.Field, "_id")
		}
		l.check(at, err)
	}
}

// write creates the assignment, of the design's template or else of the
// global (built-in) template of that name.
func (assignments) write(ctx context.Context, w *writer, v any, id int64) error {
	a := v.(Assignment)
	st := w.s.stores
	m := a.model(w.tenant, w.st.x)
	if m.TemplateID == 0 {
		var err error
		if m.TemplateID, err = st.globalTemplate(ctx, w.tenant, a.Template); err != nil {
			return err
		}
	}
	return st.Monitoring.CreateAssignment(ctx, m)
}

func (assignments) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.Monitoring.DeleteAssignment(ctx, tenant, id)
}

func (assignments) export(d *Design, v any) { d.Assignments = append(d.Assignments, v.(Assignment)) }

// globalTemplate finds a global template by name, for assignments of the
// built-in templates.
func (s Stores) globalTemplate(ctx context.Context, tenant, name string) (int64, error) {
	templates, err := s.Monitoring.Templates(ctx, tenant)
	if err != nil {
		return 0, err
	}
	for _, t := range templates {
		if t.TenantID == "" && t.Name == name {
			return t.ID, nil
		}
	}
	return 0, fmt.Errorf("no template %q", name)
}

func (a Assignment) model(tenant string, x *ids) *monitoring.Assignment {
	return &monitoring.Assignment{TenantID: tenant, TemplateID: x.templates[a.Template], Selector: a.Selector, ResourceID: x.resources[a.Resource]}
}

func assignmentOf(m *monitoring.Assignment, x *ids) Assignment {
	a := Assignment{Template: m.Template, Selector: m.Selector}
	if m.ResourceID != 0 {
		a.Resource = x.resourceOf[m.ResourceID]
	}
	return a
}

// key names an assignment, which has no name of its own.
func (a Assignment) key() string {
	if a.Resource != "" {
		return a.Template + " → resource " + a.Resource
	}
	return a.Template + " → " + a.Selector
}
