package capacity

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// StepState is where a step is between its claim and its verification.
type StepState string

// The step states.
const (
	StepClaimed    StepState = "claimed"    // claimed, the actuator not yet known to have accepted it
	StepApplied    StepState = "applied"    // the actuator accepted it; verifying
	StepVerified   StepState = "verified"   // the group reached the count in time
	StepUnverified StepState = "unverified" // accepted, but the count was not reached in time
	StepFailed     StepState = "failed"     // the actuator refused it on every attempt
	StepSuperseded StepState = "superseded" // a newer step of the group came due before this one finished
)

// Step is one change of a group's count: what the plan asked and when,
// what was applied and when, what the group reached and when.
type Step struct {
	ID           int64      `json:"id"`
	GroupID      int64      `json:"group_id"`
	Key          string     `json:"key"`
	Version      int        `json:"version"` // the plan version it came from
	PlannedAt    time.Time  `json:"planned_at"`
	Count        int        `json:"count"`
	Winner       string     `json:"winner"` // baseline, hold, or the event
	Events       []string   `json:"events"`
	State        StepState  `json:"state"`
	Attempts     int        `json:"attempts"`
	NextAt       time.Time  `json:"-"`
	AppliedAt    *time.Time `json:"applied_at,omitempty"`
	ReachedCount *int       `json:"reached_count,omitempty"`
	ReachedAt    *time.Time `json:"reached_at,omitempty"`
	Hosts        *int       `json:"hosts,omitempty"` // hosts reporting data at verification, when the group's hosts are monitored
	Error        string     `json:"error,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`

	tenant string
}

// Late reports whether the step was applied more than a minute after it
// was due (a server that was down, a retry).
func (s *Step) Late() bool { return s.AppliedAt != nil && s.AppliedAt.Sub(s.PlannedAt) > time.Minute }

type sources struct {
	Winner string   `json:"winner"`
	Events []string `json:"events"`
}

const stepColumns = `id, tenant_id, group_id, step_key, version, planned_at, count, sources, state, attempts, next_at, applied_at,
	reached_count, reached_at, hosts, error, created_at, updated_at`

func scanStep(sc func(...any) error) (*Step, error) {
	var st Step
	var src string
	var planned, next, created, updated int64
	var applied, reachedAt, reached, hosts sql.NullInt64
	if err := sc(&st.ID, &st.tenant, &st.GroupID, &st.Key, &st.Version, &planned, &st.Count, &src, &st.State, &st.Attempts, &next,
		&applied, &reached, &reachedAt, &hosts, &st.Error, &created, &updated); err != nil {
		return nil, err
	}
	var so sources
	json.Unmarshal([]byte(src), &so)
	st.Winner, st.Events = so.Winner, so.Events
	if st.Events == nil {
		st.Events = []string{}
	}
	st.PlannedAt, st.NextAt = database.FromMillis(planned), database.FromMillis(next)
	st.CreatedAt, st.UpdatedAt = database.FromMillis(created), database.FromMillis(updated)
	st.AppliedAt, st.ReachedAt = database.TimePtr(applied), database.TimePtr(reachedAt)
	if reached.Valid {
		n := int(reached.Int64)
		st.ReachedCount = &n
	}
	if hosts.Valid {
		n := int(hosts.Int64)
		st.Hosts = &n
	}
	return &st, nil
}

// claim inserts the step under its unique key; false when the key was
// claimed before (by this server before a restart, or by another
// replica): the step is then never applied again.
func (s *Store) claim(ctx context.Context, g *Group, st *Step) (bool, error) {
	src, _ := json.Marshal(sources{Winner: st.Winner, Events: st.Events})
	now := s.now().UTC().Truncate(time.Millisecond)
	st.State, st.CreatedAt, st.UpdatedAt, st.NextAt, st.tenant = StepClaimed, now, now, now, g.TenantID
	err := database.Writer(s.db).QueryRowContext(ctx, `INSERT INTO capacity_steps (tenant_id, group_id, step_key, version, planned_at, count, sources,
	state, attempts, next_at, error, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,0,?,'',?,?)
	ON CONFLICT (step_key) DO NOTHING RETURNING id`,
		g.TenantID, g.ID, st.Key, st.Version, st.PlannedAt.UnixMilli(), st.Count, string(src), st.State, now.UnixMilli(),
		now.UnixMilli(), now.UnixMilli()).Scan(&st.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("capacity: unable to claim step %s: %w", st.Key, err)
	}
	return true, nil
}

