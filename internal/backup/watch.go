package backup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/storage"
)

// IntakeFunc puts signals of a tenant into the alert pipeline, as
// (*alert.Engine).Intake does for external senders: maintenance windows,
// incidents and channels then apply to backup alerts as to any other.
type IntakeFunc func(ctx context.Context, tenant string, signals []alert.Signal) (alert.IntakeResult, error)

// Watch keeps every policy's compliance and raises or resolves its alerts.
// It sleeps until the next moment a status can change by the clock alone
// (a good point crossing its RPO, a scheduled run's grace ending), and
// evaluates a policy at once when it or its history changes (Touch).
type Watch struct {
	store   *Store
	objects *storage.Store
	intake  IntakeFunc
	logger  *slog.Logger
	now     func() time.Time
	// Resync re-reads every policy this often, for what changes outside
	// this package: a service level, a tenant's time zone.
	Resync time.Duration
	// After, when set, holds the first evaluation until it is closed: the
	// alert engine's Loaded, so that a firing alert left by the previous
	// run is known before the watch speaks of it (no second alert).
	After <-chan struct{}
	// Recheck is how often a policy of a tenant another replica holds is
	// looked at again, so that this one takes it over in time; 5s.
	Recheck time.Duration
	gate    func(tenant string) (ok, fresh bool)

	mu    sync.Mutex
	dirty map[int64]string // policy → tenant, to evaluate now
	kick  chan struct{}

	// Owned by Run.
	due  map[int64]due
	sent map[string]bool  // fingerprint → firing, as last told to the pipeline
	told map[int64]string // policy → tenant, of the policies in sent
}

type due struct {
	tenant string
	at     time.Time
}

// NewWatch returns a Watch; Run starts it.
func NewWatch(store *Store, objects *storage.Store, intake IntakeFunc, logger *slog.Logger) *Watch {
	if logger == nil {
		logger = slog.Default()
	}
	return &Watch{store: store, objects: objects, intake: intake, logger: logger, now: time.Now, Resync: 15 * time.Minute,
		Recheck: 5 * time.Second, dirty: map[int64]string{}, kick: make(chan struct{}, 1), due: map[int64]due{},
		sent: map[string]bool{}, told: map[int64]string{}}
}

// SetShard limits the watch to the policies of the tenants whose backup
// lease this replica holds (internal/lease.Gate); nil, the default, is
// every tenant.
func (w *Watch) SetShard(gate func(tenant string) (ok, fresh bool)) { w.gate = gate }

// holds reports whether this replica watches policy id of tenant now. A
// policy it does not is looked at again in Recheck; what it last told the
// pipeline of a tenant it does not hold, or has just taken over, is
// forgotten, so the pipeline is told again (intake is idempotent).
func (w *Watch) holds(tenant string, id int64) bool {
	if w.gate == nil {
		return true
	}
	ok, fresh := w.gate(tenant)
	if fresh {
		for p, t := range w.told {
			if t == tenant {
				w.forget(p)
			}
		}
	}
	if !ok {
		w.forget(id)
		w.due[id] = due{tenant: tenant, at: w.now().Add(w.Recheck)}
	}
	return ok
}

// forget drops what the pipeline was told of policy id.
func (w *Watch) forget(id int64) {
	for _, c := range Conditions {
		delete(w.sent, fingerprint(id, c))
	}
	delete(w.told, id)
}

