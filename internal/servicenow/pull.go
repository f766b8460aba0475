package servicenow

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/storage"
)

// finalStates are, per table, the states after which a record is no longer
// read back.
var finalStates = map[string][]string{
	TableIncident: {"7", "8"}, TableCase: {"3", "7"}, TableRequest: {"3", "4", "7"},
	TableProblem: {"107"}, TableChange: {"3", "4"},
}

// notFinal is the SQL condition of a record not in a final state of its
// table, so that the records done with are not even read.
var notFinal = func() string {
	tables := slices.Sorted(maps.Keys(finalStates))
	var parts []string
	for _, t := range tables {
		parts = append(parts, "(r.sn_table='"+t+"' AND r.state IN ('"+strings.Join(finalStates[t], "','")+"'))")
	}
	return "NOT (" + strings.Join(parts, " OR ") + ")"
}()

// Pull reads back every linked record that is not final and applies what
// changed in ServiceNow to the unyo record: the state (and a request's or a
// change's approval) of every kind, and the work notes and comments of the
// kinds with a timeline (incidents, inquiries, requests). A record with
// changes still queued is left alone until they are delivered, so a pull
// never undoes what unyo is sending; what a pull changes is not sent back.
// It returns the changes applied.
func (s *Sync) Pull(ctx context.Context) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.tenant_id, r.kind, r.record_id, r.sn_table, r.sys_id, r.number, r.state, r.item_sys_id, r.journal_at
		FROM servicenow_records r
		WHERE `+notFinal+` AND NOT EXISTS (SELECT 1 FROM servicenow_outbox o WHERE o.kind=r.kind AND o.record_id=r.record_id AND o.done_at IS NULL)
		ORDER BY r.kind, r.record_id LIMIT 5000`)
	if err != nil {
		return 0, fmt.Errorf("servicenow: unable to list links: %w", err)
	}
	var links []linked
	for rows.Next() {
		var l linked
		if err := rows.Scan(&l.tenant, &l.kind, &l.id, &l.table, &l.sysID, &l.number, &l.state, &l.itemSysID, &l.journal); err != nil {
			rows.Close()
			return 0, fmt.Errorf("servicenow: unable to list links: %w", err)
		}
		links = append(links, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("servicenow: unable to list links: %w", err)
	}
	ctx = pulling(ctx)
	cl := &clients{s: s, got: map[string]*tenantClient{}}
	applied := 0
	for _, l := range links {
		if !s.mine(l.tenant) {
			continue // another replica's
		}
		c := cl.of(ctx, l.tenant)
		if c == nil {
			continue
		}
		rec, err := c.Get(ctx, l.table, l.sysID)
		if err != nil {
			s.logger.Warn("servicenow: cannot read the record back", "tenant", l.tenant, "kind", l.kind, "record", l.id, "err", err)
			continue
		}
		if l.kind == KindIncident || l.kind == KindInquiry || l.kind == KindRequest {
			n, err := s.pullJournal(ctx, c, &l)
			applied += n
			if err != nil {
				s.logger.Warn("servicenow: notes not pulled", "tenant", l.tenant, "kind", l.kind, "record", l.id, "err", err)
			}
		}
		if rec["state"] == l.state && rec["approval"] == "" {
			continue
		}
		changed, err := s.apply(ctx, l, rec)
		if err != nil {
			s.logger.Warn("servicenow: state not applied", "tenant", l.tenant, "kind", l.kind, "record", l.id, "state", rec["state"], "err", err)
		} else if changed {
			applied++
		}
		// Remember the state either way: a change unyo refuses is not retried every minute.
		if _, err := database.Writer(s.db).ExecContext(ctx, `UPDATE servicenow_records SET state=?, pulled_at=? WHERE kind=? AND record_id=?`,
			rec["state"], s.now().UnixMilli(), l.kind, l.id); err != nil {
			return applied, fmt.Errorf("servicenow: unable to update link: %w", err)
		}
	}
	return applied, nil
}

func (s *Sync) apply(ctx context.Context, l linked, rec Record) (bool, error) {
	switch l.kind {
	case KindProblem:
		return s.applyProblem(ctx, l, rec)
	case KindChange:
		return s.applyChange(ctx, l, rec)
	}
	return s.applyTicket(ctx, l, rec)
}

// applyTicket moves the unyo incident, inquiry or request to the record's
// state, through Resolved when ServiceNow closed one unyo has not resolved;
// a request's approval decided in ServiceNow is decided in unyo first.
func (s *Sync) applyTicket(ctx context.Context, l linked, rec Record) (bool, error) {
	inc, err := s.incidents.Incident(ctx, l.tenant, l.id)
	if err != nil {
		return false, err
	}
	changed := false
	if inc.Approval == incident.ApprovalPending && (rec["approval"] == "approved" || rec["approval"] == "rejected") {
		if inc, err = s.incidents.Decide(ctx, l.tenant, l.id, incident.ActorServiceNow, rec["approval"] == "approved",
			"decided in ServiceNow "+rec["number"]); err != nil {
			return false, err
		}
		changed = true
	}
	if rec["state"] == l.state {
		return changed, nil
	}
	want, ok := stateOf(l.table, rec["state"])
	if !ok {
		return changed, fmt.Errorf("servicenow: unknown state %q of %s", rec["state"], l.table)
	}
	if inc.State == want || stateCodes[l.table][inc.State] == rec["state"] {
		return changed, nil
	}
	resolve := incident.StateChange{State: incident.StateResolved, CloseCode: rec["close_code"], CloseNotes: rec["close_notes"]}
	if resolve.CloseCode == "" {
		resolve.CloseCode = "Closed in ServiceNow"
	}
	if resolve.CloseNotes == "" {
		resolve.CloseNotes = "Closed in ServiceNow " + rec["number"]
	}
	var steps []incident.StateChange
	switch want {
	case incident.StateOnHold:
		steps = []incident.StateChange{{State: want, HoldReason: holdOf(rec["hold_reason"])}}
	case incident.StateResolved:
		steps = []incident.StateChange{resolve}
	case incident.StateClosed:
		if inc.State != incident.StateResolved {
			steps = append(steps, resolve)
		}
		steps = append(steps, incident.StateChange{State: want})
	default:
		steps = []incident.StateChange{{State: want}}
	}
	for _, sc := range steps {
		if _, err := s.incidents.Transition(ctx, l.tenant, l.id, incident.ActorServiceNow, sc); err != nil {
			return changed, err
		}
	}
	return true, nil
}

// journalMark is where the pull of a record's journal stands: the time of
// the newest entry read, and the entries of that second already read (the
// instance's clock counts seconds, so the next read starts at that second).
type journalMark struct {
	At  string   `json:"at"`
	IDs []string `json:"ids"`
}

// pullJournal adds the work notes and comments written in ServiceNow since
// the last pull to the unyo timeline: work notes as internal notes,
// comments as public ones. Entries unyo wrote itself (by the integration
// user, or with a text unyo sent for this record) are not added back.
func (s *Sync) pullJournal(ctx context.Context, c *tenantClient, l *linked) (int, error) {
	var mark journalMark
	json.Unmarshal([]byte(l.journal), &mark)
	entries, err := c.Journal(ctx, l.sysID, mark.At)
	if err != nil {
		return 0, err
	}
	sent, err := s.sentNotes(ctx, l.kind, l.id)
	if err != nil {
		return 0, err
	}
	added := 0
	for _, e := range entries {
		if slices.Contains(mark.IDs, e["sys_id"]) {
			continue
		}
		if e["sys_created_on"] != mark.At {
			mark = journalMark{At: e["sys_created_on"]}
		}
		mark.IDs = append(mark.IDs, e["sys_id"])
		ours := (c.cfg.Username != "" && e["sys_created_by"] == c.cfg.Username) || sent[e["element"]+"\x00"+e["value"]]
		if ours || (e["element"] != "work_notes" && e["element"] != "comments") {
			continue
		}
		text := e["value"] + "\n— " + e["sys_created_by"] + " (ServiceNow " + l.number + ")"
		if _, err := s.incidents.AddNote(ctx, l.tenant, l.id, incident.ActorServiceNow, text, e["element"] == "work_notes"); err != nil {
			return added, err
		}
		added++
	}
	data, _ := json.Marshal(mark)
	_, err = database.Writer(s.db).ExecContext(ctx, `UPDATE servicenow_records SET journal_at=? WHERE kind=? AND record_id=?`, string(data), l.kind, l.id)
	return added, err
}

// sentNotes are the notes unyo delivered for a record, as element and text.
func (s *Sync) sentNotes(ctx context.Context, kind Kind, id int64) (map[string]bool, error) {
	list, err := s.entries(ctx, `WHERE kind=? AND record_id=? AND done_at IS NOT NULL ORDER BY id`, kind, id)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, e := range list {
		for _, el := range []string{"work_notes", "comments"} {
			if v, ok := e.Fields[el]; ok {
				out[el+"\x00"+v] = true
			}
		}
	}
	return out, nil
}

// audited is the context of a change the pull makes in a store that
// audits through storage.Change: the entry names ServiceNow as the actor.
func audited(ctx context.Context, l linked, objType string) context.Context {
	return storage.WithAudit(ctx, storage.AuditEntry{TenantID: l.tenant, Actor: incident.ActorServiceNow, Action: "update",
		ObjectType: objType, ObjectID: strconv.FormatInt(l.id, 10)}, map[string]string{"servicenow": l.number})
}
