package collector

import (
	"time"

	"github.com/unyo-ops/unyo/internal/zabbix/poll"
)

// TargetsPath is where a collector pulls its targets from unyo server.
const TargetsPath = "/api/v1/agent/collector/targets"

// Targets is what the server hands a collector: the pollable items of the
// resources of the collector's tenant labelled unyo_collector=<its name>,
// one list per kind of poller. A kind is a field of its own, typed by its
// poller, so that the server and the collector agree on it at compile time;
// a collector that does not know a newer kind ignores its field.
//
// Adding a kind (SNMP, ping and port checks): a field here, filled by the
// server's lister (monitoring.Store.CollectorTargets), and a Source in
// Sources that runs its poller from that field.
type Targets struct {
	Collector string         `json:"collector"`
	Zabbix    []ZabbixTarget `json:"zabbix"`
}

// ZabbixTarget is one Zabbix passive check of one host behind the collector.
type ZabbixTarget struct {
	Host     string `json:"host"` // the resource's name: the host label of its series
	Item     string `json:"item"`
	Address  string `json:"address"` // host:port of the Zabbix agent
	Key      string `json:"key"`
	TLS      bool   `json:"tls,omitempty"`
	Interval int64  `json:"interval_ms"`
}

// ZabbixTargetOf is the wire form of a poller target.
func ZabbixTargetOf(t poll.Target) ZabbixTarget {
	return ZabbixTarget{Host: t.Host, Item: t.Item, Address: t.Address, Key: t.Key, TLS: t.TLS, Interval: t.Interval.Milliseconds()}
}

// PollTarget is the poller's form of t, for tenant.
func (t ZabbixTarget) PollTarget(tenant string) poll.Target {
	return poll.Target{Tenant: tenant, Host: t.Host, Item: t.Item, Address: t.Address, Key: t.Key, TLS: t.TLS,
		Interval: time.Duration(t.Interval) * time.Millisecond}
}
