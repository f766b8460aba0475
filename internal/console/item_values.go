package console

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/snmp"
)

// read takes the posted fields, trimmed; secrets are kept as typed.
func (f *itemForm) read(r *http.Request) {
	for _, n := range itemFormFields {
		v := r.PostFormValue(n)
		if !slices.Contains(itemSecrets, n) {
			v = strings.TrimSpace(v)
		}
		f.Values[n] = v
	}
}

// noteSecrets records which secrets the stored item holds, for the form's
// "set" beside each; their values are never shown.
func (f *itemForm) noteSecrets(it *monitoring.Item) {
	for _, n := range itemSecrets {
		switch kind, field, _ := strings.Cut(n, "."); {
		case kind == "snmp" && it.SNMP != nil:
			f.Set[n] = it.SNMP.SecretSet(field)
		case kind == "zabbix" && it.Zabbix != nil:
			f.Set[n] = it.Zabbix.PSKSet()
		}
	}
}

// fill shows a stored item in the form.
func (f *itemForm) fill(it *monitoring.Item) {
	f.ID, f.Disabled = it.ID, it.Disabled
	f.noteSecrets(it)
	v := f.Values
	v["name"], v["title.ja"], v["title.en"], v["kind"] = it.Name, it.Title.Ja, it.Title.En, string(it.Kind)
	v["severity"], v["incident_policy"], v["runbook_url"] = string(it.Severity), string(it.IncidentPolicy), it.RunbookURL
	v["interval"], v["for"] = optDur(it.Interval), optDur(it.For)
	if m := it.Metric; m != nil {
		v["metric.series"], v["metric.query"] = m.Series, m.Query
	}
	if th := it.Threshold; th != nil {
		v["threshold.op"], v["threshold.warning"], v["threshold.critical"] = th.Op, optFloat(th.Warning), optFloat(th.Critical)
	}
	if ch := it.Check; ch != nil {
		v["check.type"], v["check.from"], v["check.address"], v["check.url"] = ch.Type, ch.From, ch.Address, ch.URL
		v["check.failures"] = strconv.Itoa(ch.Failures)
		if ch.From == "" {
			v["check.from"] = "agent"
		}
	}
	if l := it.Log; l != nil {
		v["log.glob"], v["log.regex"], v["log.count"], v["log.window"] = l.Glob, l.Regex, strconv.Itoa(l.Count), optDur(l.Window)
	}
	if n := it.NoData; n != nil {
		v["nodata.series"], v["nodata.after"] = n.Series, optDur(n.After)
	}
	if pr := it.Process; pr != nil {
		v["process.pattern"], v["process.min_count"] = pr.Pattern, strconv.Itoa(pr.MinCount)
	}
	if s := it.Service; s != nil {
		v["service.name"] = s.Name
	}
	if e := it.Exporter; e != nil {
		v["exporter.url"] = e.URL
	}
	if z := it.Zabbix; z != nil {
		v["zabbix.address"], v["zabbix.key"], v["zabbix.tls_psk_identity"] = z.Address, z.Key, z.PSKIdentity
		switch {
		case z.TLS:
			v["zabbix.tls_connect"] = monitoring.ZabbixCert
		case z.TLSConnect == "":
			v["zabbix.tls_connect"] = monitoring.ZabbixUnencrypted
		default:
			v["zabbix.tls_connect"] = z.TLSConnect
		}
	}
	if b := it.Backup; b != nil {
		v["backup.policy"], v["backup.status_file"], v["backup.log_file"] = b.Policy, b.StatusFile, b.LogFile
		v["backup.ok_pattern"], v["backup.fail_pattern"], v["backup.max_age"] = b.OKPattern, b.FailPattern, optDur(b.MaxAge)
	}
	if s := it.SNMP; s != nil {
		v["snmp.address"], v["snmp.version"], v["snmp.user"] = s.Address, s.Version, s.User
		v["snmp.auth_protocol"], v["snmp.priv_protocol"], v["snmp.interfaces"] = s.AuthProtocol, s.PrivProtocol, checked(s.Interfaces)
		v["snmp.get"], v["snmp.walk"], v["snmp.timeout"] = snmpLines(s.Get), snmpLines(s.Walk), optDur(s.Timeout)
		if s.Retries > 0 {
			v["snmp.retries"] = strconv.Itoa(s.Retries)
		}
	}
}

