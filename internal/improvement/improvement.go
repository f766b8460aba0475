// Package improvement keeps a tenant's improvement register (サービス課題一覧 /
// 改善提案): each issue of the service with its evidence, the proposal, the
// expected effect, an owner, a due day and a status that moves proposed →
// accepted → in_progress → done (or rejected), with its history. It also
// ranks the recurring manual work that could be automated (自動化可能業務),
// and the monthly report reads both.
package improvement

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Categories are the kinds of issue the register holds.
var Categories = []string{"operations", "configuration", "cost", "capacity", "automation", "security"}

// Status is where an item is in its life.
type Status string

// The statuses of an item.
const (
	Proposed   Status = "proposed"
	Accepted   Status = "accepted"
	InProgress Status = "in_progress"
	Done       Status = "done"
	Rejected   Status = "rejected"
)

// next lists the statuses each status may move to; done and rejected are
// final, and any open item may be rejected.
var next = map[Status][]Status{
	Proposed:   {Accepted, Rejected},
	Accepted:   {InProgress, Rejected},
	InProgress: {Done, Rejected},
}

// Open reports whether s is still to be acted on.
func (s Status) Open() bool { return s == Proposed || s == Accepted || s == InProgress }

// Evidence kinds: what an item's evidence may point at.
const (
	EvidenceIncident      = "incident"       // an incident or request of the tenant, by ID
	EvidenceProblem       = "problem"        // a problem record, by its number
	EvidenceAlert         = "alert"          // an alert, by its ID
	EvidenceWorkReport    = "work_report"    // a work report of the tenant, by ID
	EvidenceReportFinding = "report_finding" // a monthly report (by ID) and the finding's text
	EvidenceOperationPlan = "operation_plan" // an operation plan's result, by its reference
)

var evidenceKinds = []string{EvidenceIncident, EvidenceProblem, EvidenceAlert, EvidenceWorkReport, EvidenceReportFinding, EvidenceOperationPlan}

// Evidence is one typed reference to what shows the issue.
type Evidence struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`            // the object's ID or number
	Text string `json:"text,omitempty"` // a finding's text, or a note on the reference
}

// Item is one entry of the register.
type Item struct {
	ID        int64      `json:"id"`
	Tenant    string     `json:"tenant"`
	Title     string     `json:"title"`
	Category  string     `json:"category"`
	Evidence  []Evidence `json:"evidence"`
	Proposal  string     `json:"proposal"`
	Effect    string     `json:"expected_effect"`
	Owner     string     `json:"owner"`
	Due       string     `json:"due"` // YYYY-MM-DD, "" without one
	Status    Status     `json:"status"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	History   []Event    `json:"history,omitempty"`
}

// Event is one line of an item's history: its creation or a status change.
type Event struct {
	At     time.Time `json:"at"`
	Author string    `json:"author"`
	From   Status    `json:"from"` // "" at creation
	To     Status    `json:"to"`
	Note   string    `json:"note"`
}

const maxEvidence = 50

// Validate reports the first field of it that is not acceptable; the
// evidence's references to the tenant's objects are checked by the store.
func (it *Item) Validate() error {
	if strings.TrimSpace(it.Title) == "" {
		return invalid.New("title", "is required")
	}
	for _, f := range []struct {
		name, v string
		n       int
	}{{"title", it.Title, 200}, {"proposal", it.Proposal, 20000}, {"expected_effect", it.Effect, 5000}, {"owner", it.Owner, 100}} {
		if !utf8.ValidString(f.v) || utf8.RuneCountInString(f.v) > f.n {
			return invalid.New(f.name, "must be valid text of at most %d characters", f.n)
		}
	}
	if !slices.Contains(Categories, it.Category) {
		return invalid.New("category", "must be one of %s, not %q", strings.Join(Categories, ", "), it.Category)
	}
	if it.Due != "" {
		if _, err := time.Parse(time.DateOnly, it.Due); err != nil {
			return invalid.New("due", "must be a day as YYYY-MM-DD, not %q", it.Due)
		}
	}
	if len(it.Evidence) > maxEvidence {
		return invalid.New("evidence", "has more than %d references", maxEvidence)
	}
	for i, e := range it.Evidence {
		field := fmt.Sprintf("evidence[%d]", i)
		switch {
		case !slices.Contains(evidenceKinds, e.Kind):
			return invalid.New(field+".kind", "must be one of %s, not %q", strings.Join(evidenceKinds, ", "), e.Kind)
		case strings.TrimSpace(e.Ref) == "":
			return invalid.New(field+".ref", "is required")
		case utf8.RuneCountInString(e.Ref) > 200 || !utf8.ValidString(e.Ref):
			return invalid.New(field+".ref", "must be valid text of at most 200 characters")
		case utf8.RuneCountInString(e.Text) > 2000 || !utf8.ValidString(e.Text):
			return invalid.New(field+".text", "must be valid text of at most 2000 characters")
		case e.Kind == EvidenceReportFinding && strings.TrimSpace(e.Text) == "":
			return invalid.New(field+".text", "is required for a report finding: the finding's text")
		}
	}
	return nil
}

// checkMove refuses a status change the life of an item does not allow.
func checkMove(from, to Status) error {
	if !slices.Contains(next[from], to) {
		allowed := make([]string, 0, 2)
		for _, s := range next[from] {
			allowed = append(allowed, string(s))
		}
		if len(allowed) == 0 {
			return invalid.New("status", "the item is %s: a closed item does not change", from)
		}
		return invalid.New("status", "from %s may go to %s, not %q", from, strings.Join(allowed, " or "), to)
	}
	return nil
}

// Next lists the statuses an item of status s may move to.
func Next(s Status) []Status { return slices.Clone(next[s]) }
