package blueprint

import (
	"context"
	"fmt"

	"github.com/unyo-ops/unyo/internal/database"
)

// record keeps, per object the design names, the hash of what the tenant
// holds after the apply: a later difference is a change by hand (drift).
// An apply that changed nothing keeps the records it found.
func (s *Planner) record(ctx context.Context, tenant, actor, commit string, want []desired, applied bool) error {
	if !applied {
		return nil
	}
	q := database.On(ctx, s.db)
	st, err := s.stores.read(ctx, tenant, s.now())
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM design_objects WHERE tenant_id=?`, tenant); err != nil {
		return fmt.Errorf("blueprint: cannot record the apply: %w", err)
	}
	now := database.Millis(s.now())
	for _, d := range want {
		cur := st.objs[d.kind][d.key]
		if cur == nil {
			continue
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO design_objects (tenant_id, kind, object_key, hash, commit_id, applied_by, applied_at) VALUES (?,?,?,?,?,?,?)`,
			tenant, d.kind, d.key, cur.digest(), commit, actor, now); err != nil {
			return fmt.Errorf("blueprint: cannot record the apply: %w", err)
		}
	}
	return nil
}

// drift lists the objects whose stored form is no longer what the last
// apply wrote.
func (s *Planner) drift(ctx context.Context, tenant string, st *state) ([]Ref, error) {
	recorded, err := s.recorded(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := []Ref{}
	for _, kind := range Kinds {
		if kind == KindServiceNow && !mayServiceNow(ctx) {
			continue // not the caller's to see
		}
		for _, key := range sortedKeys(recorded[kind]) {
			// an apply before the digest of a time-bound object kept its
			// compared form: that, unchanged, is no drift either
			if cur := st.objs[kind][key]; cur == nil || (cur.digest() != recorded[kind][key] && hash(cur.canon) != recorded[kind][key]) {
				out = append(out, Ref{kind, key})
			}
		}
	}
	return out, nil
}

func (s *Planner) recorded(ctx context.Context, tenant string) (map[string]map[string]string, error) {
	rows, err := database.On(ctx, s.db).QueryContext(ctx, `SELECT kind, object_key, hash FROM design_objects WHERE tenant_id=?`, tenant)
	if err != nil {
		return nil, fmt.Errorf("blueprint: cannot read the last apply: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]string{}
	for rows.Next() {
		var kind, key, h string
		if err := rows.Scan(&kind, &key, &h); err != nil {
			return nil, fmt.Errorf("blueprint: cannot read the last apply: %w", err)
		}
		if out[kind] == nil {
			out[kind] = map[string]string{}
		}
		out[kind][key] = h
	}
	return out, rows.Err()
}

// Drifted lists the objects of tenant changed by hand since the last
// apply: the console marks them.
func (s *Planner) Drifted(ctx context.Context, tenant string) ([]Ref, error) {
	recorded, err := s.recorded(ctx, tenant)
	if err != nil || len(recorded) == 0 { // never applied: nothing to compare, no reads
		return []Ref{}, err
	}
	st, err := s.stores.read(ctx, tenant, s.now())
	if err != nil {
		return nil, err
	}
	return s.drift(ctx, tenant, st)
}
