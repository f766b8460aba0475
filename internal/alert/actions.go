package alert

import (
	"context"
	"net/http"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/response"
)

// maxSilence bounds a silence: a forgotten one must not hide a host for good.
const maxSilence = 90 * 24 * time.Hour

// Acknowledge records that actor has seen alert id of tenant.
func (e *Engine) Acknowledge(ctx context.Context, tenant string, id int64, actor string) (*Alert, error) {
	a, err := e.act(ctx, tenant, id, func(a *Alert, now time.Time) (*Event, error) {
		a.AcknowledgedBy, a.AcknowledgedAt = actor, &now
		return &Event{At: now, From: a.State, To: a.State, Reason: ReasonAcknowledged, Severity: a.Severity, Actor: actor}, nil
	})
	if err == nil && e.opts.Acknowledged != nil {
		// Stored already: a failure to stop the escalation is logged, and
		// the escalation's own check of the alert's state catches up.
		if aerr := e.opts.Acknowledged(ctx, tenant, id); aerr != nil {
			e.logger.Warn("alert: acknowledgement not passed on", "tenant", tenant, "alert", id, "err", aerr)
		}
	}
	return a, err
}

// Silence holds the notifications of alert id of tenant until until.
func (e *Engine) Silence(ctx context.Context, tenant string, id int64, until time.Time, actor string) (*Alert, error) {
	return e.act(ctx, tenant, id, func(a *Alert, now time.Time) (*Event, error) {
		switch {
		case !until.After(now):
			return nil, invalid.New("until", "%s is not in the future", until.Format(time.RFC3339))
		case until.Sub(now) > maxSilence:
			return nil, invalid.New("until", "is more than 90 days ahead: silence for less, and again if need be")
		}
		u := until.UTC()
		a.SilencedUntil = &u
		return &Event{At: now, From: a.State, To: a.State, Reason: ReasonSilenced, Severity: a.Severity, Actor: actor, ValueText: "until " + u.Format(time.RFC3339)}, nil
	})
}

// act changes an alert that is not resolved, under mu so that the engine's
// copy and the stored one stay the same.
func (e *Engine) act(ctx context.Context, tenant string, id int64, f func(a *Alert, now time.Time) (*Event, error)) (*Alert, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	stored, err := e.store.Alert(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if stored.State == StateResolved {
		return nil, &response.StatusError{Status: http.StatusConflict, Message: "the alert is resolved"}
	}
	a := stored
	if cur := e.copyOf(stored); cur != nil {
		c := *cur
		a = &c
	}
	now := e.opts.Now().UTC()
	ev, err := f(a, now)
	if err != nil {
		return nil, err
	}
	if err := e.store.update(ctx, a, ev); err != nil {
		return nil, err
	}
	e.setActive(a)
	return e.store.Alert(ctx, tenant, id)
}

// List lists tenant's alerts by f: the engine is the one alert service its
// callers (the API, the console) read and act through.
func (e *Engine) List(ctx context.Context, tenant string, f Filter) ([]*Alert, error) {
	return e.store.List(ctx, tenant, f)
}

// Alert returns alert id of tenant with its events; an unknown ID is
// storage.ErrNotFound.
func (e *Engine) Alert(ctx context.Context, tenant string, id int64) (*Alert, error) {
	return e.store.Alert(ctx, tenant, id)
}
