package problem

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Settings is a tenant's recurrence rule: a problem is proposed when
// Threshold incidents of one item, host or cause category open within
// Period.
type Settings struct {
	Threshold int            `json:"threshold"`
	Period    model.Duration `json:"period"`
}

// DefaultSettings is the rule of a tenant that set none: 3 in 30 days.
var DefaultSettings = Settings{Threshold: 3, Period: model.Duration(30 * 24 * time.Hour)}

func (s Settings) validate() error {
	if s.Threshold < 2 || s.Threshold > 1000 {
		return invalid.New("threshold", "want 2 to 1000 incidents")
	}
	if p := time.Duration(s.Period); p < time.Hour || p > 366*24*time.Hour {
		return invalid.New("period", "want 1h to 366 days")
	}
	return nil
}

// Settings returns tenant's recurrence rule.
func (s *Store) Settings(ctx context.Context, tenant string) (Settings, error) {
	var st Settings
	var ms int64
	err := s.db.QueryRowContext(ctx, `SELECT threshold, period_ms FROM problem_settings WHERE tenant_id=?`, tenant).Scan(&st.Threshold, &ms)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultSettings, nil
	}
	if err != nil {
		return st, wrap("read settings", err)
	}
	st.Period = model.Duration(time.Duration(ms) * time.Millisecond)
	return st, nil
}

