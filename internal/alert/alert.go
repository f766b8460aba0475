package alert

import (
	"context"
	"time"

	"github.com/unyo-ops/unyo/internal/monitoring"
)

// State is where an alert is in its lifecycle.
type State string

// The states. An alert instance ends resolved; the next breach of the same
// fingerprint is a new instance.
const (
	StatePending  State = "pending"  // the condition holds, not yet for the item's `for`
	StateFiring   State = "firing"   // the condition held long enough
	StateResolved State = "resolved" // the value recovered, or the sender said so
)

// Source is where an alert came from.
type Source string

// The sources.
const (
	SourceRule         Source = "rule"         // a monitoring item evaluated here
	SourceAlertmanager Source = "alertmanager" // POST /api/v1/intake/alertmanager
	SourceAzure        Source = "azure"        // POST /api/v1/intake/azure-monitor
	SourceGeneric      Source = "generic"      // POST /api/v1/intake/events
	SourceZabbix       Source = "zabbix"       // POST /api/v1/intake/zabbix
	SourceBackup       Source = "backup"       // the backup compliance watch (internal/backup)
	SourceCapacity     Source = "capacity"     // a failed or unverified operation-plan step (internal/capacity)
	SourceCloudHealth  Source = "cloud_health" // Azure Resource/Service Health, AWS Health (internal/discovery)
	SourceSNMP         Source = "snmp"         // an SNMP trap (internal/snmptrap)
)

// Severity is how serious an alert is.
type Severity string

