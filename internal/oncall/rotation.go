// Package oncall keeps each tenant's on-call rotations (who is on call,
// hand-off by hand-off, in layers with overrides for holidays and swaps),
// answers "who is on call at t" for the API and for escalation steps that
// notify whoever is on call, publishes a per-person iCalendar feed, and
// takes acknowledgements from the signed link in a notification.
package oncall

import (
	"fmt"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// Hand-off kinds of a layer.
const (
	Daily  = "daily"
	Weekly = "weekly"
	Custom = "custom"
)

// Rotation is an on-call schedule of a tenant.
type Rotation struct {
	ID       int64  `json:"id"`
	Tenant   string `json:"tenant"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"` // IANA name; hand-offs are at its wall-clock minute
	// Layers are stacked: where several have someone on call, the later
	// (higher) one wins; a layer that has not started yet covers nothing.
	Layers    []Layer   `json:"layers"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Layer takes its members in turn, one shift each.
type Layer struct {
	Name    string   `json:"name"`
	Members []string `json:"members"` // contact names, in order
	Handoff string   `json:"handoff"` // daily, weekly or custom
	// Length of a custom shift (a whole number of minutes), in wall-clock
	// time: a 12h shift that starts at 09:00 ends at 21:00 even on the
	// night the clocks change.
	Length model.Duration `json:"length,omitempty"`
	// Start is the first hand-off, as a wall-clock time in the rotation's
	// zone, "2006-01-02T15:04"; its member is Members[0].
	Start string `json:"start"`
}

// Override puts a person on call for a time range, above every layer: a
// holiday cover or a swap.
type Override struct {
	ID       int64     `json:"id"`
	Rotation int64     `json:"rotation_id"`
	Contact  string    `json:"contact"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Note     string    `json:"note,omitempty"`
}

// Limits, so one rotation cannot make a schedule without end.
const (
	maxLayers   = 10
	maxMembers  = 100
	minLength   = time.Minute
	maxLength   = 90 * 24 * time.Hour
	startLayout = "2006-01-02T15:04"
)

// Validate reports the first problem with r as an *invalid.Error.
func (r *Rotation) Validate() error {
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" || len(r.Name) > 100 || strings.ContainsAny(r.Name, "\n\r") {
		return invalid.New("name", "is required, one line of at most 100 bytes")
	}
	if r.TimeZone == "" {
		return invalid.New("time_zone", "is required, e.g. Asia/Tokyo")
	}
	if _, err := time.LoadLocation(r.TimeZone); err != nil || r.TimeZone == "Local" {
		return invalid.New("time_zone", "%q is not an IANA time zone", r.TimeZone)
	}
	if len(r.Layers) == 0 || len(r.Layers) > maxLayers {
		return invalid.New("layers", "must hold 1 to %d layers", maxLayers)
	}
	for i := range r.Layers {
		if err := r.Layers[i].validate(fmt.Sprintf("layers[%d]", i)); err != nil {
			return err
		}
	}
	return nil
}

func (l *Layer) validate(field string) error {
	if len(l.Members) == 0 || len(l.Members) > maxMembers {
		return invalid.New(field+".members", "must name 1 to %d contacts", maxMembers)
	}
	for j, m := range l.Members {
		if strings.TrimSpace(m) == "" || m != strings.TrimSpace(m) {
			return invalid.New(fmt.Sprintf("%s.members[%d]", field, j), "must be a contact name")
		}
	}
	switch l.Handoff {
	case Daily, Weekly:
		l.Length = 0
	case Custom:
		d := time.Duration(l.Length)
		if d < minLength || d > maxLength || d%time.Minute != 0 {
			return invalid.New(field+".length", "must be whole minutes from 1m to 2160h")
		}
	default:
		return invalid.New(field+".handoff", "must be daily, weekly or custom, not %q", l.Handoff)
	}
	if _, err := time.Parse(startLayout, l.Start); err != nil {
		return invalid.New(field+".start", "must be a wall-clock time like 2026-03-01T09:00")
	}
	return nil
}

// Validate reports the first problem with o as an *invalid.Error.
func (o *Override) Validate() error {
	o.Contact = strings.TrimSpace(o.Contact)
	if o.Contact == "" {
		return invalid.New("contact", "is required")
	}
	if o.Start.IsZero() || o.End.IsZero() || !o.End.After(o.Start) {
		return invalid.New("end", "must be after start")
	}
	if o.End.Sub(o.Start) > 366*24*time.Hour {
		return invalid.New("end", "must be within a year of start")
	}
	if len(o.Note) > 500 {
		return invalid.New("note", "must be at most 500 bytes")
	}
	return nil
}
