package report

import (
	"context"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
)

// The report reads the other domains only through these small interfaces;
// the server adapts the alert, incident, work report and maintenance stores to
// them. A nil source gives an explained empty section, never a failed report.

// AlertSource lists the alerts that fired in [from, to).
type AlertSource interface {
	Alerts(ctx context.Context, tenant string, from, to time.Time) ([]AlertRecord, error)
}

// AlertRecord is one alert firing.
type AlertRecord struct {
	Item     string // monitoring item name
	Host     string // resource name, "" for a tenant-wide alert
	Severity string // info, warning, critical
	// Title is the item's title in each language, as the alert carries
	// it; the report shows it in the tenant's, the item's name without one.
	Title    Bilingual
	FiredAt  time.Time
	Resolved *time.Time
}

// IncidentSource lists the incidents open at any time in [from, to).
type IncidentSource interface {
	Incidents(ctx context.Context, tenant string, from, to time.Time) ([]IncidentRecord, error)
}

// IncidentRecord is one incident with the result of its SLA clocks.
type IncidentRecord struct {
	ID    string
	Title string
	// Titles is Title in both languages, when the incident bears the
	// title its alert gave it: the report shows the customer's.
	Titles     Bilingual
	Service    string
	Severity   string // the priority's name, or a severity, when Priority is 0
	Priority   int    // 1 (critical) to 5 (planning); 0 when not known
	OpenedAt   time.Time
	ResolvedAt *time.Time
	// SLAMet is nil when the incident has no SLA target, or when its
	// clock is still running unbreached (SLAOpen): neither met nor missed.
	SLAMet  *bool
	SLAOpen bool
	// SLAUsed is the share of the resolve target used, 0..1 and beyond.
	SLAUsed float64
}

// RequestSource lists the customer's service requests of [from, to).
type RequestSource interface {
	Requests(ctx context.Context, tenant string, from, to time.Time) ([]RequestRecord, error)
}

// RequestRecord is one service request.
type RequestRecord struct {
	ID       string
	Title    string
	OpenedAt time.Time
	ClosedAt *time.Time
	SLAMet   *bool // nil without a target or while open (SLAOpen)
	SLAOpen  bool
}

// VendorSource sums the vendor cases (問い合わせ代行) active in [from, to)
// per vendor.
type VendorSource interface {
	VendorWaits(ctx context.Context, tenant string, from, to time.Time) ([]VendorRecord, error)
}

// VendorRecord is one vendor's cases over the period: how many, and how
// long they waited on the vendor within it.
type VendorRecord struct {
	Vendor  string        `json:"vendor"` // Microsoft, AWS, or the other vendor's name
	Cases   int           `json:"cases"`
	Waiting time.Duration `json:"waiting_ns"`
}

// WorkSource lists the work reports (作業報告) of [from, to).
type WorkSource interface {
	WorkReports(ctx context.Context, tenant string, from, to time.Time) ([]WorkRecord, error)
}

// WorkRecord is one piece of work done for the tenant.
type WorkRecord struct {
	Title   string
	Start   time.Time
	End     time.Time
	Summary string
}

// DowntimeSource lists the periods when a service was down in [from, to).
type DowntimeSource interface {
	Downtime(ctx context.Context, tenant string, from, to time.Time) ([]Interval, error)
}

// MaintenanceSource lists the maintenance windows of [from, to).
type MaintenanceSource interface {
	Windows(ctx context.Context, tenant string, from, to time.Time) ([]Interval, error)
}

// Interval is a period of one service; Service "" means every service.
type Interval struct {
	Service string
	Start   time.Time
	End     time.Time
}

// TenantSource reads a tenant, its services and its hosts.
type TenantSource interface {
	Tenant(ctx context.Context, id string) (*model.Tenant, error)
	Services(ctx context.Context, tenant string) ([]*model.Service, error)
}

// Sources are what a report is made from. Only Tenants and Metrics are
// required.
type Sources struct {
	Tenants     TenantSource
	Metrics     Metrics
	Alerts      AlertSource
	Incidents   IncidentSource
	Requests    RequestSource
	Work        WorkSource
	Vendors     VendorSource // nil: no vendor cases in section 4
	Downtime    DowntimeSource
	Maintenance MaintenanceSource
	Operations  OperationSource // capacity groups' plan against actual; nil: no section
	Backups     BackupSource
	// Improvements is the improvement register; nil: no section 改善提案
	// and no topics picked from it.
	Improvements ImprovementSource
}

// BackupSource reads every backup policy's record over [from, to).
type BackupSource interface {
	Backups(ctx context.Context, tenant string, from, to time.Time) ([]BackupRecord, error)
}

// BackupRecord is one backup policy over the period: its jobs, how much of
// the period its newest good point was within the RPO, its failures and
// its restore tests.
type BackupRecord struct {
	Policy  string   `json:"policy"`
	Service string   `json:"service"`
	Target  string   `json:"target"`
	RPO     Duration `json:"rpo"`
	RTO     Duration `json:"rto"`
	// Jobs and Succeeded count the jobs that finished in the period.
	Jobs      int `json:"jobs"`
	Succeeded int `json:"succeeded"`
	// Minutes is how much of the period the policy existed, WithinRPO how
	// many of those minutes its newest good point was within the RPO.
	Minutes        int             `json:"minutes"`
	WithinRPO      int             `json:"within_rpo_minutes"`
	Failures       []BackupFailure `json:"failures"`
	RestoreTests   []RestoreRecord `json:"restore_tests"`
	RestorePlan    string          `json:"restore_plan"`
	RestoreOverdue *time.Time      `json:"restore_overdue,omitempty"` // the due moment of a test overdue at the period's end
}

// SuccessRate is the share of the period's jobs that succeeded, in
// percent; -1 without jobs.
func (b BackupRecord) SuccessRate() float64 {
	if b.Jobs == 0 {
		return -1
	}
	return 100 * float64(b.Succeeded) / float64(b.Jobs)
}

// RPOPercent is the share of the measured minutes within the RPO, in
// percent; -1 when nothing was measured.
func (b BackupRecord) RPOPercent() float64 {
	if b.Minutes == 0 {
		return -1
	}
	return 100 * float64(b.WithinRPO) / float64(b.Minutes)
}

// BackupFailure is a failed (or partial) backup job and the incident its
// alert opened or joined.
type BackupFailure struct {
	FinishedAt time.Time `json:"finished_at"`
	Status     string    `json:"status"` // failed, partial
	Message    string    `json:"message"`
	Incident   string    `json:"incident"` // the incident's number, "" when none
}

// RestoreRecord is one restore test (リカバリ訓練) against the RTO.
type RestoreRecord struct {
	StartedAt    time.Time `json:"started_at"`
	Duration     Duration  `json:"duration"`
	RTO          Duration  `json:"rto"`
	OverRTO      bool      `json:"over_rto"`
	OK           bool      `json:"ok"`
	PerformedBy  string    `json:"performed_by"`
	Restored     string    `json:"restored"`
	Verification string    `json:"verification"`
}
