package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/notify/webhook/webhooktest"
)

// TestSLABreachIsNotified: an incident left unacknowledged past its
// service's target warns at 75% and breaches, and each is delivered once to
// the channel of the tenant's default escalation policy.
func TestSLABreachIsNotified(t *testing.T) {
	t.Setenv("UNYO_SLA_INTERVAL", "200ms")
	s := startServer(t, t.TempDir())
	_, read := s.tenantWithTokens("acme")
	hook := webhooktest.NewServer(t)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/channels", "", map[string]any{"name": "noc", "type": "webhook",
		"config": map[string]string{"url": hook.WebhookURL(), "secret": webhooktest.Secret}}, nil)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/escalation-policies", "", map[string]any{"name": "standard", "default": true,
		"steps": []any{map[string]any{"targets": []string{"noc"}, "wait": "15m"}}}, nil)
	var svc struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/services", "", map[string]any{"name": "shop",
		"service_level": map[string]any{"acknowledge_target": "4s", "identify_target": "1h", "resolve_target": "4h"}}, &svc)
	var inc struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/incidents", "", map[string]any{"service_id": svc.ID,
		"short_description": "決済エラー多発", "impact": 1, "urgency": 1}, &inc)

	ref := fmt.Sprintf("incident:%d", inc.ID)
	eventually(t, 30*time.Second, func() string {
		var got []string
		for _, m := range hook.Messages() {
			got = append(got, string(m.Payload.Status))
		}
		if len(got) < 2 {
			return fmt.Sprintf("webhook got %v, want a warning and a breach", got)
		}
		return ""
	})
	status := map[string]int{}
	for _, m := range hook.Messages() {
		status[string(m.Payload.Status)]++
		if !strings.HasPrefix(m.Payload.IdempotencyKey, fmt.Sprintf("sla:acme:%d:acknowledge:", inc.ID)) {
			t.Errorf("notice key %q is not the acknowledge clock's of incident %d", m.Payload.IdempotencyKey, inc.ID)
		}
	}
	if status["warning"] != 1 || status["breach"] != 1 || len(hook.Rejections()) != 0 {
		t.Fatalf("notices by status %v (rejections %v), want one warning and one breach", status, hook.Rejections())
	}
	// The notices carry the incident as their ref, which is what an
	// acknowledgement of the incident stops the escalation of.
	var queued []e2eNotification
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/notifications?ref="+ref, "", nil, &queued)
	if len(queued) != 2 {
		t.Errorf("notifications of %s: %+v", ref, queued)
	}
	s.mustJSON(200, "POST", fmt.Sprintf("/api/v1/tenants/acme/incidents/%d/acknowledge", inc.ID), "", map[string]any{}, nil)
	var v incidentView
	s.mustJSON(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/incidents/%d", inc.ID), read, nil, &v)
	if c := v.clock(t, "acknowledge"); c.State != "breached" {
		t.Errorf("acknowledge clock %+v, want breached", c)
	}
}
