package alert

import (
	"fmt"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// azurePayload is the Azure Monitor common alert schema.
type azurePayload struct {
	SchemaID string `json:"schemaId"`
	Data     *struct {
		Essentials *azureEssentials `json:"essentials"`
	} `json:"data"`
}

type azureEssentials struct {
	AlertID             string   `json:"alertId"`
	AlertRule           string   `json:"alertRule"`
	Severity            string   `json:"severity"`
	SignalType          string   `json:"signalType"`
	MonitorCondition    string   `json:"monitorCondition"`
	MonitoringService   string   `json:"monitoringService"`
	AlertTargetIDs      []string `json:"alertTargetIDs"`
	ConfigurationItems  []string `json:"configurationItems"`
	OriginAlertID       string   `json:"originAlertId"`
	FiredDateTime       string   `json:"firedDateTime"`
	ResolvedDateTime    string   `json:"resolvedDateTime"`
	Description         string   `json:"description"`
	EssentialsVersion   string   `json:"essentialsVersion"`
	AlertContextVersion string   `json:"alertContextVersion"`
}

// azureSeverity maps Sev0 (critical) .. Sev4 (verbose) to unyo's three.
var azureSeverity = map[string]Severity{
	"Sev0": SeverityCritical, "Sev1": SeverityCritical, "Sev2": SeverityWarning, "Sev3": SeverityInfo, "Sev4": SeverityInfo,
}

// DecodeAzureMonitor reads an Azure Monitor alert in the common alert schema.
func DecodeAzureMonitor(body []byte) ([]Signal, error) {
	var p azurePayload
	if err := decodeJSON(body, &p); err != nil {
		return nil, err
	}
	if p.SchemaID != "azureMonitorCommonAlertSchema" {
		return nil, invalid.New("schemaId", "must be azureMonitorCommonAlertSchema (turn on the common alert schema in the action group), not %q", p.SchemaID)
	}
	if p.Data == nil || p.Data.Essentials == nil {
		return nil, invalid.New("data.essentials", "is required")
	}
	s, err := p.Data.Essentials.signal()
	if err != nil {
		return nil, invalid.Prefix("data.essentials", err)
	}
	return []Signal{s}, nil
}

func (e *azureEssentials) signal() (Signal, error) {
	s := Signal{Source: SourceAzure, Fingerprint: e.AlertID, Name: e.AlertRule, Summary: e.Description}
	if e.AlertID == "" {
		return s, invalid.New("alertId", "is required")
	}
	sev, ok := azureSeverity[e.Severity]
	if !ok {
		return s, invalid.New("severity", "must be Sev0, Sev1, Sev2, Sev3 or Sev4, not %q", e.Severity)
	}
	s.Severity = sev
	switch e.MonitorCondition {
	case "Fired":
		s.Status = StateFiring
	case "Resolved":
		s.Status = StateResolved
	default:
		return s, invalid.New("monitorCondition", "must be Fired or Resolved, not %q", e.MonitorCondition)
	}
	fired, err := time.Parse(time.RFC3339Nano, e.FiredDateTime)
	if err != nil {
		return s, invalid.New("firedDateTime", "must be an RFC 3339 time, not %q", e.FiredDateTime)
	}
	s.StartsAt = fired
	if s.Status == StateResolved && e.ResolvedDateTime != "" {
		if _, err := time.Parse(time.RFC3339Nano, e.ResolvedDateTime); err != nil {
			return s, invalid.New("resolvedDateTime", "must be an RFC 3339 time, not %q", e.ResolvedDateTime)
		}
	}
	switch {
	case len(e.ConfigurationItems) > 0:
		s.Resource = e.ConfigurationItems[0]
	case len(e.AlertTargetIDs) > 0:
		t := e.AlertTargetIDs[0]
		s.Resource = t[strings.LastIndexByte(t, '/')+1:]
	}
	s.Labels = map[string]string{
		"alertname": e.AlertRule, "severity": e.Severity, "signal_type": e.SignalType,
		"monitoring_service": e.MonitoringService,
	}
	if len(e.AlertTargetIDs) > 0 {
		s.Labels["target"] = e.AlertTargetIDs[0]
	}
	for k, v := range s.Labels {
		if v == "" {
			delete(s.Labels, k)
		}
	}
	if s.Name == "" {
		s.Name = fmt.Sprintf("Azure %s", e.Severity)
	}
	return s, nil
}
