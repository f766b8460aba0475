package alert

import (
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// amPayload is the Alertmanager webhook payload, version 4.
type amPayload struct {
	Version  string    `json:"version"`
	GroupKey string    `json:"groupKey"`
	Status   string    `json:"status"`
	Receiver string    `json:"receiver"`
	Alerts   []amAlert `json:"alerts"`
}

type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// DecodeAlertmanager reads an Alertmanager webhook (version 4) body. Only a
// malformed body or alert is refused; the severity label, whatever it says,
// is mapped by the tenant's SeverityMap.
func DecodeAlertmanager(body []byte) ([]Signal, error) {
	var p amPayload
	if err := decodeJSON(body, &p); err != nil {
		return nil, err
	}
	if p.Version != "4" {
		return nil, invalid.New("version", "must be \"4\" (the Alertmanager webhook payload version), not %q", p.Version)
	}
	if len(p.Alerts) == 0 {
		return nil, invalid.New("alerts", "is empty: at least one alert is required")
	}
	out := make([]Signal, 0, len(p.Alerts))
	for i, a := range p.Alerts {
		s, err := a.signal()
		if err != nil {
			return nil, invalid.Prefix(fmt.Sprintf("alerts[%d]", i), err)
		}
		out = append(out, s)
	}
	return out, nil
}

func (a *amAlert) signal() (Signal, error) {
	s := Signal{Source: SourceAlertmanager, Labels: a.Labels}
	if a.StartsAt != "" {
		t, err := time.Parse(time.RFC3339Nano, a.StartsAt)
		if err != nil {
			return s, invalid.New("startsAt", "must be an RFC 3339 time, not %q", a.StartsAt)
		}
		s.StartsAt = t
	}
	switch a.Status {
	case "firing":
		s.Status = StateFiring
	case "resolved":
		s.Status = StateResolved
	default:
		return s, invalid.New("status", "must be firing or resolved, not %q", a.Status)
	}
	if len(a.Labels) == 0 {
		return s, invalid.New("labels", "is empty: an alert is identified by its labels")
	}
	// Alertmanager sends whatever its rules say, "major" as well as
	// "critical": a name unyo does not know is the tenant's to map
	// (SeverityMap), never a reason to refuse the batch.
	if sev, err := parseSeverity("labels.severity", a.Labels["severity"]); err == nil {
		s.Severity = sev
	} else {
		s.RawSeverity = a.Labels["severity"]
	}
	s.Name = a.Labels["alertname"]
	s.Fingerprint = a.Fingerprint
	if s.Fingerprint == "" {
		s.Fingerprint = labelFingerprint(a.Labels)
	}
	s.Summary = first(a.Annotations["summary"], a.Annotations["description"], a.Annotations["message"])
	s.RunbookURL = first(a.Annotations["runbook_url"], a.Annotations["runbook"])
	s.Resource = first(a.Labels["host"], a.Labels["resource"], hostOf(a.Labels["instance"]))
	return s, nil
}

func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
