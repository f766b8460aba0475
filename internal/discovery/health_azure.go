package discovery

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
)

// AvailabilityPage is a page of Resource Health's availabilityStatuses.
type AvailabilityPage struct {
	Value []struct {
		ID         string `json:"id"`
		Properties struct {
			AvailabilityState string    `json:"availabilityState"` // Available, Unavailable, Degraded, Unknown
			Summary           string    `json:"summary"`
			ReasonType        string    `json:"reasonType"`
			OccuredTime       time.Time `json:"occuredTime"` // sic, as the API spells it
		} `json:"properties"`
	} `json:"value"`
	NextLink string `json:"nextLink"`
}

// ServiceEventPage is a page of Resource Health's (Service Health's)
// events of a subscription.
type ServiceEventPage struct {
	Value []struct {
		Name       string `json:"name"` // the tracking ID
		Properties struct {
			EventType       string    `json:"eventType"` // ServiceIssue, PlannedMaintenance, HealthAdvisory, SecurityAdvisory
			Status          string    `json:"status"`    // Active, Resolved
			Title           string    `json:"title"`
			Summary         string    `json:"summary"`
			Level           string    `json:"level"` // Error, Warning, Informational
			ImpactStartTime time.Time `json:"impactStartTime"`
			Impact          []struct {
				ImpactedService string `json:"impactedService"`
				ImpactedRegions []struct {
					ImpactedRegion string `json:"impactedRegion"`
				} `json:"impactedRegions"`
			} `json:"impact"`
		} `json:"properties"`
	} `json:"value"`
	NextLink string `json:"nextLink"`
}

// Health reads the availability of acct's resources (Resource Health) and
// the subscription's service events (Service Health).
func (z *Azure) Health(ctx context.Context, acct *cloudaccount.Account) ([]Event, error) {
	pl, endpoint, err := z.pipeline(acct)
	if err != nil {
		return nil, err
	}
	var events []Event
	first := subscriptionURL(endpoint, acct, "/providers/Microsoft.ResourceHealth/availabilityStatuses", ResourceHealthAPIVersion)
	err = z.armPages(ctx, pl, endpoint, first, func(body []byte) (string, error) {
		var page AvailabilityPage
		if err := json.Unmarshal(body, &page); err != nil {
			return "", err
		}
		for _, s := range page.Value {
			id, _, ok := cutFold(s.ID, "/providers/Microsoft.ResourceHealth/")
			if !ok || id == "" {
				continue
			}
			p := s.Properties
			state := p.AvailabilityState
			if state == "Unknown" {
				continue // says nothing either way: neither open nor close
			}
			sev := alert.SeverityWarning
			if state == "Unavailable" {
				sev = alert.SeverityCritical
			}
			events = append(events, Event{
				Key: "azure:resource_health:" + strings.ToLower(id), CloudID: id, Active: state == "Unavailable" || state == "Degraded",
				Severity: sev, Title: "Azure Resource Health: " + state, Summary: clip(p.Summary, 500), Kind: "resource_health", StartsAt: p.OccuredTime,
			})
		}
		return page.NextLink, nil
	})
	if err != nil {
		return nil, err
	}
	first = subscriptionURL(endpoint, acct, "/providers/Microsoft.ResourceHealth/events", ResourceHealthAPIVersion)
	err = z.armPages(ctx, pl, endpoint, first, func(body []byte) (string, error) {
		var page ServiceEventPage
		if err := json.Unmarshal(body, &page); err != nil {
			return "", err
		}
		for _, ev := range page.Value {
			p := ev.Properties
			var services, regions []string
			for _, im := range p.Impact {
				services = append(services, im.ImpactedService)
				for _, r := range im.ImpactedRegions {
					regions = append(regions, r.ImpactedRegion)
				}
			}
			sev := alert.SeverityWarning
			switch {
			case p.EventType == "ServiceIssue" && p.Level != "Warning":
				sev = alert.SeverityCritical
			case p.EventType == "PlannedMaintenance" || p.EventType == "HealthAdvisory" || p.Level == "Informational":
				sev = alert.SeverityInfo
			}
			events = append(events, Event{
				Key: "azure:service_health:" + ev.Name, Active: p.Status == "Active", Severity: sev,
				Title: "Azure Service Health: " + clip(p.Title, 200), Summary: clip(p.Summary, 500), Kind: "service_health",
				Service: clip(strings.Join(services, ", "), 200), Region: clip(strings.Join(regions, ", "), 200), StartsAt: p.ImpactStartTime,
			})
		}
		return page.NextLink, nil
	})
	return events, err
}
