package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

// ChangeVendorCase is a vendor case opened, changed or removed; the
// ServiceNow sync has nothing to send for it.
const ChangeVendorCase ChangeKind = "vendor_case"

// EntryVendor is a timeline line of a vendor case: escalated, the vendor
// replied, resolved, closed.
const EntryVendor EntryKind = "vendor_case"

const caseColumns = `c.id, c.tenant_id, c.incident_id, i.number, i.kind, c.vendor, c.vendor_name, c.case_number,
	c.severity, c.support_plan, c.status, c.notes, c.opened_at, c.updated_at, c.closed_at, c.created_by`

func scanCase(scan func(...any) error) (*VendorCase, error) {
	var c VendorCase
	var opened, updated int64
	var closed sql.NullInt64
	err := scan(&c.ID, &c.TenantID, &c.TicketID, &c.Ticket, &c.TicketKind, &c.Vendor, &c.VendorName, &c.CaseNumber,
		&c.Severity, &c.SupportPlan, &c.Status, &c.Notes, &opened, &updated, &closed, &c.CreatedBy)
	if err != nil {
		return nil, err
	}
	c.OpenedAt, c.UpdatedAt, c.ClosedAt = database.FromMillis(opened), database.FromMillis(updated), database.TimePtr(closed)
	return &c, nil
}

// CaseFilter narrows the tenant's list of vendor cases; the zero filter
// lists the active ones (not resolved or closed).
type CaseFilter struct {
	All bool // resolved and closed ones too
}

// VendorCases lists the vendor cases of ticket id, oldest first, with the
// time each has waited on its vendor as of now.
func (s *Desk) VendorCases(ctx context.Context, tenant string, id int64) ([]*VendorCase, error) {
	if _, err := get(ctx, database.Writer(s.db), tenant, id); err != nil {
		return nil, err
	}
	return s.listCases(ctx, database.Writer(s.db), tenant, id, "1=1")
}

// TenantVendorCases lists the tenant's vendor cases across its tickets,
// those waiting longest first.
func (s *Desk) TenantVendorCases(ctx context.Context, tenant string, f CaseFilter) ([]*VendorCase, error) {
	where := "c.status NOT IN ('resolved','closed')"
	if f.All {
		where = "1=1"
	}
	list, err := s.listCases(ctx, database.Writer(s.db), tenant, 0, where)
	if err != nil {
		return nil, err
	}
	// Longest wait first: the case the desk should chase.
	sort.SliceStable(list, func(i, j int) bool { return list[i].Waiting > list[j].Waiting })
	return list, nil
}

// VendorCase returns case caseID of ticket id.
func (s *Desk) VendorCase(ctx context.Context, tenant string, id, caseID int64) (*VendorCase, error) {
	return s.oneCase(ctx, database.Writer(s.db), tenant, id, caseID)
}

func (s *Desk) oneCase(ctx context.Context, q querier, tenant string, id, caseID int64) (*VendorCase, error) {
	list, err := s.listCases(ctx, q, tenant, id, "c.id=?", caseID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, response.NotFound("no such vendor case")
	}
	return list[0], nil
}

// listCases reads the tenant's cases (of ticket, unless 0) matching where,
// with their waits.
func (s *Desk) listCases(ctx context.Context, q querier, tenant string, ticket int64, where string, args ...any) ([]*VendorCase, error) {
	head := []any{tenant, tenant}
	if ticket != 0 {
		where, head = "c.incident_id=? AND "+where, append(head, ticket)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+caseColumns+` FROM vendor_cases c JOIN incidents i ON i.id=c.incident_id
		WHERE c.tenant_id=? AND i.tenant_id=? AND `+where+` ORDER BY c.opened_at, c.id`, append(head, args...)...)
	if err != nil {
		return nil, fmt.Errorf("incident: unable to list vendor cases: %w", err)
	}
	defer rows.Close()
	list, byID := []*VendorCase{}, map[int64]*VendorCase{}
	for rows.Next() {
		c, err := scanCase(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("incident: unable to list vendor cases: %w", err)
		}
		list, byID[c.ID] = append(list, c), c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("incident: unable to list vendor cases: %w", err)
	}
	rows.Close()
	if len(list) == 0 {
		return list, nil
	}
	waits, err := loadWaits(ctx, q, tenant, ticket, time.Time{}, time.Time{})
	if err != nil {
		return nil, err
	}
	now := s.now()
	for _, w := range waits {
		if c := byID[w.caseID]; c != nil {
			c.Waiting += model.Duration(w.length(now))
			if w.end.IsZero() {
				c.WaitingSince = instant(w.start)
			}
		}
	}
	return list, nil
}

