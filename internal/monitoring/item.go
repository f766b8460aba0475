package monitoring

import (
	"time"

	"github.com/unyo-ops/unyo/internal/model"
)

// Kind is what an item watches and how.
type Kind string

// The item kinds. Metric, nodata and the condition of every other kind are
// evaluated on the server; os, process, service, exporter, log and check
// also tell the agent what to collect.
const (
	KindMetric   Kind = "metric"   // a PromQL expression or one series, against thresholds
	KindLog      Kind = "log"      // a pattern in log files, N matches within a window
	KindCheck    Kind = "check"    // an HTTP, TCP or DNS check, N consecutive failures
	KindNoData   Kind = "nodata"   // a host or a series silent for a duration
	KindOS       Kind = "os"       // the agent's OS collector (CPU, memory, disks, network)
	KindProcess  Kind = "process"  // processes matching a pattern, fewer than a minimum
	KindService  Kind = "service"  // a systemd unit or Windows service not running
	KindExporter Kind = "exporter" // a Prometheus exporter the agent scrapes
	KindZabbix   Kind = "zabbix"   // an item key the server polls from a Zabbix agent
	KindBackup   Kind = "backup"   // a backup the agent runs or reads: fires when it failed or is too old
	KindSNMP     Kind = "snmp"     // a device the server (or a collector) polls over SNMP
)

// Kinds lists every kind, in the order the documentation gives them.
var Kinds = []Kind{KindMetric, KindLog, KindCheck, KindNoData, KindOS, KindProcess, KindService, KindExporter, KindZabbix, KindBackup, KindSNMP}

// Severity is how serious the alert of an item is.
type Severity string

