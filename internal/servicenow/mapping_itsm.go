package servicenow

import (
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/change"
	"github.com/unyo-ops/unyo/internal/problem"
)

// problemCode is ServiceNow's number for a problem's state.
var problemCode = map[problem.State]string{
	problem.StateNew: "101", problem.StateAssess: "102", problem.StateRootCauseAnalysis: "103",
	problem.StateFixInProgress: "104", problem.StateResolved: "106", problem.StateClosed: "107",
}

func problemStateOf(code string) (problem.State, bool) {
	for s, c := range problemCode {
		if c == code {
			return s, true
		}
	}
	return "", false
}

// impactUrgency splits a priority (1..5) into the impact and urgency
// ServiceNow derives it from by its default matrix.
func impactUrgency(p int) (string, string) {
	i, u := (p+1)/2, p/2+1
	return strconv.Itoa(i), strconv.Itoa(min(u, 3))
}

// problemFields maps a mutation of a problem to its write in the problem table.
func problemFields(m problem.Mutation) queued {
	p := m.Problem
	content := func(f Record) Record {
		f["short_description"], f["description"] = p.Title, p.Description
		f["impact"], f["urgency"] = impactUrgency(p.Priority)
		f["cause_notes"], f["workaround"], f["known_error"] = p.RootCause, p.Workaround, strconv.FormatBool(p.KnownError)
		return f
	}
	switch m.What {
	case problem.Created:
		return queued{OpCreate, content(Record{"state": problemCode[p.State], "correlation_id": CorrelationID(p.ID),
			"correlation_display": "unyo " + p.Number})}
	case problem.Updated:
		return queued{OpUpdate, content(Record{})}
	}
	f := Record{"state": problemCode[p.State]}
	switch {
	case p.State == problem.StateResolved:
		f["resolution_code"] = "fix_applied"
	case p.State == problem.StateClosed && m.From != problem.StateResolved:
		f["resolution_code"] = "canceled" // closed without a fix: a duplicate, or not worth fixing
	case p.State.Open() && !m.From.Open():
		f["resolution_code"] = "" // reopened: the fix did not hold
	}
	return queued{OpUpdate, f}
}

// changeCode is change_request's state for a change's: New -5, Authorize
// -3, Scheduled -2, Implement -1, Review 0, Closed 3, Canceled 4.
var changeCode = map[change.State]string{
	change.StateDraft: "-5", change.StateRequested: "-3", change.StateApproved: "-2", change.StateScheduled: "-2",
	change.StateInProgress: "-1", change.StateImplemented: "0", change.StateFailed: "0", change.StateBackedOut: "0",
	change.StateClosed: "3", change.StateRejected: "4",
}

// riskCode is change_request's risk: High 2, Moderate 3, Low 4.
var riskCode = map[change.Risk]string{change.RiskHigh: "2", change.RiskMedium: "3", change.RiskLow: "4"}

// changeApproval is change_request's approval for a change in state s.
func changeApproval(s change.State) string {
	switch s {
	case change.StateDraft:
		return "not requested"
	case change.StateRequested:
		return "requested"
	case change.StateRejected:
		return "rejected"
	}
	return "approved"
}

const glide = "2006-01-02 15:04:05" // glide_date_time as the Table API takes it, UTC

// changeFields maps a mutation of a change to its write in change_request.
func changeFields(m change.Mutation) queued {
	c := m.Change
	content := func(f Record) Record {
		f["type"], f["short_description"], f["description"], f["risk"] = string(c.Type), c.Title, c.Description, riskCode[c.Risk]
		f["implementation_plan"], f["backout_plan"] = c.Plan, c.Backout
		f["start_date"], f["end_date"] = c.Start.UTC().Format(glide), c.End.UTC().Format(glide)
		return f
	}
	switch m.What {
	case change.Created:
		return queued{OpCreate, content(Record{"state": changeCode[c.State], "approval": changeApproval(c.State),
			"correlation_id": CorrelationID(c.ID), "correlation_display": "unyo CHG" + strconv.FormatInt(c.ID, 10)})}
	case change.Updated:
		return queued{OpUpdate, content(Record{})}
	}
	f := Record{"state": changeCode[c.State], "approval": changeApproval(c.State)}
	switch c.State {
	case change.StateApproved:
		if c.ApprovedAt != nil {
			note := "Approved (" + string(c.Approval) + ") by " + c.ApprovedBy + " at " + c.ApprovedAt.UTC().Format(time.RFC3339)
			if c.ApprovalRef != "" {
				note += ", reference " + c.ApprovalRef
			}
			f["work_notes"] = note
		}
	case change.StateRejected:
		f["work_notes"] = "Rejected by " + c.RejectedBy + ": " + c.RejectReason
	case change.StateImplemented, change.StateFailed, change.StateBackedOut:
		if c.Result != "" {
			f["close_notes"] = c.Result
		}
	case change.StateClosed:
		f["close_notes"] = c.Result
		if f["close_notes"] == "" {
			f["close_notes"] = "Closed in unyo"
		}
		switch m.From {
		case change.StateImplemented:
			f["close_code"] = "successful"
		case change.StateFailed, change.StateBackedOut:
			f["close_code"] = "unsuccessful"
		default:
			f["state"] = "4" // closed before it was carried out: canceled
		}
	}
	return queued{OpUpdate, f}
}
