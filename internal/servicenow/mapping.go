package servicenow

import (
	"strconv"

	"github.com/unyo-ops/unyo/internal/incident"
)

// stateCode is ServiceNow's number for an incident state.
var stateCode = map[incident.State]string{
	incident.StateNew: "1", incident.StateInProgress: "2", incident.StateOnHold: "3",
	incident.StateResolved: "6", incident.StateClosed: "7", incident.StateCanceled: "8",
}

// holdCode is ServiceNow's number for a hold reason.
var holdCode = map[incident.HoldReason]string{
	incident.HoldAwaitingCaller: "1", incident.HoldAwaitingProblem: "3",
	incident.HoldAwaitingVendor: "4", incident.HoldAwaitingChange: "5",
}

func stateOf(code string) (incident.State, bool) {
	for s, c := range stateCode {
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

// CorrelationID is the correlation_id of an incident in ServiceNow: unyo's incident ID.
func CorrelationID(id int64) string { return strconv.FormatInt(id, 10) }

// Op is what an outbox row does in ServiceNow.
type Op string

// Create inserts the record; update patches it.
const (
	OpCreate Op = "create"
	OpUpdate Op = "update"
)

// fieldsFor maps a change of an incident to the Table API fields it sets,
// all strings; ok is false when the change has nothing for ServiceNow.
func fieldsFor(c incident.Change) (Op, Record, bool) {
	inc := c.Incident
	itoa := strconv.Itoa
	switch c.Kind {
	case incident.ChangeOpened:
		return OpCreate, Record{
			"short_description": inc.ShortDescription, "description": inc.Description,
			"impact": itoa(inc.Impact), "urgency": itoa(inc.Urgency), "state": stateCode[inc.State],
			"correlation_id": CorrelationID(inc.ID), "correlation_display": "unyo " + inc.Number,
		}, true
	case incident.ChangeState:
		f := Record{"state": stateCode[inc.State]}
		switch inc.State {
		case incident.StateOnHold:
			f["hold_reason"] = holdCode[inc.HoldReason]
		case incident.StateResolved:
			f["close_code"], f["close_notes"] = inc.CloseCode, inc.CloseNotes
		}
		return OpUpdate, f, true
	case incident.ChangeWorkNote:
		return OpUpdate, Record{"work_notes": c.Text}, true
	case incident.ChangeComment:
		return OpUpdate, Record{"comments": c.Text}, true
	case incident.ChangeUpdated:
		f := Record{}
		for _, name := range c.Fields {
			switch name {
			case "short_description":
				f[name] = inc.ShortDescription
			case "description":
				f[name] = inc.Description
			case "impact":
				f[name] = itoa(inc.Impact)
			case "urgency":
				f[name] = itoa(inc.Urgency)
			case "acknowledged":
				f["work_notes"] = "Acknowledged in unyo by " + inc.AcknowledgedBy
			case "cause":
				f["work_notes"] = "Cause identified (" + inc.CauseCategory + "): " + inc.Cause
			}
		}
		return OpUpdate, f, len(f) > 0
	}
	return "", nil, false
}
