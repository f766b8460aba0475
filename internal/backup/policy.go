// Package backup measures every service's backups against its service
// level: backup policies (what is protected, how, when, how long it is kept,
// RPO and RTO, the restore runbook), the history of their job results, and
// the compliance watch that raises an alert through the alert pipeline the
// moment a policy's newest good recovery point grows older than its RPO, a
// job fails or a scheduled run is missing.
package backup

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// Method is how a policy's backups are taken.
type Method string

// The methods.
const (
	MethodAzureBackup Method = "azure_backup"
	MethodAWSBackup   Method = "aws_backup"
	MethodSnapshot    Method = "snapshot"
	MethodDBDump      Method = "db_dump"
	MethodCommand     Method = "command"
	MethodOther       Method = "other"
)

// Policy is one backup policy of a tenant's service (and optionally one of
// its resources).
type Policy struct {
	ID         int64  `json:"id"`
	TenantID   string `json:"tenant"`
	Name       string `json:"name"`
	ServiceID  int64  `json:"service_id"`
	ResourceID int64  `json:"resource_id,omitempty"`
	Target     string `json:"target"` // what is protected: a host, a database, a storage account...
	Method     Method `json:"method"`
	Schedule   string `json:"schedule"` // "every 6h" or cron "0 2 * * *", in the tenant's time zone
	// Retention is how long a recovery point is kept.
	Retention model.Duration `json:"retention"`
	// RPO and RTO are the policy's own, when tighter than the service
	// level's; zero takes the service level's.
	RPO     model.Duration `json:"rpo"`
	RTO     model.Duration `json:"rto"`
	Grace   model.Duration `json:"grace"`   // how late a scheduled run may start before it is missing
	Runbook string         `json:"runbook"` // the restore runbook: a URL or a runbook's name
	// SizeLowPercent and SizeHighPercent bound a good job's size against
	// the median of the policy's previous good jobs (size_anomaly).
	SizeLowPercent  int `json:"size_low_percent"`
	SizeHighPercent int `json:"size_high_percent"`
	// RestorePlan is how often a restore is to be tested (ParseRestorePlan);
	// a test later than its due moment plus RestoreGrace is overdue.
	RestorePlan  string         `json:"restore_plan"`
	RestoreGrace model.Duration `json:"restore_grace"`
	// RestorePlanSince is when the plan was set: the first test is due
	// from then.
	RestorePlanSince *time.Time `json:"restore_plan_since,omitempty"`
	// Source is where a poller fetches the jobs (a cloud account, a
	// metric); nil: only pushed jobs (scripts, agents).
	Source *Source `json:"source,omitempty"`
	// Restorable is what the source's vaults still hold, as the poller
	// last read them (Azure Backup's recovery points); nil: never read.
	// The API cannot set it.
	Restorable *Restorable `json:"restorable,omitempty"`
	// EffectiveRPO and EffectiveRTO are what compliance measures: the
	// policy's own or else the service level's.
	EffectiveRPO model.Duration `json:"effective_rpo"`
	EffectiveRTO model.Duration `json:"effective_rto"`
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
}

// Restorable is the span of recovery points a backup service still holds
// for a policy: the vault knows what it keeps, where unyo's history only
// knows the jobs it saw.
type Restorable struct {
	Oldest time.Time `json:"oldest"`
	Newest time.Time `json:"newest"`
}

// DefaultGrace is how late a scheduled run may be when the policy says nothing.
const DefaultGrace = model.Duration(time.Hour)

// The defaults of the size rule and of the restore test plan's grace.
const (
	DefaultSizeLowPercent  = 50  // a good job under half the median is suspect
	DefaultSizeHighPercent = 200 // and one over twice the median
	DefaultRestoreGrace    = model.Duration(7 * 24 * time.Hour)
)

