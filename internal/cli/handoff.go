package cli

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"slices"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/escalation"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/outbox"
	"github.com/unyo-ops/unyo/internal/storage"
)

// handoff carries what the alert engine and the incident desk decide to the
// places that act on it: an alert transition opens or joins an incident and
// becomes a notification; an SLA warning or breach becomes a notification;
// an acknowledgement stops the escalation of what was acknowledged. Every
// step is idempotent on its key, because the alert engine offers a
// transition again until it is accepted.
type handoff struct {
	store     *storage.Store
	design    *monitoring.Store
	incidents *incident.Store
	outbox    *outbox.Outbox
	escalate  *escalation.Scheduler
	console   string // the console's external URL, which notifications link to
	logger    *slog.Logger
}

func (h *handoff) link(path string) string { return h.console + path }

// alert is the alert engine's NotifyFunc.
func (h *handoff) alert(ctx context.Context, tr alert.Transition) error {
	t, err := h.store.Tenant(ctx, tr.Tenant)
	if err != nil {
		return err
	}
	if err := h.openIncident(ctx, tr); err != nil {
		return fmt.Errorf("incident of alert %d: %w", tr.AlertID, err)
	}
	m := h.alertMessage(t.Language, t.TimeZone, t.Name, tr)
	err = h.outbox.Enqueue(ctx, outbox.Notification{
		Tenant: tr.Tenant, Key: tr.IdempotencyKey, Ref: fmt.Sprintf("alert:%d", tr.AlertID),
		Group: groupOf(tr), Routes: tr.Notify, Service: tr.ServiceID, Message: m,
	})
	if _, bad := invalid.As(err); bad {
		// No retry can make it sendable: record why and let the engine go on.
		h.logger.Error("alert transition cannot be notified", "tenant", tr.Tenant, "alert", tr.AlertID, "err", err)
		return nil
	}
	return err
}

// groupOf gathers the notifications of one host, else of one service.
func groupOf(tr alert.Transition) string {
	switch {
	case tr.Resource != "":
		return "host:" + tr.Resource
	case tr.ServiceID != 0:
		return fmt.Sprintf("service:%d", tr.ServiceID)
	}
	return ""
}

// openIncident applies the item's incident policy (with the host's
// overrides) to the transition; alerts from outside monitoring, which have
// no item, open an incident of their own.
func (h *handoff) openIncident(ctx context.Context, tr alert.Transition) error {
	policy := string(monitoring.PolicyNew)
	if tr.ItemID != 0 && tr.ResourceID != 0 {
		items, err := h.design.EffectiveItems(ctx, tr.Tenant, tr.ResourceID)
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(items, func(it monitoring.ResolvedItem) bool { return it.ID == tr.ItemID }); i >= 0 && items[i].IncidentPolicy != "" {
			policy = string(items[i].IncidentPolicy)
		}
	}
	title := tr.Title.En
	if title == "" {
		title = tr.Title.Ja
	}
	return h.incidents.OnAlert(ctx, incident.AlertEvent{
		Tenant: tr.Tenant, AlertID: fmt.Sprint(tr.AlertID), Fingerprint: tr.Fingerprint,
		ResourceID: tr.ResourceID, ResourceName: tr.Resource, ServiceID: tr.ServiceID, ItemID: tr.ItemID,
		Policy: policy, Severity: string(tr.Severity), Title: title, Status: string(tr.Status), At: tr.StartsAt,
	})
}

func (h *handoff) alertMessage(lang, tz, tenantName string, tr alert.Transition) notify.Message {
	pick := func(t alert.Text) string {
		if lang == "ja" && t.Ja != "" {
			return t.Ja
		}
		if t.En != "" {
			return t.En
		}
		return t.Ja
	}
	m := notify.Message{
		Kind: notify.KindAlert, Status: notify.StatusFiring, Severity: notify.Severity(tr.Severity),
		Tenant: notify.Tenant{ID: tr.Tenant, Name: tenantName}, Title: pick(tr.Title), Summary: pick(tr.Summary),
		Resource: tr.Resource, Labels: tr.Labels, StartsAt: tr.StartsAt, IdempotencyKey: tr.IdempotencyKey,
		Language: notify.Language(lang), TimeZone: tz,
		URL: h.link(fmt.Sprintf("/tenants/%s/alerts/%d", url.PathEscape(tr.Tenant), tr.AlertID)),
	}
	if m.Title == "" {
		m.Title = tr.Fingerprint
	}
	if tr.Status == alert.StateResolved {
		m.Status = notify.StatusResolved
		if tr.EndsAt != nil {
			m.EndsAt = *tr.EndsAt
		}
	}
	if tr.Value != "" {
		m.Values = []string{tr.Value}
	}
	if u, err := url.Parse(tr.RunbookURL); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		m.Runbooks = []notify.Link{{Title: "Runbook", URL: tr.RunbookURL}}
	}
	return m
}

// slaNotice is the incident desk's NotifyFunc: a clock's 75% warning or its
// breach goes to the tenant's default escalation policy.
func (h *handoff) slaNotice(ctx context.Context, n incident.SLANotice) error {
	t, err := h.store.Tenant(ctx, n.Tenant)
	if err != nil {
		return err
	}
	status, sev := notify.StatusWarning, notify.SeverityWarning
	if n.Kind == incident.NoticeBreach {
		status, sev = notify.StatusBreach, notify.SeverityCritical
	}
	key := fmt.Sprintf("sla:%s:%d:%s:%s", n.Tenant, n.IncidentID, n.Clock, n.Kind)
	title := n.Title
	if title == "" {
		title = fmt.Sprintf("%s %s %s", n.Number, n.Clock, n.Kind)
	}
	return h.outbox.Enqueue(ctx, outbox.Notification{
		Tenant: n.Tenant, Key: key, Ref: fmt.Sprintf("incident:%d", n.IncidentID),
		Message: notify.Message{
			Kind: notify.KindSLA, Status: status, Severity: sev,
			Tenant: notify.Tenant{ID: t.ID, Name: t.Name}, Title: title, Summary: n.ShortDescription,
			StartsAt: n.At, IdempotencyKey: key, Language: notify.Language(n.Language), TimeZone: t.TimeZone,
			URL: h.link(fmt.Sprintf("/tenants/%s/incidents/%d", url.PathEscape(n.Tenant), n.IncidentID)),
		},
	})
}

// alertAcknowledged stops the escalation of an acknowledged alert.
func (h *handoff) alertAcknowledged(ctx context.Context, tenant string, id int64) error {
	return h.outbox.Acknowledge(ctx, tenant, fmt.Sprintf("alert:%d", id))
}

// incidentChanged stops, in the same transaction, the escalation of an
// incident's SLA notices once it is acknowledged or closed.
func (h *handoff) incidentChanged(ctx context.Context, tx *sql.Tx, c incident.Change) error {
	inc := c.Incident
	if inc == nil || (!slices.Contains(c.Fields, "acknowledged") && inc.State.Open()) {
		return nil
	}
	return h.escalate.StopIn(ctx, tx, inc.TenantID, fmt.Sprintf("incident:%d", inc.ID))
}
