package blueprint

import (
	"context"
	"fmt"

	"github.com/unyo-ops/unyo/internal/oncall"
)

// Rotation is an on-call rotation (当番表): layers of contacts taking
// turns, hand-offs at wall-clock times of its zone. Escalation steps name
// it as oncall:<name>. Overrides (a swap, a holiday cover) are operations,
// not design: they are made in the console and kept by every apply.
type Rotation struct {
	Name     string         `json:"name"`
	TimeZone string         `json:"time_zone"`
	Layers   []oncall.Layer `json:"layers"`
}

// rotations are the tenant's on-call rotations.
type rotations struct{}

func (rotations) name() string { return KindRotation }

func (rotations) read(ctx context.Context, s Stores, tenant string, st *state) error {
	list, err := s.Rotations.List(ctx, tenant)
	if err != nil {
		return err
	}
	for _, r := range list {
		st.put(KindRotation, r.Name, &object{id: r.ID, design: rotationOf(r)})
	}
	return nil
}

func (rotations) want(d *Design, tenant string, x *ids, add adder) error {
	for _, v := range d.OnCallRotations {
		m := v.model(tenant)
		_ = m.Validate() // normalises as the store does (a daily layer has no length)
		add(m.Name, rotationOf(m), v)
	}
	return nil
}

func (rotations) validate(l *loader, d *Design, x *ids, u *unique) {
	known := contactNames(d)
	for i, r := range d.OnCallRotations {
		at := fmt.Sprintf("oncall_rotations[%d]", i)
		u.add("oncall_rotations", at, "name", r.Name)
		l.check(at, r.model(d.Tenant).Validate())
		for j, layer := range r.Layers {
			for k, m := range layer.Members {
				l.ref(at, fmt.Sprintf("layers[%d].members[%d]", j, k), "contact", m, known)
			}
		}
	}
}

func (rotations) write(ctx context.Context, w *writer, v any, id int64) error {
	m := v.(Rotation).model(w.tenant)
	m.ID = id
	if id == 0 {
		return w.s.stores.Rotations.Create(ctx, m)
	}
	return w.s.stores.Rotations.Update(ctx, m)
}

func (rotations) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.Rotations.Delete(ctx, tenant, id)
}

func (rotations) export(d *Design, v any) {
	d.OnCallRotations = append(d.OnCallRotations, v.(Rotation))
}

func (r Rotation) model(tenant string) *oncall.Rotation {
	layers := make([]oncall.Layer, len(r.Layers))
	for i, l := range r.Layers {
		layers[i] = l
		layers[i].Members = append([]string(nil), l.Members...)
	}
	return &oncall.Rotation{Tenant: tenant, Name: r.Name, TimeZone: r.TimeZone, Layers: layers}
}

func rotationOf(m *oncall.Rotation) Rotation {
	return Rotation{Name: m.Name, TimeZone: m.TimeZone, Layers: m.Layers}
}

// rotationNames are the design's rotations, for the references to them.
func rotationNames(d *Design) map[string]int64 {
	out := map[string]int64{}
	for i, r := range d.OnCallRotations {
		out[r.Name] = int64(i + 1)
	}
	return out
}
