package servicenow

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/incident"
)

// Deliver sends the due changes, oldest first and in order per record: a
// change waits while an earlier one of its record is waiting for a retry.
// It returns how many were delivered.
func (s *Sync) Deliver(ctx context.Context) (int, error) {
	pending, err := s.entries(ctx, `WHERE done_at IS NULL ORDER BY id LIMIT 1000`)
	if err != nil {
		return 0, err
	}
	cl := &clients{s: s, got: map[string]*tenantClient{}}
	blocked := map[string]bool{}
	delivered := 0
	now := s.now()
	for _, e := range pending {
		if !s.mine(e.tenant) {
			continue // another replica's
		}
		rec := string(e.Kind) + ":" + strconv.FormatInt(e.RecordID, 10)
		if blocked[rec] {
			continue
		}
		blocked[rec] = true // only the first pending change of a record may go
		if e.NextAt.After(now) {
			continue
		}
		client := cl.of(ctx, e.tenant)
		if client == nil {
			continue
		}
		// The attempt is counted before it is made: after a crash between
		// the request and its outcome being stored, a later attempt knows the
		// first may have reached ServiceNow and checks before writing again.
		if _, err := database.Writer(s.db).ExecContext(ctx, `UPDATE servicenow_outbox SET attempts=attempts+1 WHERE id=?`, e.ID); err != nil {
			return delivered, fmt.Errorf("servicenow: unable to update the outbox: %w", err)
		}
		err := s.send(ctx, client, e)
		switch {
		case err == nil:
			delivered++
			blocked[rec] = false
			err = s.finish(ctx, e.ID, "")
		case Retryable(err) && !errors.Is(err, errNoRecord):
			err = s.retry(ctx, e, err)
		default:
			s.logger.Warn("servicenow: change refused", "tenant", e.tenant, "kind", e.Kind, "record", e.RecordID, "op", e.Op, "err", err)
			blocked[rec] = false
			err = s.finish(ctx, e.ID, "refused: "+err.Error())
		}
		if err != nil {
			return delivered, err
		}
	}
	return delivered, nil
}

// linked is the ServiceNow record of a unyo record.
type linked struct {
	tenant, table, sysID, number, state, itemSysID, journal string
	kind                                                    Kind
	id                                                      int64
}

func (s *Sync) linkOf(ctx context.Context, kind Kind, id int64) (*linked, error) {
	l := linked{kind: kind, id: id}
	err := s.db.QueryRowContext(ctx, `SELECT tenant_id, sn_table, sys_id, number, state, item_sys_id, journal_at FROM servicenow_records WHERE kind=? AND record_id=?`,
		kind, id).Scan(&l.tenant, &l.table, &l.sysID, &l.number, &l.state, &l.itemSysID, &l.journal)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoRecord
	}
	if err != nil {
		return nil, fmt.Errorf("servicenow: %w", err)
	}
	return &l, nil
}

func (s *Sync) send(ctx context.Context, c *tenantClient, e Entry) error {
	switch e.Op {
	case OpCreate:
		return s.create(ctx, c, e)
	case OpCreateItem:
		return s.createItem(ctx, c, e)
	}
	l, err := s.linkOf(ctx, e.Kind, e.RecordID)
	if err != nil {
		return err
	}
	done := false
	if e.Attempts > 0 {
		if done, err = applied(ctx, c.Client, l, e.Fields); err != nil {
			return err
		}
	}
	if !done {
		if _, err := c.Update(ctx, l.table, l.sysID, e.Fields); err != nil {
			return err
		}
	}
	if st, ok := e.Fields["state"]; ok {
		_, err = database.Writer(s.db).ExecContext(ctx, `UPDATE servicenow_records SET state=? WHERE kind=? AND record_id=?`, st, e.Kind, e.RecordID)
	}
	return err
}

// applied reports whether an update whose earlier attempt had no known
// outcome is already in the record: every plain field holds its value and
// every note is in the record's journal. Then it is not sent again, so a
// note is not written twice.
func applied(ctx context.Context, c *Client, l *linked, fields Record) (bool, error) {
	rec, err := c.Get(ctx, l.table, l.sysID)
	if err != nil {
		return false, err
	}
	var notes []Record
	for k, v := range fields {
		if k != "work_notes" && k != "comments" {
			if rec[k] != v {
				return false, nil
			}
			continue
		}
		if notes == nil {
			if notes, err = c.Journal(ctx, l.sysID, ""); err != nil {
				return false, err
			}
		}
		found := false
		for _, n := range notes {
			found = found || (n["element"] == k && n["value"] == v)
		}
		if !found {
			return false, nil
		}
	}
	return true, nil
}

