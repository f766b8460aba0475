package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/sla"
)

// Open opens an incident for tenant from f, numbers it, starts its clocks
// and returns it. Impact and urgency default to 3 (low).
func (s *Desk) Open(ctx context.Context, tenant, actor string, f Fields) (*Incident, error) {
	now := s.now().UTC()
	inc := &Incident{TenantID: tenant, Kind: KindIncident, Impact: 3, Urgency: 3, State: StateNew, OpenedBy: actor, OpenedAt: now, UpdatedAt: now, ResourceIDs: []int64{}}
	f.apply(inc)
	if err := inc.Validate(); err != nil {
		return nil, err
	}
	err := database.InTx(ctx, s.db, func(tx *sql.Tx) error {
		if err := s.insert(ctx, tx, inc, actor); err != nil {
			return err
		}
		return s.emit(ctx, tx, Change{Kind: ChangeOpened, Actor: actor, Incident: inc})
	})
	if err != nil {
		return nil, err
	}
	return s.Incident(ctx, tenant, inc.ID)
}

// insert writes a new incident with its resources, first timeline entry and clock starts.
func (s *Desk) insert(ctx context.Context, tx *sql.Tx, inc *Incident, actor string) error {
	if err := checkService(ctx, tx, inc.TenantID, inc.ServiceID); err != nil {
		return err
	}
	if inc.Kind == "" {
		inc.Kind = KindIncident
	}
	number, err := nextNumber(ctx, tx, inc.TenantID, inc.Kind)
	if err != nil {
		return err
	}
	inc.Number = number
	values := []byte("{}")
	if len(inc.Values) > 0 {
		values, _ = json.Marshal(inc.Values)
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO incidents (tenant_id, number, service_id, short_description, description,
		impact, urgency, priority, assignment_group, assignee, state, hold_reason, close_code, close_notes, cause,
		cause_category, cause_by, acknowledged_by, opened_by, opened_at, updated_at, kind, catalog_item_id,
		request_values, approval, titles)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,'','','','','','','',?,?,?,?,?,?,?,?) RETURNING id`,
		inc.TenantID, inc.Number, database.NullID(inc.ServiceID), inc.ShortDescription, inc.Description, inc.Impact, inc.Urgency,
		inc.Priority, inc.AssignmentGroup, inc.Assignee, inc.State, actor, database.Millis(inc.OpenedAt), database.Millis(inc.UpdatedAt),
		inc.Kind, database.NullID(inc.CatalogItemID), string(values), inc.Approval, titlesJSON(inc.Titles)).Scan(&inc.ID)
	if err != nil {
		return fmt.Errorf("incident: unable to open incident: %w", err)
	}
	if err := setResources(ctx, tx, inc); err != nil {
		return err
	}
	if err := note(ctx, tx, inc.TenantID, inc.ID, Entry{At: inc.OpenedAt, Author: actor, Kind: EntryOpened,
		Body: inc.Number + ": " + inc.ShortDescription}, openedDetail(inc)); err != nil {
		return err
	}
	ct, err := newClockTx(ctx, tx, inc, inc.OpenedAt, actor)
	if err != nil {
		return err
	}
	for _, c := range inc.Kind.clocks() {
		if err := ct.add(ctx, c, sla.EventStart); err != nil {
			return err
		}
	}
	return nil
}

// change loads incident id of tenant in a transaction, lets f change it,
// saves it and tells the hooks, all in one transaction. f returns the Change
// to announce.
func (s *Desk) change(ctx context.Context, tenant string, id int64, actor string,
	f func(tx *sql.Tx, inc *Incident, ct *clockTx) (Change, error)) (*Incident, error) {
	var c Change
	var inc *Incident
	err := database.InTx(ctx, s.db, func(tx *sql.Tx) error {
		var err error
		if inc, err = get(ctx, tx, tenant, id); err != nil {
			return err
		}
		now := s.now().UTC()
		ct, err := newClockTx(ctx, tx, inc, now, actor)
		if err != nil {
			return err
		}
		if c, err = f(tx, inc, ct); err != nil {
			return err
		}
		inc.UpdatedAt = now
		if err := save(ctx, tx, inc); err != nil {
			return err
		}
		c.Actor, c.Incident = actor, inc
		return s.emit(ctx, tx, c)
	})
	if err != nil {
		return nil, err
	}
	return s.Incident(ctx, tenant, id)
}

// Update edits the fields of an open incident.
func (s *Desk) Update(ctx context.Context, tenant string, id int64, actor string, f Fields) (*Incident, error) {
	return s.change(ctx, tenant, id, actor, func(tx *sql.Tx, inc *Incident, ct *clockTx) (Change, error) {
		if !inc.State.Open() {
			return Change{}, invalid.New("state", "a %s incident cannot be edited", inc.State)
		}
		changed := f.apply(inc)
		if err := inc.Validate(); err != nil {
			return Change{}, err
		}
		if err := checkService(ctx, tx, tenant, inc.ServiceID); err != nil {
			return Change{}, err
		}
		if f.ResourceIDs != nil {
			if err := setResources(ctx, tx, inc); err != nil {
				return Change{}, err
			}
		}
		if len(changed) > 0 {
			if err := note(ctx, tx, tenant, id, Entry{At: ct.at, Author: actor, Kind: EntryChanged,
				Body: strings.Join(changed, ", ")}, map[string]any{"fields": changed}); err != nil {
				return Change{}, err
			}
		}
		return Change{Kind: ChangeUpdated, Fields: changed}, nil
	})
}

// Transition moves an incident to another state, enforcing the lifecycle, and
// drives its clocks: On Hold pauses them, leaving it resumes them, In Progress
// acknowledges, Resolved and Canceled stop every clock still counting.
func (s *Desk) Transition(ctx context.Context, tenant string, id int64, actor string, sc StateChange) (*Incident, error) {
	return s.change(ctx, tenant, id, actor, func(tx *sql.Tx, inc *Incident, ct *clockTx) (Change, error) {
		if err := sc.check(inc.State); err != nil {
			return Change{}, err
		}
		if inc.Approval == ApprovalPending && sc.State != StateCanceled {
			return Change{}, invalid.New("approval", "is pending: approve or reject the request first")
		}
		from := inc.State
		if from == StateResolved && sc.State == StateInProgress {
			return reopen(ctx, tx, inc, ct)
		}
		if from == StateOnHold {
			if err := ct.resumeFromHold(ctx); err != nil {
				return Change{}, err
			}
		}
		inc.State, inc.HoldReason = sc.State, sc.HoldReason
		switch sc.State {
		case StateInProgress:
			if err := acknowledge(ctx, inc, ct); err != nil {
				return Change{}, err
			}
		case StateOnHold:
			if err := ct.all(ctx, sla.EventPause); err != nil {
				return Change{}, err
			}
		case StateResolved, StateCanceled:
			if sc.State == StateResolved {
				inc.CloseCode, inc.CloseNotes, inc.ResolvedAt = sc.CloseCode, sc.CloseNotes, &ct.at
			}
			if err := ct.all(ctx, sla.EventStop); err != nil {
				return Change{}, err
			}
		case StateClosed:
			inc.ClosedAt = &ct.at
		}
		body := string(from) + " → " + string(sc.State)
		if sc.HoldReason != "" {
			body += " (" + string(sc.HoldReason) + ")"
		}
		err := note(ctx, tx, tenant, id, Entry{At: ct.at, Author: actor, Kind: EntryState, Body: body}, sc)
		return Change{Kind: ChangeState, Text: sc.CloseNotes}, err
	})
}

// acknowledge records the acknowledgement once and stops its clock.
func acknowledge(ctx context.Context, inc *Incident, ct *clockTx) error {
	if inc.AcknowledgedAt != nil {
		return nil
	}
	inc.AcknowledgedAt, inc.AcknowledgedBy = &ct.at, ct.author
	if err := ct.add(ctx, ClockAcknowledge, sla.EventStop); err != nil {
		return err
	}
	return note(ctx, ct.q, inc.TenantID, inc.ID, Entry{At: ct.at, Author: ct.author, Kind: EntryAcknowledged, Body: "acknowledged"}, nil)
}

// Acknowledge records that an engineer has taken the incident on; it stops
// the acknowledge clock. A second acknowledgement changes nothing.
func (s *Desk) Acknowledge(ctx context.Context, tenant string, id int64, actor string) (*Incident, error) {
	return s.change(ctx, tenant, id, actor, func(tx *sql.Tx, inc *Incident, ct *clockTx) (Change, error) {
		if !inc.State.Open() {
			return Change{}, invalid.New("state", "a %s incident cannot be acknowledged", inc.State)
		}
		return Change{Kind: ChangeUpdated, Fields: []string{"acknowledged"}}, acknowledge(ctx, inc, ct)
	})
}

// RecordCause records the identified cause (原因) and its category; the
// first one stops the identify-cause clock, a later one corrects the text.
func (s *Desk) RecordCause(ctx context.Context, tenant string, id int64, actor string, c Cause) (*Incident, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	return s.change(ctx, tenant, id, actor, func(tx *sql.Tx, inc *Incident, ct *clockTx) (Change, error) {
		if inc.State == StateClosed || inc.State == StateCanceled {
			return Change{}, invalid.New("state", "a %s incident cannot be changed", inc.State)
		}
		inc.Cause, inc.CauseCategory = c.Cause, c.Category
		if inc.CauseAt == nil {
			inc.CauseAt, inc.CauseBy = &ct.at, actor
			if err := ct.add(ctx, ClockIdentify, sla.EventStop); err != nil {
				return Change{}, err
			}
		}
		err := note(ctx, tx, tenant, id, Entry{At: ct.at, Author: actor, Kind: EntryCause, Body: c.Category + ": " + c.Cause}, c)
		return Change{Kind: ChangeUpdated, Fields: []string{"cause"}, Text: c.Category + ": " + c.Cause}, err
	})
}

// AddNote adds a work note (internal) or a comment (customer-visible).
func (s *Desk) AddNote(ctx context.Context, tenant string, id int64, actor, text string, internal bool) (*Incident, error) {
	if strings.TrimSpace(text) == "" {
		return nil, invalid.New("text", "is required")
	}
	if err := maxLen("text", text, 20000); err != nil {
		return nil, err
	}
	return s.change(ctx, tenant, id, actor, func(tx *sql.Tx, inc *Incident, ct *clockTx) (Change, error) {
		kind, ck := EntryComment, ChangeComment
		if internal {
			kind, ck = EntryWorkNote, ChangeWorkNote
		}
		err := note(ctx, tx, tenant, id, Entry{At: ct.at, Author: actor, Kind: kind, Internal: internal, Body: text}, nil)
		return Change{Kind: ck, Text: text}, err
	})
}
