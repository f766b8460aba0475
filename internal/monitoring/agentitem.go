package monitoring

import (
	"fmt"
	"strings"

	"github.com/unyo-ops/unyo/internal/agentconfig"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// agentItem is the item as the agent's configuration holds it. Placeholders
// must have been filled by expandItem.
func (it *Item) agentItem() (agentconfig.Item, error) {
	ci := agentconfig.Item{Name: it.Name, Interval: agentconfig.Duration(it.Interval)}
	switch it.Kind {
	case KindOS:
		ci.Kind = agentconfig.KindOS
	case KindProcess:
		ci.Kind, ci.Pattern = agentconfig.KindProcess, it.Process.Pattern
	case KindService:
		ci.Kind, ci.Service = agentconfig.KindService, it.Service.Name
	case KindExporter:
		ci.Kind, ci.URL = agentconfig.KindExporter, it.Exporter.URL
	case KindLog:
		ci.Kind, ci.Glob = agentconfig.KindLog, it.Log.Glob
		if it.Log.Channel != "" {
			ci.Kind, ci.Glob, ci.Channel = agentconfig.KindEventLog, "", it.Log.Channel
		}
		ci.Patterns = []agentconfig.LogPattern{{Regex: it.Log.Regex, Severity: string(it.Severity)}}
		if ci.Kind == agentconfig.KindLog {
			ci.ClientField, ci.SessionField = it.Log.ClientField, it.Log.SessionField
		}
	case KindBackup:
		b := it.Backup
		ci.Kind = agentconfig.KindBackup
		ci.Backup = &agentconfig.Backup{Policy: b.Policy, StatusFile: b.StatusFile, LogFile: b.LogFile, OKPattern: b.OKPattern,
			FailPattern: b.FailPattern, MaxAge: agentconfig.Duration(b.MaxAge)}
	case KindCheck:
		c := it.Check
		ci.Timeout = agentconfig.Duration(c.Timeout)
		ci.Kind = map[string]string{CheckHTTP: agentconfig.KindHTTP, CheckTCP: agentconfig.KindTCP, CheckDNS: agentconfig.KindDNS}[c.Type]
		ci.URL, ci.Method, ci.ExpectStatus, ci.BodyMatch, ci.TLSDays = c.URL, c.Method, c.ExpectStatus, c.BodyMatch, c.TLSDays
		ci.Address, ci.Query, ci.Server = c.Address, c.Query, c.Server
	default:
		return ci, fmt.Errorf("monitoring: a %s item runs on the server, not on the agent", it.Kind)
	}
	return ci, nil
}

// stringField is a string field of an item, named for error messages.
type stringField struct {
	name string
	p    *string
}

// expandItem fills the placeholders of the item's agent-side fields in place.
func expandItem(it *Item, lookup lookupFunc) error {
	var fields []stringField
	switch {
	case it.Process != nil:
		fields = []stringField{{"process.pattern", &it.Process.Pattern}}
	case it.Service != nil:
		fields = []stringField{{"service.name", &it.Service.Name}}
	case it.Exporter != nil:
		fields = []stringField{{"exporter.url", &it.Exporter.URL}}
	case it.Log != nil:
		fields = []stringField{{"log.glob", &it.Log.Glob}, {"log.channel", &it.Log.Channel}}
	case it.Zabbix != nil:
		fields = []stringField{{"zabbix.address", &it.Zabbix.Address}}
	case it.SNMP != nil:
		fields = []stringField{{"snmp.address", &it.SNMP.Address}}
	case it.Backup != nil:
		fields = []stringField{{"backup.status_file", &it.Backup.StatusFile}, {"backup.log_file", &it.Backup.LogFile}}
	case it.Check != nil:
		c := it.Check
		fields = []stringField{{"check.url", &c.URL}, {"check.address", &c.Address}, {"check.query", &c.Query}, {"check.server", &c.Server}}
	}
	for _, f := range fields {
		v, err := expand(f.name, *f.p, lookup)
		if err != nil {
			return err
		}
		*f.p = v
	}
	return nil
}

// agentFields maps the fields of the agent's item to the item's own, so that
// an error of the agent's validation names what the user wrote.
var agentFields = map[string]string{
	"pattern": "process.pattern", "service": "service.name", "glob": "log.glob", "channel": "log.channel",
	"patterns[0].regex": "log.regex", "patterns[0].severity": "severity",
	"url": "url", "method": "check.method", "expect_status": "check.expect_status",
	"body_match": "check.body_match", "tls_days": "check.tls_days", "address": "check.address",
	"query": "check.query", "server": "check.server", "timeout": "check.timeout",
	"interval": "interval", "name": "name",
}

// checkAgentItem runs the agent's own validation on ci, so that nothing the
// server accepts is refused by the agent that pulls it.
func checkAgentItem(kind Kind, ci agentconfig.Item) error {
	c := agentconfig.Config{Host: "validate", Items: []agentconfig.Item{ci}}
	c.SetDefaults()
	err := c.Validate()
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		err = j.Unwrap()[0]
	}
	e, ok := invalid.As(err)
	if !ok {
		return err
	}
	field := strings.TrimPrefix(e.Field, fmt.Sprintf("items[0] (%s).", ci.Name))
	if f, ok := agentFields[field]; ok {
		field = f
	}
	if field == "url" {
		field = map[Kind]string{KindCheck: "check.url", KindExporter: "exporter.url"}[kind]
	}
	return invalid.New(field, "%s", e.Reason)
}
