package model

import (
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// Service is what the MSP runs for a tenant (a web shop, an API) and the level
// of service promised for it. Incidents, availability and reports are measured
// against the service level.
type Service struct {
	ID          int64        `json:"id"`
	TenantID    string       `json:"tenant"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Level       ServiceLevel `json:"service_level"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// ServiceLevel is the agreed level of a service (サービスレベル).
type ServiceLevel struct {
	Calendar           calendar.Calendar `json:"calendar"`            // service hours
	AvailabilityTarget float64           `json:"availability_target"` // percent, e.g. 99.9
	RTO                Duration          `json:"rto"`
	RPO                Duration          `json:"rpo"`
	AcknowledgeTarget  Duration          `json:"acknowledge_target"`
	IdentifyTarget     Duration          `json:"identify_target"` // 原因特定までの目標時間
	ResolveTarget      Duration          `json:"resolve_target"`
	// VendorWait says whether time a ticket's vendor case spends waiting on
	// the vendor pauses the resolve clock: "pause", or "run" ("" is run).
	VendorWait VendorWait `json:"vendor_wait,omitempty"`
}

// VendorWait is a service level's treatment of time waiting on a vendor
// (Microsoft, AWS, ...) to answer a case opened for a ticket.
type VendorWait string

// The treatments: the contract either holds the MSP to the resolve target
// whoever it waits for (run), or stops the clock while the vendor has the
// ball (pause).
const (
	VendorWaitRun   VendorWait = "run"
	VendorWaitPause VendorWait = "pause"
)

// Pauses reports whether waiting on a vendor pauses the resolve clock.
func (v VendorWait) Pauses() bool { return v == VendorWaitPause }

// Validate reports the first field that is not acceptable.
func (s *Service) Validate() error {
	if err := requireName("name", s.Name); err != nil {
		return err
	}
	if len(s.Description) > 10000 {
		return invalid.New("description", "is longer than 10000 bytes")
	}
	return invalid.Prefix("service_level", s.Level.Validate())
}

// Validate reports the first field that is not acceptable.
func (l *ServiceLevel) Validate() error {
	if err := l.Calendar.Validate(); err != nil {
		return invalid.Prefix("calendar", err)
	}
	if l.AvailabilityTarget < 0 || l.AvailabilityTarget > 100 {
		return invalid.New("availability_target", "must be a percentage between 0 and 100")
	}
	for _, d := range []struct {
		field string
		v     Duration
	}{
		{"rto", l.RTO}, {"rpo", l.RPO}, {"acknowledge_target", l.AcknowledgeTarget},
		{"identify_target", l.IdentifyTarget}, {"resolve_target", l.ResolveTarget},
	} {
		if d.v < 0 {
			return invalid.New(d.field, "must not be negative")
		}
	}
	if l.VendorWait != "" && l.VendorWait != VendorWaitRun && l.VendorWait != VendorWaitPause {
		return invalid.New("vendor_wait", "must be pause or run, not %q", l.VendorWait)
	}
	if l.IdentifyTarget > 0 && l.ResolveTarget > 0 && l.IdentifyTarget > l.ResolveTarget {
		return invalid.New("identify_target", "must not be longer than resolve_target")
	}
	return nil
}