// wait is one stretch a case spent waiting on its vendor; end is zero
// while it lasts.
type wait struct {
	caseID     int64
	vendor     Vendor
	vendorName string
	start, end time.Time
}

// length is the wait's time as of now.
func (w wait) length(now time.Time) time.Duration {
	end := w.end
	if end.IsZero() {
		end = now
	}
	if end.Before(w.start) {
		return 0
	}
	return end.Sub(w.start)
}

// loadWaits reads the waits of the tenant's cases (of ticket, unless 0)
// that overlap [from, to); zero bounds do not narrow.
func loadWaits(ctx context.Context, q querier, tenant string, ticket int64, from, to time.Time) ([]wait, error) {
	query := `SELECT w.case_id, c.vendor, c.vendor_name, w.started_at, w.ended_at FROM vendor_case_waits w
		JOIN vendor_cases c ON c.id=w.case_id WHERE c.tenant_id=?`
	args := []any{tenant}
	if ticket != 0 {
		query, args = query+` AND c.incident_id=?`, append(args, ticket)
	}
	if !to.IsZero() {
		query, args = query+` AND w.started_at<?`, append(args, database.Millis(to))
	}
	if !from.IsZero() {
		query, args = query+` AND (w.ended_at IS NULL OR w.ended_at>?)`, append(args, database.Millis(from))
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY w.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("incident: unable to read vendor waits: %w", err)
	}
	defer rows.Close()
	var out []wait
	for rows.Next() {
		var w wait
		var start int64
		var end sql.NullInt64
		if err := rows.Scan(&w.caseID, &w.vendor, &w.vendorName, &start, &end); err != nil {
			return nil, fmt.Errorf("incident: unable to read vendor waits: %w", err)
		}
		w.start = database.FromMillis(start)
		if end.Valid {
			w.end = database.FromMillis(end.Int64)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// OpenVendorCase records a case opened with a vendor for incident or
// inquiry id, puts "escalated to …" on its timeline and, when the case
// waits on the vendor and the service level says pause, pauses the
// resolve clock.
func (s *Desk) OpenVendorCase(ctx context.Context, tenant string, id int64, actor string, in CaseInput) (*VendorCase, error) {
	var caseID int64
	err := s.caseChange(ctx, tenant, id, actor, func(tx *sql.Tx, inc *Incident, ct *clockTx) (string, error) {
		if !inc.State.Open() {
			return "", invalid.New("state", "a %s %s takes no new vendor case", inc.State, inc.Kind)
		}
		c := &VendorCase{TenantID: tenant, TicketID: inc.ID, Vendor: in.Vendor, VendorName: strings.TrimSpace(in.VendorName),
			CaseNumber: strings.TrimSpace(in.CaseNumber), Severity: in.Severity, SupportPlan: in.SupportPlan, Status: in.Status,
			Notes: in.Notes, OpenedAt: ct.at, UpdatedAt: ct.at, CreatedBy: actor}
		if c.Status == "" {
			c.Status = CaseWaitingVendor
		}
		if in.OpenedAt != nil {
			c.OpenedAt = in.OpenedAt.UTC()
		}
		if err := c.validate(); err != nil {
			return "", err
		}
		if c.OpenedAt.After(ct.at.Add(time.Minute)) {
			return "", invalid.New("opened_at", "must not be in the future")
		}
		if !c.Status.Active() {
			c.ClosedAt = &ct.at
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO vendor_cases (tenant_id, incident_id, vendor, vendor_name, case_number,
			severity, support_plan, status, notes, opened_at, updated_at, closed_at, created_by)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`, tenant, inc.ID, c.Vendor, c.VendorName, c.CaseNumber, c.Severity,
			c.SupportPlan, c.Status, c.Notes, database.Millis(c.OpenedAt), database.Millis(c.UpdatedAt), database.NullMillis(c.ClosedAt),
			actor).Scan(&c.ID)
		if database.IsUnique(err) {
			return "", invalid.New("case_number", "this ticket already has %s case %s", c.VendorLabel(), c.CaseNumber)
		}
		if err != nil {
			return "", fmt.Errorf("incident: unable to open vendor case: %w", err)
		}
		caseID = c.ID
		if err := setWaiting(ctx, tx, c.ID, c.Status == CaseWaitingVendor, ct.at); err != nil {
			return "", err
		}
		if err := storage.AuditChange(ctx, tx, storage.Object{ID: c.ID, Type: "vendor_case", Detail: auditCase(c)}, ct.at); err != nil {
			return "", err
		}
		return "opened", noteCase(ctx, ct, c, caseDetail{Event: "opened", To: c.Status})
	})
	if err != nil {
		return nil, err
	}
	return s.VendorCase(ctx, tenant, id, caseID)
}

// UpdateVendorCase edits case caseID of ticket id. A status change is put
// on the timeline ("the vendor replied", resolved, closed) and moves the
// resolve clock as the service level says.
func (s *Desk) UpdateVendorCase(ctx context.Context, tenant string, id, caseID int64, actor string, e CaseEdit) (*VendorCase, error) {
	err := s.caseChange(ctx, tenant, id, actor, func(tx *sql.Tx, inc *Incident, ct *clockTx) (string, error) {
		c, err := s.oneCase(ctx, tx, tenant, id, caseID)
		if err != nil {
			return "", err
		}
		from := c.Status
		if e.Status != nil {
			if err := canMoveCase(from, *e.Status); err != nil {
				return "", err
			}
		}
		changed := e.apply(c)
		if err := c.validate(); err != nil {
			return "", err
		}
		if len(changed) == 0 { // nothing to do, but the request is still the case's
			return "", storage.AuditChange(ctx, tx, storage.Object{ID: c.ID, Type: "vendor_case", Detail: auditCase(c)}, ct.at)
		}
		c.UpdatedAt = ct.at
		if c.Status.Active() {
			c.ClosedAt = nil
		} else if c.ClosedAt == nil {
			c.ClosedAt = &ct.at
		}
		res, err := tx.ExecContext(ctx, `UPDATE vendor_cases SET case_number=?, severity=?, support_plan=?, status=?, notes=?,
			updated_at=?, closed_at=? WHERE tenant_id=? AND id=?`, c.CaseNumber, c.Severity, c.SupportPlan, c.Status, c.Notes,
			database.Millis(c.UpdatedAt), database.NullMillis(c.ClosedAt), tenant, c.ID)
		if database.IsUnique(err) {
			return "", invalid.New("case_number", "this ticket already has %s case %s", c.VendorLabel(), c.CaseNumber)
		}
		if err != nil {
			return "", fmt.Errorf("incident: unable to update vendor case: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return "", storage.ErrNotFound
		}
		if err := setWaiting(ctx, tx, c.ID, c.Status == CaseWaitingVendor, ct.at); err != nil {
			return "", err
		}
		if err := storage.AuditChange(ctx, tx, storage.Object{ID: c.ID, Type: "vendor_case", Detail: auditCase(c)}, ct.at); err != nil {
			return "", err
		}
		d := caseDetail{Event: "updated", From: from, To: c.Status, Fields: changed}
		if from != c.Status {
			d.Event = "status"
		}
		return "updated", noteCase(ctx, ct, c, d)
	})
	if err != nil {
		return nil, err
	}
	return s.VendorCase(ctx, tenant, id, caseID)
}

// DeleteVendorCase removes a case recorded by mistake, with its waits; a
// wait it held no longer holds the resolve clock.
func (s *Desk) DeleteVendorCase(ctx context.Context, tenant string, id, caseID int64, actor string) error {
	return s.caseChange(ctx, tenant, id, actor, func(tx *sql.Tx, inc *Incident, ct *clockTx) (string, error) {
		c, err := s.oneCase(ctx, tx, tenant, id, caseID)
		if err != nil {
			return "", err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM vendor_case_waits WHERE case_id=?`, c.ID); err != nil {
			return "", fmt.Errorf("incident: unable to delete vendor case: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM vendor_cases WHERE tenant_id=? AND id=?`, tenant, c.ID); err != nil {
			return "", fmt.Errorf("incident: unable to delete vendor case: %w", err)
		}
		if err := storage.AuditChange(ctx, tx, storage.Object{ID: c.ID, Type: "vendor_case", Detail: auditCase(c)}, ct.at); err != nil {
			return "", err
		}
		return "deleted", noteCase(ctx, ct, c, caseDetail{Event: "deleted", From: c.Status})
	})
}

// caseChange runs f as a change of ticket id (an incident or an inquiry),
// then settles the resolve clock against the ticket's waits, all in one
// transaction with the hooks. f returns what it did, "" for nothing.
func (s *Desk) caseChange(ctx context.Context, tenant string, id int64, actor string,
	f func(tx *sql.Tx, inc *Incident, ct *clockTx) (string, error)) error {
	_, err := s.change(ctx, tenant, id, actor, func(tx *sql.Tx, inc *Incident, ct *clockTx) (Change, error) {
		if inc.Kind != KindIncident && inc.Kind != KindInquiry {
			return Change{}, response.NotFound("no such incident or inquiry")
		}
		did, err := f(tx, inc, ct)
		if err != nil || did == "" {
			return Change{Kind: ChangeVendorCase}, err
		}
		return Change{Kind: ChangeVendorCase, Fields: []string{"vendor_case." + did}}, s.settleVendorWait(ctx, tx, inc, ct)
	})
	if errors.Is(err, storage.ErrNotFound) {
		return response.NotFound("no such incident or inquiry")
	}
	return err
}

// setWaiting opens a wait of case id at at when waiting and none is open,
// and ends the open one when not waiting.
func setWaiting(ctx context.Context, tx *sql.Tx, id int64, waiting bool, at time.Time) error {
	var open int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM vendor_case_waits WHERE case_id=? AND ended_at IS NULL`, id).Scan(&open); err != nil {
		return fmt.Errorf("incident: unable to read vendor waits: %w", err)
	}
	var err error
	switch {
	case waiting && open == 0:
		_, err = tx.ExecContext(ctx, `INSERT INTO vendor_case_waits (case_id, started_at) VALUES (?,?)`, id, database.Millis(at))
	case !waiting && open > 0:
		_, err = tx.ExecContext(ctx, `UPDATE vendor_case_waits SET ended_at=? WHERE case_id=? AND ended_at IS NULL`, database.Millis(at), id)
	}
	if err != nil {
		return fmt.Errorf("incident: unable to record vendor wait: %w", err)
	}
	return nil
}

// auditCase is what the audit log keeps of a case: not its notes.
func auditCase(c *VendorCase) map[string]any {
	return map[string]any{"ticket_id": c.TicketID, "vendor": c.Vendor, "vendor_name": c.VendorName,
		"case_number": c.CaseNumber, "status": c.Status}
}
