package backup

import (
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// RestoreResult is how a restore test ended.
type RestoreResult string

// The restore test results.
const (
	RestoreOK     RestoreResult = "ok"
	RestoreFailed RestoreResult = "failed"
)

// RestoreTest is one restore test performed (リカバリ訓練): the data of a
// policy restored and verified, timed against the effective RTO.
type RestoreTest struct {
	ID           int64         `json:"id"`
	TenantID     string        `json:"tenant"`
	PolicyID     int64         `json:"policy_id"`
	StartedAt    time.Time     `json:"started_at"`
	FinishedAt   time.Time     `json:"finished_at"`
	PerformedBy  string        `json:"performed_by"` // who did it
	Restored     string        `json:"restored"`     // what was restored, and from which point
	Verification string        `json:"verification"` // how the restored data was checked
	Result       RestoreResult `json:"result"`
	// Duration is the measured restore time, FinishedAt - StartedAt.
	Duration model.Duration `json:"duration"`
	// RTO is the policy's effective RTO when read; OverRTO says the
	// restore took longer (a finding), false without an RTO.
	RTO       model.Duration `json:"rto"`
	OverRTO   bool           `json:"over_rto"`
	CreatedAt time.Time      `json:"created_at"`
}

// Validate reports the first field that is not acceptable; now bounds
// times in the future.
func (rt *RestoreTest) Validate(now time.Time) error {
	if rt.StartedAt.IsZero() {
		return invalid.New("started_at", "is required")
	}
	if rt.FinishedAt.IsZero() {
		return invalid.New("finished_at", "is required")
	}
	if rt.FinishedAt.Before(rt.StartedAt) {
		return invalid.New("finished_at", "is before started_at")
	}
	if rt.FinishedAt.After(now.Add(5 * time.Minute)) {
		return invalid.New("finished_at", "is in the future")
	}
	switch rt.Result {
	case RestoreOK, RestoreFailed:
	default:
		return invalid.New("result", "must be ok or failed, not %q", rt.Result)
	}
	if err := text("performed_by", rt.PerformedBy, 200, true); err != nil {
		return err
	}
	if err := text("restored", rt.Restored, 2000, true); err != nil {
		return err
	}
	return text("verification", rt.Verification, 4000, true)
}

// measure fills the duration and compares it with rto.
func (rt *RestoreTest) measure(rto model.Duration) {
	rt.Duration = model.Duration(rt.FinishedAt.Sub(rt.StartedAt))
	rt.RTO = rto
	rt.OverRTO = rto > 0 && rt.Duration > rto
}
