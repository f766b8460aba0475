package alert

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/outbox"
)

// The adapters that connect the engine to delivery, exported as Prometheus
// exports rules.SendAlerts: the alert package knows how a transition
// becomes a message; the server's wiring only passes them along.

// Tenants finds a tenant's name, language and time zone; *storage.Store is one.
type Tenants interface {
	Tenant(ctx context.Context, id string) (*model.Tenant, error)
}

// Queue is the notification queue; *outbox.Outbox is one.
type Queue interface {
	outbox.Enqueuer
	Acknowledge(ctx context.Context, tenant, ref string) error
}

// Ref is what an acknowledgement of alert id stops escalating.
func Ref(id int64) string { return fmt.Sprintf("alert:%d", id) }

// SendAlerts returns the NotifyFunc that queues each transition's message
// for the item's routes (or the tenant's default escalation policy),
// grouped by host, linking to the alert under externalURL. A transition
// no retry can make sendable is logged and let go, so that the engine
// does not offer it forever.
func SendAlerts(q Queue, tenants Tenants, externalURL string, logger *slog.Logger) NotifyFunc {
	return func(ctx context.Context, tr Transition) error {
		t, err := tenants.Tenant(ctx, tr.Tenant)
		if err != nil {
			return err
		}
		err = q.Enqueue(ctx, outbox.Notification{
			Tenant: tr.Tenant, Key: tr.IdempotencyKey, Ref: Ref(tr.AlertID),
			Group: groupOf(tr), Routes: tr.Notify, Service: tr.ServiceID, Message: Message(tr, t, externalURL),
		})
		if _, bad := invalid.As(err); bad {
			logger.Error("alert transition cannot be notified", "tenant", tr.Tenant, "alert", tr.AlertID, "err", err)
			return nil
		}
		return err
	}
}

// StopEscalation returns the AckFunc that stops the escalation of an
// acknowledged alert's notifications.
func StopEscalation(q Queue) AckFunc {
	return func(ctx context.Context, tenant string, id int64) error {
		return q.Acknowledge(ctx, tenant, Ref(id))
	}
}

// Chain returns a NotifyFunc that hands a transition to each of fs in
// order, stopping at the first error: the engine offers the transition
// again, and each step is idempotent on the transition's key.
func Chain(fs ...NotifyFunc) NotifyFunc {
	return func(ctx context.Context, tr Transition) error {
		for _, f := range fs {
			if err := f(ctx, tr); err != nil {
				return err
			}
		}
		return nil
	}
}

// groupOf gathers the notifications of one host, else of one service.
func groupOf(tr Transition) string {
	switch {
	case tr.Resource != "":
		return "host:" + tr.Resource
	case tr.ServiceID != 0:
		return fmt.Sprintf("service:%d", tr.ServiceID)
	}
	return ""
}

// Message is the notification of transition tr of tenant t, in the
// tenant's language, linking to the alert under externalURL.
func Message(tr Transition, t *model.Tenant, externalURL string) notify.Message {
	lang := t.Language
	pick := func(x Text) string {
		if lang == "ja" && x.Ja != "" {
			return x.Ja
		}
		if x.En != "" {
			return x.En
		}
		return x.Ja
	}
	m := notify.Message{
		Kind: notify.KindAlert, Status: notify.StatusFiring, Severity: notify.Severity(tr.Severity),
		Tenant: notify.Tenant{ID: tr.Tenant, Name: t.Name}, Title: pick(tr.Title), Summary: pick(tr.Summary),
		Resource: tr.Resource, Labels: tr.Labels, StartsAt: tr.StartsAt, IdempotencyKey: tr.IdempotencyKey,
		Language: notify.Language(lang), TimeZone: t.TimeZone,
		URL: externalURL + fmt.Sprintf("/tenants/%s/alerts/%d", url.PathEscape(tr.Tenant), tr.AlertID),
	}
	if m.Title == "" {
		m.Title = tr.Fingerprint
	}
	if tr.Status == StateResolved {
		m.Status = notify.StatusResolved
		if tr.EndsAt != nil {
			m.EndsAt = *tr.EndsAt
		}
	}
	if v := valueIn(tr.ValueTexts, tr.Value, lang); v != "" {
		m.Values = []string{v}
	}
	if u, err := url.Parse(tr.RunbookURL); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		m.Runbooks = []notify.Link{{Title: "Runbook", URL: tr.RunbookURL}}
	}
	return m
}
