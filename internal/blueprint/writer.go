package blueprint

import "context"

// writer makes one plan's changes through the stores, in the context of
// the apply's transaction, keeping the names' IDs up to date as objects
// are created.
type writer struct {
	s      *Planner
	tenant string
	actor  string
	st     *state
	commit string        // the design's commit: a new operation plan version's reason
	fields []FieldChange // the change's fields: a template updates the items they name
}

// change makes one change through its kind: deletes the stored object, or
// creates (id 0) or updates it with what the design's want gave.
func (w *writer) change(ctx context.Context, c Change, d desired) error {
	k := kindNamed(c.Kind)
	cur := w.st.objs[c.Kind][c.Key]
	if c.Action == Delete {
		return k.remove(ctx, w.s.stores, w.tenant, cur.id)
	}
	var id int64
	if cur != nil {
		id = cur.id
	}
	w.fields = c.Fields
	return k.write(ctx, w, d.design, id)
}
