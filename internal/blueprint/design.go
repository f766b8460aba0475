package blueprint

import (
	"time"

	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// Design is one tenant's operations design: what the files of a customer
// folder say, with runbook bodies read, shared templates included and
// secrets resolved (by the client, at plan or apply time). Every object is
// keyed by its name (runbooks by their title); references between them are
// by name too, never by the server's IDs.
type Design struct {
	Tenant             string       `json:"tenant"`
	TenantSettings     *Settings    `json:"tenant_settings,omitempty"` // nil: the tenant exists and its settings are not managed here
	Services           []Service    `json:"services,omitempty"`
	Resources          []Resource   `json:"resources,omitempty"`
	Runbooks           []Runbook    `json:"runbooks,omitempty"`
	Templates          []Template   `json:"templates,omitempty"`
	Assignments        []Assignment `json:"assignments,omitempty"`
	Channels           []Channel    `json:"channels,omitempty"`
	EscalationPolicies []Policy     `json:"escalation_policies,omitempty"`
	MaintenanceWindows []Window     `json:"maintenance_windows,omitempty"`

	// People (kind_contact.go to kind_report.go).
	Contacts        []Contact       `json:"contacts,omitempty"`
	OnCallRotations []Rotation      `json:"oncall_rotations,omitempty"`
	Silences        []Silence       `json:"silences,omitempty"`
	StatusPage      *StatusPage     `json:"status_page,omitempty"`     // one per tenant
	ReportSchedule  *ReportSchedule `json:"report_schedule,omitempty"` // one per tenant

	// Cloud and ITSM (kind_cloud.go, kind_servicenow.go, kind_override.go).
	CloudAccounts []CloudAccount `json:"cloud_accounts,omitempty"`
	ServiceNow    *ServiceNow    `json:"servicenow,omitempty"` // one per tenant
	ItemOverrides []ItemOverride `json:"item_overrides,omitempty"`

	// Operation plans, backups and dashboards (kind_capacity.go, kind_plan.go,
	// kind_backup.go, kind_dashboard.go).
	CapacityGroups []CapacityGroup `json:"capacity_groups,omitempty"`
	OperationPlans []OperationPlan `json:"operation_plans,omitempty"`
	BackupPolicies []BackupPolicy  `json:"backup_policies,omitempty"`
	Dashboards     []Dashboard     `json:"dashboards,omitempty"`
}

// Settings are the tenant's own settings: given, apply creates the tenant
// when it is missing and puts them back when they differ (both only for
// an MSP-wide caller); never deleted by apply.
type Settings struct {
	Name     string   `json:"name"`                // the customer's display name
	Language string   `json:"language,omitempty"`  // ja or en: its reports, notifications and console
	TimeZone string   `json:"time_zone,omitempty"` // IANA name, for its reports
	Networks []string `json:"networks,omitempty"`  // where the pollers may reach its internal addresses (CIDR)
}

// Service is a service and its service level (calendar included).
type Service struct {
	Name         string             `json:"name"`
	Description  string             `json:"description,omitempty"`
	ServiceLevel model.ServiceLevel `json:"service_level"`
}

// Resource is a host, database, load balancer... of the tenant.
type Resource struct {
	Name    string            `json:"name"`
	Kind    string            `json:"kind"`
	Service string            `json:"service,omitempty"` // a service's name
	Labels  map[string]string `json:"labels,omitempty"`
}

// Runbook is a Markdown procedure. In the files, File names a Markdown
// file beside them instead of an inline Body.
type Runbook struct {
	Title string `json:"title"`
	Body  string `json:"body,omitempty"`
	File  string `json:"file,omitempty"` // files only: read into Body by the loader
}

// Template is a named set of monitoring items of the tenant.
type Template struct {
	Name        string          `json:"name"`
	Title       monitoring.Text `json:"title,omitzero"`
	Description string          `json:"description,omitempty"`
	Items       []Item          `json:"items,omitempty"`
}

// Item is one monitoring item of a template (監視項目).
type Item struct {
	Name                    string                    `json:"name"`
	Title                   monitoring.Text           `json:"title,omitzero"`
	Kind                    monitoring.Kind           `json:"kind"`
	Description             string                    `json:"description,omitempty"`
	Metric                  *monitoring.Metric        `json:"metric,omitempty"`
	Log                     *monitoring.Log           `json:"log,omitempty"`
	Check                   *monitoring.Check         `json:"check,omitempty"`
	NoData                  *monitoring.NoData        `json:"nodata,omitempty"`
	Process                 *monitoring.Process       `json:"process,omitempty"`
	Service                 *monitoring.Service       `json:"service,omitempty"`
	Exporter                *monitoring.Exporter      `json:"exporter,omitempty"`
	Zabbix                  *Zabbix                   `json:"zabbix,omitempty"`
	SNMP                    *SNMP                     `json:"snmp,omitempty"`
	Backup                  *monitoring.Backup        `json:"backup,omitempty"`
	Threshold               *monitoring.Threshold     `json:"threshold,omitempty"`
	For                     model.Duration            `json:"for,omitempty"`
	Interval                model.Duration            `json:"interval,omitempty"`
	Severity                monitoring.Severity       `json:"severity,omitempty"`
	RunbookURL              string                    `json:"runbook_url,omitempty"`
	Runbook                 string                    `json:"runbook,omitempty"` // a runbook's title
	ServiceLevelRequirement string                    `json:"service_level_requirement,omitempty"`
	IncidentPolicy          monitoring.IncidentPolicy `json:"incident_policy,omitempty"`
	Notify                  []string                  `json:"notify,omitempty"`
	Disabled                bool                      `json:"disabled,omitempty"`
}

// Assignment applies a template to the hosts a selector matches, or to
// one resource.
type Assignment struct {
	Template string `json:"template"`
	Selector string `json:"selector,omitempty"`
	Resource string `json:"resource,omitempty"` // a resource's name
}

// Channel is where notifications go. Secrets in Config (a webhook URL, a
// password) are written in the files as ${env:NAME} or ${file:path}.
type Channel struct {
	Name   string         `json:"name"`
	Type   string         `json:"type"`
	Config map[string]any `json:"config"`
}

// Policy is an escalation policy.
type Policy struct {
	Name    string `json:"name"`
	Default bool   `json:"default,omitempty"`
	When    string `json:"when,omitempty"`
	Steps   []Step `json:"steps"`
	Repeat  int    `json:"repeat,omitempty"`
}

// Step is one step of an escalation policy.
type Step struct {
	Targets []string       `json:"targets"`
	Wait    model.Duration `json:"wait,omitempty"`
	When    string         `json:"when,omitempty"`
}

// Window is a maintenance window: one-off (start, end) or recurring.
type Window struct {
	Name       string                  `json:"name"`
	Service    string                  `json:"service,omitempty"`  // a service's name
	Resource   string                  `json:"resource,omitempty"` // a resource's name
	Labels     map[string]string       `json:"labels,omitempty"`
	Start      time.Time               `json:"start,omitzero"` // one-off, RFC 3339
	End        time.Time               `json:"end,omitzero"`
	Recurrence *maintenance.Recurrence `json:"recurrence,omitempty"`
}