// The severities, as monitoring items have them.
const (
	SeverityCritical Severity = "critical"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// rank orders severities so that an escalation can be told from a de-escalation.
func (s Severity) rank() int {
	switch s {
	case SeverityCritical:
		return 3
	case SeverityWarning:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// Text is a user-facing text in both languages.
type Text struct {
	Ja string `json:"ja,omitempty"`
	En string `json:"en,omitempty"`
}

// In returns the text in lang ("ja" or "en"), falling back to the other.
func (t Text) In(lang string) string {
	if lang == "en" && t.En != "" || t.Ja == "" {
		return t.En
	}
	return t.Ja
}

// valueIn is text in lang, when it has both languages; else plain.
func valueIn(texts Text, plain, lang string) string {
	if texts != (Text{}) {
		return texts.In(lang)
	}
	return plain
}

// ValueIn is the alert's value text in lang ("ja" or "en").
func (a *Alert) ValueIn(lang string) string { return valueIn(a.ValueTexts, a.ValueText, lang) }

// ValueIn is the event's value text in lang ("ja" or "en").
func (ev *Event) ValueIn(lang string) string { return valueIn(ev.ValueTexts, ev.ValueText, lang) }

// Alert is one alert instance, as stored.
type Alert struct {
	ID             int64             `json:"id"`
	TenantID       string            `json:"tenant"`
	Fingerprint    string            `json:"fingerprint"`
	Source         Source            `json:"source"`
	ItemID         int64             `json:"item_id,omitempty"`
	ResourceID     int64             `json:"resource_id,omitempty"`
	ServiceID      int64             `json:"service_id,omitempty"`
	Resource       string            `json:"resource,omitempty"` // the resource's name
	Title          Text              `json:"title"`
	Summary        Text              `json:"summary"`
	Labels         map[string]string `json:"labels"`
	Notify         []string          `json:"notify,omitempty"` // the item's notification routes
	RunbookURL     string            `json:"runbook_url,omitempty"`
	Severity       Severity          `json:"severity"`
	State          State             `json:"state"`
	Value          *float64          `json:"value,omitempty"`
	ValueText      string            `json:"value_text,omitempty"` // e.g. "cpu 93.5 > 90"
	ValueTexts     Text              `json:"-"`                    // ValueText in both languages when unyo wrote it; empty: the rule's or sender's words, in both
	StartedAt      time.Time         `json:"started_at"`
	FiredAt        *time.Time        `json:"fired_at,omitempty"`
	ResolvedAt     *time.Time        `json:"resolved_at,omitempty"`
	AcknowledgedBy string            `json:"acknowledged_by,omitempty"`
	AcknowledgedAt *time.Time        `json:"acknowledged_at,omitempty"`
	SilencedUntil  *time.Time        `json:"silenced_until,omitempty"`
	Flapping       bool              `json:"flapping"`
	InMaintenance  bool              `json:"in_maintenance"`
	MaintenanceID  int64             `json:"maintenance_window_id,omitempty"`
	Inhibited      bool              `json:"inhibited"`
	// Announced is set once a firing transition of the alert was offered for
	// notification: only then is its resolution worth telling anyone.
	Announced bool      `json:"announced"`
	UpdatedAt time.Time `json:"updated_at"`

	Events []*Event `json:"events,omitempty"` // filled by Store.Alert
}

// Event is one transition of an alert, or an action on it.
type Event struct {
	ID         int64      `json:"id"`
	AlertID    int64      `json:"alert_id"`
	At         time.Time  `json:"at"`
	From       State      `json:"from"` // "" for the first event of an alert
	To         State      `json:"to"`
	Reason     string     `json:"reason"` // see the Reason constants
	Severity   Severity   `json:"severity"`
	Value      *float64   `json:"value,omitempty"`
	ValueText  string     `json:"value_text,omitempty"`
	ValueTexts Text       `json:"-"` // ValueText in both languages, as the alert's
	Actor      string     `json:"actor,omitempty"`
	Notify     bool       `json:"notify"` // the transition is to be notified
	NotifiedAt *time.Time `json:"notified_at,omitempty"`
}

// Reasons of events.
const (
	ReasonCondition    = "condition"    // the condition started to hold, or held long enough
	ReasonRecovered    = "recovered"    // the value passed the recovery level
	ReasonCleared      = "cleared"      // a pending alert whose condition stopped holding
	ReasonSeverity     = "severity"     // a firing alert changed severity
	ReasonReleased     = "released"     // a held firing alert is notified: it stopped flapping, its host or maintenance ended
	ReasonIntake       = "intake"       // an external sender said so
	ReasonAcknowledged = "acknowledged" // a person acknowledged the alert
	ReasonSilenced     = "silenced"     // a person silenced the alert
	ReasonRemoved      = "removed"      // the item or resource is gone
	ReasonGone         = "gone"         // the cloud no longer lists the resource (discovery labelled it cloud_gone)
)

// Transition is what a notification needs to know of one committed
// firing or resolved transition. The engine offers it to a NotifyFunc.
type Transition struct {
	// IdempotencyKey is "alert:<tenant>:<alert id>:<event id>": the same
	// transition offered twice (after a crash) carries the same key.
	IdempotencyKey string   `json:"idempotency_key"`
	Tenant         string   `json:"tenant"`
	AlertID        int64    `json:"alert_id"`
	EventID        int64    `json:"event_id"`
	Fingerprint    string   `json:"fingerprint"`
	Source         Source   `json:"source"`
	Status         State    `json:"status"` // firing or resolved
	Severity       Severity `json:"severity"`
	Title          Text     `json:"title"`
	Summary        Text     `json:"summary"`
	Resource       string   `json:"resource,omitempty"`
	ResourceID     int64    `json:"resource_id,omitempty"`
	ServiceID      int64    `json:"service_id,omitempty"`
	ItemID         int64    `json:"item_id,omitempty"`
	Notify         []string `json:"notify,omitempty"`
	RunbookURL     string   `json:"runbook_url,omitempty"`
	// IncidentPolicy is what the transition does to incidents: the policy
	// of the alert's item with the host's overrides, as the engine resolved
	// it; PolicyNew for alerts from outside monitoring.
	IncidentPolicy monitoring.IncidentPolicy `json:"incident_policy"`
	Labels         map[string]string         `json:"labels"`
	Value          string                    `json:"value,omitempty"`       // e.g. "cpu 93.5 > 90"
	ValueTexts     Text                      `json:"value_texts,omitempty"` // Value in both languages, when unyo wrote it
	StartsAt       time.Time                 `json:"starts_at"`
	EndsAt         *time.Time                `json:"ends_at,omitempty"`
}

// NotifyFunc hands a committed transition to whoever delivers it (the
// outbox). It must be idempotent on Transition.IdempotencyKey: a transition
// is offered again until a call returns nil.
type NotifyFunc func(ctx context.Context, t Transition) error

// AckFunc is told, after the acknowledgement is stored, that someone took
// alert id of tenant on: the notification outbox stops its escalation.
type AckFunc func(ctx context.Context, tenant string, id int64) error

// MaintenanceFunc reports whether a resource or service of tenant, or an
// alert with labels, is in a maintenance window at the given time, and which.
type MaintenanceFunc func(ctx context.Context, tenant string, resourceID, serviceID int64, labels map[string]string, at time.Time) (windowID int64, in bool, err error)
