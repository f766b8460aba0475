package snmptrap

import (
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/snmp/trap"
)

// severities of the well-known traps; another trap is a warning.
var severities = map[string]alert.Severity{
	"coldStart": alert.SeverityInfo, "warmStart": alert.SeverityInfo,
	"linkDown": alert.SeverityCritical, "authenticationFailure": alert.SeverityWarning,
}

// Signal is the trap as an intake alert on the device's resource, received
// at (zero: now; a collector's trap forwarded after an outage keeps the
// time it was received). linkDown and linkUp of one interface share a
// fingerprint, so linkUp resolves the linkDown; any other trap is
// identified by its OID, so a repeat updates the open alert instead of
// opening another.
func Signal(t *trap.Trap, at time.Time) alert.Signal {
	name := t.Name
	if name == "" {
		name = t.OID
	}
	labels := map[string]string{"trap_oid": t.OID, "trap_name": name, "snmp_sender": t.Sender.String(), "snmp_version": t.Version}
	fp := "trap:" + t.Host + ":" + t.OID
	if t.IfIndex != "" {
		labels["if_index"] = t.IfIndex
	}
	if t.IfName != "" {
		labels["if_name"] = t.IfName
	}
	if t.Name == "linkDown" || t.Name == "linkUp" {
		fp = "link:" + t.Host + ":" + t.IfIndex
	}
	for _, vb := range t.Varbinds {
		labels["varbind_"+strings.ReplaceAll(strings.TrimPrefix(vb[0], "."), ".", "_")] = vb[1]
	}
	sev, ok := severities[t.Name]
	if !ok {
		sev = alert.SeverityWarning
	}
	iface := ""
	if t.IfIndex != "" {
		iface = " (ifIndex " + t.IfIndex
		if t.IfName != "" {
			iface += " " + t.IfName
		}
		iface += ")"
	}
	summaries := alert.Text{Ja: t.Host + " からの SNMP トラップ " + name + iface, En: "SNMP trap " + name + " from " + t.Host + iface}
	status := alert.StateFiring
	if t.Name == "linkUp" {
		status, name = alert.StateResolved, "linkDown"
	}
	return alert.Signal{Source: alert.SourceSNMP, Fingerprint: fp, Status: status, Severity: sev, Name: name,
		Summaries: summaries, Resource: t.Host, Labels: labels, StartsAt: at}
}
