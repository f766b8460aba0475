package problem

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Store keeps problems; every method takes the tenant and puts it in the
// WHERE clause.
type Store struct {
	db    *sql.DB
	now   func() time.Time
	hooks []Hook
}

// NewStore returns a Store on a database migrated by internal/database.
func NewStore(db *sql.DB) *Store { return &Store{db: db, now: time.Now} }

// Event is one state change of a problem.
type Event struct {
	From  State     `json:"from"`
	To    State     `json:"to"`
	Actor string    `json:"actor"`
	At    time.Time `json:"at"`
}

const columns = `id, tenant_id, title, description, state, priority, owner, category, root_cause, workaround, known_error,
	known_error_text, match_kind, match_key, created_by, created_at, updated_at`

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func scan(sc func(...any) error) (*Problem, error) {
	var p Problem
	var known int
	var created, updated int64
	if err := sc(&p.ID, &p.TenantID, &p.Title, &p.Description, &p.State, &p.Priority, &p.Owner, &p.Category, &p.RootCause,
		&p.Workaround, &known, &p.KnownErrorText, &p.Match.Kind, &p.Match.Key, &p.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	p.KnownError = known != 0
	p.Number = number(p.ID)
	p.CreatedAt, p.UpdatedAt = database.FromMillis(created), database.FromMillis(updated)
	p.IncidentIDs = []int64{}
	return &p, nil
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Create stores a new problem in state New, linked to incidents (of its
// tenant) at once.
func (s *Store) Create(ctx context.Context, p *Problem, incidents []int64) error {
	if err := p.Validate(); err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	p.State, p.CreatedAt, p.UpdatedAt = StateNew, now, now
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		if err := create(ctx, tx, p); err != nil {
			return storage.Object{}, err
		}
		if err := link(ctx, tx, p, incidents, now); err != nil {
			return storage.Object{}, err
		}
		return storage.Object{ID: p.ID, Type: "problem"}, s.emit(ctx, tx, Mutation{What: Created, Problem: p, Actor: p.CreatedBy})
	})
	if err != nil {
		return wrap("create", err)
	}
	p.IncidentIDs = slices.Compact(slices.Sorted(slices.Values(incidents)))
	if p.IncidentIDs == nil {
		p.IncidentIDs = []int64{}
	}
	return nil
}

func create(ctx context.Context, tx *sql.Tx, p *Problem) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO problems (tenant_id, title, description, state, priority, owner, category, root_cause,
	workaround, known_error, known_error_text, match_kind, match_key, created_by, created_at, updated_at)
	VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
		p.TenantID, p.Title, p.Description, p.State, p.Priority, p.Owner, p.Category, p.RootCause, p.Workaround, bit(p.KnownError),
		p.KnownErrorText, p.Match.Kind, p.Match.Key, p.CreatedBy, database.Millis(p.CreatedAt), database.Millis(p.UpdatedAt)).Scan(&p.ID)
	p.Number = number(p.ID)
	return err
}

// link ties incidents of p's tenant to p; an incident of another tenant, or
// none, is refused by name.
func link(ctx context.Context, tx *sql.Tx, p *Problem, incidents []int64, at time.Time) error {
	for _, id := range incidents {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM incidents WHERE tenant_id=? AND id=? AND kind='incident'`, p.TenantID, id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return invalid.New("incident_ids", "no incident %d in this tenant", id)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO problem_incidents (tenant_id, problem_id, incident_id, linked_at) VALUES (?,?,?,?)
		ON CONFLICT (problem_id, incident_id) DO NOTHING`, p.TenantID, p.ID, id, database.Millis(at)); err != nil {
			return err
		}
	}
	return nil
}

// Update replaces the editable fields of a problem (not its state).
func (s *Store) Update(ctx context.Context, p *Problem) error {
	if err := p.Validate(); err != nil {
		return err
	}
	p.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	err := storage.Change(ctx, s.db, p.UpdatedAt, func(tx *sql.Tx) (storage.Object, error) {
		res, err := tx.ExecContext(ctx, `UPDATE problems SET title=?, description=?, priority=?, owner=?, category=?, root_cause=?,
		workaround=?, known_error=?, known_error_text=?, match_kind=?, match_key=?, updated_at=? WHERE tenant_id=? AND id=?`,
			p.Title, p.Description, p.Priority, p.Owner, p.Category, p.RootCause, p.Workaround, bit(p.KnownError), p.KnownErrorText,
			p.Match.Kind, p.Match.Key, database.Millis(p.UpdatedAt), p.TenantID, p.ID)
		if err := storage.RowsAffected(res, err); err != nil {
			return storage.Object{}, err
		}
		saved, err := get(ctx, tx, p.TenantID, p.ID)
		if err != nil {
			return storage.Object{}, err
		}
		return storage.Object{ID: p.ID, Type: "problem"}, s.emit(ctx, tx, Mutation{What: Updated, Problem: saved})
	})
	return wrap("update", err)
}

