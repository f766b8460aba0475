// Package change holds requests for change (RFC) of a tenant: standard ones
// from the service catalog (pre-approved), normal ones the customer
// approves, emergency ones an MSP admin records as such. Approving a change
// creates its maintenance windows, so the alerts of the affected resources
// are held over its schedule; an incident can name the change that caused it.
// docs/changes.md describes the states and the rules of approval.
package change

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Type is how a change is authorised.
type Type string

// The types of change, as in ITIL and ServiceNow's change_request.
const (
	TypeStandard  Type = "standard"  // from a catalog item, pre-approved
	TypeNormal    Type = "normal"    // the customer approves it
	TypeEmergency Type = "emergency" // an MSP admin authorises it now, recorded as such
)

// Risk is the assessed risk of a change.
type Risk string

// The risks.
const (
	RiskLow    Risk = "low"
	RiskMedium Risk = "medium"
	RiskHigh   Risk = "high"
)

// State is where a change is in its life.
type State string

// The states of a change.
const (
	StateDraft       State = "draft"
	StateRequested   State = "requested" // waiting for the customer's approval
	StateApproved    State = "approved"
	StateRejected    State = "rejected"
	StateScheduled   State = "scheduled"
	StateInProgress  State = "in_progress"
	StateImplemented State = "implemented"
	StateFailed      State = "failed"
	StateBackedOut   State = "backed_out"
	StateClosed      State = "closed"
)

// States lists every state in life order, for forms and filters.
var States = []State{StateDraft, StateRequested, StateApproved, StateRejected, StateScheduled,
	StateInProgress, StateImplemented, StateFailed, StateBackedOut, StateClosed}

// next is the state machine. requested → approved/rejected is not here:
// only Approve and Reject make those moves, with their rules of who may.
var next = map[State][]State{
	StateDraft:       {StateClosed},
	StateApproved:    {StateScheduled, StateInProgress, StateClosed},
	StateScheduled:   {StateInProgress, StateClosed},
	StateInProgress:  {StateImplemented, StateFailed, StateBackedOut},
	StateFailed:      {StateBackedOut, StateClosed},
	StateImplemented: {StateClosed},
	StateBackedOut:   {StateClosed},
	StateRejected:    {StateClosed},
}