// Touch asks for policy of tenant to be evaluated now; Store.OnChange calls it.
func (w *Watch) Touch(tenant string, policy int64) {
	w.mu.Lock()
	w.dirty[policy] = tenant
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run evaluates every policy, then each when it is due or touched, until
// ctx ends.
func (w *Watch) Run(ctx context.Context) error {
	if w.After != nil {
		select {
		case <-w.After:
		case <-ctx.Done():
			return nil
		}
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	lastSync := time.Time{}
	for {
		if w.now().Sub(lastSync) >= w.Resync {
			w.resync(ctx)
			lastSync = w.now()
		}
		w.mu.Lock()
		todo := w.dirty
		w.dirty = map[int64]string{}
		w.mu.Unlock()
		now := w.now()
		for id, d := range w.due {
			if !d.at.After(now) {
				todo[id] = d.tenant
			}
		}
		for id, tenant := range todo {
			w.evaluate(ctx, tenant, id)
		}
		timer.Reset(w.sleep(lastSync))
		select {
		case <-ctx.Done():
			return nil
		case <-w.kick:
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// sleep is how long until the next due policy or resync.
func (w *Watch) sleep(lastSync time.Time) time.Duration {
	next := lastSync.Add(w.Resync)
	for _, d := range w.due {
		if d.at.Before(next) {
			next = d.at
		}
	}
	return max(next.Sub(w.now()), 0)
}

// resync evaluates every policy from one batched read of their history;
// when that read fails, each policy is evaluated on its own (and retried
// on its own if that fails too).
func (w *Watch) resync(ctx context.Context) {
	list, err := w.store.Policies(ctx, "")
	if err != nil {
		w.logger.Error("backup compliance: unable to list policies", "err", err)
		return
	}
	mine := list[:0:0]
	for _, p := range list {
		if w.holds(p.TenantID, p.ID) {
			mine = append(mine, p)
		}
	}
	list = mine
	sts, err := w.store.StatusesOf(ctx, "", list, w.now())
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		w.logger.Error("backup compliance: unable to read the policies' history at once", "err", err)
		for _, p := range list {
			w.evaluatePolicy(ctx, p)
		}
		return
	}
	for i, p := range list {
		w.apply(ctx, p, sts[i])
	}
}

func (w *Watch) evaluate(ctx context.Context, tenant string, id int64) {
	if !w.holds(tenant, id) {
		return
	}
	p, err := w.store.Policy(ctx, tenant, id)
	if errors.Is(err, storage.ErrNotFound) { // deleted: its alerts end with it
		delete(w.due, id)
		if w.send(ctx, tenant, id, &Policy{ID: id, TenantID: tenant}, Status{since: map[Condition]time.Time{}}) {
			for _, c := range Conditions {
				delete(w.sent, fingerprint(id, c))
			}
		}
		return
	}
	if err != nil {
		if ctx.Err() == nil {
			w.retry(tenant, id, err)
		}
		return
	}
	w.evaluatePolicy(ctx, p)
}

func (w *Watch) evaluatePolicy(ctx context.Context, p *Policy) {
	st, err := w.store.Status(ctx, p, w.now())
	if err != nil {
		w.retry(p.TenantID, p.ID, err)
		return
	}
	w.apply(ctx, p, st)
}

// apply tells the pipeline what changed of p's status and plans p's next
// evaluation.
func (w *Watch) apply(ctx context.Context, p *Policy, st Status) {
	if !w.send(ctx, p.TenantID, p.ID, p, st) {
		w.retry(p.TenantID, p.ID, errors.New("alert intake failed"))
		return
	}
	delete(w.due, p.ID)
	if !st.next.IsZero() {
		w.due[p.ID] = due{tenant: p.TenantID, at: st.next}
	}
}

// retry evaluates the policy again in a while: the pipeline or the
// database failed this time.
func (w *Watch) retry(tenant string, id int64, err error) {
	w.logger.Error("backup compliance: evaluation failed, retrying", "tenant", tenant, "policy", id, "err", err)
	w.due[id] = due{tenant: tenant, at: w.now().Add(10 * time.Second)}
}

// send tells the pipeline what changed of p's conditions since last told;
// false when the pipeline refused.
func (w *Watch) send(ctx context.Context, tenant string, id int64, p *Policy, st Status) bool {
	var signals []alert.Signal
	var fps []string
	var resource string
	for _, c := range Conditions {
		fp := fingerprint(id, c)
		since, firing := st.since[c]
		if known, ok := w.sent[fp]; ok && known == firing {
			continue
		}
		if firing && p.ResourceID != 0 && resource == "" {
			if r, err := w.objects.Resource(ctx, tenant, p.ResourceID); err == nil {
				resource = r.Name
			}
		}
		signals = append(signals, signalOf(p, st, c, fp, since, firing, resource))
		fps = append(fps, fp)
	}
	if len(signals) == 0 {
		return true
	}
	if _, err := w.intake(ctx, tenant, signals); err != nil {
		w.logger.Error("backup compliance: alert intake failed", "tenant", tenant, "policy", id, "err", err)
		return false
	}
	for i, fp := range fps {
		w.sent[fp] = signals[i].Status == alert.StateFiring
	}
	w.told[id] = tenant
	return true
}

// fingerprint identifies the alert of one condition of a policy.
func fingerprint(policy int64, c Condition) string { return fmt.Sprintf("policy/%d/%s", policy, c) }

// AlertFingerprint is the fingerprint the alert pipeline stores for the
// alert of one condition of a policy (its source, then the watch's own).
func AlertFingerprint(policy int64, c Condition) string {
	return string(alert.SourceBackup) + ":" + fingerprint(policy, c)
}
