package incident

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// State is where an incident stands in its lifecycle.
type State string

// The states, as ServiceNow names them (its numbers in docs/incidents.md).
const (
	StateNew        State = "new"
	StateInProgress State = "in_progress"
	StateOnHold     State = "on_hold"
	StateResolved   State = "resolved"
	StateClosed     State = "closed"
	StateCanceled   State = "canceled"
)

// transitions lists, per state, the states an incident may move to. Closed and
// Canceled are final; a Resolved incident may go back to In Progress only
// within ReopenWindow of its resolution (reopen.go), later by opening a new one.
var transitions = map[State][]State{
	StateNew:        {StateInProgress, StateOnHold, StateResolved, StateCanceled},
	StateInProgress: {StateOnHold, StateResolved, StateCanceled},
	StateOnHold:     {StateInProgress, StateResolved, StateCanceled},
	StateResolved:   {StateClosed, StateInProgress},
}

// Open reports whether the incident is still being worked on.
func (s State) Open() bool { return s == StateNew || s == StateInProgress || s == StateOnHold }

func (s State) valid() bool {
	switch s {
	case StateNew, StateInProgress, StateOnHold, StateResolved, StateClosed, StateCanceled:
		return true
	}
	return false
}

// canMove reports whether from may move to to.
func canMove(from, to State) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// HoldReason says what an incident On Hold is waiting for.
type HoldReason string

// The hold reasons of ServiceNow's incident table.
const (
	HoldAwaitingCaller  HoldReason = "awaiting_caller"
	HoldAwaitingChange  HoldReason = "awaiting_change"
	HoldAwaitingProblem HoldReason = "awaiting_problem"
	HoldAwaitingVendor  HoldReason = "awaiting_vendor"
)

func (h HoldReason) valid() bool {
	switch h {
	case HoldAwaitingCaller, HoldAwaitingChange, HoldAwaitingProblem, HoldAwaitingVendor:
		return true
	}
	return false
}

// Priority derives the priority from impact and urgency (1 high .. 3 low) as
// ServiceNow's default matrix does: 1/1 is 1 Critical, 3/3 is 5 Planning, and
// every step down in either adds one.
func Priority(impact, urgency int) int { return impact + urgency - 1 }

// PriorityName is the English name of a priority.
func PriorityName(p int) string {
	switch p {
	case 1:
		return "Critical"
	case 2:
		return "High"
	case 3:
		return "Moderate"
	case 4:
		return "Low"
	case 5:
		return "Planning"
	}
	return ""
}

// Kind says what a ticket is: an incident, an inquiry (問い合わせ) or a
// service-catalog request. They share the lifecycle, the timeline and the
// clocks that apply to them.
type Kind string

// The kinds of ticket.
const (
	KindIncident Kind = "incident"
	KindInquiry  Kind = "inquiry"
	KindRequest  Kind = "request"
)

// prefix is the number prefix of a kind, as ServiceNow's tables number theirs.
func (k Kind) prefix() string {
	switch k {
	case KindInquiry:
		return "INQ"
	case KindRequest:
		return "REQ"
	}
	return "INC"
}

func (k Kind) valid() bool { return k == KindIncident || k == KindInquiry || k == KindRequest }

// clocks are the SLA clocks a kind has: an inquiry or a request has no cause to identify.
func (k Kind) clocks() []ClockName {
	if k == KindIncident {
		return clockNames
	}
	return []ClockName{ClockAcknowledge, ClockResolve}
}

// Approval is where a request's approval step stands; "" when it has none.
type Approval string

// The approval states of a request whose catalog item requires approval.
const (
	ApprovalPending  Approval = "pending"
	ApprovalApproved Approval = "approved"
	ApprovalRejected Approval = "rejected"
)

