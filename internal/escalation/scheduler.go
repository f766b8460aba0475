package escalation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/storage"
)

// DispatchFunc queues the message's delivery to targets for a step;
// (*outbox.Outbox).AddDeliveries is one. It must be idempotent per
// (message, step, target), as a step is replayed after a crash.
type DispatchFunc func(ctx context.Context, tenant string, messageID int64, step string, targets []string) error

// Run states.
const (
	runActive  = "active"
	runStopped = "stopped" // acknowledged or resolved
	runDone    = "done"    // no step left, or the policy was deleted
)

// Scheduler starts, advances and stops escalations. Their next step
// times are rows in escalation_runs, so nothing is lost across a restart.
type Scheduler struct {
	store    *Store
	dispatch DispatchFunc
	interval time.Duration
	logger   *slog.Logger
	now      func() time.Time
	shard    func(tenant string) bool // nil: every tenant

	stop context.CancelFunc
	done sync.WaitGroup
}

// NewScheduler returns a scheduler over store that hands due steps to
// dispatch and looks for them every interval (default 5s). dispatch may be
// set later with SetDispatch, before Run.
func NewScheduler(store *Store, dispatch DispatchFunc, interval time.Duration, logger *slog.Logger) *Scheduler {
	if interval <= 0 {
		interval = 5 * time.Second
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Scheduler{store: store, dispatch: dispatch, interval: interval, logger: logger, now: time.Now}
}

// SetShard limits Tick to the tenants whose escalation lease this replica
// holds (internal/lease); nil, the default, is every tenant.
func (s *Scheduler) SetShard(owns func(tenant string) bool) { s.shard = owns }

// SetDispatch sets where due steps go: the outbox and the scheduler need
// each other, so one of them is given the other after both exist.
func (s *Scheduler) SetDispatch(d DispatchFunc) { s.dispatch = d }

// inHours reports whether at is within the business hours of the service.
func (s *Scheduler) inHours(ctx context.Context, tenant string, service int64, at time.Time) bool {
	if service == 0 {
		return true
	}
	svc, err := s.store.objects.Service(ctx, tenant, service)
	if err != nil {
		// An unknown service must not silence anyone: count it as in hours.
		s.logger.Warn("escalation: service not readable; treating as business hours", "tenant", tenant, "service", service, "err", err)
		return true
	}
	sched, err := svc.Level.Calendar.Compile()
	if err != nil {
		return true
	}
	return sched.Open(at)
}

func holds(when string, inHours bool) bool {
	switch when {
	case BusinessHours:
		return inHours
	case OutOfHours:
		return !inHours
	}
	return true
}

// policyFor returns the first default policy of tenant whose When holds.
func (s *Scheduler) policyFor(ctx context.Context, tenant string, inHours bool) (*Policy, error) {
	list, err := s.store.List(ctx, tenant, true)
	if err != nil {
		return nil, err
	}
	for _, p := range list {
		if holds(p.When, inHours) {
			return p, nil
		}
	}
	return nil, nil
}

// firstStep returns the index of the first step of p that applies.
func firstStep(p *Policy, inHours bool) int {
	for i, st := range p.Steps {
		if holds(st.When, inHours) {
			return i
		}
	}
	return -1
}

// expand replaces each "oncall:<rotation>" target with the contact on
// call in that rotation at at, so a step reaches whoever is on call when it
// fires. A rotation with nobody on call (or gone) reaches no one, loudly.
func (s *Scheduler) expand(ctx context.Context, tenant string, targets []string, at time.Time) []string {
	out := make([]string, 0, len(targets))
	for _, t := range targets {
		rot, ok := strings.CutPrefix(t, OnCallPrefix)
		if !ok {
			out = append(out, t)
			continue
		}
		var who string
		err := errors.New("no on-call rotations")
		if s.store.onCall != nil {
			who, err = s.store.onCall(ctx, tenant, rot, at)
		}
		if err != nil || who == "" {
			s.logger.Warn("escalation: nobody on call to notify", "tenant", tenant, "rotation", rot, "err", err)
			continue
		}
		if c := "contact:" + who; !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// FirstTargets returns whom the tenant's default policy tells first at at.
func (s *Scheduler) FirstTargets(ctx context.Context, tenant string, service int64, at time.Time) ([]string, error) {
	in := s.inHours(ctx, tenant, service, at)
	p, err := s.policyFor(ctx, tenant, in)
	if err != nil || p == nil {
		return nil, err
	}
	if i := firstStep(p, in); i >= 0 {
		return s.expand(ctx, tenant, p.Steps[i].Targets, at), nil
	}
	return nil, nil
}

// Start begins escalating ref for the message by the tenant's default
// policy and returns the first step's targets. It is idempotent per
// message: called again, it answers from the stored run, judged at the
// time the run began.
func (s *Scheduler) Start(ctx context.Context, tenant, ref string, messageID, service int64, at time.Time) ([]string, string, error) {
	var began int64
	var policyID int64
	err := s.store.db.QueryRowContext(ctx, `SELECT created_at, policy_id FROM escalation_runs WHERE tenant_id=? AND message_id=?`, tenant, messageID).Scan(&began, &policyID)
	if err == nil {
		at = time.UnixMilli(began)
		in := s.inHours(ctx, tenant, service, at)
		p, err := s.store.Get(ctx, tenant, policyID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, "", nil
		} else if err != nil {
			return nil, "", err
		}
		if i := firstStep(p, in); i >= 0 {
			return s.expand(ctx, tenant, p.Steps[i].Targets, at), stepName(i, 0, true), nil
		}
		return nil, "", nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, "", fmt.Errorf("escalation: %w", err)
	}
	in := s.inHours(ctx, tenant, service, at)
	p, err := s.policyFor(ctx, tenant, in)
	if err != nil || p == nil {
		return nil, "", err
	}
	i := firstStep(p, in)
	if i < 0 {
		return nil, "", nil
	}
	next := at.Add(time.Duration(p.Steps[i].Wait))
	_, err = database.Writer(s.store.db).ExecContext(ctx, `INSERT INTO escalation_runs (tenant_id, ref, message_id, policy_id, service_id, step, round, state, next_at, created_at, updated_at)
		VALUES (?,?,?,?,?,?,0,?,?,?,?) ON CONFLICT (tenant_id, message_id) DO NOTHING`,
		tenant, ref, messageID, p.ID, service, i+1, runActive, next.UnixMilli(), at.UnixMilli(), at.UnixMilli())
	if err != nil {
		return nil, "", fmt.Errorf("escalation: cannot start: %w", err)
	}
	return s.expand(ctx, tenant, p.Steps[i].Targets, at), stepName(i, 0, true), nil
}

// Stop ends every running escalation of ref.
func (s *Scheduler) Stop(ctx context.Context, tenant, ref string) error {
	return s.StopIn(ctx, database.Writer(s.store.db), tenant, ref)
}

// Execer is what both *sql.DB and *sql.Tx offer to run a statement.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// StopIn is Stop inside the caller's transaction, for a change (an incident
// acknowledged) that must stop its escalation if and only if it commits.
func (s *Scheduler) StopIn(ctx context.Context, q Execer, tenant, ref string) error {
	_, err := q.ExecContext(ctx, `UPDATE escalation_runs SET state=?, updated_at=? WHERE tenant_id=? AND ref=? AND state=?`,
		runStopped, s.now().UnixMilli(), tenant, ref, runActive)
	if err != nil {
		return fmt.Errorf("escalation: cannot stop %q: %w", ref, err)
	}
	return nil
}

type run struct {
	id, messageID, policyID, service int64
	tenant                           string
	step, round                      int
}

// Tick sends every step due at now and schedules the next. Tests call it
// with their own clock; Run calls it every interval.
func (s *Scheduler) Tick(ctx context.Context, now time.Time) error {
	rows, err := s.store.db.QueryContext(ctx, `SELECT id, tenant_id, message_id, policy_id, service_id, step, round FROM escalation_runs
		WHERE state=? AND next_at<=? ORDER BY next_at LIMIT 1000`, runActive, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("escalation: cannot read due steps: %w", err)
	}
	var due []run
	for rows.Next() {
		var r run
		if err := rows.Scan(&r.id, &r.tenant, &r.messageID, &r.policyID, &r.service, &r.step, &r.round); err != nil {
			rows.Close()
			return fmt.Errorf("escalation: cannot read due steps: %w", err)
		}
		if s.shard != nil && !s.shard(r.tenant) {
			continue // another replica's tenant
		}
		due = append(due, r)
	}
	rows.Close()
	for _, r := range due {
		if err := s.advance(ctx, r, now); err != nil {
			// Left due: the next tick tries again, and dispatch is idempotent.
			s.logger.Warn("escalation: cannot send step", "tenant", r.tenant, "run", r.id, "err", err)
		}
	}
	return nil
}

// advance sends the next applicable step of r and schedules the one after.
// Steps whose When does not hold now are skipped with their wait.
func (s *Scheduler) advance(ctx context.Context, r run, now time.Time) error {
	p, err := s.store.Get(ctx, r.tenant, r.policyID)
	if errors.Is(err, storage.ErrNotFound) {
		return s.finish(ctx, r.id, runDone)
	} else if err != nil {
		return err
	}
	in := s.inHours(ctx, r.tenant, r.service, now)
	step, round := r.step, r.round
	for range len(p.Steps) * (maxRepeat + 2) { // bounded: at most every step of every round
		if step >= len(p.Steps) {
			if round >= p.Repeat {
				return s.finish(ctx, r.id, runDone)
			}
			step, round = 0, round+1
		}
		st := p.Steps[step]
		if !holds(st.When, in) {
			step++
			continue
		}
		if s.dispatch == nil {
			return errors.New("escalation: no dispatcher")
		}
		if err := s.dispatch(ctx, r.tenant, r.messageID, stepName(step, round, false), s.expand(ctx, r.tenant, st.Targets, now)); err != nil {
			return err
		}
		next := now.Add(time.Duration(st.Wait))
		_, err := database.Writer(s.store.db).ExecContext(ctx, `UPDATE escalation_runs SET step=?, round=?, next_at=?, updated_at=? WHERE id=? AND state=?`,
			step+1, round, next.UnixMilli(), now.UnixMilli(), r.id, runActive)
		return err
	}
	return s.finish(ctx, r.id, runDone)
}

func (s *Scheduler) finish(ctx context.Context, id int64, state string) error {
	_, err := database.Writer(s.store.db).ExecContext(ctx, `UPDATE escalation_runs SET state=?, updated_at=? WHERE id=? AND state=?`, state, s.now().UnixMilli(), id, runActive)
	return err
}

// Run ticks every interval until Close.
func (s *Scheduler) Run(ctx context.Context) {
	ctx, s.stop = context.WithCancel(ctx)
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		t := time.NewTicker(s.interval)
		defer t.Stop()
		for {
			if err := s.Tick(ctx, s.now()); err != nil && ctx.Err() == nil {
				s.logger.Error("escalation tick failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Close stops Run and waits for its tick to end.
func (s *Scheduler) Close() {
	if s.stop != nil {
		s.stop()
	}
	s.done.Wait()
}
