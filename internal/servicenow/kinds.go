package servicenow

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Kind is the sort of unyo record a ServiceNow record mirrors.
type Kind string

// The kinds synced. Incidents, inquiries and requests are rows of unyo's
// incidents table and share its IDs; problems and changes have their own.
const (
	KindIncident Kind = "incident"
	KindInquiry  Kind = "inquiry"
	KindRequest  Kind = "request"
	KindProblem  Kind = "problem"
	KindChange   Kind = "change"
)

// Kinds lists the kinds in the order the settings show them.
var Kinds = []Kind{KindIncident, KindInquiry, KindRequest, KindProblem, KindChange}

// The ServiceNow tables unyo writes.
const (
	TableIncident = "incident"
	TableCase     = "sn_customerservice_case" // Customer Service Management's case
	TableRequest  = "sc_request"
	TableReqItem  = "sc_req_item"
	TableProblem  = "problem"
	TableChange   = "change_request"
	// TableNone keeps a kind out of ServiceNow.
	TableNone = "none"
)

// tableChoices lists, per kind, the tables it may be synced to; the first
// is the default. An inquiry is an incident of category inquiry unless the
// customer runs Customer Service Management.
var tableChoices = map[Kind][]string{
	KindIncident: {TableIncident, TableNone},
	KindInquiry:  {TableIncident, TableCase, TableNone},
	KindRequest:  {TableRequest, TableNone},
	KindProblem:  {TableProblem, TableNone},
	KindChange:   {TableChange, TableNone},
}

// TableChoices returns the tables kind may be synced to, the default first.
func TableChoices(k Kind) []string { return tableChoices[k] }

// Tables maps each kind to the ServiceNow table its records go to. A kind
// missing takes its default; TableNone keeps the kind out of ServiceNow.
type Tables map[Kind]string

// For returns the table of kind k.
func (t Tables) For(k Kind) string {
	if v := t[k]; v != "" {
		return v
	}
	if c := tableChoices[k]; len(c) > 0 {
		return c[0]
	}
	return TableNone
}

// Full returns every kind with its table, defaults filled in: what a
// caller is answered.
func (t Tables) Full() Tables {
	out := Tables{}
	for _, k := range Kinds {
		out[k] = t.For(k)
	}
	return out
}

func (t Tables) validate() error {
	for k, v := range t {
		choices, ok := tableChoices[k]
		if !ok {
			return invalid.New("tables", "unknown kind %q: want incident, inquiry, request, problem or change", k)
		}
		if v != "" && !slices.Contains(choices, v) {
			return invalid.New("tables."+string(k), "must be one of %s, not %q", strings.Join(choices, ", "), v)
		}
	}
	return nil
}

func (t Tables) encode() string {
	data, _ := json.Marshal(t.Full())
	return string(data)
}

func decodeTables(s string) Tables {
	t := Tables{}
	json.Unmarshal([]byte(s), &t)
	return t.Full()
}