// Incident is one ticket of a tenant: an incident, an inquiry or a request.
type Incident struct {
	ID               int64      `json:"id"`
	TenantID         string     `json:"tenant"`
	Kind             Kind       `json:"kind"`
	Number           string     `json:"number"` // per tenant and kind: INC0001001, REQ0001001, ...
	ServiceID        int64      `json:"service_id,omitempty"`
	ResourceIDs      []int64    `json:"resource_ids"`
	ShortDescription string     `json:"short_description"`
	Description      string     `json:"description"`
	Impact           int        `json:"impact"`
	Urgency          int        `json:"urgency"`
	Priority         int        `json:"priority"`
	PriorityName     string     `json:"priority_name"`
	AssignmentGroup  string     `json:"assignment_group"`
	Assignee         string     `json:"assignee"`
	State            State      `json:"state"`
	HoldReason       HoldReason `json:"hold_reason,omitempty"`
	CloseCode        string     `json:"close_code,omitempty"`
	CloseNotes       string     `json:"close_notes,omitempty"`
	Cause            string     `json:"cause,omitempty"`
	CauseCategory    string     `json:"cause_category,omitempty"`
	CauseBy          string     `json:"cause_by,omitempty"`
	CauseAt          *time.Time `json:"cause_at,omitempty"`
	AcknowledgedBy   string     `json:"acknowledged_by,omitempty"`
	AcknowledgedAt   *time.Time `json:"acknowledged_at,omitempty"`
	OpenedBy         string     `json:"opened_by"`
	OpenedAt         time.Time  `json:"opened_at"`
	ResolvedAt       *time.Time `json:"resolved_at,omitempty"`
	ClosedAt         *time.Time `json:"closed_at,omitempty"`
	UpdatedAt        time.Time  `json:"updated_at"`

	CatalogItemID int64          `json:"catalog_item_id,omitempty"`
	Values        map[string]any `json:"values,omitempty"` // a request's answers to its item's fields
	Approval      Approval       `json:"approval,omitempty"`
	ApprovalBy    string         `json:"approval_by,omitempty"`
	ApprovalAt    *time.Time     `json:"approval_at,omitempty"`
	ApprovalNote  string         `json:"approval_note,omitempty"`
	// Titles is the short description its alert gave the incident, in both
	// languages; empty for one a person opened.
	Titles alert.Text `json:"-"`

	Alerts []AlertLink   `json:"alerts,omitempty"` // filled by the detail view
	Clocks []ClockStatus `json:"clocks,omitempty"` // filled by the detail view
	Links  []RunbookLink `json:"runbooks,omitempty"`
	// KnownErrors are the known errors of open problems that match the
	// incident (its item, host or cause category), filled by the detail view.
	KnownErrors []KnownError `json:"known_errors,omitempty"`
}

// Title is the short description in lang: while the incident bears the
// title its alert gave it, the reader's language of it; once a person has
// written another, theirs.
func (inc *Incident) Title(lang string) string {
	if t := inc.Titles; t != (alert.Text{}) && (inc.ShortDescription == t.Ja || inc.ShortDescription == t.En) {
		return t.In(lang)
	}
	return inc.ShortDescription
}

// KnownError is a problem's known error as an incident shows it: what to do
// until the problem is fixed.
type KnownError struct {
	ProblemID  int64  `json:"problem_id"`
	Number     string `json:"number"`
	Title      string `json:"title"`
	Workaround string `json:"workaround"`
	Text       string `json:"text,omitempty"`
}

// KnownErrorFunc names the known errors matching an incident; the problem
// store is one.
type KnownErrorFunc func(ctx context.Context, inc *Incident) ([]KnownError, error)

// RunbookLink is a runbook named by a monitoring item of one of the
// incident's alerts, or carried by an alert of no item (ItemID 0).
type RunbookLink struct {
	ItemID    int64  `json:"item_id"`
	RunbookID int64  `json:"runbook_id,omitempty"`
	URL       string `json:"url,omitempty"`
}

// Fields are the fields a caller sets when opening or editing an incident;
// nil pointers are left unchanged on an edit.
type Fields struct {
	ServiceID        *int64  `json:"service_id"`
	ResourceIDs      []int64 `json:"resource_ids"`
	ShortDescription *string `json:"short_description"`
	Description      *string `json:"description"`
	Impact           *int    `json:"impact"`
	Urgency          *int    `json:"urgency"`
	AssignmentGroup  *string `json:"assignment_group"`
	Assignee         *string `json:"assignee"`
}

// customerFields refuses the fields only MSP staff set on a record the
// customer opens: who works on it is the MSP's decision.
func (f Fields) customerFields() error {
	if f.AssignmentGroup != nil {
		return invalid.New("assignment_group", "is set by MSP staff, not by the customer")
	}
	if f.Assignee != nil {
		return invalid.New("assignee", "is set by MSP staff, not by the customer")
	}
	return nil
}