// Validate reports the first field that is not acceptable, on its own (the
// store checks it against the service level).
func (p *Policy) Validate() error {
	if err := text("name", p.Name, 100, true); err != nil {
		return err
	}
	if p.ServiceID <= 0 {
		return invalid.New("service_id", "is required: a policy protects a service")
	}
	if p.ResourceID < 0 {
		return invalid.New("resource_id", "must be a positive ID")
	}
	if err := text("target", p.Target, 500, true); err != nil {
		return err
	}
	switch p.Method {
	case MethodAzureBackup, MethodAWSBackup, MethodSnapshot, MethodDBDump, MethodCommand, MethodOther:
	default:
		return invalid.New("method", "must be azure_backup, aws_backup, snapshot, db_dump, command or other, not %q", p.Method)
	}
	if _, err := ParseSchedule(p.Schedule); err != nil {
		return invalid.New("schedule", "%v", err)
	}
	if p.Retention <= 0 {
		return invalid.New("retention", "is required, e.g. \"720h\" for 30 days")
	}
	for _, d := range []struct {
		field string
		v     model.Duration
	}{{"rpo", p.RPO}, {"rto", p.RTO}} {
		if d.v < 0 || (d.v > 0 && time.Duration(d.v) < MinInterval) {
			return invalid.New(d.field, "must be at least %s (or empty for the service level's)", MinInterval)
		}
	}
	if p.Grace == 0 {
		p.Grace = DefaultGrace
	}
	if p.Grace < 0 || time.Duration(p.Grace) < MinInterval || time.Duration(p.Grace) > 24*time.Hour {
		return invalid.New("grace", "must be between 1m and 24h")
	}
	if err := text("runbook", p.Runbook, 2000, false); err != nil {
		return err
	}
	if p.SizeLowPercent == 0 {
		p.SizeLowPercent = DefaultSizeLowPercent
	}
	if p.SizeHighPercent == 0 {
		p.SizeHighPercent = DefaultSizeHighPercent
	}
	if p.SizeLowPercent < 1 || p.SizeLowPercent > 99 {
		return invalid.New("size_low_percent", "must be from 1 to 99 (percent of the median size), not %d", p.SizeLowPercent)
	}
	if p.SizeHighPercent < 101 || p.SizeHighPercent > 100000 {
		return invalid.New("size_high_percent", "must be from 101 to 100000 (percent of the median size), not %d", p.SizeHighPercent)
	}
	if _, err := ParseRestorePlan(p.RestorePlan); err != nil {
		return invalid.New("restore_plan", "%v", err)
	}
	if p.RestoreGrace == 0 {
		p.RestoreGrace = DefaultRestoreGrace
	}
	if time.Duration(p.RestoreGrace) < time.Hour || time.Duration(p.RestoreGrace) > 90*24*time.Hour {
		return invalid.New("restore_grace", "must be between 1h and 2160h")
	}
	return p.Source.Validate()
}

// applyLevel sets the effective RPO and RTO from the service level and
// refuses a policy looser than it or without any RPO.
func (p *Policy) applyLevel(l model.ServiceLevel) error {
	var err error
	if p.EffectiveRPO, err = tighter("rpo", p.RPO, l.RPO); err != nil {
		return err
	}
	if p.EffectiveRTO, err = tighter("rto", p.RTO, l.RTO); err != nil {
		return err
	}
	if p.EffectiveRPO == 0 {
		return invalid.New("rpo", "is required: the service level sets no RPO")
	}
	return nil
}

func tighter(field string, own, level model.Duration) (model.Duration, error) {
	switch {
	case own == 0:
		return level, nil
	case level > 0 && own > level:
		return 0, invalid.New(field, "%s is looser than the service level's %s", time.Duration(own), time.Duration(level))
	}
	return own, nil
}

func text(field, v string, max int, required bool) error {
	if required && strings.TrimSpace(v) == "" {
		return invalid.New(field, "is required")
	}
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > max {
		return invalid.New(field, "must be valid text of at most %d characters", max)
	}
	return nil
}
