package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// ChangeFunc is told of every change inside the transaction that makes it,
// with the incident as it is being saved: the ServiceNow sync queues the
// change there, so the change and its queueing commit together or not at all.
// An error aborts the change.
type ChangeFunc func(ctx context.Context, tx *sql.Tx, c Change) error

// ChangeKind says what a Change did.
type ChangeKind string

// The kinds of change a hook sees.
const (
	ChangeOpened   ChangeKind = "opened"
	ChangeUpdated  ChangeKind = "updated" // fields, acknowledgement, cause
	ChangeState    ChangeKind = "state"
	ChangeWorkNote ChangeKind = "work_note"
	ChangeComment  ChangeKind = "comment"
)

// Change is one change of an incident, with the incident after it.
type Change struct {
	Kind     ChangeKind
	Actor    string // ActorServiceNow when pulled back from ServiceNow
	Incident *Incident
	Text     string // the note or comment
	Fields   []string
}

// ActorServiceNow is the author of changes pulled back from ServiceNow; the
// sync does not send those back.
const ActorServiceNow = "servicenow"

// Desk is the ITSM desk: the service that keeps incidents, inquiries and
// requests, their timeline and their SLA clocks, and tells its hooks (the
// ServiceNow sync, the escalation stop) of every change in the change's
// transaction. Build one per process and hand it to every caller: a second
// one would lack the hooks. Every method takes the tenant and puts it in
// the WHERE clause.
type Desk struct {
	db        *sql.DB
	resources *storage.Store
	now       func() time.Time
	hooks     []ChangeFunc
	items     ItemReader
	known     KnownErrorFunc
	logger    *slog.Logger
}

// SetKnownErrors lets the incident detail show the known errors of the
// problems matching it.
func (s *Desk) SetKnownErrors(f KnownErrorFunc) { s.known = f }

// SetItems lets the incident detail show the runbooks of its alerts' items.
func (s *Desk) SetItems(items ItemReader) { s.items = items }

// NewDesk returns the desk on a database migrated by internal/database.
func NewDesk(db *sql.DB, objects *storage.Store, logger *slog.Logger) *Desk {
	if logger == nil {
		logger = slog.Default()
	}
	s := &Desk{db: db, resources: objects, now: time.Now, logger: logger}
	s.hooks = []ChangeFunc{s.audit}
	return s
}

// OnChange adds a hook told of every change. Call it before serving.
func (s *Desk) OnChange(f ChangeFunc) {
	if f != nil {
		s.hooks = append(s.hooks, f)
	}
}

