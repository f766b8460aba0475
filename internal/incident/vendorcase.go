package incident

import (
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// Vendor is who a vendor case (問い合わせ代行) is open with.
type Vendor string

// The vendors an MSP forwards most; any other is VendorOther with a name.
const (
	VendorMicrosoft Vendor = "microsoft"
	VendorAWS       Vendor = "aws"
	VendorGoogle    Vendor = "google"
	VendorOracle    Vendor = "oracle"
	VendorOther     Vendor = "other"
)

// Vendors lists the vendors in the order forms offer them.
var Vendors = []Vendor{VendorMicrosoft, VendorAWS, VendorGoogle, VendorOracle, VendorOther}

func (v Vendor) valid() bool {
	switch v {
	case VendorMicrosoft, VendorAWS, VendorGoogle, VendorOracle, VendorOther:
		return true
	}
	return false
}

// CaseStatus is where a vendor case stands.
type CaseStatus string

// The statuses of a vendor case: opened, then the ball passes between the
// vendor and us (or the customer) until it is resolved and closed. Only
// CaseWaitingVendor is time waiting on the vendor.
const (
	CaseOpen            CaseStatus = "open"
	CaseWaitingVendor   CaseStatus = "waiting_on_vendor"
	CaseWaitingUs       CaseStatus = "waiting_on_us"
	CaseWaitingCustomer CaseStatus = "waiting_on_customer"
	CaseResolved        CaseStatus = "resolved"
	CaseClosed          CaseStatus = "closed"
)

// CaseStatuses lists the statuses in their usual order.
var CaseStatuses = []CaseStatus{CaseOpen, CaseWaitingVendor, CaseWaitingUs, CaseWaitingCustomer, CaseResolved, CaseClosed}

func (s CaseStatus) valid() bool {
	for _, c := range CaseStatuses {
		if s == c {
			return true
		}
	}
	return false
}

// Active reports whether the case is still being worked (not resolved or closed).
func (s CaseStatus) Active() bool { return s != CaseResolved && s != CaseClosed && s != "" }

// VendorCase is a case opened with a vendor for an incident or an inquiry.
type VendorCase struct {
	ID          int64      `json:"id"`
	TenantID    string     `json:"tenant"`
	TicketID    int64      `json:"ticket_id"`
	Ticket      string     `json:"ticket"`      // the ticket's number: INC…, INQ…
	TicketKind  Kind       `json:"ticket_kind"` // incident or inquiry
	Vendor      Vendor     `json:"vendor"`
	VendorName  string     `json:"vendor_name,omitempty"` // for vendor other
	CaseNumber  string     `json:"case_number"`
	Severity    string     `json:"severity"`     // the vendor's own: A/B/C, urgent, …
	SupportPlan string     `json:"support_plan"` // the contract the case runs under
	Status      CaseStatus `json:"status"`
	Notes       string     `json:"notes,omitempty"` // internal: never shown to a customer viewer
	OpenedAt    time.Time  `json:"opened_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	CreatedBy   string     `json:"created_by"`
	// Waiting is the time spent waiting on the vendor, as of the answer;
	// WaitingSince is when the current wait began, nil when not waiting.
	Waiting      model.Duration `json:"waiting"`
	WaitingSince *time.Time     `json:"waiting_since,omitempty"`
}

// VendorLabel is the vendor as people name it: its own name for other.
func (c *VendorCase) VendorLabel() string { return vendorLabel(c.Vendor, c.VendorName) }

func vendorLabel(v Vendor, name string) string {
	switch v {
	case VendorMicrosoft:
		return "Microsoft"
	case VendorAWS:
		return "AWS"
	case VendorGoogle:
		return "Google"
	case VendorOracle:
		return "Oracle"
	}
	if name != "" {
		return name
	}
	return string(v)
}

// CaseInput opens a vendor case; Status defaults to waiting_on_vendor, the
// usual state of a case just forwarded, and OpenedAt to now.
type CaseInput struct {
	Vendor      Vendor     `json:"vendor"`
	VendorName  string     `json:"vendor_name"`
	CaseNumber  string     `json:"case_number"`
	Severity    string     `json:"severity"`
	SupportPlan string     `json:"support_plan"`
	Status      CaseStatus `json:"status"`
	Notes       string     `json:"notes"`
	OpenedAt    *time.Time `json:"opened_at"`
}

// CaseEdit changes a vendor case; nil fields are left as they are.
type CaseEdit struct {
	CaseNumber  *string     `json:"case_number"`
	Severity    *string     `json:"severity"`
	SupportPlan *string     `json:"support_plan"`
	Status      *CaseStatus `json:"status"`
	Notes       *string     `json:"notes"`
}

// apply copies the set fields onto c and reports which changed.
func (e CaseEdit) apply(c *VendorCase) []string {
	var changed []string
	set := func(name string, dst, v *string) {
		if v != nil && *dst != *v {
			*dst, changed = *v, append(changed, name)
		}
	}
	set("case_number", &c.CaseNumber, e.CaseNumber)
	set("severity", &c.Severity, e.Severity)
	set("support_plan", &c.SupportPlan, e.SupportPlan)
	set("notes", &c.Notes, e.Notes)
	if e.Status != nil && c.Status != *e.Status {
		c.Status, changed = *e.Status, append(changed, "status")
	}
	return changed
}

// validate reports the first field of c that is not acceptable.
func (c *VendorCase) validate() error {
	if !c.Vendor.valid() {
		return invalid.New("vendor", "must be one of microsoft, aws, google, oracle, other, not %q", c.Vendor)
	}
	if c.Vendor == VendorOther && strings.TrimSpace(c.VendorName) == "" {
		return invalid.New("vendor_name", "is required for vendor other")
	}
	if c.Vendor != VendorOther && c.VendorName != "" {
		return invalid.New("vendor_name", "is only for vendor other")
	}
	if strings.TrimSpace(c.CaseNumber) == "" {
		return invalid.New("case_number", "is required: the vendor's own case number")
	}
	if !c.Status.valid() {
		return invalid.New("status", "must be one of open, waiting_on_vendor, waiting_on_us, waiting_on_customer, resolved, closed, not %q", c.Status)
	}
	for _, f := range []struct {
		name, v string
		n       int
	}{{"vendor_name", c.VendorName, 100}, {"case_number", c.CaseNumber, 100}, {"severity", c.Severity, 40},
		{"support_plan", c.SupportPlan, 200}, {"notes", c.Notes, 20000}} {
		if err := maxLen(f.name, f.v, f.n); err != nil {
			return err
		}
	}
	return nil
}

// canMoveCase refuses what the case's life does not allow: a closed case is
// final; anything else may move to any other status (a vendor reopens a
// resolved case, the ball goes back and forth).
func canMoveCase(from, to CaseStatus) error {
	if from == CaseClosed && to != CaseClosed {
		return invalid.New("status", "a closed case is final: open a new case")
	}
	return nil
}
