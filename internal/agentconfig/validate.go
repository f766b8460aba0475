package agentconfig

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/logwatch"
)

// Bounds that keep a configuration from hurting the host it runs on.
const (
	minInterval       = time.Second
	minBufferMaxBytes = 1 << 20
)

// Severities a log pattern may carry.
var severities = []string{"critical", "warning", "info"}

var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// reservedLabels are set by the agent itself on every series.
var reservedLabels = map[string]bool{"host": true, "item": true}

// Validate reports every problem of the configuration at once, each as an
// *invalid.Error naming the field, joined with errors.Join. Call SetDefaults first.
func (c *Config) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if c.Server != "" {
		add(invalid.Prefix("server", checkHTTPURL(c.Server)))
	}
	if c.Host == "" {
		add(invalid.New("host", "is required"))
	}
	for name := range c.Labels {
		add(invalid.Prefix("labels."+name, checkLabelName(name)))
	}
	if c.Interval.D() < minInterval {
		add(invalid.New("interval", "must be at least %v, got %v", minInterval, c.Interval))
	}
	if c.Buffer.Dir == "" {
		add(invalid.New("buffer.dir", "is required"))
	}
	if c.Buffer.MaxBytes < minBufferMaxBytes {
		add(invalid.New("buffer.max_bytes", "must be at least 1MiB, got %d", c.Buffer.MaxBytes))
	}
	add(invalid.Prefix("collector", c.Collector.validate()))
	seen := map[string]int{}
	for i, it := range c.Items {
		prefix := fmt.Sprintf("items[%d] (%s)", i, it.Name)
		if j, dup := seen[it.Name]; dup && it.Name != "" {
			add(invalid.New(prefix+".name", "duplicate of items[%d]", j))
		}
		seen[it.Name] = i
		for _, err := range it.validate() {
			add(invalid.Prefix(prefix, err))
		}
	}
	return errors.Join(errs...)
}

func checkLabelName(name string) error {
	switch {
	case !labelNameRE.MatchString(name):
		return invalid.New("", "invalid label name")
	case strings.HasPrefix(name, "__"):
		return invalid.New("", "names starting with __ are reserved")
	case reservedLabels[name]:
		return invalid.New("", "is set by the agent")
	}
	return nil
}

// validate reports the problems of one item, each naming the field.
func (it *Item) validate() []error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if it.Name == "" {
		add(invalid.New("name", "is required"))
	}
	check, known := kindChecks[it.Kind]
	if !known {
		return append(errs, invalid.New("kind", "unknown kind %q", it.Kind))
	}
	if it.Interval.D() < minInterval {
		add(invalid.New("interval", "must be at least %v, got %v", minInterval, it.Interval))
	}
	if it.Timeout <= 0 {
		add(invalid.New("timeout", "must be positive, got %v", it.Timeout))
	} else if it.Timeout > it.Interval {
		add(invalid.New("timeout", "%v is longer than the interval %v", it.Timeout, it.Interval))
	}
	for _, f := range it.setFields() {
		if !strings.Contains(" "+kindFields[it.Kind]+" ", " "+f+" ") {
			add(invalid.New(f, "does not apply to kind %q", it.Kind))
		}
	}
	return append(errs, check(it)...)
}

// kindFields lists the kind-specific fields each kind takes.
var kindFields = map[string]string{
	KindOS:       "",
	KindProcess:  "pattern",
	KindService:  "service",
	KindHTTP:     "url method expect_status body_match tls_days",
	KindTCP:      "address",
	KindDNS:      "query server",
	KindExporter: "url",
	KindLog:      "glob patterns",
	KindEventLog: "channel patterns",
	KindBackup:   "backup",
}

