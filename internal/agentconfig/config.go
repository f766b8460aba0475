// Package agentconfig is the configuration of unyo agent: where to send, how
// often to collect, and the monitoring items to run. The same struct is read
// from a local YAML file (standalone use) and from JSON pulled from the
// server: it is the wire type between the server's monitoring design and the
// agent, so it belongs to neither and both import it.
package agentconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Kinds of monitoring items.
const (
	KindOS       = "os"
	KindProcess  = "process"
	KindService  = "service"
	KindHTTP     = "http"
	KindTCP      = "tcp"
	KindDNS      = "dns"
	KindExporter = "exporter"
	KindLog      = "log"
	KindEventLog = "eventlog" // a Windows Event Log channel, matched like a log file
	KindBackup   = "backup"   // a backup: a command run on schedule, or the status a backup tool leaves
)

// Defaults for fields left empty.
const (
	DefaultInterval       = 15 * time.Second
	DefaultTimeout        = 10 * time.Second
	DefaultBufferMaxBytes = 64 << 20
)

// Config is the whole agent configuration.
type Config struct {
	Server   string            `yaml:"server" json:"server,omitempty"` // base URL of unyo server
	Token    string            `yaml:"token" json:"token,omitempty"`   // bearer token of the agent
	Host     string            `yaml:"host" json:"host,omitempty"`     // host label; os.Hostname when empty
	Labels   map[string]string `yaml:"labels" json:"labels,omitempty"` // added to every series
	Interval Duration          `yaml:"interval" json:"interval,omitempty"`
	Buffer   Buffer            `yaml:"buffer" json:"buffer,omitzero"`
	Items    []Item            `yaml:"items" json:"items,omitempty"`
	// Collector makes the agent a collector for the hosts of its network
	// (package collector). Only the local file and flags set it: the
	// server cannot turn an agent into a listener.
	Collector Collector `yaml:"collector" json:"-"`
}

// Collector is what `unyo agent --collector` is told.
type Collector struct {
	Name      string    `yaml:"name"`       // resources labelled unyo_collector=<name> are polled by this agent
	Listen    string    `yaml:"listen"`     // host:port of the remote-write receiver; "off" for none
	ZabbixTLS ZabbixTLS `yaml:"zabbix_tls"` // for zabbix items with tls
	// TrapListen is the UDP host:port where the SNMP traps of the devices
	// behind the collector are received; "" (the default) for none.
	TrapListen string `yaml:"trap_listen"`
}

// ZabbixTLS are the PEM files of TLS with certificates towards Zabbix
// agents: the collector's certificate and key, and the agents' CA.
type ZabbixTLS struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	CA   string `yaml:"ca"`
}

// Buffer says where the store-and-forward queue lives and how big it may grow.
type Buffer struct {
	Dir      string   `yaml:"dir" json:"dir,omitempty"`
	MaxBytes ByteSize `yaml:"max_bytes" json:"max_bytes,omitempty"`
}

// Item is one monitoring item; which fields apply depends on Kind.
type Item struct {
	Name     string   `yaml:"name" json:"name"`
	Kind     string   `yaml:"kind" json:"kind"`
	Interval Duration `yaml:"interval" json:"interval,omitempty"`
	Timeout  Duration `yaml:"timeout" json:"timeout,omitempty"`

	Pattern string `yaml:"pattern" json:"pattern,omitempty"` // process: regexp on name or command line
	Service string `yaml:"service" json:"service,omitempty"` // service: systemd unit or Windows service

	URL          string `yaml:"url" json:"url,omitempty"`                     // http, exporter
	Method       string `yaml:"method" json:"method,omitempty"`               // http; GET when empty
	ExpectStatus int    `yaml:"expect_status" json:"expect_status,omitempty"` // http; any 2xx when 0
	BodyMatch    string `yaml:"body_match" json:"body_match,omitempty"`       // http: regexp on the body
	TLSDays      int    `yaml:"tls_days" json:"tls_days,omitempty"`           // http: warn below this many days

	Address string `yaml:"address" json:"address,omitempty"` // tcp: host:port
	Query   string `yaml:"query" json:"query,omitempty"`     // dns: the name to resolve
	Server  string `yaml:"server" json:"server,omitempty"`   // dns: resolver host[:port]; system's when empty

	Channel  string       `yaml:"channel" json:"channel,omitempty"`   // eventlog: e.g. System, Application
	Glob     string       `yaml:"glob" json:"glob,omitempty"`         // log: files to tail
	Patterns []LogPattern `yaml:"patterns" json:"patterns,omitempty"` // log: what to report
	// ClientField, on a web server's access log, names each line's client
	// (remote_addr, json:<key>, re:<regexp>, cookie:<name>): the distinct
	// clients are counted per hour and per day (logwatch.FieldRemoteAddr).
	// SessionField counts sessions so. ClientZone is the zone of the days
	// (the tenant's, set by the server); UTC when empty.
	ClientField  string `yaml:"client_field" json:"client_field,omitempty"`
	SessionField string `yaml:"session_field" json:"session_field,omitempty"`
	ClientZone   string `yaml:"client_zone" json:"client_zone,omitempty"`

	Backup *Backup `yaml:"backup" json:"backup,omitempty"` // backup: what to run or read
}

