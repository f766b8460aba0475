package zabbix

import (
	"fmt"
	"strings"
)

// The labels every series of a Zabbix item carries besides its parameters.
const (
	KeyLabel  = "key"  // the item key as written: vfs.fs.size[/,pused]
	ItemLabel = "item" // the unyo item's name, as on every agent series
)

// paramLabels names the parameters of the keys a takeover meets most, in
// their order in Zabbix's documentation; the parameters of any other key
// are p1, p2, ... (Zabbix's own $1, $2 in item names).
var paramLabels = map[string][]string{
	"system.cpu.util":      {"cpu", "type", "mode", "logical_or_physical"},
	"system.cpu.load":      {"cpu", "mode"},
	"system.cpu.num":       {"type"},
	"system.cpu.switches":  {},
	"system.swap.size":     {"device", "mode"},
	"vm.memory.size":       {"mode"},
	"vfs.fs.size":          {"fs", "mode"},
	"vfs.fs.inode":         {"fs", "mode"},
	"vfs.dev.read":         {"device", "type", "mode"},
	"vfs.dev.write":        {"device", "type", "mode"},
	"vfs.file.size":        {"file", "mode"},
	"net.if.in":            {"interface", "mode"},
	"net.if.out":           {"interface", "mode"},
	"net.if.total":         {"interface", "mode"},
	"net.tcp.port":         {"ip", "port"},
	"net.tcp.listen":       {"port"},
	"net.udp.listen":       {"port"},
	"net.tcp.service":      {"service", "ip", "port"},
	"net.tcp.service.perf": {"service", "ip", "port"},
	"proc.num":             {"name", "user", "state", "cmdline", "zone"},
	"proc.mem":             {"name", "user", "mode", "cmdline", "memtype"},
	"proc.cpu.util":        {"name", "user", "type", "cmdline", "mode", "zone"},
	"perf_counter":         {"counter", "interval"},
	"perf_counter_en":      {"counter", "interval"},
	"service.info":         {"service", "param"},
	"service_state":        {"service"},
	"proc_info":            {"process", "attribute", "type"},
	"web.page.perf":        {"host", "path", "port"},
	"zabbix.stats":         {"ip", "port"},
}

// activeOnly are keys a Zabbix agent answers only to active checks: a
// passive poll gets ZBX_NOTSUPPORTED, so unyo refuses them up front.
var activeOnly = map[string]bool{
	"log": true, "log.count": true, "logrt": true, "logrt.count": true,
	"eventlog": true, "eventlog.count": true, "mqtt.get": true,
}

// RunsCommands reports whether the key makes the agent run a command
// (system.run): unyo never asks an agent to, whatever the agent allows, so
// that an item of one tenant cannot execute anything on a host.
func RunsCommands(k Key) bool { return k.Name == "system.run" }

// ActiveOnly reports whether the key can be collected only by an active
// check (log files, the Windows event log), so not by polling.
func ActiveOnly(k Key) bool { return activeOnly[k.Name] }

// Series is where the values of one item key go in Prometheus terms.
type Series struct {
	Name   string      // zabbix_vfs_fs_size
	Labels [][2]string // the key's parameters by name, then key="..."
}

// SeriesOf maps a key to its series: zabbix_ and the key's name with every
// character outside [a-zA-Z0-9_] as _, labelled with its parameters (named
// for the common keys, p1, p2, ... otherwise; empty ones left out, as
// Prometheus treats an empty label as absent) and with the whole key.
//
//	system.cpu.util            zabbix_system_cpu_util{key="system.cpu.util"}
//	vm.memory.size[available]  zabbix_vm_memory_size{mode="available"}
//	vfs.fs.size[/,pused]       zabbix_vfs_fs_size{fs="/",mode="pused"}
//	net.if.in[eth0]            zabbix_net_if_in{interface="eth0"}
func SeriesOf(k Key) Series {
	s := Series{Name: MetricName(k.Name)}
	names := paramLabels[k.Name]
	for i, p := range k.Params {
		if p == "" {
			continue
		}
		name := fmt.Sprintf("p%d", i+1)
		if i < len(names) {
			name = names[i]
		}
		s.Labels = append(s.Labels, [2]string{name, p})
	}
	s.Labels = append(s.Labels, [2]string{KeyLabel, k.String()})
	return s
}

// MetricName is the series name of a key name.
func MetricName(keyName string) string {
	var b strings.Builder
	b.WriteString("zabbix_")
	for i := 0; i < len(keyName); i++ {
		c := keyName[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' {
			b.WriteByte(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Selector is the PromQL selector of a key's series, without the host: what
// a metric item or a translated trigger reads. The key label alone picks
// the series; the parameter labels are for people and aggregations.
func (s Series) Selector() string {
	key := s.Labels[len(s.Labels)-1][1]
	return fmt.Sprintf("%s{%s=%q}", s.Name, KeyLabel, key)
}
