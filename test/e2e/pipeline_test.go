package e2e

import (
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/prometheus/prompb"

	"github.com/unyo-ops/unyo/internal/notify/slack/slacktest"
	"github.com/unyo-ops/unyo/internal/notify/webhook/webhooktest"
)

type e2eNotification struct {
	Key    string `json:"key"`
	Ref    string `json:"ref"`
	Target string `json:"target"`
	State  string `json:"state"`
	Status string `json:"status"`
}

type e2eIncident struct {
	ID     int64  `json:"id"`
	Number string `json:"number"`
	State  string `json:"state"`
	Alerts []struct {
		AlertID string `json:"alert_id"`
		Status  string `json:"status"`
	} `json:"alerts"`
}

// pushCPU writes one node_cpu_busy_percent sample of host.
func (s *server) pushCPU(ingest, host string, v float64) {
	s.push(ingest, []prompb.TimeSeries{{
		Labels:  []prompb.Label{{Name: "__name__", Value: "node_cpu_busy_percent"}, {Name: "host", Value: host}},
		Samples: []prompb.Sample{{Value: v, Timestamp: time.Now().UnixMilli()}},
	}})
}

// cpuHost creates host with a CPU item that notifies route.
func (s *server) cpuHost(tenant, host, route string) int64 {
	s.t.Helper()
	return s.hostWithItems(tenant, host, map[string]any{
		"name": "cpu", "kind": "metric", "title": map[string]string{"ja": "CPU 使用率", "en": "CPU usage"},
		"metric":    map[string]string{"series": "node_cpu_busy_percent"},
		"threshold": map[string]any{"op": ">", "warning": 80, "critical": 90, "recovery": 75},
		"notify":    []string{route},
	})
}

func (s *server) notifications(tenant, query string) []e2eNotification {
	var out []e2eNotification
	s.mustJSON(200, "GET", "/api/v1/tenants/"+tenant+"/notifications?"+query, "", nil, &out)
	return out
}

// untilAlert pushes v for host every half second until an alert of host in
// state exists; the engine learns of new items on its next reload.
func (s *server) untilAlert(ingest, read, tenant, host, state string, v float64) e2eAlert {
	s.t.Helper()
	var found e2eAlert
	eventually(s.t, 90*time.Second, func() string {
		s.pushCPU(ingest, host, v)
		for _, a := range s.alertsOf(read, tenant, "state="+state) {
			if a.Labels["host"] == host {
				found = a
				return ""
			}
		}
		return fmt.Sprintf("no %s alert of %s", state, host)
	})
	return found
}