// Backup is what a backup item runs or reads, and the policy its result
// becomes a job of. Exactly one of Command, StatusFile and LogFile is set.
type Backup struct {
	// Policy names the server's backup policy the result is reported to
	// as a job; empty: the item only measures.
	Policy string `yaml:"policy" json:"policy,omitempty"`
	// Command is run at the item's interval (argv, no shell): exit 0 is a
	// good backup. Only the agent's own configuration file may name one:
	// a command from the server is refused.
	Command []string `yaml:"command" json:"command,omitempty"`
	// SizeFile is a file (or directory) whose size is the backup's size;
	// otherwise a command's last output line "size=<bytes>" gives it.
	SizeFile string `yaml:"size_file" json:"size_file,omitempty"`
	// StatusFile is a file a backup tool writes when it ends: its
	// modification time is the run's end, its content says how it ended
	// ("ok", "failed", or lines status=, size=, message=; empty is ok).
	StatusFile string `yaml:"status_file" json:"status_file,omitempty"`
	// LogFile is a backup tool's log: the newest line matching OKPattern
	// or FailPattern says how its last run ended.
	LogFile     string `yaml:"log_file" json:"log_file,omitempty"`
	OKPattern   string `yaml:"ok_pattern" json:"ok_pattern,omitempty"`
	FailPattern string `yaml:"fail_pattern" json:"fail_pattern,omitempty"`
	// MaxAge, for a status or log file, is how old the last good run may
	// be before the item fails (0: any age).
	MaxAge Duration `yaml:"max_age" json:"max_age,omitempty"`
}

// LogPattern is one regexp a log item reports, with the severity of a match.
type LogPattern struct {
	Regex    string `yaml:"regex" json:"regex"`
	Severity string `yaml:"severity" json:"severity"`
	Name     string `yaml:"name" json:"name,omitempty"`
}

// Load reads the YAML file at path, fills defaults and validates it.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: cannot read %q: %w", path, err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	return c, nil
}

// Parse decodes YAML, fills defaults and validates. Unknown fields are refused
// because a person wrote the file and a typo would silently drop a setting.
func Parse(data []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(err)
	}
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// yamlError turns each problem the YAML decoder found into an *invalid.Error.
func yamlError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return invalid.New("", "%v", err)
	}
	errs := make([]error, len(te.Errors))
	for i, e := range te.Errors {
		errs[i] = invalid.New("", "yaml: %s", e)
	}
	return errors.Join(errs...)
}

// DecodeJSON decodes a configuration pulled from the server without filling
// defaults or validating: Merge does both on the result. Unknown fields are
// ignored so that an older agent keeps working against a newer server.
func DecodeJSON(data []byte) (*Config, error) {
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, invalid.New("", "%v", err)
	}
	return &c, nil
}

// Merge returns the local configuration with the server's added: the items
// of both (names must stay unique), the labels of both (local wins), and the
// server's interval for its items when it sets one. Where to send, the token and the buffer
// stay local so that the server cannot redirect an agent. The result has
// defaults filled and is validated.
func Merge(local, remote *Config) (*Config, error) {
	c := local.Clone()
	c.SetDefaults() // local items keep their own interval whatever the server's
	if remote.Interval > 0 {
		c.Interval = remote.Interval
	}
	for k, v := range remote.Labels {
		if _, ok := c.Labels[k]; !ok {
			if c.Labels == nil {
				c.Labels = map[string]string{}
			}
			c.Labels[k] = v
		}
	}
	for _, it := range remote.Items {
		if it.Kind == KindBackup && it.Backup != nil && len(it.Backup.Command) > 0 {
			// The server must not be able to run a program on the host:
			// a backup command lives in the host's own file.
			return nil, invalid.New("items ("+it.Name+").backup.command", "a command runs only from the agent's own configuration file, not from the server")
		}
		c.Items = append(c.Items, it.clone())
	}
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Clone returns a deep copy, so a running agent never shares maps or slices
// with a configuration being edited.
func (c *Config) Clone() *Config {
	n := *c
	n.Labels = maps.Clone(c.Labels)
	n.Items = make([]Item, len(c.Items))
	for i, it := range c.Items {
		n.Items[i] = it.clone()
	}
	return &n
}

func (it Item) clone() Item {
	it.Patterns = slices.Clone(it.Patterns)
	if it.Backup != nil {
		b := *it.Backup
		b.Command = slices.Clone(b.Command)
		it.Backup = &b
	}
	return it
}

// SetDefaults fills the fields left empty. It is idempotent.
func (c *Config) SetDefaults() {
	if c.Host == "" {
		c.Host, _ = os.Hostname()
	}
	if c.Interval == 0 {
		c.Interval = Duration(DefaultInterval)
	}
	if c.Buffer.Dir == "" {
		c.Buffer.Dir = DefaultBufferDir()
	}
	if c.Buffer.MaxBytes == 0 {
		c.Buffer.MaxBytes = DefaultBufferMaxBytes
	}
	for i := range c.Items {
		c.Items[i].setDefaults(c.Interval)
	}
}

func (it *Item) setDefaults(interval Duration) {
	if it.Interval == 0 {
		it.Interval = interval
	}
	if it.Timeout == 0 {
		it.Timeout = min(Duration(DefaultTimeout), it.Interval)
	}
	if it.Kind == KindHTTP && it.Method == "" {
		it.Method = "GET"
	}
	for i := range it.Patterns {
		if it.Patterns[i].Name == "" {
			it.Patterns[i].Name = it.Patterns[i].Regex
		}
	}
}

// DefaultBufferDir is where the buffer lives when the configuration says nothing.
func DefaultBufferDir() string {
	if runtime.GOOS == "windows" {
		base := os.Getenv("ProgramData")
		if base == "" {
			base = `C:\ProgramData`
		}
		return filepath.Join(base, "unyo", "agent", "buffer")
	}
	return "/var/lib/unyo/agent/buffer"
}
