package alert

import (
	"context"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/monitoring"
)

// runNotifier offers every transition committed to be notified and not yet
// marked, oldest first: at start (a crash between commit and mark leaves
// some), when the engine commits one, and every NotifyRetry.
func (e *Engine) runNotifier(ctx context.Context) {
	// A transition carries its item's incident policy from the rules: wait
	// for them to be resolved once.
	select {
	case <-e.loaded:
	case <-ctx.Done():
		return
	}
	retry := time.NewTicker(e.opts.NotifyRetry)
	defer retry.Stop()
	for {
		e.offerPending(ctx)
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
		case <-retry.C:
		}
	}
}

// offerPending offers unnotified transitions in batches; it stops at the
// first failure so that a receiver that is down is not hammered, and so
// that transitions of an alert are offered in order.
func (e *Engine) offerPending(ctx context.Context) {
	for range 100 { // at most 100 batches per wake-up; the rest waits for the next
		list, err := e.store.unnotified(ctx, 100)
		if err != nil {
			e.logger.Error("cannot list unnotified transitions", "err", err)
			return
		}
		if len(list) == 0 {
			return
		}
		offered := 0
		for _, n := range list {
			if ctx.Err() != nil {
				return
			}
			if !e.notifies(n.alert.TenantID) {
				continue // its owner offers it
			}
			offered++
			t := newTransition(n.alert, n.event)
			t.IncidentPolicy = e.policyOf(n.alert)
			if err := e.opts.Notify(ctx, t); err != nil {
				e.logger.Warn("notification hand-off failed; offering again later", "key", t.IdempotencyKey, "err", err)
				return
			}
			if err := e.store.markNotified(ctx, n.alert.TenantID, n.event.ID, e.opts.Now()); err != nil {
				e.logger.Error("cannot mark transition notified", "key", t.IdempotencyKey, "err", err)
				return
			}
		}
		if offered == 0 {
			return // only other replicas' tenants are waiting
		}
	}
}

// newTransition is what a message needs of event ev of alert a.
func newTransition(a *Alert, ev *Event) Transition {
	t := Transition{
		IdempotencyKey: fmt.Sprintf("alert:%s:%d:%d", a.TenantID, a.ID, ev.ID),
		Tenant:         a.TenantID, AlertID: a.ID, EventID: ev.ID, Fingerprint: a.Fingerprint, Source: a.Source,
		Status: ev.To, Severity: ev.Severity, Title: a.Title, Summary: a.Summary, Resource: a.Resource,
		ResourceID: a.ResourceID, ServiceID: a.ServiceID, ItemID: a.ItemID, Notify: a.Notify, RunbookURL: a.RunbookURL,
		Labels: a.Labels, Value: ev.ValueText, ValueTexts: ev.ValueTexts, StartsAt: a.StartedAt,
	}
	// The summary as of the event: the alert may have moved on since.
	then := *a
	then.Severity, then.ValueText, then.ValueTexts = ev.Severity, ev.ValueText, ev.ValueTexts
	t.Summary = summary(&then, ev.To)
	if a.FiredAt != nil {
		t.StartsAt = *a.FiredAt
	}
	if ev.To == StateResolved {
		at := ev.At
		t.EndsAt = &at
	}
	return t
}

// policyOf is the incident policy of a's item, with the host's overrides,
// as the engine resolved it: nothing walks back to monitoring for it. An
// alert from outside monitoring, or of an item deleted since, opens an
// incident of its own.
func (e *Engine) policyOf(a *Alert) monitoring.IncidentPolicy {
	if a.Source != SourceRule {
		return monitoring.PolicyNew
	}
	e.mu.Lock()
	r := e.rules[ruleKey(a.TenantID, a.ItemID, a.ResourceID)]
	e.mu.Unlock()
	if r == nil || r.item.IncidentPolicy == "" {
		return monitoring.PolicyNew
	}
	return r.item.IncidentPolicy
}
