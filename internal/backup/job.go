package backup

import (
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Result is how a backup job ended.
type Result string

// The job statuses.
const (
	StatusOK      Result = "ok"
	StatusFailed  Result = "failed"
	StatusPartial Result = "partial" // some of the data was saved: not a good recovery point
)

// Job is one backup job's result.
type Job struct {
	ID         int64     `json:"id"`
	TenantID   string    `json:"tenant"`
	PolicyID   int64     `json:"policy_id"`
	Status     Result    `json:"status"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	SizeBytes  int64     `json:"size_bytes"`
	// RecoveryPoint is the moment the data can be restored to; a job that
	// says nothing restores to its start.
	RecoveryPoint time.Time `json:"recovery_point"`
	ExternalID    string    `json:"external_id,omitempty"` // the sender's ID: the same one twice is stored once
	Message       string    `json:"message,omitempty"`
	// Source is where the result came from: api, agent, or the policy's
	// source kind (azure_backup, aws_backup, metric).
	Source    string    `json:"source,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Good says whether the job left a recovery point to restore from.
func (j *Job) Good() bool { return j.Status == StatusOK }

// Validate reports the first field that is not acceptable and fills the
// defaults; now bounds times in the future (a sender's clock may be a
// little ahead).
func (j *Job) Validate(now time.Time) error {
	switch j.Status {
	case StatusOK, StatusFailed, StatusPartial:
	default:
		return invalid.New("status", "must be ok, failed or partial, not %q", j.Status)
	}
	if j.FinishedAt.IsZero() {
		j.FinishedAt = now
	}
	if j.StartedAt.IsZero() {
		j.StartedAt = j.FinishedAt
	}
	if j.FinishedAt.Before(j.StartedAt) {
		return invalid.New("finished_at", "is before started_at")
	}
	limit := now.Add(5 * time.Minute)
	if j.FinishedAt.After(limit) {
		return invalid.New("finished_at", "is in the future")
	}
	if j.RecoveryPoint.IsZero() {
		j.RecoveryPoint = j.StartedAt
	}
	if j.RecoveryPoint.After(j.FinishedAt) {
		return invalid.New("recovery_point", "is after finished_at")
	}
	if j.SizeBytes < 0 {
		return invalid.New("size_bytes", "must not be negative")
	}
	if j.Source == "" {
		j.Source = OriginAPI
	}
	switch SourceKind(j.Source) {
	case OriginAPI, OriginAgent, SourceAzure, SourceAWS, SourceMetric:
	default:
		return invalid.New("source", "must be api or agent, not %q", j.Source)
	}
	if err := text("external_id", j.ExternalID, 256, false); err != nil {
		return err
	}
	return text("message", j.Message, 4000, false)
}
