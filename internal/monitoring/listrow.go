package monitoring

import (
	"fmt"
	"strings"
)

// Row is one line of the monitoring item list, every cell already written
// in the list's language.
type Row struct {
	No          int
	Host        string
	Target      string
	Item        string
	Kind        string
	Warning     string
	Critical    string
	Recovery    string
	Interval    string
	For         string
	Severity    string
	Action      string
	Runbook     string
	SLR         string
	FirstOfHost bool // the first row of its host, where the printed page shows the host
}

// newRow writes one resolved item as a row in lang.
func newRow(lang string, r *ResolvedItem) Row {
	row := Row{
		Host: r.Resource, Target: target(lang, &r.Item), Item: r.DisplayTitle(lang), Kind: kindText(lang, &r.Item),
		Interval: word(lang, "default"), For: "-", Runbook: runbook(&r.Item), SLR: r.ServiceLevelRequirement,
	}
	if r.Interval > 0 {
		row.Interval = humanDuration(lang, r.Interval.Std())
	}
	if r.For > 0 {
		row.For = humanDuration(lang, r.For.Std())
	}
	row.Warning, row.Critical, row.Recovery, row.Severity = conditionCells(lang, &r.Item)
	row.Action = action(lang, &r.Item)
	return row
}

func kindText(lang string, it *Item) string {
	k := word(lang, "kind."+string(it.Kind))
	if it.Kind == KindCheck {
		where := ""
		if it.Check.FromServer() {
			where = ", " + word(lang, "check.server") // a collector's resource too: the server's side of the network
		}
		k += " (" + strings.ToUpper(it.Check.Type) + where + ")"
	}
	return k
}

// target is what the item looks at on its host, for the target column.
func target(lang string, it *Item) string {
	switch it.Kind {
	case KindCheck:
		return firstNonEmpty(it.Check.URL, it.Check.Address, it.Check.Query)
	case KindLog:
		return firstNonEmpty(it.Log.Glob, it.Log.Channel)
	case KindProcess:
		return it.Process.Pattern
	case KindService:
		return it.Service.Name
	case KindExporter:
		return it.Exporter.URL
	case KindZabbix:
		return it.Zabbix.Address + " " + it.Zabbix.Key
	case KindSNMP:
		return "snmp " + it.SNMP.Version + " " + it.SNMP.Address
	case KindBackup:
		return firstNonEmpty(it.Backup.StatusFile, it.Backup.LogFile, word(lang, "backup.command")) + policyNote(lang, it.Backup.Policy)
	case KindMetric:
		return firstNonEmpty(it.Metric.Series, it.Metric.Query)
	case KindNoData:
		return firstNonEmpty(it.NoData.Series, word(lang, "cond.host"))
	}
	return "-"
}

// conditionCells fills the warning, critical and recovery cells and the
// severity: the levels of a metric item, or the one condition of any other
// item in the cell of its severity.
func conditionCells(lang string, it *Item) (warning, critical, recovery, severity string) {
	warning, critical, recovery = "-", "-", "-"
	if t := it.Threshold; t != nil {
		var levels []string
		if t.Warning != nil {
			warning = t.Op + " " + num(*t.Warning)
			levels = append(levels, word(lang, "severity.warning"))
		}
		if t.Critical != nil {
			critical = t.Op + " " + num(*t.Critical)
			levels = append(levels, word(lang, "severity.critical"))
		}
		recovery = t.RecoveryOp() + " " + num(t.RecoveryLevel())
		return warning, critical, recovery, strings.Join(levels, " / ")
	}
	cond := condition(lang, it)
	if it.Severity == "" || cond == "" {
		return warning, critical, recovery, word(lang, "collect")
	}
	if it.Severity == SeverityCritical {
		critical = cond
	} else {
		warning = cond
	}
	return warning, critical, recovery, word(lang, "severity."+string(it.Severity))
}

// condition is when an item without thresholds fires.
func condition(lang string, it *Item) string {
	switch it.Kind {
	case KindLog:
		return wordf(lang, "cond.log", it.Log.Count, humanDuration(lang, it.Log.Window.Std()))
	case KindCheck:
		if it.Check.Failures <= 1 { // 0 means the default, 1
			return word(lang, "cond.check_once")
		}
		return wordf(lang, "cond.check", it.Check.Failures)
	case KindNoData:
		return wordf(lang, "cond.nodata", humanDuration(lang, it.NoData.After.Std()))
	case KindProcess:
		return wordf(lang, "cond.process", it.Process.MinCount)
	case KindService:
		return word(lang, "cond.service")
	case KindExporter:
		return word(lang, "cond.exporter")
	case KindBackup:
		if it.Backup.MaxAge > 0 {
			return wordf(lang, "cond.backup_age", humanDuration(lang, it.Backup.MaxAge.Std()))
		}
		return word(lang, "cond.backup")
	}
	return ""
}

// action is what a firing item leads to: its incident policy and routes.
func action(lang string, it *Item) string {
	if it.Threshold == nil && (it.Severity == "" || it.Kind == KindOS) {
		return "-"
	}
	a := word(lang, "policy."+string(it.IncidentPolicy))
	if len(it.Notify) > 0 {
		a += " / " + strings.Join(it.Notify, ", ")
	}
	return a
}

func runbook(it *Item) string {
	switch {
	case it.RunbookURL != "":
		return it.RunbookURL
	case it.RunbookID != 0:
		return fmt.Sprintf("#%d", it.RunbookID)
	}
	return "-"
}

func firstNonEmpty(list ...string) string {
	for _, s := range list {
		if s != "" {
			return s
		}
	}
	return ""
}

// policyNote names the backup policy an item reports to, for the target column.
func policyNote(lang, policy string) string {
	if policy == "" {
		return ""
	}
	return " (" + wordf(lang, "backup.policy", policy) + ")"
}
