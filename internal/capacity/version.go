package capacity

import (
	"time"
)

// State is where a plan version is in its agreement.
type State string

// The states: the MSP drafts and proposes, the customer agrees, the MSP
// activates; the active version a newer one replaces is superseded.
const (
	StateDraft      State = "draft"
	StateProposed   State = "proposed"
	StateAgreed     State = "agreed"
	StateActive     State = "active"
	StateSuperseded State = "superseded"
)

// Approval is how a version came to apply.
type Approval string

// The approvals.
const (
	// ApprovalCustomer: a user of the tenant (a customer viewer) approved.
	ApprovalCustomer Approval = "customer"
	// ApprovalDocumented: MSP staff recorded the customer's agreement given
	// elsewhere, with a reference (the minutes of the meeting).
	ApprovalDocumented Approval = "msp_documented"
	// ApprovalEmergency: an MSP admin activated it without agreement.
	ApprovalEmergency Approval = "emergency"
)

// Version is one version of a group's plan.
type Version struct {
	ID           int64      `json:"id"`
	GroupID      int64      `json:"group_id"`
	Version      int        `json:"version"`
	State        State      `json:"state"`
	Document     Document   `json:"document"`
	Reason       string     `json:"reason"` // why this version: required once a version has been active
	Author       string     `json:"author"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	ProposedBy   string     `json:"proposed_by,omitempty"`
	ProposedAt   *time.Time `json:"proposed_at,omitempty"`
	Approval     Approval   `json:"approval,omitempty"`
	ApprovedBy   string     `json:"approved_by,omitempty"`
	ApprovedAt   *time.Time `json:"approved_at,omitempty"`
	ApprovalRef  string     `json:"approval_reference,omitempty"`
	ActivatedBy  string     `json:"activated_by,omitempty"`
	ActivatedAt  *time.Time `json:"activated_at,omitempty"`
	SupersededAt *time.Time `json:"superseded_at,omitempty"`
	Origin       *Origin    `json:"origin,omitempty"` // nil: written by hand
}

// Origin is where a version came from when nobody wrote it by hand: the
// yearly plan the MSP accepted after the meeting, with the parameters it
// was made with, so that the document the customer saw can be made again.
type Origin struct {
	Key         string    `json:"key"`  // "yearly-plan/2027-01": a group has at most one version per key
	Year        int       `json:"year"` // the year of YearFrom, as the reason names it
	YearFrom    time.Time `json:"year_from"`
	YearTo      time.Time `json:"year_to"`
	Target      float64   `json:"target"` // target CPU utilisation in percent
	TimeZone    string    `json:"time_zone"`
	HistoryFrom time.Time `json:"history_from"`
	HistoryTo   time.Time `json:"history_to"`
	GeneratedAt time.Time `json:"generated_at"`
	HTML        string    `json:"html"` // the yearly plan document at these parameters
	PDF         string    `json:"pdf"`
}
