// Package report makes the operations report that the MSP brings to the
// customer's monthly meeting (定例会): availability against target, host
// performance, alert statistics, response reports, findings and capacity
// advice for one tenant and period, as HTML and PDF in Japanese or English,
// kept as a draft the operator edits until it is published and delivered.
package report

import (
	"time"

	"github.com/unyo-ops/unyo/internal/chart"
)

// Report is the content of one report: the figures gathered for the period
// and what the operator added. It is stored as JSON with the draft and
// rendered to HTML and PDF.
type Report struct {
	Tenant      string    `json:"tenant"`
	TenantName  string    `json:"tenant_name"`
	Service     string    `json:"service,omitempty"` // a per-service report's service; "" the whole tenant
	Language    string    `json:"language"`
	TimeZone    string    `json:"time_zone"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	PrevFrom    time.Time `json:"prev_from"`
	GeneratedAt time.Time `json:"generated_at"`
	Step        Duration  `json:"step"` // sampling step of host figures

	Summary   Summary        `json:"summary"`
	Hosts     []HostPerf     `json:"hosts"`
	Web       []WebStats     `json:"web"`
	Alerts    AlertStats     `json:"alerts"`
	Responses Responses      `json:"responses"`
	Backups   []BackupRecord `json:"backups"`
	Findings  []Topic        `json:"findings"`
	Topics    []Topic        `json:"topics"` // written by the operator
	Capacity  []Advice       `json:"capacity"`
	// Operations is the section 運行実績, one entry per capacity group; a
	// tenant without groups has none and no section.
	Operations []Operation `json:"operations,omitempty"`
	// Improvements are the register's open items and Automation the
	// ranked recurring manual work; nil (a report made without the
	// register) has no section 改善提案.
	Improvements []ImprovementRecord `json:"improvements"`
	Automation   []AutomationRecord  `json:"automation"`
	Comment      string              `json:"comment"` // the operator's closing comment
	Notes        SectionNote         `json:"notes"`   // why a section is empty
}

// SectionNote explains, per section, why it has no data. Keys are the
// section names; values are message keys of the report's language.
type SectionNote map[string]string

// Duration is a time.Duration that reads as "5m0s" in JSON.
type Duration time.Duration

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// Summary is section 1.
type Summary struct {
	Services      []Availability `json:"services"`
	Incidents     Count          `json:"incidents"`
	IncidentsMet  int            `json:"incidents_sla_met"`
	IncidentsMiss int            `json:"incidents_sla_missed"`
	// IncidentsOpen are those whose resolve clock still runs, unbreached,
	// at the period's end: not yet met, and not missed.
	IncidentsOpen int   `json:"incidents_sla_open"`
	Alerts        Count `json:"alerts"`
	Requests      Count `json:"requests"`
	WorkReports   Count `json:"work_reports"`
}

// Count is a number of this period and of the one before.
type Count struct {
	Now  int `json:"now"`
	Prev int `json:"prev"`
}

// Availability is one service's availability against its target, with the
// maintenance windows taken out of both the period and the downtime.
type Availability struct {
	Service  string   `json:"service"`
	Target   float64  `json:"target"`  // percent
	Percent  float64  `json:"percent"` // percent, rounded to 3 decimals
	Downtime Duration `json:"downtime"`
	Met      bool     `json:"met"`
}

// Stats are the average, 95th percentile and maximum of a series.
type Stats struct {
	Avg float64 `json:"avg"`
	P95 float64 `json:"p95"`
	Max float64 `json:"max"`
	N   int     `json:"n"` // points the figures are made of; 0 means no data
}

// HostPerf is one host's part of section 2.
type HostPerf struct {
	Host    string        `json:"host"`
	CPU     Stats         `json:"cpu"`
	PrevCPU Stats         `json:"prev_cpu"`
	Mem     Stats         `json:"mem"`
	PrevMem Stats         `json:"prev_mem"`
	Disks   []Disk        `json:"disks"`
	CPULine []chart.Point `json:"cpu_line"` // thinned for the chart
	MemLine []chart.Point `json:"mem_line"`
}

// Disk is one filesystem's usage and growth.
type Disk struct {
	Mount        string  `json:"mount"`
	SizeBytes    float64 `json:"size_bytes"`
	UsedPercent  float64 `json:"used_percent"`   // at the end of the period
	StartPercent float64 `json:"start_percent"`  // at its start
	GrowthPerDay float64 `json:"growth_per_day"` // bytes, least squares over the period
	DaysToFull   float64 `json:"days_to_full"`   // -1 without a forecast
	// Forecast says whether DaysToFull holds (ForecastFull) or why not:
	// too short a span of data, not growing, or no clear trend.
	Forecast string  `json:"forecast"`
	R2       float64 `json:"r2"` // of the least-squares line

}

// WebStats are a host's web access figures from one source, where such
// series exist (web.go lists the sources).
type WebStats struct {
	Host string `json:"host"`
	// Source is where the figures come from: app, tomcat, apache, access_log.
	Source       string  `json:"source"`
	Requests     float64 `json:"requests"`
	PrevRequests float64 `json:"prev_requests"`
	Errors       float64 `json:"errors"`      // 5xx or the server's error count; -1 unknown
	ResponseMs   float64 `json:"response_ms"` // average; -1 unknown
	// StatusClasses are the requests by status class (2xx...), where the
	// source has the code.
	StatusClasses map[string]float64 `json:"status_classes,omitempty"`
	Sessions      Stats              `json:"sessions"`
	SessionsKind  string             `json:"sessions_kind,omitempty"` // sessions, connections; "" none
	// UniqueClients are the distinct clients of each day of the period
	// (the tenant's days), from log items with a client field on the
	// host's access logs (unyo_log_unique_clients); ClientFields names the
	// fields they were told by. UniqueSessions likewise, by session field.
	UniqueClients  Stats    `json:"unique_clients"`
	UniqueSessions Stats    `json:"unique_sessions"`
	ClientFields   []string `json:"client_fields,omitempty"`
}

// AlertStats is section 3.
type AlertStats struct {
	Total      Count      `json:"total"`
	BySeverity []KeyCount `json:"by_severity"`
	ByItem     []KeyCount `json:"by_item"`
	ByHost     []KeyCount `json:"by_host"`
	ByDay      []KeyCount `json:"by_day"` // every day of the period, in the tenant's zone
	Noisiest   []KeyCount `json:"noisiest"`
}

// KeyCount is a count under a name, and what the name reads as in each
// language where it has a title (an item's).
type KeyCount struct {
	Key   string     `json:"key"`
	Count int        `json:"count"`
	Title *Bilingual `json:"title,omitempty"`
}

// Label is what the report shows of kc in lang: its title there, else its key.
func (kc KeyCount) Label(lang string) string {
	if kc.Title != nil {
		if s := kc.Title.In(lang); s != "" {
			return s
		}
	}
	return kc.Key
}

// Bilingual is a text in Japanese and English.
type Bilingual struct {
	Ja string `json:"ja,omitempty"`
	En string `json:"en,omitempty"`
}

// In is the text in lang, the other language's where it has none.
func (b Bilingual) In(lang string) string {
	if lang == "en" && b.En != "" || b.Ja == "" {
		return b.En
	}
	return b.Ja
}

// Responses is section 4.
type Responses struct {
	Incidents []IncidentRecord `json:"incidents"`
	Requests  []RequestRecord  `json:"requests"`
	Work      []WorkRecord     `json:"work"`
	// Vendors are the vendor cases per vendor: count and time waiting.
	Vendors []VendorRecord `json:"vendors,omitempty"`
}

// Topic is one point for the meeting: a finding computed from the data, or
// one the operator wrote.
type Topic struct {
	Kind  string `json:"kind"` // disk_full, cpu_high, recurring_alert, sla_near_breach, tls_expiry, operator, improvement
	Title string `json:"title"`
	Body  string `json:"body"`
	// Owner, Due (YYYY-MM-DD) and Status (proposed, accepted, in_progress,
	// done, rejected) are what the meeting follows up; a topic picked from
	// the improvement register carries its item's, and its ID.
	Owner       string `json:"owner,omitempty"`
	Due         string `json:"due,omitempty"`
	Status      string `json:"status,omitempty"`
	Improvement int64  `json:"improvement,omitempty"`
}

// Advice is one host's capacity recommendation. Its sentence is written
// when the report is rendered, in the language it is rendered in, from the
// figures; Reason is the sentence in the report's language when it was
// made, which drafts stored before the figures were kept still read.
type Advice struct {
	Host   string  `json:"host"`
	Kind   string  `json:"kind"` // over, under
	CPU    float64 `json:"cpu_p95,omitempty"`
	Memory float64 `json:"memory,omitempty"` // p95 when under, the maximum when over
	Reason string  `json:"reason"`
}

// sentence is a's recommendation in language l.
func (a Advice) sentence(l string) string {
	if a.CPU == 0 && a.Memory == 0 && a.Reason != "" {
		return a.Reason // stored before the figures were kept
	}
	return tr(l, "a."+a.Kind, a.CPU, a.Memory)
}
