// Package workreport keeps the work reports (対応報告) of a tenant: records of
// operational work done, with what, when, who and the result, optionally
// attached to an incident or request, or to a plan. The monthly report reads
// them per period.
package workreport

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Result is how the work ended.
type Result string

// The results of a piece of work.
const (
	ResultDone    Result = "done"    // 完了
	ResultPartial Result = "partial" // 一部完了
	ResultFailed  Result = "failed"  // 失敗
)

// Report is one work report.
type Report struct {
	ID         int64     `json:"id"`
	TenantID   string    `json:"tenant"`
	Subject    string    `json:"subject"` // what was done
	Detail     string    `json:"detail"`
	Worker     string    `json:"worker"` // who did it
	Result     Result    `json:"result"`
	StartedAt  time.Time `json:"started_at"`
	EndedAt    time.Time `json:"ended_at"`
	IncidentID int64     `json:"incident_id,omitempty"` // an incident or request
	PlanRef    string    `json:"plan_ref,omitempty"`    // a plan, by its reference, until plans exist
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Validate reports the first field that is not acceptable.
func (r *Report) Validate() error {
	if strings.TrimSpace(r.Subject) == "" {
		return invalid.New("subject", "is required")
	}
	if strings.TrimSpace(r.Worker) == "" {
		return invalid.New("worker", "is required")
	}
	for _, f := range []struct {
		name, v string
		n       int
	}{{"subject", r.Subject, 200}, {"detail", r.Detail, 20000}, {"worker", r.Worker, 100}, {"plan_ref", r.PlanRef, 100}} {
		if !utf8.ValidString(f.v) || utf8.RuneCountInString(f.v) > f.n {
			return invalid.New(f.name, "must be valid text of at most %d characters", f.n)
		}
	}
	switch r.Result {
	case ResultDone, ResultPartial, ResultFailed:
	default:
		return invalid.New("result", "must be done, partial or failed, not %q", r.Result)
	}
	if r.StartedAt.IsZero() {
		return invalid.New("started_at", "is required")
	}
	if r.EndedAt.IsZero() {
		return invalid.New("ended_at", "is required")
	}
	if r.EndedAt.Before(r.StartedAt) {
		return invalid.New("ended_at", "%s is before started_at %s", r.EndedAt.Format(time.RFC3339), r.StartedAt.Format(time.RFC3339))
	}
	if r.EndedAt.Sub(r.StartedAt) > 31*24*time.Hour {
		return invalid.New("ended_at", "is more than 31 days after started_at: split the work")
	}
	if r.IncidentID < 0 {
		return invalid.New("incident_id", "must be a positive ID")
	}
	return nil
}

// Duration is how long the work took.
func (r *Report) Duration() time.Duration { return r.EndedAt.Sub(r.StartedAt) }

// String names the work for logs: subject, worker and result.
func (r *Report) String() string { return fmt.Sprintf("%s (%s, %s)", r.Subject, r.Worker, r.Result) }