// setFields names the kind-specific fields that are not empty, in a fixed
// order so that errors come out the same way every time.
func (it *Item) setFields() []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"pattern", it.Pattern != ""}, {"service", it.Service != ""}, {"url", it.URL != ""},
		{"method", it.Method != ""}, {"expect_status", it.ExpectStatus != 0},
		{"body_match", it.BodyMatch != ""}, {"tls_days", it.TLSDays != 0},
		{"address", it.Address != ""}, {"query", it.Query != ""}, {"server", it.Server != ""},
		{"glob", it.Glob != ""}, {"channel", it.Channel != ""}, {"patterns", len(it.Patterns) > 0},
		{"backup", it.Backup != nil},
	} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

var kindChecks = map[string]func(*Item) []error{
	KindOS:       func(*Item) []error { return nil },
	KindProcess:  func(it *Item) []error { return one(checkRegexp("pattern", it.Pattern, true)) },
	KindService:  checkService,
	KindHTTP:     checkHTTP,
	KindTCP:      func(it *Item) []error { return one(invalid.Prefix("address", checkHostPort(it.Address, true))) },
	KindDNS:      checkDNS,
	KindExporter: func(it *Item) []error { return one(invalid.Prefix("url", checkHTTPURL(it.URL))) },
	KindLog:      checkLog,
	KindEventLog: checkEventLog,
	KindBackup:   checkBackup,
}

func one(err error) []error {
	if err == nil {
		return nil
	}
	return []error{err}
}

func checkRegexp(field, re string, required bool) error {
	if re == "" {
		if required {
			return invalid.New(field, "is required")
		}
		return nil
	}
	if _, err := regexp.Compile(re); err != nil {
		return invalid.New(field, "bad regexp: %v", err)
	}
	return nil
}