// emit tells the hooks of c inside tx.
func (s *Desk) emit(ctx context.Context, tx *sql.Tx, c Change) error {
	for _, h := range s.hooks {
		if err := h(ctx, tx, c); err != nil {
			return err
		}
	}
	return nil
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const incidentColumns = `id, tenant_id, number, COALESCE(service_id,0), short_description, description,
	impact, urgency, priority, assignment_group, assignee, state, hold_reason, close_code, close_notes,
	cause, cause_category, cause_by, cause_at, acknowledged_by, acknowledged_at, opened_by, opened_at,
	resolved_at, closed_at, updated_at, kind, COALESCE(catalog_item_id,0), request_values, approval, approval_by,
	approval_at, approval_note, titles`

func scanIncident(scan func(...any) error) (*Incident, error) {
	var inc Incident
	var causeAt, ackAt, resolvedAt, closedAt, approvalAt sql.NullInt64
	var openedAt, updatedAt int64
	var values, titles string
	err := scan(&inc.ID, &inc.TenantID, &inc.Number, &inc.ServiceID, &inc.ShortDescription, &inc.Description,
		&inc.Impact, &inc.Urgency, &inc.Priority, &inc.AssignmentGroup, &inc.Assignee, &inc.State, &inc.HoldReason,
		&inc.CloseCode, &inc.CloseNotes, &inc.Cause, &inc.CauseCategory, &inc.CauseBy, &causeAt,
		&inc.AcknowledgedBy, &ackAt, &inc.OpenedBy, &openedAt, &resolvedAt, &closedAt, &updatedAt,
		&inc.Kind, &inc.CatalogItemID, &values, &inc.Approval, &inc.ApprovalBy, &approvalAt, &inc.ApprovalNote, &titles)
	if err != nil {
		return nil, err
	}
	inc.ApprovalAt = database.TimePtr(approvalAt)
	inc.Titles = parseTitles(titles)
	if values != "{}" && values != "" {
		if err := json.Unmarshal([]byte(values), &inc.Values); err != nil {
			return nil, fmt.Errorf("incident: values of %d: %w", inc.ID, err)
		}
	}
	inc.CauseAt, inc.AcknowledgedAt, inc.ResolvedAt, inc.ClosedAt = database.TimePtr(causeAt), database.TimePtr(ackAt), database.TimePtr(resolvedAt), database.TimePtr(closedAt)
	inc.OpenedAt, inc.UpdatedAt = database.FromMillis(openedAt), database.FromMillis(updatedAt)
	inc.PriorityName = PriorityName(inc.Priority)
	inc.ResourceIDs = []int64{}
	return &inc, nil
}

// get reads one incident of tenant with its resources.
func get(ctx context.Context, q querier, tenant string, id int64) (*Incident, error) {
	row := q.QueryRowContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE tenant_id=? AND id=?`, tenant, id)
	inc, err := scanIncident(row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("incident: unable to read incident %d: %w", id, err)
	}
	rows, err := q.QueryContext(ctx, `SELECT resource_id FROM incident_resources WHERE incident_id=? ORDER BY resource_id`, id)
	if err != nil {
		return nil, fmt.Errorf("incident: unable to read resources: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rid int64
		if err := rows.Scan(&rid); err != nil {
			return nil, fmt.Errorf("incident: unable to read resources: %w", err)
		}
		inc.ResourceIDs = append(inc.ResourceIDs, rid)
	}
	return inc, rows.Err()
}

// save writes every column of inc, which must exist in its tenant.
func save(ctx context.Context, q querier, inc *Incident) error {
	res, err := q.ExecContext(ctx, `UPDATE incidents SET service_id=?, short_description=?, description=?,
		impact=?, urgency=?, priority=?, assignment_group=?, assignee=?, state=?, hold_reason=?, close_code=?,
		close_notes=?, cause=?, cause_category=?, cause_by=?, cause_at=?, acknowledged_by=?, acknowledged_at=?,
		resolved_at=?, closed_at=?, updated_at=?, approval=?, approval_by=?, approval_at=?, approval_note=?
		WHERE tenant_id=? AND id=?`,
		database.NullID(inc.ServiceID), inc.ShortDescription, inc.Description, inc.Impact, inc.Urgency, inc.Priority,
		inc.AssignmentGroup, inc.Assignee, inc.State, inc.HoldReason, inc.CloseCode, inc.CloseNotes, inc.Cause,
		inc.CauseCategory, inc.CauseBy, database.NullMillis(inc.CauseAt), inc.AcknowledgedBy, database.NullMillis(inc.AcknowledgedAt),
		database.NullMillis(inc.ResolvedAt), database.NullMillis(inc.ClosedAt), database.Millis(inc.UpdatedAt), inc.Approval, inc.ApprovalBy,
		database.NullMillis(inc.ApprovalAt), inc.ApprovalNote, inc.TenantID, inc.ID)
	if err != nil {
		return fmt.Errorf("incident: unable to save incident %d: %w", inc.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return storage.ErrNotFound
	}
	return nil
}

// setResources replaces the incident's resources; each must be the tenant's.
func setResources(ctx context.Context, q querier, inc *Incident) error {
	for i, rid := range inc.ResourceIDs {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM resources WHERE tenant_id=? AND id=?`, inc.TenantID, rid).Scan(&n); err != nil {
			return fmt.Errorf("incident: unable to check resource: %w", err)
		}
		if n == 0 {
			return invalid.New(fmt.Sprintf("resource_ids[%d]", i), "no resource %d in this tenant", rid)
		}
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM incident_resources WHERE incident_id=?`, inc.ID); err != nil {
		return fmt.Errorf("incident: unable to set resources: %w", err)
	}
	for _, rid := range inc.ResourceIDs {
		if _, err := q.ExecContext(ctx, `INSERT INTO incident_resources (incident_id, resource_id) VALUES (?,?)`, inc.ID, rid); err != nil {
			return fmt.Errorf("incident: unable to set resources: %w", err)
		}
	}
	return nil
}

// checkService refuses a service of another tenant.
func checkService(ctx context.Context, q querier, tenant string, id int64) error {
	if id == 0 {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM services WHERE tenant_id=? AND id=?`, tenant, id).Scan(&n); err != nil {
		return fmt.Errorf("incident: unable to check service: %w", err)
	}
	if n == 0 {
		return invalid.New("service_id", "no service %d in this tenant", id)
	}
	return nil
}

