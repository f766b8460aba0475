package incident

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/outbox"
)

// TestOpenFromAlertsFollowsTheTransitionsPolicy: the policy the alert
// carries decides, with no look-up of the item: attach joins the host's
// open incident, none opens nothing, and no policy (an alert from outside
// monitoring) opens one.
func TestOpenFromAlertsFollowsTheTransitionsPolicy(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	host := fx.resource(t, "acme", "web-01")
	open := OpenFromAlerts(fx.s)
	tr := func(id int64, policy monitoring.IncidentPolicy) alert.Transition {
		return alert.Transition{Tenant: "acme", AlertID: id, Fingerprint: "fp", ResourceID: host, Resource: "web-01", ItemID: 9,
			IncidentPolicy: policy, Severity: alert.SeverityCritical, Title: alert.Text{Ja: "CPU 高負荷", En: "CPU high"},
			Status: alert.StateFiring, StartsAt: fx.clock.now()}
	}
	for _, c := range []struct {
		t    alert.Transition
		want int
	}{{tr(1, monitoring.PolicyNew), 1}, {tr(2, monitoring.PolicyAttach), 1}, {tr(3, monitoring.PolicyNone), 1}, {tr(4, ""), 2}} {
		if err := open(ctx, c.t); err != nil {
			t.Fatal(err)
		}
		list, err := fx.s.Incidents(ctx, "acme", Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != c.want {
			t.Errorf("after alert %d (policy %q): %d incidents, want %d", c.t.AlertID, c.t.IncidentPolicy, len(list), c.want)
		}
	}
	if err := open(ctx, alert.Transition{Tenant: "acme", AlertID: 5, IncidentPolicy: "sometimes", Status: alert.StateFiring}); err == nil ||
		!strings.Contains(err.Error(), "incident of alert 5") {
		t.Errorf("an unknown policy = %v, want an error naming the alert", err)
	}
}

type queue struct{ got []outbox.Notification }

func (q *queue) Enqueue(_ context.Context, n outbox.Notification) error {
	q.got = append(q.got, n)
	return nil
}

// TestSendSLANoticesLinksUnderTheExternalURL: a breach goes out as a
// critical SLA message to the default policy (no routes), keyed once per
// incident, clock and kind, linking to the incident under the external URL.
func TestSendSLANoticesLinksUnderTheExternalURL(t *testing.T) {
	fx := newFixture(t)
	q := &queue{}
	send := SendSLANotices(q, fx.st, "https://unyo.example.com")
	if err := send(context.Background(), SLANotice{Tenant: "acme", IncidentID: 12, Number: "INC0001012", Clock: ClockResolve,
		Kind: NoticeBreach, Language: "ja", At: fx.clock.now()}); err != nil {
		t.Fatal(err)
	}
	if len(q.got) != 1 {
		t.Fatalf("queued %d, want 1", len(q.got))
	}
	n := q.got[0]
	if n.Ref != "incident:12" || len(n.Routes) != 0 || n.Key != "sla:acme:12:resolve:breach" {
		t.Errorf("notification %+v", n)
	}
	if m := n.Message; m.Kind != notify.KindSLA || m.Severity != notify.SeverityCritical || m.URL != "https://unyo.example.com/tenants/acme/incidents/12" {
		t.Errorf("message %+v", m)
	}
}

// TestAlertIncidentSpeaksTheTenantsLanguage: an alert's incident is titled
// in its tenant's language, and the desk's own timeline lines (the alert
// firing, the SLA clocks, the acknowledgement, a state change) read in the
// reader's language, with no word of the other.
func TestAlertIncidentSpeaksTheTenantsLanguage(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	open := OpenFromAlerts(fx.s)
	title := alert.Text{Ja: "CPU使用率が高い", En: "CPU usage high"}
	for tenant, want := range map[string]string{"acme": "web-01: CPU使用率が高い", "beta": "web-01: CPU usage high"} {
		svc := fx.service(t, tenant, "shop", calendar.Calendar{}, time.Hour, 2*time.Hour, 4*time.Hour)
		host := fx.resource(t, tenant, "web-01")
		if err := open(ctx, alert.Transition{Tenant: tenant, AlertID: 1, Fingerprint: "fp", ResourceID: host, Resource: "web-01", ServiceID: svc,
			IncidentPolicy: monitoring.PolicyNew, Severity: alert.SeverityCritical, Title: title, Status: alert.StateFiring, StartsAt: fx.clock.now()}); err != nil {
			t.Fatal(err)
		}
		list, err := fx.s.Incidents(ctx, tenant, Filter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("%s: incidents %v %v", tenant, list, err)
		}
		inc := list[0]
		if inc.ShortDescription != want {
			t.Errorf("%s: title %q, want %q", tenant, inc.ShortDescription, want)
		}
		if _, err := fx.s.Acknowledge(ctx, tenant, inc.ID, "user:sato"); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.s.Transition(ctx, tenant, inc.ID, "user:sato", StateChange{State: StateOnHold, HoldReason: HoldAwaitingCaller}); err != nil {
			t.Fatal(err)
		}
		tl, err := fx.s.Timeline(ctx, tenant, inc.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		var ja, en []string
		for _, e := range tl {
			if e.Kind == EntryOpened {
				continue // the number and title, as above
			}
			ja, en = append(ja, e.Text("ja")), append(en, e.Text("en"))
		}
		jaText, enText := strings.Join(ja, "\n"), strings.Join(en, "\n")
		for _, w := range []string{"firing", "acknowledge", "start", "stop", "in_progress", "on_hold", "awaiting", "resolve"} {
			if strings.Contains(jaText, w) {
				t.Errorf("%s: Japanese timeline has %q:\n%s", tenant, w, jaText)
			}
		}
		for _, w := range []string{"アラート発生", "受付のSLAクロック: 開始", "受付のSLAクロック: 停止", "受付しました", "保留（お客様の回答待ち）"} {
			if !strings.Contains(jaText, w) {
				t.Errorf("%s: Japanese timeline lacks %q:\n%s", tenant, w, jaText)
			}
		}
		for _, w := range []string{"Alert firing", "Acknowledge SLA clock: started", "Acknowledged", "On hold (awaiting caller)"} {
			if !strings.Contains(enText, w) {
				t.Errorf("%s: English timeline lacks %q:\n%s", tenant, w, enText)
			}
		}
	}
}