func checkHTTPURL(raw string) error {
	if raw == "" {
		return invalid.New("", "is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return invalid.New("", "bad URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return invalid.New("", "URL %q must start with http:// or https://", raw)
	}
	if u.Host == "" {
		return invalid.New("", "URL %q has no host", raw)
	}
	return nil
}

// checkHostPort accepts host:port, and a bare host when the port is optional.
func checkHostPort(addr string, needPort bool) error {
	if addr == "" {
		return invalid.New("", "is required")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		bare := !strings.Contains(addr, ":") || net.ParseIP(strings.Trim(addr, "[]")) != nil
		if !needPort && bare {
			return nil
		}
		return invalid.New("", "%q is not host:port", addr)
	}
	if host == "" {
		return invalid.New("", "%q has no host", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return invalid.New("", "%q: port must be a number from 1 to 65535", addr)
	}
	return nil
}

func checkService(it *Item) []error {
	switch {
	case it.Service == "":
		return one(invalid.New("service", "is required"))
	case strings.HasPrefix(it.Service, "-"):
		// It is passed to systemctl as an argument and must not read as an option.
		return one(invalid.New("service", "must not start with '-'"))
	case strings.ContainsAny(it.Service, "\x00\n\r"):
		return one(invalid.New("service", "must be one line"))
	}
	return nil
}

var httpMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "OPTIONS": true}

func checkHTTP(it *Item) []error {
	var errs []error
	if err := invalid.Prefix("url", checkHTTPURL(it.URL)); err != nil {
		errs = append(errs, err)
	} else if it.TLSDays > 0 && !strings.HasPrefix(it.URL, "https://") {
		errs = append(errs, invalid.New("tls_days", "needs an https:// url"))
	}
	if !httpMethods[it.Method] {
		errs = append(errs, invalid.New("method", "must be GET, HEAD, POST or OPTIONS, got %q", it.Method))
	}
	if it.ExpectStatus != 0 && (it.ExpectStatus < 100 || it.ExpectStatus > 599) {
		errs = append(errs, invalid.New("expect_status", "must be from 100 to 599, got %d", it.ExpectStatus))
	}
	if it.TLSDays < 0 {
		errs = append(errs, invalid.New("tls_days", "must not be negative"))
	}
	return append(errs, one(checkRegexp("body_match", it.BodyMatch, false))...)
}

func checkDNS(it *Item) []error {
	var errs []error
	if it.Query == "" {
		errs = append(errs, invalid.New("query", "is required"))
	} else if strings.ContainsAny(it.Query, " \t/\\") {
		errs = append(errs, invalid.New("query", "%q is not a DNS name", it.Query))
	}
	if it.Server != "" {
		errs = append(errs, one(invalid.Prefix("server", checkHostPort(it.Server, false)))...)
	}
	return errs
}

func checkLog(it *Item) []error {
	var errs []error
	if it.Glob == "" {
		errs = append(errs, invalid.New("glob", "is required"))
	} else if _, err := filepath.Match(it.Glob, ""); err != nil {
		errs = append(errs, invalid.New("glob", "bad pattern %q: %v", it.Glob, err))
	}
	if it.ClientField != "" {
		errs = append(errs, one(logwatch.ValidateField("client_field", it.ClientField))...)
	}
	if it.SessionField != "" {
		errs = append(errs, one(logwatch.ValidateField("session_field", it.SessionField))...)
	}
	if it.ClientZone != "" {
		if _, err := time.LoadLocation(it.ClientZone); err != nil {
			errs = append(errs, invalid.New("client_zone", "is not a time zone: %q", it.ClientZone))
		}
	}
	return append(errs, checkPatterns(it)...)
}

// checkEventLog checks a Windows Event Log item: a channel name as Event
// Viewer shows it, and the patterns its events' text is matched with.
func checkEventLog(it *Item) []error {
	var errs []error
	if strings.TrimSpace(it.Channel) == "" {
		errs = append(errs, invalid.New("channel", "is required, e.g. System or Application"))
	} else if strings.ContainsAny(it.Channel, "*?\x00") {
		errs = append(errs, invalid.New("channel", "must name one channel, not a pattern: %q", it.Channel))
	}
	return append(errs, checkPatterns(it)...)
}

func checkPatterns(it *Item) []error {
	var errs []error
	if len(it.Patterns) == 0 {
		errs = append(errs, invalid.New("patterns", "at least one is required"))
	}
	for i, p := range it.Patterns {
		field := fmt.Sprintf("patterns[%d]", i)
		if err := checkRegexp("regex", p.Regex, true); err != nil {
			errs = append(errs, invalid.Prefix(field, err))
		}
		if !slices.Contains(severities, p.Severity) {
			errs = append(errs, invalid.New(field+".severity", "must be one of %s, got %q",
				strings.Join(severities, ", "), p.Severity))
		}
	}
	return errs
}

// collectorNameRE is what a collector's name may be: a label value the
// server's API takes in its targets path.
var collectorNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

func (c Collector) validate() error {
	if c.Name == "" {
		if c.Listen != "" || c.ZabbixTLS != (ZabbixTLS{}) || c.TrapListen != "" {
			return invalid.New("name", "is required when listen, trap_listen or zabbix_tls is set: the collector's name")
		}
		return nil
	}
	if t := c.ZabbixTLS; t != (ZabbixTLS{}) && (t.Cert == "" || t.Key == "" || t.CA == "") {
		return invalid.New("zabbix_tls", "cert, key and ca go together")
	}
	if !collectorNameRE.MatchString(c.Name) {
		return invalid.New("name", "must be 1-63 of A-Z a-z 0-9 . _ - (starting with a letter or digit), not %q", c.Name)
	}
	if c.Listen != "" && c.Listen != "off" {
		if _, port, err := net.SplitHostPort(c.Listen); err != nil || port == "" {
			return invalid.New("listen", "must be host:port (e.g. 0.0.0.0:9201) or off, not %q", c.Listen)
		}
	}
	if c.TrapListen != "" {
		if _, port, err := net.SplitHostPort(c.TrapListen); err != nil || port == "" {
			return invalid.New("trap_listen", "must be host:port (e.g. 0.0.0.0:162), not %q", c.TrapListen)
		}
	}
	return nil
}
