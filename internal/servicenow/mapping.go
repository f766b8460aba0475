package servicenow

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/incident"
)

// stateCodes are ServiceNow's numbers for a ticket's state, per table.
var stateCodes = map[string]map[incident.State]string{
	TableIncident: {incident.StateNew: "1", incident.StateInProgress: "2", incident.StateOnHold: "3",
		incident.StateResolved: "6", incident.StateClosed: "7", incident.StateCanceled: "8"},
	// The case: New 1, Open 10, Awaiting Info 18, Resolved 6, Closed 3, Cancelled 7.
	TableCase: {incident.StateNew: "1", incident.StateInProgress: "10", incident.StateOnHold: "18",
		incident.StateResolved: "6", incident.StateClosed: "3", incident.StateCanceled: "7"},
	// The request's task state: Open 1, Work in Progress 2, Pending -5,
	// Closed Complete 3, Closed Incomplete 4.
	TableRequest: {incident.StateNew: "1", incident.StateInProgress: "2", incident.StateOnHold: "-5",
		incident.StateResolved: "3", incident.StateClosed: "3", incident.StateCanceled: "4"},
}

// requestStates are sc_request's request_state per unyo state.
var requestStates = map[incident.State]string{
	incident.StateNew: "requested", incident.StateInProgress: "in_process", incident.StateOnHold: "in_process",
	incident.StateResolved: "closed_complete", incident.StateClosed: "closed_complete", incident.StateCanceled: "closed_cancelled",
}

// holdCode is ServiceNow's number for an incident's hold reason.
var holdCode = map[incident.HoldReason]string{
	incident.HoldAwaitingCaller: "1", incident.HoldAwaitingProblem: "3",
	incident.HoldAwaitingVendor: "4", incident.HoldAwaitingChange: "5",
}

// stateOf is the unyo state of a ticket in table; sc_request's Closed
// Complete reads as resolved, the state unyo closes from.
func stateOf(table, code string) (incident.State, bool) {
	if table == TableRequest && code == "3" {
		return incident.StateResolved, true
	}
	for s, c := range stateCodes[table] {
		if c == code {
			return s, true
		}
	}
	return "", false
}

func holdOf(code string) incident.HoldReason {
	for h, c := range holdCode {
		if c == code {
			return h
		}
	}
	return incident.HoldAwaitingCaller
}

// CorrelationID is the correlation_id of a record in ServiceNow: unyo's ID
// of the record (a table holds one kind, or incidents and inquiries, which
// share their IDs).
func CorrelationID(id int64) string { return strconv.FormatInt(id, 10) }

// Op is what an outbox row does in ServiceNow.
type Op string

// Create inserts the record; create_item inserts a request's requested item
// (sc_req_item) under it; update patches the record.
const (
	OpCreate     Op = "create"
	OpCreateItem Op = "create_item"
	OpUpdate     Op = "update"
)

// queued is one write for the outbox.
type queued struct {
	op     Op
	fields Record
}

// ticketFields maps a change of an incident, inquiry or request to the
// writes it makes in table, all values strings; none when the change has
// nothing for ServiceNow.
func ticketFields(table string, c incident.Change) []queued {
	inc := c.Incident
	codes := stateCodes[table]
	switch c.Kind {
	case incident.ChangeOpened:
		f := Record{"short_description": inc.ShortDescription, "description": inc.Description, "state": codes[inc.State],
			"correlation_id": CorrelationID(inc.ID), "correlation_display": "unyo " + inc.Number}
		switch table {
		case TableIncident:
			f["impact"], f["urgency"] = strconv.Itoa(inc.Impact), strconv.Itoa(inc.Urgency)
			if inc.Kind == incident.KindInquiry {
				f["category"] = "inquiry" // Inquiry / Help, the incident table's own category
			}
		case TableCase:
			f["priority"] = strconv.Itoa(min(inc.Priority, 4)) // the case has 1 Critical .. 4 Low
		case TableRequest:
			f["request_state"], f["approval"] = requestStates[inc.State], approvalOf(inc.Approval)
			return []queued{{OpCreate, f}, {OpCreateItem, itemFields(inc)}}
		}
		return []queued{{OpCreate, f}}
	case incident.ChangeState:
		f := Record{"state": codes[inc.State]}
		switch {
		case table == TableIncident && inc.State == incident.StateOnHold:
			f["hold_reason"] = holdCode[inc.HoldReason]
		case table == TableIncident && inc.State == incident.StateResolved:
			f["close_code"], f["close_notes"] = inc.CloseCode, inc.CloseNotes
		case table != TableIncident && (inc.State == incident.StateResolved || inc.State == incident.StateCanceled):
			f["close_notes"] = strings.TrimSpace(inc.CloseCode + ": " + inc.CloseNotes)
			if inc.CloseCode == "" {
				f["close_notes"] = strings.TrimSpace(inc.CloseNotes)
			}
		}
		if table == TableRequest {
			f["request_state"], f["approval"] = requestStates[inc.State], approvalOf(inc.Approval)
			if inc.Approval == incident.ApprovalRejected {
				f["request_state"] = "closed_rejected"
			}
		}
		if c.Text != "" {
			f["work_notes"] = c.Text // an approval's note
		}
		return []queued{{OpUpdate, f}}
	case incident.ChangeWorkNote:
		return []queued{{OpUpdate, Record{"work_notes": c.Text}}}
	case incident.ChangeComment:
		return []queued{{OpUpdate, Record{"comments": c.Text}}}
	case incident.ChangeUpdated:
		f := Record{}
		for _, name := range c.Fields {
			switch name {
			case "short_description":
				f[name] = inc.ShortDescription
			case "description":
				f[name] = inc.Description
			case "impact", "urgency":
				if table == TableIncident {
					f["impact"], f["urgency"] = strconv.Itoa(inc.Impact), strconv.Itoa(inc.Urgency)
				} else if table == TableCase {
					f["priority"] = strconv.Itoa(min(inc.Priority, 4))
				}
			case "acknowledged":
				f["work_notes"] = "Acknowledged in unyo by " + inc.AcknowledgedBy
			case "cause":
				f["work_notes"] = "Cause identified (" + inc.CauseCategory + "): " + inc.Cause
			}
		}
		if len(f) == 0 {
			return nil
		}
		return []queued{{OpUpdate, f}}
	}
	return nil
}

// approvalOf is sc_request's approval for a request's.
func approvalOf(a incident.Approval) string {
	switch a {
	case incident.ApprovalPending:
		return "requested"
	case incident.ApprovalApproved:
		return "approved"
	case incident.ApprovalRejected:
		return "rejected"
	}
	return "not requested"
}

// itemFields is the requested item of a catalog request: the catalog item's
// name and the values the requester filled in. cat_item, a reference to a
// catalog item of the instance unyo does not know, is left empty; the
// request's sys_id is set when the item is sent.
func itemFields(inc *incident.Incident) Record {
	keys := make([]string, 0, len(inc.Values))
	for k := range inc.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %v\n", k, inc.Values[k])
	}
	return Record{"short_description": inc.ShortDescription, "description": b.String(), "quantity": "1",
		"correlation_id": CorrelationID(inc.ID), "correlation_display": "unyo " + inc.Number}
}