// saveStep writes what happened to a step since its claim.
func (s *Store) saveStep(ctx context.Context, st *Step) error {
	st.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	var reached, hosts sql.NullInt64
	if st.ReachedCount != nil {
		reached = sql.NullInt64{Int64: int64(*st.ReachedCount), Valid: true}
	}
	if st.Hosts != nil {
		hosts = sql.NullInt64{Int64: int64(*st.Hosts), Valid: true}
	}
	_, err := database.Writer(s.db).ExecContext(ctx, `UPDATE capacity_steps SET state=?, attempts=?, next_at=?, applied_at=?, reached_count=?, reached_at=?,
	hosts=?, error=?, updated_at=? WHERE id=?`, st.State, st.Attempts, st.NextAt.UnixMilli(), database.NullMillis(st.AppliedAt),
		reached, database.NullMillis(st.ReachedAt), hosts, st.Error, st.UpdatedAt.UnixMilli(), st.ID)
	if err != nil {
		return fmt.Errorf("capacity: unable to save step %s: %w", st.Key, err)
	}
	return nil
}

func (s *Store) querySteps(ctx context.Context, where string, args ...any) ([]*Step, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+stepColumns+` FROM capacity_steps WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("capacity: unable to list steps: %w", err)
	}
	defer rows.Close()
	list := []*Step{}
	for rows.Next() {
		st, err := scanStep(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("capacity: unable to list steps: %w", err)
		}
		list = append(list, st)
	}
	return list, rows.Err()
}

// openSteps are the steps of every group still to apply or verify.
func (s *Store) openSteps(ctx context.Context) ([]*Step, error) {
	return s.querySteps(ctx, `state IN (?,?) ORDER BY id`, StepClaimed, StepApplied)
}

// Steps lists group's steps planned from from to to, oldest first.
func (s *Store) Steps(ctx context.Context, tenant string, group int64, from, to time.Time) ([]*Step, error) {
	return s.querySteps(ctx, `tenant_id=? AND group_id=? AND planned_at>=? AND planned_at<? ORDER BY planned_at, id`,
		tenant, group, from.UnixMilli(), to.UnixMilli())
}

// lastSteps returns the newest finished step of every group: whether its
// alert fires.
func (s *Store) lastFinished(ctx context.Context) (map[int64]*Step, error) {
	list, err := s.querySteps(ctx, `id IN (SELECT MAX(id) FROM capacity_steps WHERE state IN (?,?,?) GROUP BY group_id)`,
		StepVerified, StepUnverified, StepFailed)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]*Step, len(list))
	for _, st := range list {
		m[st.GroupID] = st
	}
	return m, nil
}

// CreateHold keeps group at count from now until until.
func (s *Store) CreateHold(ctx context.Context, tenant string, group int64, count int, until time.Time, reason, actor string) (*Hold, error) {
	g, err := s.Group(ctx, tenant, group)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	switch {
	case count < g.Min || count > g.Max:
		return nil, invalid.New("count", "must be within the group's bounds %d to %d", g.Min, g.Max)
	case !until.After(now):
		return nil, invalid.New("until", "must be in the future")
	case until.Sub(now) > 31*24*time.Hour:
		return nil, invalid.New("until", "at most 31 days ahead: change the plan instead")
	case reason == "":
		return nil, invalid.New("reason", "is required")
	}
	h := &Hold{GroupID: group, Count: count, StartsAt: now, Until: until.UTC().Truncate(time.Millisecond), Reason: reason, Actor: actor}
	err = storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_holds SET released_at=? WHERE tenant_id=? AND group_id=? AND released_at IS NULL AND until>?`,
			now.UnixMilli(), tenant, group, now.UnixMilli()); err != nil {
			return storage.Object{}, err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO capacity_holds (tenant_id, group_id, count, starts_at, until, reason, actor)
			VALUES (?,?,?,?,?,?,?) RETURNING id`, tenant, group, count, now.UnixMilli(), h.Until.UnixMilli(), reason, actor).Scan(&h.ID)
		return storage.Object{ID: h.ID}, err
	})
	if err != nil {
		return nil, fmt.Errorf("capacity: unable to hold group: %w", err)
	}
	s.notify(tenant, group)
	return h, nil
}

// ReleaseHold ends group's hold now; the plan applies again.
func (s *Store) ReleaseHold(ctx context.Context, tenant string, group int64) error {
	now := s.now().UTC().Truncate(time.Millisecond)
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		res, err := tx.ExecContext(ctx, `UPDATE capacity_holds SET released_at=? WHERE tenant_id=? AND group_id=? AND released_at IS NULL AND until>?`,
			now.UnixMilli(), tenant, group, now.UnixMilli())
		return storage.Object{ID: group}, storage.RowsAffected(res, err)
	})
	if errors.Is(err, storage.ErrNotFound) {
		return storage.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("capacity: unable to release hold: %w", err)
	}
	s.notify(tenant, group)
	return nil
}

// Holds lists group's holds that end after since, oldest first.
func (s *Store) Holds(ctx context.Context, tenant string, group int64, since time.Time) ([]Hold, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, group_id, count, starts_at, until, reason, actor, released_at FROM capacity_holds
		WHERE tenant_id=? AND group_id=? AND until>? AND (released_at IS NULL OR released_at>?) ORDER BY starts_at`,
		tenant, group, since.UnixMilli(), since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("capacity: unable to list holds: %w", err)
	}
	defer rows.Close()
	var list []Hold
	for rows.Next() {
		var h Hold
		var starts, until int64
		var released sql.NullInt64
		if err := rows.Scan(&h.ID, &h.GroupID, &h.Count, &starts, &until, &h.Reason, &h.Actor, &released); err != nil {
			return nil, fmt.Errorf("capacity: unable to list holds: %w", err)
		}
		h.StartsAt, h.Until, h.ReleasedAt = database.FromMillis(starts), database.FromMillis(until), database.TimePtr(released)
		list = append(list, h)
	}
	return list, rows.Err()
}

