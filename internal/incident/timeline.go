package incident

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
)

// EntryKind says what a timeline entry records.
type EntryKind string

// The kinds of timeline entry.
const (
	EntryOpened       EntryKind = "opened"
	EntryChanged      EntryKind = "changed"      // fields edited
	EntryState        EntryKind = "state"        // a state change
	EntryAcknowledged EntryKind = "acknowledged" // stops the acknowledge clock
	EntryCause        EntryKind = "cause"        // stops the identify-cause clock
	EntryWorkNote     EntryKind = "work_note"    // internal
	EntryComment      EntryKind = "comment"      // visible to the customer
	EntryAlert        EntryKind = "alert"        // an alert linked, or resolved
	EntryClock        EntryKind = "clock"        // an SLA clock event: start, pause, resume, stop
	EntrySLAWarning   EntryKind = "sla_warning"  // a clock reached 75% of its target
	EntrySLABreach    EntryKind = "sla_breach"   // a clock reached its target
	EntryNotification EntryKind = "notification" // a notification was sent
	EntryServiceNow   EntryKind = "servicenow"   // a change pulled back from ServiceNow
	EntryApproval     EntryKind = "approval"     // a request approved or rejected
)

// Entry is one line of an incident's timeline.
type Entry struct {
	ID       int64           `json:"id"`
	At       time.Time       `json:"at"`
	Author   string          `json:"author"`
	Kind     EntryKind       `json:"kind"`
	Internal bool            `json:"internal"` // never shown to a customer viewer
	Body     string          `json:"body"`
	Detail   json.RawMessage `json:"detail,omitempty"`
}

// note appends an entry to the timeline of incident id.
func note(ctx context.Context, q querier, tenant string, id int64, e Entry, detail any) error {
	d := []byte("null")
	if detail != nil {
		var err error
		if d, err = json.Marshal(detail); err != nil {
			return fmt.Errorf("incident: unable to write timeline: %w", err)
		}
	}
	_, err := q.ExecContext(ctx, `INSERT INTO incident_events (tenant_id, incident_id, at, author, kind, internal, body, detail)
		VALUES (?,?,?,?,?,?,?,?)`, tenant, id, database.Millis(e.At), e.Author, e.Kind, e.Internal, e.Body, string(d))
	if err != nil {
		return fmt.Errorf("incident: unable to write timeline: %w", err)
	}
	return nil
}

// Timeline returns the incident's timeline, oldest first. Internal entries
// (work notes, SLA bookkeeping) are left out unless withInternal.
func (s *Desk) Timeline(ctx context.Context, tenant string, id int64, withInternal bool) ([]Entry, error) {
	if _, err := get(ctx, database.Writer(s.db), tenant, id); err != nil {
		return nil, err
	}
	q := `SELECT id, at, author, kind, internal, body, detail FROM incident_events WHERE tenant_id=? AND incident_id=?`
	if !withInternal {
		q += ` AND internal=0`
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, tenant, id)
	if err != nil {
		return nil, fmt.Errorf("incident: unable to read timeline: %w", err)
	}
	defer rows.Close()
	list := []Entry{}
	for rows.Next() {
		var e Entry
		var at int64
		var detail string
		if err := rows.Scan(&e.ID, &at, &e.Author, &e.Kind, &e.Internal, &e.Body, &detail); err != nil {
			return nil, fmt.Errorf("incident: unable to read timeline: %w", err)
		}
		e.At = database.FromMillis(at)
		if detail != "null" {
			e.Detail = json.RawMessage(detail)
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

// Annotate puts an internal line on the timeline of incident id, for what
// another system did with it (e.g. the ServiceNow record it was created as).
func (s *Desk) Annotate(ctx context.Context, tenant string, id int64, author string, kind EntryKind, body string) error {
	if _, err := get(ctx, database.Writer(s.db), tenant, id); err != nil {
		return err
	}
	return note(ctx, database.Writer(s.db), tenant, id, Entry{At: s.now().UTC(), Author: author, Kind: kind, Internal: true, Body: body}, nil)
}
