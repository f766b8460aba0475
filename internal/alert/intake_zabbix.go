package alert

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// zabbixEvent is what unyo's Zabbix media type sends (docs/alerting.md has
// the script): the event macros of a Zabbix action, as strings, as a
// webhook's parameters are.
type zabbixEvent struct {
	EventID     string      `json:"event_id"`    // {EVENT.ID}: the problem's ID, in its recovery too
	Status      string      `json:"status"`      // {EVENT.STATUS}: PROBLEM or RESOLVED
	Value       string      `json:"event_value"` // {EVENT.VALUE}: 1 problem, 0 resolved; read when status is absent
	Update      string      `json:"update"`      // {EVENT.UPDATE.STATUS}: 1 for an acknowledgement or other update
	Severity    string      `json:"severity"`    // {EVENT.SEVERITY}: the name, maybe renamed in the Zabbix server
	NSeverity   string      `json:"nseverity"`   // {EVENT.NSEVERITY}: 0 (not classified) to 5 (disaster)
	Host        string      `json:"host"`        // {HOST.HOST}: the technical name
	HostName    string      `json:"host_name"`   // {HOST.NAME}: the visible name
	TriggerName string      `json:"trigger_name"`
	TriggerID   string      `json:"trigger_id"`
	Message     string      `json:"message"`
	OpData      string      `json:"opdata"`
	URL         string      `json:"url"`
	Clock       string      `json:"clock"` // Unix seconds of the event
	Tags        []zabbixTag `json:"tags"`  // {EVENT.TAGSJSON}, parsed
}

type zabbixTag struct {
	Tag   string `json:"tag"`
	Value string `json:"value"`
}

// zabbixSeverity maps Zabbix's six severities, by number and default name.
var zabbixSeverity = map[string]Severity{
	"0": SeverityInfo, "1": SeverityInfo, "2": SeverityWarning, "3": SeverityWarning, "4": SeverityCritical, "5": SeverityCritical,
	"not classified": SeverityInfo, "information": SeverityInfo, "warning": SeverityWarning, "average": SeverityWarning,
	"high": SeverityCritical, "disaster": SeverityCritical,
}

var tagNameRE = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// DecodeZabbix reads one event of a Zabbix server's webhook media type. The
// event ID identifies the alert: a problem and its recovery carry the
// problem's ID, and a repeated problem or an update changes nothing.
func DecodeZabbix(body []byte) ([]Signal, error) {
	var ev zabbixEvent
	if err := decodeJSON(body, &ev); err != nil {
		return nil, err
	}
	if ev.EventID == "" || strings.HasPrefix(ev.EventID, "{") {
		return nil, invalid.New("event_id", "is required: the media type must send {EVENT.ID}")
	}
	if len(ev.EventID) > 64 {
		return nil, invalid.New("event_id", "is longer than 64 bytes")
	}
	s := Signal{Source: SourceZabbix, Fingerprint: ev.EventID, Name: first(ev.TriggerName, "Zabbix event "+ev.EventID),
		Summary: first(ev.OpData, ev.Message), Resource: first(ev.Host, ev.HostName), RunbookURL: "", Labels: map[string]string{}}
	switch strings.ToUpper(ev.Status) {
	case "PROBLEM":
		s.Status = StateFiring
	case "RESOLVED", "OK":
		s.Status = StateResolved
	case "", "UPDATE":
		switch ev.Value {
		case "1":
			s.Status = StateFiring
		case "0":
			s.Status = StateResolved
		default:
			return nil, invalid.New("status", "is required: PROBLEM or RESOLVED ({EVENT.STATUS}), or event_value 1 or 0 ({EVENT.VALUE})")
		}
	default:
		return nil, invalid.New("status", "must be PROBLEM or RESOLVED, not %q", ev.Status)
	}
	switch {
	case ev.NSeverity != "" && !strings.HasPrefix(ev.NSeverity, "{"):
		sev, ok := zabbixSeverity[ev.NSeverity]
		if !ok {
			return nil, invalid.New("nseverity", "must be 0 to 5, not %q", ev.NSeverity)
		}
		s.Severity = sev
	case ev.Severity == "":
		s.Severity = SeverityWarning
	default:
		if sev, ok := zabbixSeverity[strings.ToLower(ev.Severity)]; ok {
			s.Severity = sev
		} else {
			s.RawSeverity = ev.Severity // renamed in the Zabbix server: the tenant's severity map decides
		}
	}
	if ev.Clock != "" {
		sec, err := strconv.ParseInt(ev.Clock, 10, 64)
		if err != nil || sec <= 0 {
			return nil, invalid.New("clock", "must be Unix seconds, not %q", ev.Clock)
		}
		s.StartsAt = time.Unix(sec, 0).UTC()
	}
	for k, v := range map[string]string{
		"alertname": ev.TriggerName, "host": ev.Host, "zabbix_host_name": ev.HostName, "zabbix_trigger_id": ev.TriggerID,
		"severity": ev.Severity, "zabbix_url": ev.URL,
	} {
		if v != "" && !strings.HasPrefix(v, "{") { // a macro Zabbix left unexpanded
			s.Labels[k] = v
		}
	}
	for _, t := range ev.Tags {
		if t.Tag != "" {
			s.Labels["tag_"+tagNameRE.ReplaceAllString(t.Tag, "_")] = t.Value
		}
	}
	return []Signal{s}, nil
}