// Observation is the count a group's platform reported at a moment.
type Observation struct {
	At      time.Time `json:"at"`
	Desired int       `json:"desired"`
	Running int       `json:"running"`
}

func (s *Store) observed(ctx context.Context, group int64, o Observation) error {
	_, err := database.Writer(s.db).ExecContext(ctx, `INSERT INTO capacity_observations (group_id, at, desired, running) VALUES (?,?,?,?)
		ON CONFLICT (group_id, at) DO NOTHING`, group, o.At.UnixMilli(), o.Desired, o.Running)
	if err != nil {
		return fmt.Errorf("capacity: unable to record observation: %w", err)
	}
	return nil
}

// Observations lists group's observations from from to to, oldest first,
// with the last one before from (the count the period began with).
func (s *Store) Observations(ctx context.Context, tenant string, group int64, from, to time.Time) ([]Observation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT o.at, o.desired, o.running FROM capacity_observations o
		JOIN capacity_groups g ON g.id = o.group_id WHERE g.tenant_id=? AND o.group_id=? AND o.at<? AND
		o.at >= coalesce((SELECT MAX(at) FROM capacity_observations WHERE group_id=? AND at<=?), ?) ORDER BY o.at`,
		tenant, group, to.UnixMilli(), group, from.UnixMilli(), from.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("capacity: unable to list observations: %w", err)
	}
	defer rows.Close()
	list := []Observation{}
	for rows.Next() {
		var o Observation
		var at int64
		if err := rows.Scan(&at, &o.Desired, &o.Running); err != nil {
			return nil, fmt.Errorf("capacity: unable to list observations: %w", err)
		}
		o.At = database.FromMillis(at)
		list = append(list, o)
	}
	return list, rows.Err()
}
