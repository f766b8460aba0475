package main

import (
	"fmt"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// Shape of a simulated host: node_exporter's series as the unyo agent's os
// item names them, the agent's own series, and its process, service and
// check items. With these counts a host has seriesPerHost series.
const (
	hostCPUs      = 16
	hostMounts    = 16
	hostDisks     = 12
	hostNICs      = 8
	hostProcesses = 5
	hostServices  = 14
	hostChecks    = 2
	seriesPerHost = 300
)

var (
	cpuModes   = []string{"idle", "user", "system", "iowait", "irq", "softirq", "steal", "nice"}
	netMetrics = []string{"receive_bytes", "transmit_bytes", "receive_packets", "transmit_packets", "receive_errs", "transmit_errs", "receive_drop", "transmit_drop"}
	agentSelf  = []string{"unyo_agent_up", "unyo_agent_cpu_seconds_total", "unyo_agent_resident_memory_bytes", "unyo_agent_items",
		"unyo_agent_buffer_bytes", "unyo_agent_buffer_records", "unyo_agent_sent_batches_total", "unyo_agent_send_retries_total",
		"unyo_agent_rejected_batches_total", "unyo_agent_config_last_reload_successful"}
)

// behaviour is what a simulated host does wrong, if anything.
type behaviour int

const (
	healthy    behaviour = iota
	cpuSpike             // idle time stops growing: the CPU is at 100%
	checkFails           // its HTTP check fails: unyo_check_up 0
	logErrors            // its log item matches ERROR lines: events
	silent               // it stops sending altogether
)

func (b behaviour) String() string {
	return [...]string{"healthy", "cpu-spike", "check-fails", "log-errors", "silent"}[b]
}

// host is one simulated agent's state: its label sets are built once, as the
// real agent's collectors keep theirs, and its counters only grow.
type host struct {
	tenant, name string
	kind         behaviour
	series       []sample.Sample // Value updated in place every round
	counters     []bool          // series i is a counter
	cpuIdle      []int           // indexes of the idle CPU counters
	checkUp      []int           // indexes of unyo_check_up
	misbehaving  bool            // set when its misbehaviour starts
	round        int
}

// newHost builds the series of a host; they number seriesPerHost.
func newHost(tenant, name string, kind behaviour) *host {
	h := &host{tenant: tenant, name: name, kind: kind}
	add := func(name string, counter bool, labels ...string) int {
		ls := make([]sample.Label, 0, len(labels)/2)
		for i := 0; i+1 < len(labels); i += 2 {
			ls = append(ls, sample.Label{Name: labels[i], Value: labels[i+1]})
		}
		h.series = append(h.series, sample.Sample{Name: name, Labels: ls})
		h.counters = append(h.counters, counter)
		return len(h.series) - 1
	}
	for c := range hostCPUs {
		for _, m := range cpuModes {
			i := add("node_cpu_seconds_total", true, "item", "os", "cpu", fmt.Sprint(c), "mode", m)
			if m == "idle" {
				h.cpuIdle = append(h.cpuIdle, i)
			}
		}
	}
	for _, n := range []string{"node_load1", "node_load5", "node_load15", "node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes",
		"node_memory_SwapTotal_bytes", "node_memory_SwapFree_bytes", "node_processes_pids", "node_boot_time_seconds", "node_time_seconds"} {
		add(n, false, "item", "os")
	}
	for m := range hostMounts {
		for _, n := range []string{"node_filesystem_size_bytes", "node_filesystem_avail_bytes"} {
			add(n, false, "item", "os", "mountpoint", fmt.Sprintf("/srv/vol%02d", m), "fstype", "ext4", "device", fmt.Sprintf("/dev/vd%c1", 'a'+m))
		}
	}
	for d := range hostDisks {
		for _, n := range []string{"node_disk_read_bytes_total", "node_disk_written_bytes_total"} {
			add(n, true, "item", "os", "device", fmt.Sprintf("vd%c", 'a'+d))
		}
	}
	for d := range hostNICs {
		for _, m := range netMetrics {
			add("node_network_"+m+"_total", true, "item", "os", "device", fmt.Sprintf("eth%d", d))
		}
	}
	for _, n := range agentSelf {
		add(n, false)
	}
	for p := range hostProcesses {
		item := fmt.Sprintf("proc-%d", p)
		add("unyo_process_count", false, "item", item)
		add("unyo_process_up", false, "item", item)
	}
	for s := range hostServices {
		add("unyo_service_up", false, "item", fmt.Sprintf("svc-%d", s))
	}
	for c := range hostChecks {
		item := fmt.Sprintf("check-%d", c)
		h.checkUp = append(h.checkUp, add("unyo_check_up", false, "item", item))
		add("unyo_check_duration_seconds", false, "item", item)
	}
	for _, sev := range []string{"info", "warning", "critical"} {
		add("unyo_log_matches_total", true, "item", "applog", "pattern", sev, "severity", sev)
	}
	add("unyo_log_lines_read_total", true, "item", "applog", "path", "/var/log/app.log")
	return h
}

// gauges are the realistic values of the gauges that the Linux template
// judges, so that a healthy host raises no alert; others are small numbers.
var gauges = map[string]float64{
	"node_load1": 0.4, "node_load5": 0.5, "node_load15": 0.5,
	"node_memory_MemTotal_bytes": 16 << 30, "node_memory_MemAvailable_bytes": 9 << 30,
	"node_memory_SwapTotal_bytes": 2 << 30, "node_memory_SwapFree_bytes": 2 << 30,
	"node_filesystem_size_bytes": 100 << 30, "node_filesystem_avail_bytes": 60 << 30,
	"unyo_agent_up": 1, "unyo_process_up": 1, "unyo_service_up": 1, "unyo_check_up": 1,
	"unyo_agent_config_last_reload_successful": 1,
}

// bootAge is how long ago the simulated hosts booted.
const bootAge = 30 * 24 * 3600

// next sets every series' timestamp and value for a collection at ms and
// returns them. Counters grow at a steady rate (each CPU 70% idle); a
// spiking host's idle time stops growing (100% busy), a failing check
// reads 0.
func (h *host) next(ms int64, intervalSec float64) []sample.Sample {
	h.round++
	for i := range h.series {
		s := &h.series[i]
		s.TimeMs = ms
		switch {
		case h.counters[i] && s.Name == "node_cpu_seconds_total":
			s.Value += intervalSec * 0.3 / float64(len(cpuModes)-1)
		case h.counters[i]:
			s.Value += intervalSec * float64(1+i%7)
		case s.Name == "node_time_seconds":
			s.Value = float64(ms) / 1000
		case s.Name == "node_boot_time_seconds":
			s.Value = float64(ms)/1000 - bootAge
		default:
			v, ok := gauges[s.Name]
			if !ok {
				v = float64(1 + (i*31+h.round)%97)
			}
			s.Value = v
		}
	}
	for _, i := range h.cpuIdle {
		h.series[i].Value += intervalSec*0.7 - intervalSec*0.3/float64(len(cpuModes)-1)
		if h.misbehaving && h.kind == cpuSpike {
			h.series[i].Value -= intervalSec * 0.7
		}
	}
	for _, i := range h.checkUp {
		if h.misbehaving && h.kind == checkFails {
			h.series[i].Value = 0
		}
	}
	return h.series
}
