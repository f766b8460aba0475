package console

import (
	"strings"

	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/snmp"
)

// itemField is one input of a kind's part of the item form. Name is the
// JSON path in monitoring.Item, so the API's validation names it as is.
type itemField struct {
	Name        string
	Label       string   // catalog key
	Input       string   // text, decimal, number, select, check, secret, lines
	Options     []string // select
	OptionKey   string   // select: catalog key prefix of an option's text; "": the value as is
	Placeholder string
	Size        int
	Help        string // catalog key of a line under the field
	// When shows the field only while another field has a value
	// ("snmp.version=3"); without JavaScript it always shows.
	When string
}

// ID is the element's id: item-metric-series for metric.series.
func (f itemField) ID() string { return "item-" + strings.ReplaceAll(f.Name, ".", "-") }

// WhenName and WhenValue split When for the template.
func (f itemField) WhenName() string  { n, _, _ := strings.Cut(f.When, "="); return n }
func (f itemField) WhenValue() string { _, v, _ := strings.Cut(f.When, "="); return v }

// itemKindForm is the fieldset of one kind: its fields, or a note for a
// kind that has none of its own.
type itemKindForm struct {
	Kind   monitoring.Kind
	Note   string // catalog key
	Fields []itemField
}

// itemKindForms are the kinds' parts of the form, in monitoring.Kinds' order.
var itemKindForms = []itemKindForm{
	{Kind: monitoring.KindMetric, Fields: []itemField{
		{Name: "metric.series", Label: "adm.f.series", Size: 50, Placeholder: "node_load5"},
		{Name: "metric.query", Label: "adm.f.query", Size: 50},
		{Name: "threshold.op", Label: "adm.f.op", Input: "select", Options: []string{monitoring.OpGT, monitoring.OpGE, monitoring.OpLT, monitoring.OpLE}},
		{Name: "threshold.warning", Label: "adm.f.warning", Input: "decimal", Size: 10},
		{Name: "threshold.critical", Label: "adm.f.critical", Input: "decimal", Size: 10},
	}},
	{Kind: monitoring.KindLog, Fields: []itemField{
		{Name: "log.glob", Label: "adm.f.glob", Size: 40, Placeholder: "/var/log/app/*.log"},
		{Name: "log.regex", Label: "adm.f.regex", Size: 40, Placeholder: "ERROR|FATAL"},
		{Name: "log.count", Label: "adm.f.count", Input: "number", Size: 4, Placeholder: "1"},
		{Name: "log.window", Label: "adm.f.window", Size: 8, Placeholder: "5m"},
	}},
	{Kind: monitoring.KindCheck, Fields: []itemField{
		{Name: "check.type", Label: "adm.f.check_type", Input: "select",
			Options: []string{monitoring.CheckTCP, monitoring.CheckHTTP, monitoring.CheckPing, monitoring.CheckTLS, monitoring.CheckDNS}},
		{Name: "check.from", Label: "adm.f.check_from", Input: "select", Options: []string{"agent", "server"}, OptionKey: "adm.from."},
		{Name: "check.address", Label: "adm.f.address", Size: 40, Placeholder: "db-01:5432"},
		{Name: "check.url", Label: "adm.f.url", Size: 50, Placeholder: "https://shop.example.com/health"},
		{Name: "check.failures", Label: "adm.f.failures", Input: "number", Size: 4, Placeholder: "1"},
	}},
	{Kind: monitoring.KindNoData, Fields: []itemField{
		{Name: "nodata.series", Label: "adm.f.series", Size: 40},
		{Name: "nodata.after", Label: "adm.f.after", Size: 8, Placeholder: "10m"},
	}},
	{Kind: monitoring.KindOS, Note: "adm.os_note"},
	{Kind: monitoring.KindProcess, Fields: []itemField{
		{Name: "process.pattern", Label: "adm.f.pattern", Size: 40, Placeholder: "nginx"},
		{Name: "process.min_count", Label: "adm.f.min_count", Input: "number", Size: 4, Placeholder: "1"},
	}},
	{Kind: monitoring.KindService, Fields: []itemField{
		{Name: "service.name", Label: "adm.f.service_name", Size: 40, Placeholder: "nginx.service"},
	}},
	{Kind: monitoring.KindExporter, Fields: []itemField{
		{Name: "exporter.url", Label: "adm.f.exporter_url", Size: 50, Placeholder: "http://127.0.0.1:9100/metrics"},
	}},
	{Kind: monitoring.KindZabbix, Note: "adm.zabbix_note", Fields: []itemField{
		{Name: "zabbix.address", Label: "adm.f.zabbix_address", Size: 40, Placeholder: "${host}:10050", Help: "adm.f.placeholder_help"},
		{Name: "zabbix.key", Label: "adm.f.zabbix_key", Size: 50, Placeholder: "vfs.fs.size[/,pused]"},
		{Name: "zabbix.tls_connect", Label: "adm.f.zabbix_tls_connect", Input: "select", OptionKey: "adm.zbxtls.",
			Options: []string{monitoring.ZabbixUnencrypted, monitoring.ZabbixPSK, monitoring.ZabbixCert}},
		{Name: "zabbix.tls_psk_identity", Label: "adm.f.psk_identity", Size: 40, When: "zabbix.tls_connect=" + monitoring.ZabbixPSK},
		{Name: "zabbix.tls_psk", Label: "adm.f.psk", Input: "secret", Help: "adm.f.psk_help", When: "zabbix.tls_connect=" + monitoring.ZabbixPSK},
	}},
	{Kind: monitoring.KindBackup, Note: "adm.backup_note", Fields: []itemField{
		{Name: "backup.policy", Label: "adm.f.backup_policy", Size: 30},
		{Name: "backup.status_file", Label: "adm.f.status_file", Size: 50, Placeholder: "/var/lib/backup/last.json"},
		{Name: "backup.log_file", Label: "adm.f.log_file", Size: 50, Placeholder: "/var/log/backup.log"},
		{Name: "backup.ok_pattern", Label: "adm.f.ok_pattern", Size: 30, Placeholder: "Backup completed"},
		{Name: "backup.fail_pattern", Label: "adm.f.fail_pattern", Size: 30, Placeholder: "ERROR"},
		{Name: "backup.max_age", Label: "adm.f.max_age", Size: 8, Placeholder: "26h"},
	}},
	{Kind: monitoring.KindSNMP, Fields: []itemField{
		{Name: "snmp.address", Label: "adm.f.snmp_address", Size: 40, Placeholder: "${label.snmp_address}", Help: "adm.f.placeholder_help"},
		{Name: "snmp.version", Label: "adm.f.snmp_version", Input: "select", Options: []string{snmp.V2c, snmp.V3}, OptionKey: "adm.snmpv."},
		{Name: "snmp.community", Label: "adm.f.community", Input: "secret", When: "snmp.version=" + snmp.V2c},
		{Name: "snmp.user", Label: "adm.f.snmp_user", Size: 32, When: "snmp.version=" + snmp.V3},
		{Name: "snmp.auth_protocol", Label: "adm.f.auth_protocol", Input: "select", OptionKey: "",
			Options: []string{"", "SHA", "SHA256", "SHA384", "SHA512", "SHA224", "MD5"}, When: "snmp.version=" + snmp.V3},
		{Name: "snmp.auth_password", Label: "adm.f.auth_password", Input: "secret", When: "snmp.version=" + snmp.V3},
		{Name: "snmp.priv_protocol", Label: "adm.f.priv_protocol", Input: "select",
			Options: []string{"", "AES", "AES192", "AES256", "AES192C", "AES256C", "DES"}, When: "snmp.version=" + snmp.V3},
		{Name: "snmp.priv_password", Label: "adm.f.priv_password", Input: "secret", When: "snmp.version=" + snmp.V3},
		{Name: "snmp.interfaces", Label: "adm.f.interfaces", Input: "check"},
		{Name: "snmp.get", Label: "adm.f.snmp_get", Input: "lines", Help: "adm.f.oid_help", Placeholder: "1.3.6.1.4.1.2021.10.1.5.1 ucd_load_avg_1m"},
		{Name: "snmp.walk", Label: "adm.f.snmp_walk", Input: "lines", Help: "adm.f.oid_help", Placeholder: "1.3.6.1.2.1.25.2.3.1.6 hr_storage_used"},
		{Name: "snmp.timeout", Label: "adm.f.snmp_timeout", Size: 8, Placeholder: "2s"},
		{Name: "snmp.retries", Label: "adm.f.snmp_retries", Input: "number", Size: 4, Placeholder: "0"},
	}},
}

// itemCommonFields are the fields of every kind, written in the template.
var itemCommonFields = []string{"name", "title.ja", "title.en", "kind", "interval", "for", "severity", "incident_policy", "runbook_url"}

// itemFormFields are every field the form posts.
var itemFormFields = func() []string {
	out := append([]string(nil), itemCommonFields...)
	for _, k := range itemKindForms {
		for _, f := range k.Fields {
			out = append(out, f.Name)
		}
	}
	return out
}()

// itemSecrets are the fields never shown back: typed to replace, left
// empty to keep.
var itemSecrets = []string{"snmp.community", "snmp.auth_password", "snmp.priv_password", "zabbix.tls_psk"}

// itemErrFields maps the API's field names to the form's: a kind's own
// fields by their names, the kind's object to its first field.
var itemErrFields = func() map[string]string {
	m := map[string]string{"title": "title.ja", "threshold": "threshold.op"}
	for _, n := range itemFormFields {
		m[n] = n
	}
	for _, k := range itemKindForms {
		if len(k.Fields) > 0 {
			m[string(k.Kind)] = k.Fields[0].Name
		}
	}
	return m
}()