// SetSettings replaces tenant's recurrence rule.
func (s *Store) SetSettings(ctx context.Context, tenant string, st Settings) error {
	if err := st.validate(); err != nil {
		return err
	}
	return wrap("store settings", storage.Change(ctx, s.db, s.now(), func(tx *sql.Tx) (storage.Object, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO problem_settings (tenant_id, threshold, period_ms) VALUES (?,?,?)
		ON CONFLICT (tenant_id) DO UPDATE SET threshold=excluded.threshold, period_ms=excluded.period_ms`,
			tenant, st.Threshold, time.Duration(st.Period).Milliseconds())
		return storage.Object{Key: tenant, Type: "problem_settings", Detail: st}, err
	}))
}

// IncidentRef is an incident as a proposal lists it.
type IncidentRef struct {
	ID               int64     `json:"id"`
	Number           string    `json:"number"`
	ShortDescription string    `json:"short_description"`
	State            string    `json:"state"`
	OpenedAt         time.Time `json:"opened_at"`
}

// Proposal is a problem unyo proposes: the incidents of one item, host or
// cause category that recurred within the tenant's period, linked to no
// problem and not dismissed for this match.
type Proposal struct {
	Key       string        `json:"key"` // the match as text: item:12, host:3, category:disk
	Match     Match         `json:"match"`
	Label     string        `json:"label"` // the item's or host's name, or the category
	Incidents []IncidentRef `json:"incidents"`
}

// Proposals lists tenant's proposals at now, the most incidents first.
func (s *Store) Proposals(ctx context.Context, tenant string) ([]Proposal, error) {
	st, err := s.Settings(ctx, tenant)
	if err != nil {
		return nil, err
	}
	since := s.now().Add(-time.Duration(st.Period))
	refs := map[int64]IncidentRef{}
	groups := map[Match]map[int64]bool{}
	labels := map[Match]string{}
	add := func(m Match, id int64, label string) {
		if groups[m] == nil {
			groups[m] = map[int64]bool{}
		}
		groups[m][id] = true
		labels[m] = label
	}
	// The incidents of the period that no problem holds yet, by category.
	err = s.each(ctx, `SELECT id, number, short_description, state, opened_at, cause_category FROM incidents i
	WHERE tenant_id=? AND kind='incident' AND opened_at>=? AND NOT EXISTS (SELECT 1 FROM problem_incidents l WHERE l.incident_id=i.id)`,
		[]any{tenant, database.Millis(since)}, func(sc func(...any) error) error {
			var r IncidentRef
			var opened int64
			var category string
			if err := sc(&r.ID, &r.Number, &r.ShortDescription, &r.State, &opened, &category); err != nil {
				return err
			}
			r.OpenedAt = database.FromMillis(opened)
			refs[r.ID] = r
			if category != "" {
				add(Match{MatchCategory, category}, r.ID, category)
			}
			return nil
		})
	if err != nil {
		return nil, wrap("propose", err)
	}
	// Their hosts: the incident's resources and its alerts' resources.
	err = s.each(ctx, `SELECT ir.incident_id, r.id, r.name FROM incident_resources ir JOIN resources r ON r.id=ir.resource_id
	JOIN incidents i ON i.id=ir.incident_id WHERE i.tenant_id=? AND r.tenant_id=? AND i.opened_at>=?
	UNION SELECT a.incident_id, r.id, r.name FROM incident_alerts a JOIN resources r ON r.id=a.resource_id
	JOIN incidents i ON i.id=a.incident_id WHERE a.tenant_id=? AND r.tenant_id=? AND i.opened_at>=?`,
		[]any{tenant, tenant, database.Millis(since), tenant, tenant, database.Millis(since)}, func(sc func(...any) error) error {
			var inc, res int64
			var name string
			if err := sc(&inc, &res, &name); err != nil {
				return err
			}
			if _, ok := refs[inc]; ok {
				add(Match{MatchHost, strconv.FormatInt(res, 10)}, inc, name)
			}
			return nil
		})
	if err != nil {
		return nil, wrap("propose", err)
	}
	// Their alerts' monitoring items.
	err = s.each(ctx, `SELECT DISTINCT a.incident_id, m.id, m.title, m.name FROM incident_alerts a JOIN monitoring_items m ON m.id=a.item_id
	JOIN incidents i ON i.id=a.incident_id WHERE a.tenant_id=? AND i.opened_at>=?`,
		[]any{tenant, database.Millis(since)}, func(sc func(...any) error) error {
			var inc, item int64
			var title, name string
			if err := sc(&inc, &item, &title, &name); err != nil {
				return err
			}
			if title == "" {
				title = name
			}
			if _, ok := refs[inc]; ok {
				add(Match{MatchItem, strconv.FormatInt(item, 10)}, inc, title)
			}
			return nil
		})
	if err != nil {
		return nil, wrap("propose", err)
	}
	// What was dismissed is not proposed again for those incidents.
	err = s.each(ctx, `SELECT match_kind, match_key, incident_id FROM problem_dismissals WHERE tenant_id=?`, []any{tenant},
		func(sc func(...any) error) error {
			var m Match
			var inc int64
			if err := sc(&m.Kind, &m.Key, &inc); err != nil {
				return err
			}
			delete(groups[m], inc)
			return nil
		})
	if err != nil {
		return nil, wrap("propose", err)
	}
	out := []Proposal{}
	for m, ids := range groups {
		if len(ids) < st.Threshold {
			continue
		}
		p := Proposal{Key: m.String(), Match: m, Label: labels[m]}
		for id := range ids {
			p.Incidents = append(p.Incidents, refs[id])
		}
		sort.Slice(p.Incidents, func(i, j int) bool { return p.Incidents[i].ID < p.Incidents[j].ID })
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].Incidents) != len(out[j].Incidents) {
			return len(out[i].Incidents) > len(out[j].Incidents)
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// each runs query and calls fn for each row.
func (s *Store) each(ctx context.Context, query string, args []any, fn func(func(...any) error) error) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Proposal returns tenant's proposal of key now.
func (s *Store) Proposal(ctx context.Context, tenant, key string) (*Proposal, error) {
	if _, err := ParseMatch(key); err != nil {
		return nil, err
	}
	list, err := s.Proposals(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].Key == key {
			return &list[i], nil
		}
	}
	return nil, storage.ErrNotFound
}

// Accept turns tenant's proposal of key into a problem scoped to its match
// and linked to its incidents. p carries what the caller chose (title,
// owner...); a title left empty is made from the proposal's label.
func (s *Store) Accept(ctx context.Context, tenant, key string, p *Problem) error {
	prop, err := s.Proposal(ctx, tenant, key)
	if err != nil {
		return err
	}
	p.TenantID, p.Match = tenant, prop.Match
	if p.Title == "" {
		p.Title = fmt.Sprintf("Recurring incidents: %s", prop.Label)
	}
	if p.Category == "" && prop.Match.Kind == MatchCategory {
		p.Category = prop.Match.Key
	}
	ids := make([]int64, len(prop.Incidents))
	for i, r := range prop.Incidents {
		ids[i] = r.ID
	}
	return s.Create(ctx, p, ids)
}

// Dismiss declines tenant's proposal of key: its incidents are not proposed
// again for this match (new ones are, once they recur enough).
func (s *Store) Dismiss(ctx context.Context, tenant, key string) error {
	prop, err := s.Proposal(ctx, tenant, key)
	if err != nil {
		return err
	}
	return wrap("dismiss", storage.Change(ctx, s.db, s.now(), func(tx *sql.Tx) (storage.Object, error) {
		for _, r := range prop.Incidents {
			if _, err := tx.ExecContext(ctx, `INSERT INTO problem_dismissals (tenant_id, match_kind, match_key, incident_id) VALUES (?,?,?,?)
			ON CONFLICT (tenant_id, match_kind, match_key, incident_id) DO NOTHING`, tenant, prop.Match.Kind, prop.Match.Key, r.ID); err != nil {
				return storage.Object{}, err
			}
		}
		return storage.Object{Key: key, Type: "problem_proposal", Detail: map[string]any{"incidents": len(prop.Incidents)}}, nil
	}))
}