func checked(b bool) string {
	if b {
		return "1"
	}
	return ""
}

func optDur(d model.Duration) string {
	if d == 0 {
		return ""
	}
	return durText(d.Std())
}

func optFloat(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

// snmpLines writes OIDs one a line: "OID series [counter]".
func snmpLines(vs []snmp.Value) string {
	var out []string
	for _, v := range vs {
		l := v.OID + " " + v.Series
		if v.Type != "" && v.Type != snmp.Gauge {
			l += " " + v.Type
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// parseSNMPLines reads the lines snmpLines writes.
func parseSNMPLines(v map[string]string, name string) ([]snmp.Value, error) {
	var out []snmp.Value
	for i, l := range lines(v[name]) {
		f := strings.Fields(l)
		if len(f) < 2 || len(f) > 3 {
			return nil, invalid.New(fmt.Sprintf("%s[%d]", name, i), "must read like \"1.3.6.1.2.1.1.3.0 sys_uptime\" (OID, series, and gauge or counter), not %q", l)
		}
		sv := snmp.Value{OID: f[0], Series: f[1]}
		if len(f) == 3 {
			sv.Type = f[2]
		}
		out = append(out, sv)
	}
	return out, nil
}

// apply writes the form onto it, keeping what the form does not show
// (notification routes, a check's method and body match, the stored
// secrets of an snmp item...) when the kind stays; a field that does not
// parse is refused by its name.
func (f *itemForm) apply(it *monitoring.Item) error {
	v := f.Values
	kind := monitoring.Kind(v["kind"])
	if !slices.Contains(monitoring.Kinds, kind) {
		return invalid.New("kind", "must be one of %v", monitoring.Kinds)
	}
	if kind != it.Kind {
		it.Metric, it.Check, it.Log, it.NoData, it.Process, it.Service, it.Exporter, it.Threshold = nil, nil, nil, nil, nil, nil, nil, nil
		it.Zabbix, it.Backup, it.SNMP = nil, nil, nil
	}
	it.Kind, it.Name, it.Title = kind, v["name"], monitoring.Text{Ja: v["title.ja"], En: v["title.en"]}
	it.Severity, it.IncidentPolicy, it.RunbookURL, it.Disabled = monitoring.Severity(v["severity"]), monitoring.IncidentPolicy(v["incident_policy"]), v["runbook_url"], f.Disabled
	var err error
	if it.Interval, err = formDur(v, "interval"); err != nil {
		return err
	}
	if it.For, err = formDur(v, "for"); err != nil {
		return err
	}
	switch kind {
	case monitoring.KindMetric:
		return f.applyMetric(it)
	case monitoring.KindCheck:
		return f.applyCheck(it)
	case monitoring.KindLog:
		return f.applyLog(it)
	case monitoring.KindNoData:
		n := &monitoring.NoData{Series: v["nodata.series"]}
		n.After, err = formDur(v, "nodata.after")
		it.NoData = n
	case monitoring.KindProcess:
		pr := &monitoring.Process{Pattern: v["process.pattern"]}
		pr.MinCount, err = formInt(v, "process.min_count")
		it.Process = pr
	case monitoring.KindService:
		it.Service = &monitoring.Service{Name: v["service.name"]}
	case monitoring.KindExporter:
		it.Exporter = &monitoring.Exporter{URL: v["exporter.url"]}
	case monitoring.KindZabbix:
		if it.Zabbix == nil {
			it.Zabbix = &monitoring.Zabbix{}
		}
		// The store seals the key, keeps the stored one when the field is
		// left empty, and drops it when the item stops using PSK.
		z := it.Zabbix
		z.Address, z.Key, z.TLS, z.TLSConnect = v["zabbix.address"], v["zabbix.key"], false, v["zabbix.tls_connect"]
		z.PSKIdentity, z.PSK = "", ""
		if z.TLSConnect == monitoring.ZabbixPSK {
			z.PSKIdentity, z.PSK = v["zabbix.tls_psk_identity"], v["zabbix.tls_psk"]
		}
	case monitoring.KindBackup:
		return f.applyBackup(it)
	case monitoring.KindSNMP:
		return f.applySNMP(it)
	}
	return err
}

func (f *itemForm) applyMetric(it *monitoring.Item) error {
	v := f.Values
	it.Metric = &monitoring.Metric{Series: v["metric.series"], Query: v["metric.query"]}
	th := &monitoring.Threshold{Op: v["threshold.op"]}
	var err error
	if th.Warning, err = formFloat(v, "threshold.warning"); err != nil {
		return err
	}
	if th.Critical, err = formFloat(v, "threshold.critical"); err != nil {
		return err
	}
	if it.Threshold != nil {
		th.Recovery = it.Threshold.Recovery
	}
	it.Threshold = th
	return nil
}

func (f *itemForm) applyCheck(it *monitoring.Item) error {
	v := f.Values
	if it.Check == nil {
		it.Check = &monitoring.Check{}
	}
	ch := it.Check
	ch.Type, ch.From, ch.Address, ch.URL = v["check.type"], v["check.from"], v["check.address"], v["check.url"]
	if ch.From == "agent" {
		ch.From = ""
	}
	var err error
	ch.Failures, err = formInt(v, "check.failures")
	return err
}

func (f *itemForm) applyLog(it *monitoring.Item) error {
	v := f.Values
	l := &monitoring.Log{Glob: v["log.glob"], Regex: v["log.regex"]}
	if it.Log != nil {
		l.Channel, l.ClientField, l.SessionField = it.Log.Channel, it.Log.ClientField, it.Log.SessionField
	}
	var err error
	if l.Count, err = formInt(v, "log.count"); err != nil {
		return err
	}
	if l.Window, err = formDur(v, "log.window"); err != nil {
		return err
	}
	it.Log = l
	return nil
}

func (f *itemForm) applyBackup(it *monitoring.Item) error {
	v := f.Values
	if it.Backup == nil {
		it.Backup = &monitoring.Backup{}
	}
	b := it.Backup
	b.Policy, b.StatusFile, b.LogFile = v["backup.policy"], v["backup.status_file"], v["backup.log_file"]
	b.OKPattern, b.FailPattern = v["backup.ok_pattern"], v["backup.fail_pattern"]
	var err error
	b.MaxAge, err = formDur(v, "backup.max_age")
	return err
}

// applySNMP writes the fields of the version chosen only (those of the
// other stay hidden in the browser, and would be refused); a secret left
// empty keeps the stored one.
func (f *itemForm) applySNMP(it *monitoring.Item) error {
	v := f.Values
	if it.SNMP == nil {
		it.SNMP = &monitoring.SNMP{}
	}
	s := it.SNMP
	s.Address, s.Version, s.Interfaces = v["snmp.address"], v["snmp.version"], v["snmp.interfaces"] != ""
	s.Community, s.User, s.AuthProtocol, s.AuthPassword, s.PrivProtocol, s.PrivPassword = "", "", "", "", "", ""
	if s.Version == snmp.V3 {
		s.User, s.AuthProtocol, s.AuthPassword = v["snmp.user"], v["snmp.auth_protocol"], v["snmp.auth_password"]
		s.PrivProtocol, s.PrivPassword = v["snmp.priv_protocol"], v["snmp.priv_password"]
	} else {
		s.Community = v["snmp.community"]
	}
	var err error
	if s.Get, err = parseSNMPLines(v, "snmp.get"); err != nil {
		return err
	}
	if s.Walk, err = parseSNMPLines(v, "snmp.walk"); err != nil {
		return err
	}
	if s.Timeout, err = formDur(v, "snmp.timeout"); err != nil {
		return err
	}
	s.Retries, err = formInt(v, "snmp.retries")
	return err
}

func formDur(v map[string]string, name string) (model.Duration, error) {
	if v[name] == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v[name])
	if err != nil {
		return 0, invalid.New(name, "must be a duration such as 30s, 5m or 1h, not %q", v[name])
	}
	return model.Duration(d), nil
}

func formFloat(v map[string]string, name string) (*float64, error) {
	if v[name] == "" {
		return nil, nil
	}
	x, err := strconv.ParseFloat(v[name], 64)
	if err != nil {
		return nil, invalid.New(name, "must be a number, not %q", v[name])
	}
	return &x, nil
}

func formInt(v map[string]string, name string) (int, error) {
	if v[name] == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v[name])
	if err != nil || n < 0 {
		return 0, invalid.New(name, "must be a whole number, not %q", v[name])
	}
	return n, nil
}
