package notifytest

import (
	"fmt"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/notify"
)

// Sample is a named Message for golden and end-to-end tests.
type Sample struct {
	Name    string
	Message notify.Message
}

// Samples returns one message per shape a channel must handle: both
// languages, every kind, open and closed, and one built to break limits
// and inject markup. Each call returns fresh values.
func Samples() []Sample {
	return []Sample{
		{"alert_firing_ja", AlertFiringJa()},
		{"alert_resolved_en", alertResolvedEn()},
		{"incident_acknowledged_en", incidentAcknowledgedEn()},
		{"sla_breach_ja", slaBreachJa()},
		{"hostile_en", hostileEn()},
	}
}

// AlertFiringJa is a firing CPU alert for a Japanese customer, at
// 2026-11-22 09:15 JST.
func AlertFiringJa() notify.Message {
	return notify.Message{
		Kind:     notify.KindAlert,
		Status:   notify.StatusFiring,
		Severity: notify.SeverityCritical,
		Tenant:   notify.Tenant{ID: "acme", Name: "ACME株式会社"},
		Title:    "CPU使用率が閾値を超過しました",
		Summary:  "web-01 の CPU 使用率が 5 分間 90% を超えています。",
		Resource: "web-01",
		Service:  "会員サイト",
		Labels:   map[string]string{"env": "prod", "role": "web"},
		Values:   []string{"cpu 93.5% > 90%"},
		StartsAt: time.Date(2026, 11, 22, 0, 15, 0, 0, time.UTC),
		URL:      "https://unyo.example.com/alerts/123",
		Runbooks: []notify.Link{
			{Title: "CPU高負荷時の対応手順", URL: "https://unyo.example.com/runbooks/cpu-high"},
		},
		IdempotencyKey: "alert-123-firing-1",
		Language:       notify.Japanese,
		TimeZone:       "Asia/Tokyo",
	}
}

func alertResolvedEn() notify.Message {
	m := AlertFiringJa()
	m.Status = notify.StatusResolved
	m.Tenant.Name = "ACME Corp."
	m.Title = "CPU usage above threshold"
	m.Summary = "CPU usage on web-01 is back below 90%."
	m.Service = "Member site"
	m.Runbooks[0].Title = "High CPU"
	m.EndsAt = m.StartsAt.Add(65 * time.Minute)
	m.IdempotencyKey = "alert-123-resolved-1"
	m.Language = notify.English
	m.TimeZone = "Europe/London"
	return m
}

func incidentAcknowledgedEn() notify.Message {
	return notify.Message{
		Kind:           notify.KindIncident,
		Status:         notify.StatusAcknowledged,
		Severity:       notify.SeverityWarning,
		Tenant:         notify.Tenant{ID: "globex"},
		Title:          "INC0042 Checkout latency",
		Summary:        "Acknowledged by the L1 operator; identifying the cause.",
		Service:        "Checkout",
		StartsAt:       time.Date(2026, 3, 2, 23, 5, 30, 0, time.UTC),
		URL:            "https://unyo.example.com/incidents/42",
		IdempotencyKey: "incident-42-ack",
		Language:       notify.English,
	}
}

func slaBreachJa() notify.Message {
	return notify.Message{
		Kind:           notify.KindSLA,
		Status:         notify.StatusBreach,
		Severity:       notify.SeverityCritical,
		Tenant:         notify.Tenant{ID: "acme", Name: "ACME株式会社"},
		Title:          "INC0043 原因特定の目標時間を超過",
		Values:         []string{"原因特定 2時間 > 目標 1時間"},
		StartsAt:       time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC),
		EndsAt:         time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC),
		URL:            "https://unyo.example.com/incidents/43",
		IdempotencyKey: "sla-43-identify-breach",
		Language:       notify.Japanese,
		TimeZone:       "Asia/Tokyo",
	}
}

// hostileEn carries markup that chat services would interpret, line breaks
// where one line is expected, and more of everything than any limit allows.
func hostileEn() notify.Message {
	labels := map[string]string{}
	for i := range 30 {
		labels[fmt.Sprintf("label_%02d", i)] = strings.Repeat("v", 100)
	}
	var runbooks []notify.Link
	for i := range 10 {
		runbooks = append(runbooks, notify.Link{
			Title: fmt.Sprintf("Runbook <%d> | *bold*", i),
			URL:   fmt.Sprintf("https://unyo.example.com/runbooks/%d?a=1&b=2", i),
		})
	}
	return notify.Message{
		Kind:           notify.KindAlert,
		Status:         notify.StatusFiring,
		Severity:       notify.SeverityInfo,
		Tenant:         notify.Tenant{ID: "evil", Name: "<!channel> & Co\nLtd"},
		Title:          "<!here> *bold* _it_ <https://evil.example|click>\n" + strings.Repeat("long title ", 30),
		Summary:        strings.Repeat("Summary with <tags> & \"quotes\". ", 200),
		Resource:       "host-<1>",
		Labels:         labels,
		Values:         []string{"a & b < c", strings.Repeat("x", 3000)},
		StartsAt:       time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		URL:            "https://unyo.example.com/alerts/666?tab=history&x=<y>",
		Runbooks:       runbooks,
		IdempotencyKey: "alert-666",
		Language:       notify.English,
		TimeZone:       "UTC",
	}
}
