package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/sla"
)

// The resolve clock and vendor waits: a service level whose vendor_wait is
// pause holds the ticket's resolve clock paused while any of its vendor
// cases waits on the vendor, through the same pause and resume events as
// On Hold, so breach and warning times move by exactly the business time
// waited. On Hold pauses every clock whatever the cases do; leaving it
// resumes the resolve clock only when no wait holds it.

// levelIn reads the service level of inc's service inside the change's
// transaction; the zero level when it has none.
func levelIn(ctx context.Context, q querier, inc *Incident) (model.ServiceLevel, error) {
	var level model.ServiceLevel
	if inc.ServiceID == 0 {
		return level, nil
	}
	var raw string
	err := q.QueryRowContext(ctx, `SELECT service_level FROM services WHERE tenant_id=? AND id=?`, inc.TenantID, inc.ServiceID).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return level, nil
	}
	if err != nil {
		return level, fmt.Errorf("incident: unable to read service %d: %w", inc.ServiceID, err)
	}
	if err := json.Unmarshal([]byte(raw), &level); err != nil {
		return level, fmt.Errorf("incident: service level of %d: %w", inc.ServiceID, err)
	}
	return level, nil
}

// vendorHeld reports whether a vendor wait holds inc's resolve clock: its
// service level pauses for vendor waits and one of its cases waits now.
func vendorHeld(ctx context.Context, q querier, inc *Incident) (bool, error) {
	level, err := levelIn(ctx, q, inc)
	if err != nil || !level.VendorWait.Pauses() {
		return false, err
	}
	var n int
	err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM vendor_case_waits w JOIN vendor_cases c ON c.id=w.case_id
		WHERE c.tenant_id=? AND c.incident_id=? AND w.ended_at IS NULL`, inc.TenantID, inc.ID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("incident: unable to read vendor waits: %w", err)
	}
	return n > 0, nil
}

// settleVendorWait pauses or resumes the resolve clock after a vendor case
// changed. On Hold the clocks stay paused: leaving On Hold settles them.
func (s *Desk) settleVendorWait(ctx context.Context, tx *sql.Tx, inc *Incident, ct *clockTx) error {
	if inc.State == StateOnHold {
		return nil
	}
	held, err := vendorHeld(ctx, tx, inc)
	if err != nil {
		return err
	}
	if held {
		return ct.add(ctx, ClockResolve, sla.EventPause)
	}
	return ct.add(ctx, ClockResolve, sla.EventResume)
}

// resumeFromHold resumes the clocks as the ticket leaves On Hold, except
// the resolve clock while a vendor wait holds it.
func (t *clockTx) resumeFromHold(ctx context.Context) error {
	held, err := vendorHeld(ctx, t.q, t.inc)
	if err != nil {
		return err
	}
	for _, c := range clockNames {
		if c == ClockResolve && held {
			continue
		}
		if err := t.add(ctx, c, sla.EventResume); err != nil {
			return err
		}
	}
	return nil
}

// caseDetail is the detail of a vendor case's timeline entry, from which
// Text renders the line in the reader's language.
type caseDetail struct {
	Event      string     `json:"event"` // opened, status, updated, deleted
	Vendor     Vendor     `json:"vendor"`
	VendorName string     `json:"vendor_name,omitempty"`
	CaseNumber string     `json:"case_number"`
	From       CaseStatus `json:"from,omitempty"`
	To         CaseStatus `json:"to,omitempty"`
	Fields     []string   `json:"fields,omitempty"`
}

// noteCase puts a vendor case's line on the timeline. Escalations and
// status changes are the customer's to see ("waiting on Microsoft"); edits
// and removals, which may concern the internal notes, are not.
func noteCase(ctx context.Context, ct *clockTx, c *VendorCase, d caseDetail) error {
	d.Vendor, d.VendorName, d.CaseNumber = c.Vendor, c.VendorName, c.CaseNumber
	e := Entry{At: ct.at, Author: ct.author, Kind: EntryVendor, Internal: d.Event == "updated" || d.Event == "deleted"}
	e.Body = caseText(timelineWords["en"], d)
	return note(ctx, ct.q, ct.inc.TenantID, ct.inc.ID, e, d)
}

// caseText renders a vendor case's timeline line in the words w: the most
// specific line the words have, from "escalated to Microsoft" down to the
// bare status.
func caseText(w map[string]string, d caseDetail) string {
	keys := []string{"vc." + d.Event + "." + string(d.To), "vc." + d.Event, "vc.status"}
	if d.Event == "status" && d.From == CaseWaitingVendor && d.To.Active() {
		keys = append([]string{"vc.replied"}, keys...)
	}
	f := ""
	for _, k := range keys {
		if v, ok := w[k]; ok {
			f = v
			break
		}
	}
	return fmt.Sprintf(f, vendorLabel(d.Vendor, d.VendorName), d.CaseNumber, word(w, "vcs."+string(d.To), string(d.To)))
}
