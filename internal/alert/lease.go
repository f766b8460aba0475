package alert

import (
	"context"
	"fmt"
	"time"
)

// owns reports whether this replica owns tenant's rules now. On the first
// call under a new lease token (the tenant was just taken over from a
// replica that died or handed it over) the tenant's active alerts are read
// again from the database: the previous owner changed them, and the
// evaluation goes on from that stored state, so an alert already firing
// and notified is neither fired nor notified again.
func (e *Engine) owns(ctx context.Context, tenant string) bool {
	if e.opts.Owns == nil {
		return true
	}
	token, ok := e.opts.Owns(tenant)
	if !ok {
		return false
	}
	e.mu.Lock()
	current := e.tokens[tenant] == token
	e.mu.Unlock()
	if current {
		return true
	}
	if err := e.takeOver(ctx, tenant, token); err != nil {
		e.logger.Error("cannot take over the tenant's alerts", "tenant", tenant, "err", err)
		return false
	}
	return true
}

// ownsLocked is owns for a caller holding mu: it never takes over, so a
// tenant whose state is not loaded yet counts as not owned until the next
// timed evaluation loads it.
func (e *Engine) ownsLocked(tenant string) bool {
	if e.opts.Owns == nil {
		return true
	}
	token, ok := e.opts.Owns(tenant)
	return ok && e.tokens[tenant] == token
}

// takeOver replaces the engine's copy of tenant's active alerts with the
// stored ones and records token as the one they were loaded under.
func (e *Engine) takeOver(ctx context.Context, tenant string, token int64) error {
	list, err := e.store.active(ctx)
	if err != nil {
		return fmt.Errorf("alert: take over %s: %w", tenant, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, a := range e.activeList() {
		if a.TenantID == tenant {
			gone := *a
			gone.State = StateResolved
			e.setActive(&gone)
		}
	}
	for _, a := range list {
		if a.TenantID == tenant {
			e.setActive(a)
		}
	}
	e.tokens[tenant] = token
	e.logger.Info("took over the tenant's rules", "tenant", tenant, "token", token, "active", len(e.active))
	return nil
}

// notifies reports whether this replica offers tenant's transitions: the
// owner of its rules does, so that the incident a transition opens is
// opened once.
func (e *Engine) notifies(tenant string) bool {
	if e.opts.Owns == nil {
		return true
	}
	_, ok := e.opts.Owns(tenant)
	return ok
}

// current is tenant's alert of fingerprint fp not resolved (nil if none),
// for the intake. With replicas it is read from the database: a sender's
// webhook, a trap or another scheduler's signal may arrive at any
// replica, and the alert it continues may have been opened or changed on
// another; the unique index on the active fingerprints keeps one. The
// owner's copy is brought up to date with it. The caller holds mu.
func (e *Engine) current(ctx context.Context, tenant, fp string) (*Alert, error) {
	key := activeKey(tenant, fp)
	if e.opts.Owns == nil {
		return e.active[key], nil
	}
	a, err := e.store.activeOf(ctx, tenant, fp)
	if err != nil {
		return nil, err
	}
	if e.ownsLocked(tenant) {
		if a != nil {
			e.setActive(a)
		} else if old := e.active[key]; old != nil {
			gone := *old
			gone.State = StateResolved
			e.setActive(&gone)
		}
	}
	return a, nil
}

// copyOf is the engine's copy of stored alert a when it is the one to act
// on: this replica owns the tenant's rules and no other replica changed
// the alert since (an intake elsewhere moves updated_at). Otherwise the
// row is: a replica's copy of a tenant it no longer owns is stale.
func (e *Engine) copyOf(a *Alert) *Alert {
	if !e.ownsLocked(a.TenantID) {
		return nil
	}
	if cur := e.active[activeKey(a.TenantID, a.Fingerprint)]; cur != nil && cur.ID == a.ID && !cur.UpdatedAt.Before(a.UpdatedAt) {
		return cur
	}
	return nil
}

// storedSilence reports whether alert a is silenced at at as stored: with
// replicas, the silence may have been set on another replica than the
// one deciding to notify.
func (e *Engine) storedSilence(ctx context.Context, a *Alert, at time.Time) bool {
	if e.opts.Owns == nil || a.ID == 0 {
		return false
	}
	stored, err := e.store.Alert(ctx, a.TenantID, a.ID)
	return err == nil && stored.silenced(at)
}
