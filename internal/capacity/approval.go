package capacity

import (
	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
)

// ApprovalBy decides how p may approve a plan of tenant, for the API and
// the console alike. A requester of the tenant (the customer's user who
// takes its part; a viewer only reads) approves as the customer. Anyone else records an agreement the customer
// gave elsewhere: they must be able to write and must name where with
// reference; that is recorded as an MSP-side, documented approval.
func ApprovalBy(p *auth.Principal, tenant, reference string) (Approval, error) {
	if p.Requests(tenant) {
		return ApprovalCustomer, nil
	}
	if !p.Staff() {
		return "", response.Forbidden("only the customer, or MSP staff recording the customer's agreement, may approve")
	}
	if reference == "" {
		return "", response.Forbidden("MSP staff cannot approve on the customer's behalf without a documented approval: send the reference (e.g. the minutes of the meeting where the customer agreed)")
	}
	return ApprovalDocumented, nil
}

// MayEmergency reports whether p may activate a plan nobody agreed to:
// only an MSP admin.
func MayEmergency(p *auth.Principal) bool { return p.Global() && p.Can(model.ScopeAdmin) }