// TestAlertPipeline follows a sample over a threshold to the customer's
// Slack: exactly one firing message and, once the value recovers, exactly
// one resolved message; the alert opens an incident; the same on a host in
// a maintenance window records the alert and sends nothing.
//
// The server runs behind a proxy at --external-url: the message's button
// links there, not to the address the server is bound to.
func TestAlertPipeline(t *testing.T) {
	s := startServer(t, t.TempDir(), "--external-url", "https://unyo.example.com/")
	ingest, read := s.tenantWithTokens("acme")
	slack := slacktest.NewServer(t)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/channels", "", map[string]any{"name": "ops", "type": "slack",
		"config": map[string]string{"webhook_url": slack.WebhookURL()}}, nil)
	s.cpuHost("acme", "web-01", "ops")
	quiet := s.cpuHost("acme", "web-02", "ops")
	now := time.Now()
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/maintenance-windows", "", map[string]any{
		"name": "patching web-02", "resource_id": quiet,
		"start": now.Add(-time.Minute).Format(time.RFC3339), "end": now.Add(time.Hour).Format(time.RFC3339),
	}, nil)

	firing := s.untilAlert(ingest, read, "acme", "web-01", "firing", 95)
	msgs, err := slack.WaitFor(1, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if txt := msgs[0].AllText(); !strings.Contains(txt, "web-01") || !strings.Contains(txt, "95") {
		t.Errorf("firing message does not name the host and value: %s", txt)
	}
	var links []string
	for _, b := range msgs[0].Blocks {
		for _, e := range b.Elements {
			if e.URL != "" {
				links = append(links, e.URL)
			}
		}
	}
	if want := fmt.Sprintf("https://unyo.example.com/tenants/acme/alerts/%d", firing.ID); !slices.Contains(links, want) {
		t.Errorf("firing message links %v, want %s (the external URL, not the bound address)", links, want)
	}
	// The item's policy (new, the default) opened an incident for it.
	var incidents []e2eIncident
	eventually(t, 30*time.Second, func() string {
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/incidents", read, nil, &incidents)
		if len(incidents) != 1 {
			return fmt.Sprintf("%d incidents", len(incidents))
		}
		return ""
	})
	var inc e2eIncident
	s.mustJSON(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/incidents/%d", incidents[0].ID), read, nil, &inc)
	if len(inc.Alerts) != 1 || inc.Alerts[0].AlertID != fmt.Sprint(firing.ID) {
		t.Errorf("incident %s links %+v, want alert %d", inc.Number, inc.Alerts, firing.ID)
	}

	s.untilAlert(ingest, read, "acme", "web-01", "resolved", 60)
	if _, err := slack.WaitFor(2, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if txt := slack.Messages()[1].AllText(); !strings.Contains(strings.ToLower(txt), "resolved") && !strings.Contains(txt, "復旧") {
		t.Errorf("second message is not the resolution: %s", txt)
	}

	// web-02 is in maintenance: its alert fires and is recorded, nothing is queued.
	held := s.untilAlert(ingest, read, "acme", "web-02", "firing", 97)
	var detail struct {
		InMaintenance bool `json:"in_maintenance"`
	}
	s.mustJSON(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/alerts/%d", held.ID), read, nil, &detail)
	if !detail.InMaintenance {
		t.Errorf("alert of web-02 not marked in maintenance")
	}
	if n := s.notifications("acme", fmt.Sprintf("ref=alert:%d", held.ID)); len(n) != 0 {
		t.Errorf("notifications queued for an alert in maintenance: %+v", n)
	}
	// Everything queued is delivered, and Slack got exactly the two messages.
	eventually(t, 30*time.Second, func() string {
		all := s.notifications("acme", "")
		for _, n := range all {
			if n.State != "delivered" {
				return fmt.Sprintf("notification %s is %s", n.Key, n.State)
			}
		}
		if len(all) != 2 {
			return fmt.Sprintf("%d notifications, want 2", len(all))
		}
		return ""
	})
	if n := len(slack.Messages()); n != 2 || len(slack.Rejections()) != 0 {
		t.Fatalf("slack got %d messages (rejected %v), want exactly 2", n, slack.Rejections())
	}
}

// TestNotificationsSurviveKill9: notifications pending when the server is
// killed are delivered after the restart, each idempotency key once.
func TestNotificationsSurviveKill9(t *testing.T) {
	t.Setenv("UNYO_NOTIFY_BACKOFF", "200ms")
	dir := t.TempDir()
	s := startServer(t, dir)
	ingest, read := s.tenantWithTokens("acme")
	down := webhooktest.NewServer(t)
	down.FailNext(1_000_000, 503, "maintenance")
	var ch struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/channels", "", map[string]any{"name": "hook", "type": "webhook",
		"config": map[string]string{"url": down.WebhookURL(), "secret": webhooktest.Secret}}, &ch)
	for _, h := range []string{"web-01", "web-02", "web-03"} {
		s.cpuHost("acme", h, "hook")
	}
	for _, h := range []string{"web-01", "web-02", "web-03"} {
		s.untilAlert(ingest, read, "acme", h, "firing", 95)
	}
	// Every notification has been tried and refused at least once.
	eventually(t, 60*time.Second, func() string {
		pending := s.notifications("acme", "state=pending")
		if len(pending) != 3 || down.Requests() < 3 {
			return fmt.Sprintf("%d pending, %d attempts", len(pending), down.Requests())
		}
		return ""
	})
	if err := s.stop(syscall.SIGKILL); err != nil && !strings.Contains(err.Error(), "killed") {
		t.Fatalf("kill: %v", err)
	}

	up := webhooktest.NewServer(t)
	s = startServer(t, dir)
	s.mustJSON(200, "PUT", fmt.Sprintf("/api/v1/tenants/acme/channels/%d", ch.ID), "", map[string]any{"name": "hook", "type": "webhook",
		"config": map[string]string{"url": up.WebhookURL(), "secret": webhooktest.Secret}}, nil)
	eventually(t, 60*time.Second, func() string {
		all := s.notifications("acme", "")
		for _, n := range all {
			if n.State != "delivered" {
				return fmt.Sprintf("notification %s is %s", n.Key, n.State)
			}
		}
		return ""
	})
	keys := map[string]int{}
	for _, m := range up.Messages() {
		keys[m.Payload.IdempotencyKey]++
	}
	all := s.notifications("acme", "")
	if len(all) != 3 || len(keys) != 3 || len(up.Rejections()) != 0 {
		t.Fatalf("after kill -9: %d notifications, keys delivered %v, rejections %v", len(all), keys, up.Rejections())
	}
	for _, n := range all {
		if keys[n.Key] != 1 {
			t.Errorf("key %s delivered %d times, want once", n.Key, keys[n.Key])
		}
	}
}
