package alert

import (
	"context"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/outbox"
)

// TestTransitionCarriesItsItemsIncidentPolicy: the engine puts the policy
// of the alert's item on the transition, so that whoever opens incidents
// does not walk back to monitoring for it; an alert from outside
// monitoring carries "new".
func TestTransitionCarriesItsItemsIncidentPolicy(t *testing.T) {
	w := newWorld(t, nil)
	web := w.host("acme", "web-01")
	it := cpuItem()
	it.IncidentPolicy = monitoring.PolicyAttach
	w.item("acme", web, it)
	w.start()
	w.push("acme", w.clock(), 95, "__name__", "node_cpu_busy_percent", "host", "web-01")
	w.drain()
	if _, err := w.engine.Intake(context.Background(), "acme", []Signal{{Source: SourceAlertmanager, Fingerprint: "am-1",
		Status: StateFiring, Severity: SeverityWarning, Name: "DiskFull"}}); err != nil {
		t.Fatal(err)
	}
	w.engine.offerPending(context.Background())
	sent := w.transitions()
	if len(sent) != 2 {
		t.Fatalf("sent %d transitions, want 2", len(sent))
	}
	for _, tr := range sent {
		want := monitoring.PolicyNew
		if tr.ItemID != 0 {
			want = monitoring.PolicyAttach
		}
		if tr.IncidentPolicy != want {
			t.Errorf("transition of %s carries policy %q, want %q", tr.Fingerprint, tr.IncidentPolicy, want)
		}
	}
}

type queue struct{ got []outbox.Notification }

func (q *queue) Enqueue(_ context.Context, n outbox.Notification) error {
	q.got = append(q.got, n)
	return nil
}

func (q *queue) Acknowledge(context.Context, string, string) error { return nil }

// TestSendAlertsQueuesTheTenantsMessage: a transition is queued once, in
// the tenant's language, for the item's routes, grouped by host, linking
// to the alert under the external URL.
func TestSendAlertsQueuesTheTenantsMessage(t *testing.T) {
	w := newWorld(t, nil)
	q := &queue{}
	send := SendAlerts(q, w.db, "https://unyo.example.com", nil)
	tr := Transition{IdempotencyKey: "alert:acme:7:9", Tenant: "acme", AlertID: 7, Status: StateFiring, Severity: SeverityCritical,
		Title: Text{Ja: "CPU 使用率", En: "CPU usage"}, Resource: "web-01", Notify: []string{"ops"}, Value: "cpu 95 > 90",
		RunbookURL: "javascript:alert(1)"}
	if err := send(context.Background(), tr); err != nil {
		t.Fatal(err)
	}
	if len(q.got) != 1 {
		t.Fatalf("queued %d, want 1", len(q.got))
	}
	n := q.got[0]
	if n.Ref != "alert:7" || n.Group != "host:web-01" || len(n.Routes) != 1 || n.Routes[0] != "ops" {
		t.Errorf("notification %+v", n)
	}
	m := n.Message
	if m.Title != "CPU 使用率" || m.Language != "ja" || m.TimeZone != "Asia/Tokyo" || m.Status != notify.StatusFiring {
		t.Errorf("message in the tenant's words: %+v", m)
	}
	if m.URL != "https://unyo.example.com/tenants/acme/alerts/7" {
		t.Errorf("link %q, want under the external URL", m.URL)
	}
	if len(m.Runbooks) != 0 {
		t.Errorf("a javascript: runbook became a link: %+v", m.Runbooks)
	}
	if err := send(context.Background(), Transition{Tenant: "nobody", AlertID: 1}); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("an unknown tenant = %v, want not found (offered again later)", err)
	}
}