// nextNumber allocates the tenant's next number of kind. Incidents keep
// their own counter table, which predates the other kinds.
func nextNumber(ctx context.Context, q querier, tenant string, kind Kind) (string, error) {
	var last int64
	var err error
	if kind == KindIncident {
		err = q.QueryRowContext(ctx, `INSERT INTO incident_counters (tenant_id, last) VALUES (?, 1001)
			ON CONFLICT (tenant_id) DO UPDATE SET last = incident_counters.last + 1 RETURNING last`, tenant).Scan(&last)
	} else {
		err = q.QueryRowContext(ctx, `INSERT INTO ticket_counters (tenant_id, kind, last) VALUES (?, ?, 1001)
			ON CONFLICT (tenant_id, kind) DO UPDATE SET last = ticket_counters.last + 1 RETURNING last`, tenant, kind).Scan(&last)
	}
	if err != nil {
		return "", fmt.Errorf("incident: unable to number %s: %w", kind, err)
	}
	return fmt.Sprintf("%s%07d", kind.prefix(), last), nil
}

// Filter narrows a list of tickets; zero fields do not filter, except Kind:
// no kind lists incidents only.
type Filter struct {
	Kinds    []Kind
	State    State
	Open     bool // New, In Progress or On Hold only
	From, To time.Time
	Limit    int
}

// Incidents lists the tenant's incidents, newest first.
func (s *Desk) Incidents(ctx context.Context, tenant string, f Filter) ([]*Incident, error) {
	where, args := []string{"tenant_id=?"}, []any{tenant}
	if len(f.Kinds) == 0 {
		f.Kinds = []Kind{KindIncident}
	}
	marks := strings.Repeat(",?", len(f.Kinds))[1:]
	where = append(where, "kind IN ("+marks+")")
	for _, k := range f.Kinds {
		args = append(args, k)
	}
	if f.State != "" {
		where, args = append(where, "state=?"), append(args, f.State)
	}
	if f.Open {
		where = append(where, "state IN ('new','in_progress','on_hold')")
	}
	if !f.From.IsZero() {
		where, args = append(where, "opened_at>=?"), append(args, database.Millis(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "opened_at<?"), append(args, database.Millis(f.To))
	}
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE `+strings.Join(where, " AND ")+
		` ORDER BY opened_at DESC, id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("incident: unable to list incidents: %w", err)
	}
	defer rows.Close()
	list := []*Incident{}
	byID := map[int64]*Incident{}
	for rows.Next() {
		inc, err := scanIncident(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("incident: unable to list incidents: %w", err)
		}
		list, byID[inc.ID] = append(list, inc), inc
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("incident: unable to list incidents: %w", err)
	}
	rows.Close()
	return list, s.listResources(ctx, tenant, byID)
}

// listResources fills in the resources of the listed incidents in one query.
func (s *Desk) listResources(ctx context.Context, tenant string, byID map[int64]*Incident) error {
	if len(byID) == 0 {
		return nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT r.incident_id, r.resource_id FROM incident_resources r
		JOIN incidents i ON i.id=r.incident_id WHERE i.tenant_id=? ORDER BY r.incident_id, r.resource_id`, tenant)
	if err != nil {
		return fmt.Errorf("incident: unable to list resources: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, rid int64
		if err := rows.Scan(&id, &rid); err != nil {
			return fmt.Errorf("incident: unable to list resources: %w", err)
		}
		if inc := byID[id]; inc != nil {
			inc.ResourceIDs = append(inc.ResourceIDs, rid)
		}
	}
	return rows.Err()
}

// Incident returns one incident of tenant with its alerts and current clocks.
func (s *Desk) Incident(ctx context.Context, tenant string, id int64) (*Incident, error) {
	inc, err := get(ctx, database.Writer(s.db), tenant, id)
	if err != nil {
		return nil, err
	}
	if inc.Alerts, err = alertLinks(ctx, database.Writer(s.db), tenant, id); err != nil {
		return nil, err
	}
	if inc.Clocks, err = s.Clocks(ctx, inc, s.now()); err != nil {
		return nil, err
	}
	inc.Links = append(runbooks(ctx, s.items, inc), s.alertRunbooks(ctx, inc)...)
	if s.known != nil && inc.Kind == KindIncident {
		if inc.KnownErrors, err = s.known(ctx, inc); err != nil {
			return nil, err
		}
	}
	return inc, nil
}
