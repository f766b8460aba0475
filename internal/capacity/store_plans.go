package capacity

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
)

// activeAll returns the active version of every group that has one,
// without its document: the scheduler reads a document once per version
// (document), as an active version's document never changes.
func (s *Store) activeAll(ctx context.Context) (map[int64]*Version, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, group_id, version, activated_at FROM capacity_plan_versions WHERE state=?`, StateActive)
	if err != nil {
		return nil, fmt.Errorf("capacity: unable to list active plans: %w", err)
	}
	defer rows.Close()
	m := map[int64]*Version{}
	for rows.Next() {
		var v Version
		var activated sql.NullInt64
		if err := rows.Scan(&v.ID, &v.GroupID, &v.Version, &activated); err != nil {
			return nil, fmt.Errorf("capacity: unable to list active plans: %w", err)
		}
		v.State, v.ActivatedAt = StateActive, database.TimePtr(activated)
		m[v.GroupID] = &v
	}
	return m, rows.Err()
}

// document reads the document of the version with the ID id.
func (s *Store) document(ctx context.Context, id int64) (*Document, error) {
	var body string
	if err := s.db.QueryRowContext(ctx, `SELECT document FROM capacity_plan_versions WHERE id=?`, id).Scan(&body); err != nil {
		return nil, fmt.Errorf("capacity: unable to read plan version %d: %w", id, err)
	}
	var d Document
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		return nil, fmt.Errorf("capacity: plan version %d: %w", id, err)
	}
	return &d, nil
}

// holdsAll returns every group's holds that end after since.
func (s *Store) holdsAll(ctx context.Context, since time.Time) (map[int64][]Hold, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, group_id, count, starts_at, until, reason, actor, released_at FROM capacity_holds
		WHERE until>? AND (released_at IS NULL OR released_at>?) ORDER BY starts_at`, since.UnixMilli(), since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("capacity: unable to list holds: %w", err)
	}
	defer rows.Close()
	m := map[int64][]Hold{}
	for rows.Next() {
		var h Hold
		var starts, until int64
		var rel sql.NullInt64
		if err := rows.Scan(&h.ID, &h.GroupID, &h.Count, &starts, &until, &h.Reason, &h.Actor, &rel); err != nil {
			return nil, fmt.Errorf("capacity: unable to list holds: %w", err)
		}
		h.StartsAt, h.Until, h.ReleasedAt = database.FromMillis(starts), database.FromMillis(until), database.TimePtr(rel)
		m[h.GroupID] = append(m[h.GroupID], h)
	}
	return m, rows.Err()
}

// Timeline compiles version v of g's plan with g's holds since since.
func (s *Store) Timeline(ctx context.Context, g *Group, v *Version, since time.Time) (*Timeline, error) {
	loc, err := s.location(ctx, g)
	if err != nil {
		return nil, err
	}
	holds, err := s.Holds(ctx, g.TenantID, g.ID, since)
	if err != nil {
		return nil, err
	}
	return Compile(&v.Document, loc, g.Min, g.Max, holds), nil
}

// DryRun lists the steps version v (the active one when nil) of group's
// plan will apply from now for days, with the count due now first.
func (s *Store) DryRun(ctx context.Context, tenant string, group int64, n int, now time.Time, days int) (*DryRun, error) {
	g, err := s.Group(ctx, tenant, group)
	if err != nil {
		return nil, err
	}
	var v *Version
	if n > 0 {
		v, err = s.Version(ctx, tenant, group, n)
	} else {
		v, err = s.Active(ctx, tenant, group)
	}
	if err != nil {
		return nil, err
	}
	out := &DryRun{From: now, To: now.Add(time.Duration(days) * 24 * time.Hour), Steps: []Segment{}}
	if v == nil {
		return out, nil
	}
	tl, err := s.Timeline(ctx, g, v, now)
	if err != nil {
		return nil, err
	}
	out.Version, out.State = v.Version, v.State
	out.Applies = v.State == StateActive
	out.Now = tl.At(now)
	out.Steps = tl.Steps(now, out.To)
	return out, nil
}

// DryRun is what a plan would apply over a coming period.
type DryRun struct {
	Version int       `json:"version"`
	State   State     `json:"state"`
	Applies bool      `json:"applies"` // false: the version is not active, so nothing of it applies
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Now     Point     `json:"now"`
	Steps   []Segment `json:"steps"`
}

// Calendar lays version n (the active one when 0, else the newest) of
// g's plan over from to to.
func (s *Store) Calendar(ctx context.Context, g *Group, n int, from, to time.Time) (*Calendar, error) {
	var v *Version
	var err error
	switch {
	case n > 0:
		v, err = s.Version(ctx, g.TenantID, g.ID, n)
	default:
		if v, err = s.Active(ctx, g.TenantID, g.ID); err == nil && v == nil {
			var list []*Version
			if list, err = s.Versions(ctx, g.TenantID, g.ID); err == nil && len(list) > 0 {
				v = list[len(list)-1]
			}
		}
	}
	if err != nil {
		return nil, err
	}
	out := &Calendar{From: from, To: to, Segments: []Segment{}, Events: []Event{}}
	if v == nil {
		return out, nil
	}
	tl, err := s.Timeline(ctx, g, v, from)
	if err != nil {
		return nil, err
	}
	out.Version, out.State, out.Segments = v.Version, v.State, tl.Segments(from, to)
	for _, e := range v.Document.Events {
		if a, b := e.window(); a.Before(to) && b.After(from) {
			out.Events = append(out.Events, e)
		}
	}
	return out, nil
}

// Status reads g's platform now, with the active plan's count and hold.
func (s *Store) Status(ctx context.Context, g *Group, now time.Time) (*Status, error) {
	out := &Status{At: now}
	if act, err := s.Actuator(ctx, g); err != nil {
		out.Error = err.Error()
	} else if st, err := act.Observe(ctx); err != nil {
		out.Error = err.Error()
	} else {
		out.Desired, out.Running, out.Size = st.Desired, st.Running, st.Size
	}
	v, err := s.Active(ctx, g.TenantID, g.ID)
	if err != nil || v == nil {
		return out, err
	}
	tl, err := s.Timeline(ctx, g, v, now)
	if err != nil {
		return nil, err
	}
	p := tl.At(now)
	out.Plan, out.Version = &p, v.Version
	for _, h := range tl.holds {
		if !now.Before(h.StartsAt) && now.Before(h.End()) {
			out.Hold = &h
		}
	}
	return out, nil
}
