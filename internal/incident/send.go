package incident

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"slices"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/escalation"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/outbox"
)

// The adapters that connect the desk to the alert engine and to delivery,
// exported so that the server's wiring only passes them along.

// Ref is what an acknowledgement of incident id stops escalating.
func Ref(id int64) string { return fmt.Sprintf("incident:%d", id) }

// OpenFromAlerts returns the alert engine's NotifyFunc that applies each
// transition to the incidents by the policy it carries (its item's, with
// the host's overrides): new opens one, attach joins the open one of the
// resource or service, none does nothing.
func OpenFromAlerts(s *Desk) alert.NotifyFunc {
	return func(ctx context.Context, tr alert.Transition) error {
		policy := tr.IncidentPolicy
		if policy == "" {
			policy = monitoring.PolicyNew
		}
		// The incident's title is what the customer reads: in the
		// tenant's language, the other one where the item has no title in it.
		lang := "en"
		if s.resources != nil {
			if t, err := s.resources.Tenant(ctx, tr.Tenant); err == nil {
				t.Normalize()
				lang = t.Language
			}
		}
		title := tr.Title.In(lang)
		err := s.OnAlert(ctx, AlertEvent{
			Tenant: tr.Tenant, AlertID: fmt.Sprint(tr.AlertID), Fingerprint: tr.Fingerprint,
			ResourceID: tr.ResourceID, ResourceName: tr.Resource, ServiceID: tr.ServiceID, ItemID: tr.ItemID,
			Policy: string(policy), Severity: string(tr.Severity), Title: title, Titles: tr.Title, Status: string(tr.Status), At: tr.StartsAt,
		})
		if err != nil {
			return fmt.Errorf("incident of alert %d: %w", tr.AlertID, err)
		}
		return nil
	}
}

// SendSLANotices returns the scheduler's NotifyFunc: a clock's 75% warning
// or its breach goes to the tenant's default escalation policy, linking to
// the incident under externalURL.
func SendSLANotices(q outbox.Enqueuer, tenants alert.Tenants, externalURL string) NotifyFunc {
	return func(ctx context.Context, n SLANotice) error {
		t, err := tenants.Tenant(ctx, n.Tenant)
		if err != nil {
			return err
		}
		status, sev := notify.StatusWarning, notify.SeverityWarning
		if n.Kind == NoticeBreach {
			status, sev = notify.StatusBreach, notify.SeverityCritical
		}
		key := fmt.Sprintf("sla:%s:%d:%s:%s", n.Tenant, n.IncidentID, n.Clock, n.Kind)
		title := n.Title
		if title == "" {
			title = fmt.Sprintf("%s %s %s", n.Number, n.Clock, n.Kind)
		}
		return q.Enqueue(ctx, outbox.Notification{
			Tenant: n.Tenant, Key: key, Ref: Ref(n.IncidentID),
			Message: notify.Message{
				Kind: notify.KindSLA, Status: status, Severity: sev,
				Tenant: notify.Tenant{ID: t.ID, Name: t.Name}, Title: title, Summary: n.ShortDescription,
				StartsAt: n.At, IdempotencyKey: key, Language: notify.Language(n.Language), TimeZone: t.TimeZone,
				URL: externalURL + fmt.Sprintf("/tenants/%s/incidents/%d", url.PathEscape(n.Tenant), n.IncidentID),
			},
		})
	}
}

// StopEscalation returns the hook that stops, in the change's transaction,
// the escalation of an incident's SLA notices once it is acknowledged or
// no longer open.
func StopEscalation(e *escalation.Scheduler) ChangeFunc {
	return func(ctx context.Context, tx *sql.Tx, c Change) error {
		inc := c.Incident
		if inc == nil || (!slices.Contains(c.Fields, "acknowledged") && inc.State.Open()) {
			return nil
		}
		return e.StopIn(ctx, tx, inc.TenantID, Ref(inc.ID))
	}
}
