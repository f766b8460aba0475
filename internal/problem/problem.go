// Package problem keeps a tenant's problem records: the causes behind
// recurring incidents, as ServiceNow's problem table keeps them. It proposes
// a problem when incidents recur (same item, host or cause category), and
// names the known errors that match an incident.
package problem

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// State is where a problem stands.
type State string

// The states of ServiceNow's problem table: New, Assess, Root Cause
// Analysis, Fix in Progress, Resolved, Closed.
const (
	StateNew               State = "new"
	StateAssess            State = "assess"
	StateRootCauseAnalysis State = "root_cause_analysis"
	StateFixInProgress     State = "fix_in_progress"
	StateResolved          State = "resolved"
	StateClosed            State = "closed"
)

// States lists the states in their order.
var States = []State{StateNew, StateAssess, StateRootCauseAnalysis, StateFixInProgress, StateResolved, StateClosed}

// transitions lists, per state, where a problem may move. Work goes forward
// one step at a time; analysis may step back (a fix that did not hold), and
// any open problem may be closed (a duplicate, or not worth fixing). A
// resolved problem is closed or reopened into analysis; closed is final.
var transitions = map[State][]State{
	StateNew:               {StateAssess, StateClosed},
	StateAssess:            {StateRootCauseAnalysis, StateClosed},
	StateRootCauseAnalysis: {StateFixInProgress, StateAssess, StateClosed},
	StateFixInProgress:     {StateResolved, StateRootCauseAnalysis, StateClosed},
	StateResolved:          {StateClosed, StateRootCauseAnalysis},
}

// Next lists the states s may move to.
func (s State) Next() []State { return transitions[s] }

// Open reports whether the problem is still being worked on.
func (s State) Open() bool { return s != StateResolved && s != StateClosed }

func (s State) valid() bool {
	for _, v := range States {
		if v == s {
			return true
		}
	}
	return false
}

// CanMove reports whether a problem in from may move to to.
func CanMove(from, to State) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// MatchKind says what makes an incident one of a problem's: its alerts'
// monitoring item, its host (resource), or its cause category.
type MatchKind string

// The kinds of match; MatchNone matches only the incidents linked by hand.
const (
	MatchNone     MatchKind = ""
	MatchItem     MatchKind = "item"
	MatchHost     MatchKind = "host"
	MatchCategory MatchKind = "category"
)

// Match is the scope of a problem: Kind and the item or resource ID, or the
// category, in Key.
type Match struct {
	Kind MatchKind `json:"kind"`
	Key  string    `json:"key"`
}

// String is the match as a proposal's key: "item:12", "host:3", "category:disk".
func (m Match) String() string { return string(m.Kind) + ":" + m.Key }

// ParseMatch reads a proposal's key.
func ParseMatch(s string) (Match, error) {
	kind, key, ok := strings.Cut(s, ":")
	m := Match{Kind: MatchKind(kind), Key: key}
	if !ok || key == "" {
		return m, invalid.New("key", "want item:<id>, host:<id> or category:<name>")
	}
	return m, m.validate("key")
}

func (m Match) validate(field string) error {
	switch m.Kind {
	case MatchNone:
		if m.Key != "" {
			return invalid.New(field, "a key needs a kind")
		}
	case MatchItem, MatchHost:
		if id, err := strconv.ParseInt(m.Key, 10, 64); err != nil || id <= 0 || strconv.FormatInt(id, 10) != m.Key {
			return invalid.New(field, "an %s match needs a positive ID", m.Kind)
		}
	case MatchCategory:
		if m.Key == "" || utf8.RuneCountInString(m.Key) > 200 {
			return invalid.New(field, "a category match needs a category of 1 to 200 characters")
		}
	default:
		return invalid.New(field, "unknown match kind %q: want item, host or category", m.Kind)
	}
	return nil
}

// Problem is one problem record of a tenant.
type Problem struct {
	ID             int64     `json:"id"`
	TenantID       string    `json:"tenant"`
	Number         string    `json:"number"` // PRB and the ID, as ServiceNow numbers problems
	Title          string    `json:"title"`
	Description    string    `json:"description"`
	State          State     `json:"state"`
	Priority       int       `json:"priority"` // 1 Critical .. 5 Planning
	Owner          string    `json:"owner"`
	Category       string    `json:"category"`
	RootCause      string    `json:"root_cause"`
	Workaround     string    `json:"workaround"`
	KnownError     bool      `json:"known_error"`
	KnownErrorText string    `json:"known_error_text"`
	Match          Match     `json:"match"`
	CreatedBy      string    `json:"created_by"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	IncidentIDs    []int64   `json:"incident_ids"`
}

// number formats a problem's number from its ID.
func number(id int64) string { return "PRB" + leftPad(strconv.FormatInt(id, 10), 7) }

func leftPad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}

// Validate checks the fields a caller sets.
func (p *Problem) Validate() error {
	if strings.TrimSpace(p.Title) == "" {
		return invalid.New("title", "required")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"title", p.Title, 200}, {"description", p.Description, 20000}, {"owner", p.Owner, 200}, {"category", p.Category, 200},
		{"root_cause", p.RootCause, 20000}, {"workaround", p.Workaround, 20000}, {"known_error_text", p.KnownErrorText, 20000}} {
		if utf8.RuneCountInString(f.v) > f.max {
			return invalid.New(f.name, "at most %d characters", f.max)
		}
	}
	if p.Priority == 0 {
		p.Priority = 4
	}
	if p.Priority < 1 || p.Priority > 5 {
		return invalid.New("priority", "want 1 (critical) to 5 (planning)")
	}
	if p.KnownError && strings.TrimSpace(p.Workaround) == "" && strings.TrimSpace(p.KnownErrorText) == "" {
		return invalid.New("workaround", "a known error needs a workaround or a known error text")
	}
	return p.Match.validate("match")
}