// create inserts the record. A retried create first looks the record up by
// correlation_id: the earlier attempt may have reached ServiceNow and lost
// only its answer, and the record must not be created twice.
func (s *Sync) create(ctx context.Context, c *tenantClient, e Entry) error {
	var rec Record
	var err error
	if e.Attempts > 0 {
		if rec, err = c.ByCorrelation(ctx, e.Table, e.Fields["correlation_id"]); err != nil {
			return err
		}
	}
	if rec == nil {
		if rec, err = c.Create(ctx, e.Table, e.Fields); err != nil {
			return err
		}
	}
	_, err = database.Writer(s.db).ExecContext(ctx, `INSERT INTO servicenow_records (tenant_id, kind, record_id, sn_table, sys_id, number, state, item_sys_id, journal_at)
		VALUES (?,?,?,?,?,?,?,'','') ON CONFLICT (kind, record_id) DO UPDATE SET sn_table=excluded.sn_table, sys_id=excluded.sys_id,
		number=excluded.number, state=excluded.state`, e.tenant, e.Kind, e.RecordID, e.Table, rec["sys_id"], rec["number"], rec["state"])
	if err != nil {
		return fmt.Errorf("servicenow: unable to link the record: %w", err)
	}
	if e.IncidentID() != 0 {
		if err := s.incidents.Annotate(ctx, e.tenant, e.RecordID, incident.ActorServiceNow, incident.EntryServiceNow,
			"ServiceNow "+rec["number"]+" (sys_id "+rec["sys_id"]+")"); err != nil {
			s.logger.Warn("servicenow: record not noted on the timeline", "kind", e.Kind, "record", e.RecordID, "err", err)
		}
	}
	return nil
}

// createItem inserts a request's requested item under its sc_request; a
// retry first looks for an item of that request.
func (s *Sync) createItem(ctx context.Context, c *tenantClient, e Entry) error {
	l, err := s.linkOf(ctx, e.Kind, e.RecordID)
	if err != nil {
		return err
	}
	var rec Record
	if e.Attempts > 0 {
		list, err := c.Query(ctx, TableReqItem, "request="+l.sysID, 1)
		if err != nil {
			return err
		}
		if len(list) > 0 {
			rec = list[0]
		}
	}
	if rec == nil {
		fields := Record{"request": l.sysID}
		for k, v := range e.Fields {
			fields[k] = v
		}
		if rec, err = c.Create(ctx, TableReqItem, fields); err != nil {
			return err
		}
	}
	_, err = database.Writer(s.db).ExecContext(ctx, `UPDATE servicenow_records SET item_sys_id=? WHERE kind=? AND record_id=?`, rec["sys_id"], e.Kind, e.RecordID)
	return err
}

func (s *Sync) finish(ctx context.Context, id int64, lastError string) error {
	_, err := database.Writer(s.db).ExecContext(ctx, `UPDATE servicenow_outbox SET done_at=?, last_error=? WHERE id=?`, s.now().UnixMilli(), lastError, id)
	if err != nil {
		return fmt.Errorf("servicenow: unable to update the outbox: %w", err)
	}
	return nil
}

// retry schedules the change again after a backoff doubling from 10s up to
// MaxBackoff; the attempt was counted when it was made.
func (s *Sync) retry(ctx context.Context, e Entry, cause error) error {
	wait := 10 * time.Second << min(e.Attempts, 16)
	if wait > s.opts.MaxBackoff {
		wait = s.opts.MaxBackoff
	}
	s.logger.Warn("servicenow: will retry", "tenant", e.tenant, "kind", e.Kind, "record", e.RecordID, "op", e.Op, "attempt", e.Attempts+1, "in", wait, "err", cause)
	_, err := database.Writer(s.db).ExecContext(ctx, `UPDATE servicenow_outbox SET next_at=?, last_error=? WHERE id=?`,
		s.now().Add(wait).UnixMilli(), cause.Error(), e.ID)
	if err != nil {
		return fmt.Errorf("servicenow: unable to update the outbox: %w", err)
	}
	return nil
}
