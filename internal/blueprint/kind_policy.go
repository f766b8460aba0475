package blueprint

import (
	"context"
	"fmt"
	"strings"

	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/escalation"
)

// policies are escalation policies: who is notified, in steps, of the
// alerts they match. Their targets name a channel, contact:<name> or
// oncall:<rotation> of the design.
type policies struct{}

func (policies) name() string { return KindPolicy }

func (policies) read(ctx context.Context, s Stores, tenant string, st *state) error {
	list, err := s.Policies.List(ctx, tenant, false)
	if err != nil {
		return err
	}
	for _, m := range list {
		st.put(KindPolicy, m.Name, &object{id: m.ID, design: policyOf(m)})
	}
	return nil
}

func (policies) want(d *Design, tenant string, x *ids, add adder) error {
	for _, v := range d.EscalationPolicies {
		p := policyOf(v.model(tenant))
		add(v.Name, p, p)
	}
	return nil
}

// validate checks the targets against the design, which is the whole
// truth of the kinds it holds (the channels validated before, in x).
func (policies) validate(l *loader, d *Design, x *ids, u *unique) {
	contacts, rotations := contactNames(d), rotationNames(d)
	for i, p := range d.EscalationPolicies {
		at := fmt.Sprintf("escalation_policies[%d]", i)
		u.add("escalation_policies", at, "name", p.Name)
		l.check(at, p.model(d.Tenant).Validate())
		for j, s := range p.Steps {
			for k, t := range s.Targets {
				field := fmt.Sprintf("steps[%d].targets[%d]", j, k)
				if name, ok := strings.CutPrefix(t, channel.ContactPrefix); ok {
					l.ref(at, field, "contact", name, contacts)
				} else if name, ok := strings.CutPrefix(t, escalation.OnCallPrefix); ok {
					l.ref(at, field, "on-call rotation", name, rotations)
				} else {
					l.ref(at, field, "channel", t, x.channels)
				}
			}
		}
	}
}

func (policies) write(ctx context.Context, w *writer, v any, id int64) error {
	m := v.(Policy).model(w.tenant)
	m.ID = id
	if id == 0 {
		return w.s.stores.Policies.Create(ctx, m)
	}
	return w.s.stores.Policies.Update(ctx, m)
}

func (policies) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.Policies.Delete(ctx, tenant, id)
}

func (policies) export(d *Design, v any) {
	d.EscalationPolicies = append(d.EscalationPolicies, v.(Policy))
}

func (p Policy) model(tenant string) *escalation.Policy {
	steps := make([]escalation.Step, len(p.Steps))
	for i, s := range p.Steps {
		steps[i] = escalation.Step{Targets: s.Targets, Wait: s.Wait, When: s.When}
	}
	return &escalation.Policy{Tenant: tenant, Name: p.Name, Default: p.Default, When: p.When, Steps: steps, Repeat: p.Repeat}
}

func policyOf(m *escalation.Policy) Policy {
	p := Policy{Name: m.Name, Default: m.Default, When: m.When, Repeat: m.Repeat, Steps: []Step{}}
	for _, s := range m.Steps {
		p.Steps = append(p.Steps, Step{Targets: s.Targets, Wait: s.Wait, When: s.When})
	}
	return p
}
