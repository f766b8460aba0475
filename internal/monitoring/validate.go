package monitoring

import (
	"net/url"
	"regexp"
	"slices"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Bounds of an item's fields: generous for real use, small enough that a
// mistake (a window of a year) is caught.
const (
	maxTextLen     = 200
	maxDescLen     = 10000
	maxSLRLen      = 500
	maxNotify      = 10
	maxDuration    = 7 * 24 * time.Hour
	minInterval    = time.Second
	minNoDataAfter = 30 * time.Second
)

var itemNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)

// Validate reports the first field that is not acceptable. Call Normalize first.
func (it *Item) Validate() error {
	if !itemNameRE.MatchString(it.Name) {
		return invalid.New("name", "must be 1-63 lower-case letters, digits or . _ -, starting with a letter or digit, not %q", it.Name)
	}
	if len(it.Title.Ja) > maxTextLen || len(it.Title.En) > maxTextLen {
		return invalid.New("title", "is longer than %d bytes", maxTextLen)
	}
	if len(it.Description) > maxDescLen {
		return invalid.New("description", "is longer than %d bytes", maxDescLen)
	}
	for _, check := range []func() error{it.validateSpec, it.validateCondition, it.validateTiming, it.validateAction} {
		if err := check(); err != nil {
			return err
		}
	}
	if it.Zabbix != nil || it.SNMP != nil {
		// Placeholders are checked for syntax here and filled per host later.
		n := it.Clone()
		return expandItem(n, func(string) (string, bool) { return "placeholder.example", true })
	}
	if it.sentToAgent() {
		// Placeholders are checked for syntax here and filled per host later.
		n := it.Clone()
		if err := expandItem(n, func(string) (string, bool) { return "placeholder.example", true }); err != nil {
			return err
		}
		ci, err := n.agentItem()
		if err != nil {
			return err
		}
		return checkAgentItem(it.Kind, ci)
	}
	return nil
}

// validateSpec checks that the kind's own field, and only it, is set.
func (it *Item) validateSpec() error {
	if !slices.Contains(Kinds, it.Kind) {
		return invalid.New("kind", "must be one of %v, not %q", Kinds, it.Kind)
	}
	for _, s := range []struct {
		field string
		set   bool
		kind  Kind
	}{
		{"metric", it.Metric != nil, KindMetric}, {"log", it.Log != nil, KindLog},
		{"check", it.Check != nil, KindCheck}, {"nodata", it.NoData != nil, KindNoData},
		{"process", it.Process != nil, KindProcess}, {"service", it.Service != nil, KindService},
		{"exporter", it.Exporter != nil, KindExporter}, {"zabbix", it.Zabbix != nil, KindZabbix},
		{"backup", it.Backup != nil, KindBackup}, {"snmp", it.SNMP != nil, KindSNMP},
	} {
		if s.set && s.kind != it.Kind {
			return invalid.New(s.field, "does not apply to kind %q", it.Kind)
		}
		if !s.set && s.kind == it.Kind {
			return invalid.New(s.field, "is required for kind %q", it.Kind)
		}
	}
	switch it.Kind {
	case KindMetric:
		return invalid.Prefix("metric", it.Metric.validate())
	case KindLog:
		return invalid.Prefix("log", it.Log.validate())
	case KindCheck:
		return invalid.Prefix("check", it.Check.validate())
	case KindNoData:
		return invalid.Prefix("nodata", it.NoData.validate())
	case KindZabbix:
		return invalid.Prefix("zabbix", it.Zabbix.validate())
	case KindProcess:
		if it.Process.MinCount < 0 {
			return invalid.New("process.min_count", "must not be negative")
		}
	case KindBackup:
		return invalid.Prefix("backup", it.Backup.validate())
	case KindSNMP:
		return invalid.Prefix("snmp", it.SNMP.validate())
	}
	return nil
}

func (b *Backup) validate() error {
	if b.StatusFile == "" && b.LogFile == "" && (b.OKPattern != "" || b.FailPattern != "" || b.MaxAge != 0) {
		return invalid.New("status_file", "ok_pattern, fail_pattern and max_age need a status_file or a log_file")
	}
	if b.MaxAge < 0 || b.MaxAge.Std() > 366*24*time.Hour {
		return invalid.New("max_age", "must be between 0 and a year")
	}
	return nil
}

func (m *Metric) validate() error {
	switch {
	case m.Query != "" && m.Series != "":
		return invalid.New("series", "give a query or a series, not both")
	case m.Query != "":
		return invalid.Prefix("query", checkQuery(m.Query))
	case m.Series != "":
		return invalid.Prefix("series", checkSeries(m.Series, true))
	}
	return invalid.New("query", "a query or a series is required")
}

func (l *Log) validate() error {
	if (l.Glob == "") == (l.Channel == "") {
		return invalid.New("glob", "give the files to tail (glob) or a Windows Event Log channel (channel), one of the two")
	}
	if l.Count < 0 {
		return invalid.New("count", "must not be negative")
	}
	if l.Window < 0 || l.Window.Std() > maxDuration {
		return invalid.New("window", "must be between 0 and %v", maxDuration)
	}
	return nil
}

