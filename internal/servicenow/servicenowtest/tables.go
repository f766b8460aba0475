package servicenowtest

import (
	"slices"
	"time"
)

// table is the contract of one Table API table, as far as unyo uses it: the
// prefix of its numbers, the choice values of its state field, and the data
// policies that refuse a write.
type table struct {
	prefix string
	states []string
	// refused returns why the record rec (after the write) breaks the
	// table's data policy, "" when it does not; s looks references up.
	refused func(s *Server, rec map[string]string) string
}

const dateTime = "2006-01-02 15:04:05" // glide_date_time in the API, UTC

// tables are the tables the fake serves, by name.
var tables = map[string]table{
	"incident": {prefix: "INC", states: []string{"1", "2", "3", "6", "7", "8"}, refused: func(_ *Server, rec map[string]string) string {
		if (rec["state"] == "6" || rec["state"] == "7") && (rec["close_code"] == "" || rec["close_notes"] == "") {
			return "Data Policy Exception: the following fields are mandatory: Resolution code, Resolution notes"
		}
		return ""
	}},
	// The CSM case: New 1, Open 10, Awaiting Info 18, Resolved 6, Closed 3, Cancelled 7.
	"sn_customerservice_case": {prefix: "CS", states: []string{"1", "10", "18", "6", "3", "7"}, refused: func(_ *Server, rec map[string]string) string {
		if (rec["state"] == "6" || rec["state"] == "3") && rec["close_notes"] == "" {
			return "Data Policy Exception: the following fields are mandatory: Resolution notes"
		}
		return ""
	}},
	// The request: the task states Open 1, Work in Progress 2, Closed
	// Complete 3, Closed Incomplete 4, Closed Skipped 7, Pending -5.
	"sc_request": {prefix: "REQ", states: []string{"-5", "1", "2", "3", "4", "7"}, refused: func(_ *Server, rec map[string]string) string {
		return choice(rec, "approval", "not requested", "requested", "approved", "rejected") +
			choice(rec, "request_state", "requested", "in_process", "closed_complete", "closed_incomplete", "closed_cancelled", "closed_rejected")
	}},
	// The requested item belongs to a request that exists.
	"sc_req_item": {prefix: "RITM", states: []string{"-5", "1", "2", "3", "4", "7"}, refused: func(s *Server, rec map[string]string) string {
		if req := s.records[rec["request"]]; req == nil || req["sys_class_name"] != "sc_request" {
			return "Invalid reference: request must name an sc_request record"
		}
		return ""
	}},
	// The problem: New 101, Assess 102, Root Cause Analysis 103, Fix in
	// Progress 104, Resolved 106, Closed 107; resolving or closing needs a
	// resolution code.
	"problem": {prefix: "PRB", states: []string{"101", "102", "103", "104", "106", "107"}, refused: func(_ *Server, rec map[string]string) string {
		if (rec["state"] == "106" || rec["state"] == "107") && rec["resolution_code"] == "" {
			return "Data Policy Exception: the following fields are mandatory: Resolution code"
		}
		return choice(rec, "resolution_code", "fix_applied", "risk_accepted", "canceled", "duplicate") + choice(rec, "known_error", "true", "false")
	}},
	// The change request: New -5, Assess -4, Authorize -3, Scheduled -2,
	// Implement -1, Review 0, Closed 3, Canceled 4.
	"change_request": {prefix: "CHG", states: []string{"-5", "-4", "-3", "-2", "-1", "0", "3", "4"}, refused: refusedChange},
}

func refusedChange(_ *Server, rec map[string]string) string {
	if msg := choice(rec, "type", "standard", "normal", "emergency"); msg != "" || rec["type"] == "" {
		return "Data Policy Exception: Type must be standard, normal or emergency"
	}
	if msg := choice(rec, "risk", "1", "2", "3", "4") + choice(rec, "approval", "not requested", "requested", "approved", "rejected"); msg != "" {
		return msg
	}
	start, errS := time.Parse(dateTime, rec["start_date"])
	end, errE := time.Parse(dateTime, rec["end_date"])
	if (rec["start_date"] != "" && errS != nil) || (rec["end_date"] != "" && errE != nil) {
		return "Invalid date: start_date and end_date are " + dateTime + " in UTC"
	}
	if errS == nil && errE == nil && !end.After(start) {
		return "Planned end date must be after the planned start date"
	}
	if rec["state"] == "3" && (choice(rec, "close_code", "successful", "successful_issues", "unsuccessful") != "" || rec["close_code"] == "" || rec["close_notes"] == "") {
		return "Data Policy Exception: the following fields are mandatory: Close code, Close notes"
	}
	return ""
}

// choice refuses a value of field outside its choice list; an absent field passes.
func choice(rec map[string]string, field string, values ...string) string {
	if v, ok := rec[field]; ok && v != "" && !slices.Contains(values, v) {
		return "Invalid value " + v + " for " + field
	}
	return ""
}