// The severities, as the agent's log patterns know them.
const (
	SeverityCritical Severity = "critical"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// IncidentPolicy says what a firing item does to incidents.
type IncidentPolicy string

// The incident policies; the empty value is read as PolicyNew.
const (
	PolicyNew    IncidentPolicy = "new"    // open a new incident
	PolicyAttach IncidentPolicy = "attach" // add to the open incident of the resource, or open one
	PolicyNone   IncidentPolicy = "none"   // alert and notify only
)

// Text is a short text in both languages of the item list.
type Text struct {
	Ja string `json:"ja,omitempty"`
	En string `json:"en,omitempty"`
}

// In returns the text in lang, falling back to the other language.
func (t Text) In(lang string) string {
	if lang == "en" && t.En != "" || t.Ja == "" {
		return t.En
	}
	return t.Ja
}

// Item is one monitoring item (監視項目). It belongs to a template, or
// directly to one resource; which of the kind fields is set depends on Kind.
type Item struct {
	ID          int64  `json:"id"`
	TenantID    string `json:"tenant,omitempty"`      // "" for an item of a global template
	TemplateID  int64  `json:"template_id,omitempty"` // the template it belongs to, or
	ResourceID  int64  `json:"resource_id,omitempty"` // the resource it is assigned to directly
	Name        string `json:"name"`                  // unique in its template or resource; the agent's item label
	Title       Text   `json:"title,omitzero"`        // what the item list shows; Name when empty
	Kind        Kind   `json:"kind"`
	Description string `json:"description,omitempty"`

	Metric   *Metric   `json:"metric,omitempty"`
	Log      *Log      `json:"log,omitempty"`
	Check    *Check    `json:"check,omitempty"`
	NoData   *NoData   `json:"nodata,omitempty"`
	Process  *Process  `json:"process,omitempty"`
	Service  *Service  `json:"service,omitempty"`
	Exporter *Exporter `json:"exporter,omitempty"`
	Zabbix   *Zabbix   `json:"zabbix,omitempty"`
	Backup   *Backup   `json:"backup,omitempty"`
	SNMP     *SNMP     `json:"snmp,omitempty"`

	Threshold *Threshold     `json:"threshold,omitempty"` // metric items only
	For       model.Duration `json:"for,omitempty"`       // how long the condition holds before firing
	Interval  model.Duration `json:"interval,omitempty"`  // collection and evaluation; 0: the default
	// Severity is the severity of items with one condition (log, check,
	// nodata, process, service, exporter); metric items take theirs from
	// the threshold crossed. Empty on process, service and exporter items
	// means they only collect.
	Severity                Severity       `json:"severity,omitempty"`
	RunbookURL              string         `json:"runbook_url,omitempty"`
	RunbookID               int64          `json:"runbook_id,omitempty"`
	ServiceLevelRequirement string         `json:"service_level_requirement,omitempty"` // e.g. "availability 99.9%"
	IncidentPolicy          IncidentPolicy `json:"incident_policy,omitempty"`
	Notify                  []string       `json:"notify,omitempty"` // notification routes, e.g. "slack:#acme-ops"
	Disabled                bool           `json:"disabled,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Metric is the value a metric item watches: a PromQL expression, or one
// series given as a metric name with label matchers.
type Metric struct {
	Query  string `json:"query,omitempty"`  // e.g. 100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)
	Series string `json:"series,omitempty"` // e.g. node_load5 or unyo_check_duration_seconds{item="site"}
}

// Log is a pattern looked for in log files on the host, or in one Windows
// Event Log channel (each event as "provider id level: message").
type Log struct {
	Glob    string         `json:"glob,omitempty"`    // files to tail, filepath.Match syntax
	Channel string         `json:"channel,omitempty"` // or a Windows Event Log channel: System, Application...
	Regex   string         `json:"regex"`             // RE2, matched against each line
	Count   int            `json:"count,omitempty"`   // matches that fire the item; 1 when 0
	Window  model.Duration `json:"window,omitempty"`  // within this window; 5m when 0
	// ClientField, on a web server's access log, names each line's client:
	// remote_addr (the first field of a common or combined log), json:<key>,
	// re:<regexp with a group>, cookie:<name>. The agent then counts the
	// distinct clients per hour and per day of the tenant
	// (unyo_log_unique_clients), which the report's web access section
	// reads. SessionField counts sessions so (e.g. cookie:JSESSIONID).
	ClientField  string `json:"client_field,omitempty"`
	SessionField string `json:"session_field,omitempty"`
}

// Check types.
const (
	CheckHTTP = "http"
	CheckTCP  = "tcp"
	CheckDNS  = "dns"
	CheckPing = "ping" // ICMP echo; from the server (or collector) only
	CheckTLS  = "tls"  // a TLS handshake and the certificate's days left; from the server (or collector) only
)

// Check is a synthetic check the host's agent runs, or, with From
// "server", the server (or the resource's collector) runs: for devices and
// endpoints without an agent (see probe.go).
type Check struct {
	Type         string         `json:"type"`                    // http, tcp, dns, ping or tls
	From         string         `json:"from,omitempty"`          // "agent" (the default) or "server"
	URL          string         `json:"url,omitempty"`           // http
	Method       string         `json:"method,omitempty"`        // http; GET when empty
	ExpectStatus int            `json:"expect_status,omitempty"` // http; any 2xx when 0
	BodyMatch    string         `json:"body_match,omitempty"`    // http: regexp on the body
	TLSDays      int            `json:"tls_days,omitempty"`      // http: report the certificate expiring below this many days; tls: fail below it
	Address      string         `json:"address,omitempty"`       // tcp, tls: host:port; ping: host
	Count        int            `json:"count,omitempty"`         // ping: echo requests per run; 3 when 0
	Spacing      model.Duration `json:"spacing,omitempty"`       // ping: between two requests; 1s when 0
	Query        string         `json:"query,omitempty"`         // dns: the name to resolve
	Server       string         `json:"server,omitempty"`        // dns: resolver host[:port]
	Timeout      model.Duration `json:"timeout,omitempty"`       // the agent's default when 0
	Failures     int            `json:"failures,omitempty"`      // consecutive failures that fire; 1 when 0
}

// NoData fires when a series, or every series of the host, stays silent.
type NoData struct {
	Series string         `json:"series,omitempty"` // a metric selector; empty: anything from the host
	After  model.Duration `json:"after"`
}

// Process watches processes matching a pattern (name, then command line).
type Process struct {
	Pattern  string `json:"pattern"`
	MinCount int    `json:"min_count,omitempty"` // fewer fires; 1 when 0
}

// Service watches a systemd unit or a Windows service.
type Service struct {
	Name string `json:"name"`
}

// Exporter is a Prometheus exporter the agent scrapes and forwards.
type Exporter struct {
	URL string `json:"url"`
}

// Zabbix is an item key polled from a Zabbix agent (passive check) by the
// server, for a host that runs a Zabbix agent and no unyo agent. Its values
// are the series zabbix.SeriesOf gives the key, labelled with the host and
// the item (docs/migrating-from-zabbix.md).
//
// The PSK is write-only, as an snmp item's community: the store seals it
// (secret.Box) and the API shows only tls_psk_set. An update that leaves it
// out keeps the stored one.
type Zabbix struct {
	Address string `json:"address"`       // host or host:port of the agent (10050 when no port); placeholders allowed
	Key     string `json:"key"`           // e.g. vfs.fs.size[/,pused]
	TLS     bool   `json:"tls,omitempty"` // TLS with certificates (the agent's TLSAccept=cert)
	// TLSConnect is how the poller connects, as a Zabbix host's
	// tls_connect: unencrypted (or empty), psk, or cert (the same as tls:
	// true, and stored as it).
	TLSConnect string `json:"tls_connect,omitempty"`
	// PSKIdentity and PSK are the agent's TLSPSKIdentity and the content of
	// its TLSPSKFile (hex), for tls_connect psk.
	PSKIdentity string `json:"tls_psk_identity,omitempty"`
	PSK         string `json:"tls_psk,omitempty"`

	pskSet bool   // the stored item holds a key
	sealed []byte // the key, sealed by the store
}

// Backup is a backup the host's agent checks: the status file or log a
// backup tool leaves, read by the agent the server configures; or, with
// neither, a backup command the agent runs from its own configuration file
// under the item's name (the server never sends a command). Either way the
// item fires when the last run failed or is older than max_age.
type Backup struct {
	Policy      string         `json:"policy,omitempty"` // the backup policy the result is reported to as a job
	StatusFile  string         `json:"status_file,omitempty"`
	LogFile     string         `json:"log_file,omitempty"`
	OKPattern   string         `json:"ok_pattern,omitempty"`   // log_file: a good run's line
	FailPattern string         `json:"fail_pattern,omitempty"` // log_file: a failed run's line
	MaxAge      model.Duration `json:"max_age,omitempty"`      // status or log file: how old a good run may be
}

// sentToAgent reports whether the server's agent configuration carries
// the item: a backup item without a file is the agent's own.
func (it *Item) sentToAgent() bool {
	if it.Kind == KindBackup {
		return it.Backup != nil && (it.Backup.StatusFile != "" || it.Backup.LogFile != "")
	}
	if it.Kind == KindCheck && it.Check != nil && it.Check.FromServer() {
		return false
	}
	return agentSide(it.Kind)
}

// agentSide reports whether the agent collects something for kind.
func agentSide(k Kind) bool {
	switch k {
	case KindOS, KindProcess, KindService, KindExporter, KindLog, KindCheck, KindBackup:
		return true
	}
	return false
}

// Normalize fills the defaults of optional fields. It is idempotent.
func (it *Item) Normalize() {
	if it.IncidentPolicy == "" {
		it.IncidentPolicy = PolicyNew
	}
	if it.Zabbix != nil {
		it.Zabbix.normalize()
	}
	if it.Log != nil {
		if it.Log.Count == 0 {
			it.Log.Count = 1
		}
		if it.Log.Window == 0 {
			it.Log.Window = model.Duration(5 * time.Minute)
		}
	}
	if it.Check != nil {
		if it.Check.Failures == 0 {
			it.Check.Failures = 1
		}
		if it.Check.Type == CheckHTTP && it.Check.Method == "" {
			it.Check.Method = "GET"
		}
		if it.Check.Type == CheckPing && it.Check.Count == 0 {
			it.Check.Count = DefaultPingCount
		}
	}
	if it.Process != nil {
		if it.Process.MinCount == 0 {
			it.Process.MinCount = 1
		}
	}
}

// DisplayTitle is the name the item list shows in lang.
func (it *Item) DisplayTitle(lang string) string {
	if s := it.Title.In(lang); s != "" {
		return s
	}
	return it.Name
}

// Clone returns a deep copy, so that applying an override never changes a
// template's item shared by several hosts.
func (it *Item) Clone() *Item {
	n := *it
	n.Metric = clonePtr(it.Metric)
	n.Log = clonePtr(it.Log)
	n.Check = clonePtr(it.Check)
	n.NoData = clonePtr(it.NoData)
	n.Process = clonePtr(it.Process)
	n.Service = clonePtr(it.Service)
	n.Exporter = clonePtr(it.Exporter)
	n.Zabbix = clonePtr(it.Zabbix)
	n.Backup = clonePtr(it.Backup)
	n.SNMP = clonePtr(it.SNMP)
	if it.Threshold != nil {
		t := it.Threshold.clone()
		n.Threshold = &t
	}
	n.Notify = append([]string(nil), it.Notify...)
	return &n
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