// CanMove reports whether a change may go from one state to another by a
// plain transition (not an approval or a submission).
func CanMove(from, to State) bool {
	for _, s := range next[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Approval says who agreed to a change, and how.
type Approval string

// The kinds of approval.
const (
	ApprovalCustomer   Approval = "customer"       // a user of the tenant approved in the console or API
	ApprovalDocumented Approval = "msp_documented" // MSP staff recorded an agreement given elsewhere, with its reference
	ApprovalStandard   Approval = "standard"       // pre-approved by its catalog item
	ApprovalEmergency  Approval = "emergency"      // authorised by an MSP admin as an emergency
)

// Change is a request for change of a tenant.
type Change struct {
	ID            int64             `json:"id"`
	Tenant        string            `json:"tenant"`
	Type          Type              `json:"type"`
	Title         string            `json:"title"`
	Description   string            `json:"description"`
	Risk          Risk              `json:"risk"`
	CatalogItemID int64             `json:"catalog_item_id,omitempty"`
	ResourceIDs   []int64           `json:"resource_ids"`
	Selector      map[string]string `json:"selector"` // labels: the alerts carrying all of them
	Plan          string            `json:"implementation_plan"`
	Backout       string            `json:"backout_plan"`
	Start         time.Time         `json:"start"`
	End           time.Time         `json:"end"`
	State         State             `json:"state"`
	Result        string            `json:"result"`
	Approval      Approval          `json:"approval,omitempty"`
	ApprovedBy    string            `json:"approved_by,omitempty"`
	ApprovedAt    *time.Time        `json:"approved_at,omitempty"`
	ApprovalRef   string            `json:"approval_reference,omitempty"`
	RejectedBy    string            `json:"rejected_by,omitempty"`
	RejectedAt    *time.Time        `json:"rejected_at,omitempty"`
	RejectReason  string            `json:"reject_reason,omitempty"`
	WindowIDs     []int64           `json:"maintenance_window_ids"`
	CreatedBy     string            `json:"created_by"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
	Incidents     []IncidentLink    `json:"incidents"` // the incidents it caused; filled by Get
}

// IncidentLink is an incident caused by a change.
type IncidentLink struct {
	IncidentID int64     `json:"incident_id"`
	ChangeID   int64     `json:"change_id"`
	Note       string    `json:"note"`
	LinkedBy   string    `json:"linked_by"`
	LinkedAt   time.Time `json:"linked_at"`
}

// Fields are what a client writes on a draft.
type Fields struct {
	Type          Type              `json:"type"`
	Title         string            `json:"title"`
	Description   string            `json:"description"`
	Risk          Risk              `json:"risk"`
	CatalogItemID int64             `json:"catalog_item_id"`
	ResourceIDs   []int64           `json:"resource_ids"`
	Selector      map[string]string `json:"selector"`
	Plan          string            `json:"implementation_plan"`
	Backout       string            `json:"backout_plan"`
	Start         time.Time         `json:"start"`
	End           time.Time         `json:"end"`
}

// maxSchedule bounds a change's schedule: a window longer than this would
// hold the alerts of its resources for too long to be a change.
const maxSchedule = 14 * 24 * time.Hour

// validate checks f alone; the store checks what it names exists in the tenant.
func (f *Fields) validate() error {
	f.Title = strings.TrimSpace(f.Title)
	switch f.Type {
	case TypeStandard, TypeNormal, TypeEmergency:
	default:
		return invalid.New("type", "must be standard, normal or emergency, not %q", f.Type)
	}
	if f.Title == "" {
		return invalid.New("title", "is required")
	}
	if utf8.RuneCountInString(f.Title) > 200 {
		return invalid.New("title", "must be at most 200 characters")
	}
	for name, v := range map[string]string{"description": f.Description, "implementation_plan": f.Plan, "backout_plan": f.Backout} {
		if len(v) > 20000 {
			return invalid.New(name, "must be at most 20000 bytes")
		}
	}
	switch f.Risk {
	case RiskLow, RiskMedium, RiskHigh:
	default:
		return invalid.New("risk", "must be low, medium or high, not %q", f.Risk)
	}
	if f.Type == TypeStandard && f.CatalogItemID <= 0 {
		return invalid.New("catalog_item_id", "is required for a standard change: it is pre-approved by its catalog item")
	}
	if f.Type != TypeStandard && f.CatalogItemID != 0 {
		return invalid.New("catalog_item_id", "applies to standard changes only")
	}
	if len(f.ResourceIDs) == 0 && len(f.Selector) == 0 {
		return invalid.New("resource_ids", "name the affected resources, or give a selector")
	}
	if len(f.ResourceIDs) > 100 {
		return invalid.New("resource_ids", "at most 100 resources; use a selector")
	}
	for k := range f.Selector {
		if k == "" || len(k) > 100 || strings.ContainsAny(k, "=,\" \t\n") {
			return invalid.New("selector", "%q is not a label name", k)
		}
	}
	switch {
	case f.Start.IsZero():
		return invalid.New("start", "is required (RFC 3339)")
	case f.End.IsZero():
		return invalid.New("end", "is required (RFC 3339)")
	case !f.End.After(f.Start):
		return invalid.New("end", "must be after start %s", f.Start.Format(time.RFC3339))
	case f.End.Sub(f.Start) > maxSchedule:
		return invalid.New("end", "a change lasts at most %s", maxSchedule)
	}
	return nil
}

// title names a change in its windows and the calendar.
func (c *Change) label() string { return fmt.Sprintf("CHG%d %s", c.ID, c.Title) }

func invalidIncident(id int64) error {
	return invalid.New("incident_id", "no incident %d in this tenant", id)
}

func invalidNote() error { return invalid.New("note", "must be at most 2000 bytes") }
