package blueprint

import (
	"context"
	"fmt"

	"github.com/unyo-ops/unyo/internal/capacity"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// OperationPlan is a capacity group's operation plan (運行計画): its
// current document, the baseline counts and the campaigns laid over them.
// An apply that changes it adds a version, proposed to the customer with
// the commit as its reason: it runs once the customer has agreed and the
// MSP has activated it, as any version (docs/operation-plans.md).
type OperationPlan struct {
	Group    string            `json:"group"` // a capacity group's name
	Baseline capacity.Baseline `json:"baseline"`
	Seasons  []capacity.Season `json:"seasons,omitempty"`
	Events   []capacity.Event  `json:"events,omitempty"`
}

// operationPlans are the plans of the tenant's capacity groups, keyed by
// the group's name.
type operationPlans struct{}

func (operationPlans) name() string { return KindOperationPlan }

// read takes, per group, its newest version not superseded: the active
// one, or a newer one awaiting agreement (what the last apply proposed).
func (operationPlans) read(ctx context.Context, s Stores, tenant string, st *state) error {
	groups, err := s.Capacity.Groups(ctx, tenant)
	if err != nil {
		return err
	}
	current, err := s.Capacity.Current(ctx, tenant)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if v := current[g.ID]; v != nil {
			st.put(KindOperationPlan, g.Name, &object{id: g.ID, design: planOf(g.Name, v.Document)})
		}
	}
	return nil
}

func (operationPlans) want(d *Design, tenant string, x *ids, add adder) error {
	for _, p := range d.OperationPlans {
		add(p.Group, planOf(p.Group, p.document()), p)
	}
	return nil
}

func (operationPlans) validate(l *loader, d *Design, x *ids, u *unique) {
	groups := map[string]int64{}
	for i, g := range d.CapacityGroups {
		groups[g.Name] = int64(i + 1)
	}
	for i, p := range d.OperationPlans {
		at := fmt.Sprintf("operation_plans[%d]", i)
		u.add("operation_plans", at, "group", p.Group)
		l.ref(at, "group", "capacity group", p.Group, groups)
		doc := p.document()
		l.check(at, doc.Validate())
	}
}

// write adds a version with the design's document and proposes it: the
// customer's agreement and the activation stay where the product keeps
// them (an apply never approves or activates a plan).
func (operationPlans) write(ctx context.Context, w *writer, v any, _ int64) error {
	p := v.(OperationPlan)
	store := w.s.stores.Capacity
	id, err := groupID(ctx, w.s.stores, w.tenant, p.Group)
	if err != nil {
		return err
	}
	reason := "unyo apply"
	if w.commit != "" {
		reason = "unyo apply of commit " + w.commit
	}
	ver, err := store.CreateVersion(ctx, w.tenant, id, p.document(), reason, w.actor)
	if err != nil {
		return err
	}
	_, err = store.Propose(ctx, w.tenant, id, ver.Version, w.actor)
	return err
}

// remove retires the plan: its versions are superseded, never deleted,
// for they are the record plan against actual reads.
func (operationPlans) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.Capacity.Retire(ctx, tenant, id)
}

func (operationPlans) export(d *Design, v any) {
	d.OperationPlans = append(d.OperationPlans, v.(OperationPlan))
}

func (p OperationPlan) document() capacity.Document {
	return capacity.Document{Baseline: p.Baseline, Seasons: p.Seasons, Events: p.Events}
}

// planOf is a document in the design's terms: times in UTC, a baseline's
// rules an empty list rather than none, as the files and the store may
// write them either way.
func planOf(group string, doc capacity.Document) OperationPlan {
	p := OperationPlan{Group: group, Baseline: baselineOf(doc.Baseline)}
	for _, s := range doc.Seasons {
		s.Baseline = baselineOf(s.Baseline)
		p.Seasons = append(p.Seasons, s)
	}
	for _, e := range doc.Events {
		e.Start, e.End = utc(e.Start), utc(e.End)
		p.Events = append(p.Events, e)
	}
	return p
}

func baselineOf(b capacity.Baseline) capacity.Baseline {
	if len(b.Rules) == 0 {
		b.Rules = []capacity.Rule{}
	}
	return b
}

// groupID finds the tenant's capacity group called name, created earlier
// in the same apply or before it.
func groupID(ctx context.Context, s Stores, tenant, name string) (int64, error) {
	groups, err := s.Capacity.Groups(ctx, tenant)
	if err != nil {
		return 0, err
	}
	for _, g := range groups {
		if g.Name == name {
			return g.ID, nil
		}
	}
	return 0, invalid.New("group", "no capacity group %q in this tenant", name)
}