// apply copies the set fields onto inc and reports which changed.
func (f Fields) apply(inc *Incident) []string {
	var changed []string
	set := func(name string, dst *string, v *string) {
		if v != nil && *dst != *v {
			*dst, changed = *v, append(changed, name)
		}
	}
	setInt := func(name string, dst *int, v *int) {
		if v != nil && *dst != *v {
			*dst, changed = *v, append(changed, name)
		}
	}
	set("short_description", &inc.ShortDescription, f.ShortDescription)
	set("description", &inc.Description, f.Description)
	set("assignment_group", &inc.AssignmentGroup, f.AssignmentGroup)
	set("assignee", &inc.Assignee, f.Assignee)
	setInt("impact", &inc.Impact, f.Impact)
	setInt("urgency", &inc.Urgency, f.Urgency)
	if f.ServiceID != nil && inc.ServiceID != *f.ServiceID {
		inc.ServiceID, changed = *f.ServiceID, append(changed, "service_id")
	}
	if f.ResourceIDs != nil && fmt.Sprint(f.ResourceIDs) != fmt.Sprint(inc.ResourceIDs) {
		inc.ResourceIDs, changed = f.ResourceIDs, append(changed, "resource_ids")
	}
	inc.Priority, inc.PriorityName = Priority(inc.Impact, inc.Urgency), PriorityName(Priority(inc.Impact, inc.Urgency))
	return changed
}

// Validate reports the first field that is not acceptable.
func (inc *Incident) Validate() error {
	if strings.TrimSpace(inc.ShortDescription) == "" {
		return invalid.New("short_description", "is required")
	}
	if err := maxLen("short_description", inc.ShortDescription, 160); err != nil {
		return err
	}
	if err := maxLen("description", inc.Description, 20000); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"impact", inc.Impact}, {"urgency", inc.Urgency}} {
		if f.v < 1 || f.v > 3 {
			return invalid.New(f.name, "must be 1 (high), 2 (medium) or 3 (low), not %d", f.v)
		}
	}
	if err := maxLen("assignment_group", inc.AssignmentGroup, 100); err != nil {
		return err
	}
	if err := maxLen("assignee", inc.Assignee, 100); err != nil {
		return err
	}
	if inc.ServiceID < 0 {
		return invalid.New("service_id", "must be a positive ID")
	}
	seen := map[int64]bool{}
	for i, id := range inc.ResourceIDs {
		if id <= 0 || seen[id] {
			return invalid.New(fmt.Sprintf("resource_ids[%d]", i), "must be a positive ID, listed once")
		}
		seen[id] = true
	}
	return nil
}

// StateChange is a request to move an incident to another state.
type StateChange struct {
	State      State      `json:"state"`
	HoldReason HoldReason `json:"hold_reason"`
	CloseCode  string     `json:"close_code"`
	CloseNotes string     `json:"close_notes"`
}

// check refuses a change the lifecycle does not allow, naming the field.
func (c StateChange) check(from State) error {
	if !c.State.valid() {
		return invalid.New("state", "must be one of new, in_progress, on_hold, resolved, closed, canceled, not %q", c.State)
	}
	if !canMove(from, c.State) {
		return invalid.New("state", "cannot move from %s to %s", from, c.State)
	}
	if c.State == StateOnHold && !c.HoldReason.valid() {
		return invalid.New("hold_reason", "is required On Hold: awaiting_caller, awaiting_change, awaiting_problem or awaiting_vendor")
	}
	if c.State != StateOnHold && c.HoldReason != "" {
		return invalid.New("hold_reason", "is only for on_hold")
	}
	if c.State == StateResolved {
		if strings.TrimSpace(c.CloseCode) == "" {
			return invalid.New("close_code", "is required to resolve")
		}
		if strings.TrimSpace(c.CloseNotes) == "" {
			return invalid.New("close_notes", "is required to resolve")
		}
	} else if c.CloseCode != "" || c.CloseNotes != "" {
		return invalid.New("close_code", "is only for resolved")
	}
	if err := maxLen("close_code", c.CloseCode, 80); err != nil {
		return err
	}
	return maxLen("close_notes", c.CloseNotes, 20000)
}

// Cause is the identified cause of an incident (原因).
type Cause struct {
	Cause    string `json:"cause"`
	Category string `json:"category"`
}

func (c Cause) validate() error {
	if strings.TrimSpace(c.Cause) == "" {
		return invalid.New("cause", "is required")
	}
	if strings.TrimSpace(c.Category) == "" {
		return invalid.New("category", "is required")
	}
	if err := maxLen("cause", c.Cause, 20000); err != nil {
		return err
	}
	return maxLen("category", c.Category, 100)
}

func maxLen(field, s string, n int) error {
	if !utf8.ValidString(s) {
		return invalid.New(field, "is not valid UTF-8")
	}
	if utf8.RuneCountInString(s) > n {
		return invalid.New(field, "is longer than %d characters", n)
	}
	return nil
}
