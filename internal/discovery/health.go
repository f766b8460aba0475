package discovery

import (
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/cloudtype"
)

// Event is one health event a cloud reported for an account: a resource's
// availability (Azure Resource Health), a service incident or maintenance
// in a region (Azure Service Health, AWS Health), on one affected
// resource or, without one, on the tenant's whole account.
type Event struct {
	Key      string // stable across reads: the alert's fingerprint
	CloudID  string // the affected resource's ID or ARN; "" for an account-wide event
	Active   bool
	Severity alert.Severity
	Title    string
	Summary  string // the cloud's words
	// Summaries is the summary in both languages, when unyo writes it
	// (AWS Health gives codes, not words); empty: Summary.
	Summaries alert.Text
	Kind      string // resource_health, service_health, aws_health
	Service   string // the cloud's service name, when it names one
	Region    string
	StartsAt  time.Time
}

// signal is e as an intake alert of the tenant; resource is the unyo
// resource the event is about ("" for none).
func (e Event) signal(provider cloudtype.Provider, account, resource string) alert.Signal {
	status := alert.StateResolved
	if e.Active {
		status = alert.StateFiring
	}
	labels := map[string]string{
		cloudtype.LabelCloud:   string(provider),
		cloudtype.LabelAccount: account,
		"health_kind":          e.Kind,
	}
	if e.CloudID != "" {
		labels[cloudtype.LabelID] = e.CloudID
	}
	if e.Service != "" {
		labels["cloud_service"] = e.Service
	}
	if e.Region != "" {
		labels[cloudtype.LabelRegion] = e.Region
	}
	sev := e.Severity
	if sev == "" {
		sev = alert.SeverityWarning
	}
	return alert.Signal{
		Source: alert.SourceCloudHealth, Fingerprint: e.Key, Status: status, Severity: sev,
		Name: e.Title, Summary: e.Summary, Summaries: e.Summaries, Resource: resource, Labels: labels, StartsAt: e.StartsAt,
	}
}

// clip bounds a cloud's text kept in an alert.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