// Move changes a problem's state, if its lifecycle allows, and records the
// change with its actor.
func (s *Store) Move(ctx context.Context, tenant string, id int64, to State, actor string) (*Problem, error) {
	if !to.valid() {
		return nil, invalid.New("state", "unknown state %q", to)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		p, err := get(ctx, tx, tenant, id)
		if err != nil {
			return storage.Object{}, err
		}
		if !CanMove(p.State, to) {
			return storage.Object{}, invalid.New("state", "a problem cannot move from %s to %s", p.State, to)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE problems SET state=?, updated_at=? WHERE tenant_id=? AND id=?`, to, database.Millis(now), tenant, id); err != nil {
			return storage.Object{}, err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO problem_events (tenant_id, problem_id, from_state, to_state, actor, at) VALUES (?,?,?,?,?,?)`,
			tenant, id, p.State, to, actor, database.Millis(now))
		if err != nil {
			return storage.Object{}, err
		}
		from := p.State
		p.State, p.UpdatedAt = to, now
		return storage.Object{ID: id, Type: "problem", Detail: map[string]State{"from": from, "to": to}},
			s.emit(ctx, tx, Mutation{What: Moved, Problem: p, From: from, Actor: actor})
	})
	if err != nil {
		return nil, wrap("move", err)
	}
	return s.Problem(ctx, tenant, id)
}

// Link ties incidents of tenant to a problem.
func (s *Store) Link(ctx context.Context, tenant string, id int64, incidents []int64) (*Problem, error) {
	if len(incidents) == 0 {
		return nil, invalid.New("incident_ids", "name at least one incident")
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		p, err := get(ctx, tx, tenant, id)
		if err != nil {
			return storage.Object{}, err
		}
		return storage.Object{ID: id, Type: "problem"}, link(ctx, tx, p, incidents, now)
	})
	if err != nil {
		return nil, wrap("link", err)
	}
	return s.Problem(ctx, tenant, id)
}

// Problem returns one problem of tenant with its linked incidents.
func (s *Store) Problem(ctx context.Context, tenant string, id int64) (*Problem, error) {
	p, err := get(ctx, s.db, tenant, id)
	if err != nil {
		return nil, wrap("read", err)
	}
	return p, nil
}

func get(ctx context.Context, q querier, tenant string, id int64) (*Problem, error) {
	p, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM problems WHERE tenant_id=? AND id=?`, tenant, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT incident_id FROM problem_incidents WHERE tenant_id=? AND problem_id=? ORDER BY incident_id`, tenant, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var i int64
		if err := rows.Scan(&i); err != nil {
			return nil, err
		}
		p.IncidentIDs = append(p.IncidentIDs, i)
	}
	return p, rows.Err()
}

// Problems lists tenant's problems, newest first; open only with open set.
func (s *Store) Problems(ctx context.Context, tenant string, open bool) ([]*Problem, error) {
	q := `SELECT ` + columns + ` FROM problems WHERE tenant_id=?`
	if open {
		q += ` AND state NOT IN ('resolved', 'closed')`
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id DESC`, tenant)
	if err != nil {
		return nil, wrap("list", err)
	}
	defer rows.Close()
	list := []*Problem{}
	byID := map[int64]*Problem{}
	for rows.Next() {
		p, err := scan(rows.Scan)
		if err != nil {
			return nil, wrap("list", err)
		}
		list = append(list, p)
		byID[p.ID] = p
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list", err)
	}
	links, err := s.db.QueryContext(ctx, `SELECT problem_id, incident_id FROM problem_incidents WHERE tenant_id=? ORDER BY incident_id`, tenant)
	if err != nil {
		return nil, wrap("list", err)
	}
	defer links.Close()
	for links.Next() {
		var pid, iid int64
		if err := links.Scan(&pid, &iid); err != nil {
			return nil, wrap("list", err)
		}
		if p := byID[pid]; p != nil {
			p.IncidentIDs = append(p.IncidentIDs, iid)
		}
	}
	return list, wrap("list", links.Err())
}

// Events lists a problem's state changes, oldest first.
func (s *Store) Events(ctx context.Context, tenant string, id int64) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT from_state, to_state, actor, at FROM problem_events WHERE tenant_id=? AND problem_id=? ORDER BY at, id`, tenant, id)
	if err != nil {
		return nil, wrap("events", err)
	}
	defer rows.Close()
	list := []Event{}
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.From, &e.To, &e.Actor, &at); err != nil {
			return nil, wrap("events", err)
		}
		e.At = database.FromMillis(at)
		list = append(list, e)
	}
	return list, wrap("events", rows.Err())
}

// wrap prefixes a store error, leaving refusals and not-found as they are.
func wrap(what string, err error) error {
	if err == nil || errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if _, ok := invalid.As(err); ok {
		return err
	}
	return fmt.Errorf("problem: unable to %s: %w", what, err)
}