func (c *Check) validate() error {
	if c.Type != CheckHTTP && c.Type != CheckTCP && c.Type != CheckDNS {
		return invalid.New("type", "must be http, tcp or dns, not %q", c.Type)
	}
	if c.Failures < 0 || c.Failures > 100 {
		return invalid.New("failures", "must be between 1 and 100")
	}
	if c.Timeout < 0 {
		return invalid.New("timeout", "must not be negative")
	}
	for _, f := range []struct {
		name, typ string
		set       bool
	}{
		{"url", CheckHTTP, c.URL != ""}, {"method", CheckHTTP, c.Method != ""},
		{"expect_status", CheckHTTP, c.ExpectStatus != 0}, {"body_match", CheckHTTP, c.BodyMatch != ""},
		{"tls_days", CheckHTTP, c.TLSDays != 0}, {"address", CheckTCP, c.Address != ""},
		{"query", CheckDNS, c.Query != ""}, {"server", CheckDNS, c.Server != ""},
	} {
		if f.set && f.typ != c.Type {
			return invalid.New(f.name, "does not apply to a %s check", c.Type)
		}
	}
	return nil
}

func (n *NoData) validate() error {
	if n.After.Std() < minNoDataAfter || n.After.Std() > maxDuration {
		return invalid.New("after", "must be between %v and %v", minNoDataAfter, maxDuration)
	}
	if n.Series == "" {
		return nil
	}
	return invalid.Prefix("series", checkSeries(n.Series, false))
}

// validateCondition checks that the item says when it fires, in the way its
// kind does: thresholds for metric items, one severity for the others.
func (it *Item) validateCondition() error {
	if it.Severity != "" && !slices.Contains([]Severity{SeverityCritical, SeverityWarning, SeverityInfo}, it.Severity) {
		return invalid.New("severity", "must be critical, warning or info, not %q", it.Severity)
	}
	switch it.Kind {
	case KindMetric:
		if it.Threshold == nil {
			return invalid.New("threshold", "is required for a metric item")
		}
		if it.Severity != "" {
			return invalid.New("severity", "must be empty on a metric item: the threshold crossed sets it")
		}
		return invalid.Prefix("threshold", it.Threshold.Validate())
	case KindLog, KindCheck, KindNoData, KindBackup:
		if it.Severity == "" {
			return invalid.New("severity", "is required for a %s item", it.Kind)
		}
	case KindOS, KindZabbix, KindSNMP:
		if it.Severity != "" {
			return invalid.New("severity", "must be empty on an %s item: it only collects; watch its series with a metric item", it.Kind)
		}
	}
	if it.Threshold != nil {
		return invalid.New("threshold", "applies to metric items only; watch the series this item produces with a metric item")
	}
	return nil
}

func (it *Item) validateTiming() error {
	if it.For < 0 || it.For.Std() > maxDuration {
		return invalid.New("for", "must be between 0 and %v", maxDuration)
	}
	if it.Interval != 0 && (it.Interval.Std() < minInterval || it.Interval.Std() > 24*time.Hour) {
		return invalid.New("interval", "must be between %v and 24h, or empty for the default", minInterval)
	}
	// The agent refuses a timeout longer than the interval, and an item
	// without an interval takes the agent's own, which the server cannot see.
	if it.Check != nil && it.Check.Timeout > 0 && (it.Interval == 0 || it.Check.Timeout > it.Interval) {
		return invalid.New("interval", "must be set, and at least check.timeout (%v)", it.Check.Timeout.Std())
	}
	return nil
}

// validateAction checks what a firing item leads to.
func (it *Item) validateAction() error {
	if it.RunbookURL != "" && it.RunbookID != 0 {
		return invalid.New("runbook_id", "give a runbook URL or a runbook ID, not both")
	}
	if it.RunbookURL != "" {
		if err := checkURL(it.RunbookURL); err != nil {
			return invalid.Prefix("runbook_url", err)
		}
	}
	if it.RunbookID < 0 {
		return invalid.New("runbook_id", "must be positive")
	}
	if len(it.ServiceLevelRequirement) > maxSLRLen {
		return invalid.New("service_level_requirement", "is longer than %d bytes", maxSLRLen)
	}
	if err := checkPolicy(it.IncidentPolicy); err != nil {
		return err
	}
	if len(it.Notify) > maxNotify {
		return invalid.New("notify", "has more than %d routes", maxNotify)
	}
	for i, n := range it.Notify {
		if n == "" || len(n) > maxTextLen {
			return invalid.New("notify", "[%d] must be 1 to %d bytes", i, maxTextLen)
		}
	}
	return nil
}

func checkPolicy(p IncidentPolicy) error {
	switch p {
	case "", PolicyNew, PolicyAttach, PolicyNone:
		return nil
	}
	return invalid.New("incident_policy", "must be new, attach or none, not %q", p)
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid.New("", "must be an http:// or https:// URL, not %q", raw)
	}
	return nil
}
