package collector

import (
	"encoding/hex"
	"time"

	"github.com/unyo-ops/unyo/internal/probe"
	"github.com/unyo-ops/unyo/internal/snmp"
	"github.com/unyo-ops/unyo/internal/zabbix/poll"
	"github.com/unyo-ops/unyo/internal/zabbix/psk"
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
	SNMP      []SNMPTarget   `json:"snmp"`
	Checks    []CheckTarget  `json:"checks"`
}

// ZabbixTarget is one Zabbix passive check of one host behind the collector.
// It holds the agent's PSK open, as SNMPTarget its credentials: the
// endpoint that serves it requires the collect scope.
type ZabbixTarget struct {
	Host        string `json:"host"` // the resource's name: the host label of its series
	Item        string `json:"item"`
	Address     string `json:"address"` // host:port of the Zabbix agent
	Key         string `json:"key"`
	TLS         bool   `json:"tls,omitempty"`
	PSKIdentity string `json:"tls_psk_identity,omitempty"`
	PSK         string `json:"tls_psk,omitempty"` // hex, as the agent's TLSPSKFile
	Interval    int64  `json:"interval_ms"`
}

// ZabbixTargetOf is the wire form of a poller target.
func ZabbixTargetOf(t poll.Target) ZabbixTarget {
	z := ZabbixTarget{Host: t.Host, Item: t.Item, Address: t.Address, Key: t.Key, TLS: t.TLS, Interval: t.Interval.Milliseconds()}
	if t.PSK != nil {
		z.PSKIdentity, z.PSK = t.PSK.Identity, hex.EncodeToString(t.PSK.Secret)
	}
	return z
}

// PollTarget is the poller's form of t, for tenant. A key that does not
// decode is polled with none, and each poll fails saying so.
func (t ZabbixTarget) PollTarget(tenant string) poll.Target {
	p := poll.Target{Tenant: tenant, Host: t.Host, Item: t.Item, Address: t.Address, Key: t.Key, TLS: t.TLS,
		Interval: time.Duration(t.Interval) * time.Millisecond}
	if t.PSKIdentity != "" || t.PSK != "" {
		secret, _ := psk.ParseKey(t.PSK)
		p.PSK = &psk.Key{Identity: t.PSKIdentity, Secret: secret}
	}
	return p
}

// SNMPTarget is one SNMP item of one device behind the collector. It holds
// the device's credentials open: the endpoint that serves it requires the
// collect scope, which only a collector's token carries.
type SNMPTarget struct {
	Host         string       `json:"host"`
	Item         string       `json:"item"`
	Address      string       `json:"address"`
	Version      string       `json:"version"`
	Community    string       `json:"community,omitempty"`
	User         string       `json:"user,omitempty"`
	AuthProtocol string       `json:"auth_protocol,omitempty"`
	AuthPassword string       `json:"auth_password,omitempty"`
	PrivProtocol string       `json:"priv_protocol,omitempty"`
	PrivPassword string       `json:"priv_password,omitempty"`
	Interfaces   bool         `json:"interfaces,omitempty"`
	Get          []snmp.Value `json:"get,omitempty"`
	Walk         []snmp.Value `json:"walk,omitempty"`
	Interval     int64        `json:"interval_ms"`
	Timeout      int64        `json:"timeout_ms,omitempty"`
	Retries      int          `json:"retries,omitempty"`
	TrapSources  []string     `json:"trap_sources,omitempty"` // other addresses the device sends traps from
}

// SNMPTargetOf is the wire form of an SNMP poller target.
func SNMPTargetOf(t snmp.Target) SNMPTarget {
	return SNMPTarget{Host: t.Host, Item: t.Item, Address: t.Address, Version: t.Version, Community: t.Community,
		User: t.User, AuthProtocol: t.AuthProtocol, AuthPassword: t.AuthPassword, PrivProtocol: t.PrivProtocol,
		PrivPassword: t.PrivPassword, Interfaces: t.Interfaces, Get: t.Get, Walk: t.Walk,
		Interval: t.Interval.Milliseconds(), Timeout: t.Timeout.Milliseconds(), Retries: t.Retries, TrapSources: t.TrapSources}
}

// PollTarget is the SNMP poller's form of t, for tenant.
func (t SNMPTarget) PollTarget(tenant string) snmp.Target {
	return snmp.Target{Tenant: tenant, Host: t.Host, Item: t.Item, Address: t.Address, Version: t.Version,
		Community: t.Community, User: t.User, AuthProtocol: t.AuthProtocol, AuthPassword: t.AuthPassword,
		PrivProtocol: t.PrivProtocol, PrivPassword: t.PrivPassword, Interfaces: t.Interfaces, Get: t.Get, Walk: t.Walk,
		Interval: time.Duration(t.Interval) * time.Millisecond, Timeout: time.Duration(t.Timeout) * time.Millisecond,
		Retries: t.Retries, TrapSources: t.TrapSources}
}

// CheckTarget is one check run from the network of the collector (ping, TCP,
// TLS, HTTP) for a device behind it.
type CheckTarget struct {
	Host         string `json:"host"`
	Item         string `json:"item"`
	Type         string `json:"type"`
	Address      string `json:"address,omitempty"`
	URL          string `json:"url,omitempty"`
	Method       string `json:"method,omitempty"`
	ExpectStatus int    `json:"expect_status,omitempty"`
	BodyMatch    string `json:"body_match,omitempty"`
	TLSDays      int    `json:"tls_days,omitempty"`
	Count        int    `json:"count,omitempty"`
	Spacing      int64  `json:"spacing_ms,omitempty"`
	Timeout      int64  `json:"timeout_ms,omitempty"`
	Interval     int64  `json:"interval_ms"`
}

// CheckTargetOf is the wire form of a probe target.
func CheckTargetOf(t probe.Target) CheckTarget {
	return CheckTarget{Host: t.Host, Item: t.Item, Type: t.Type, Address: t.Address, URL: t.URL, Method: t.Method,
		ExpectStatus: t.ExpectStatus, BodyMatch: t.BodyMatch, TLSDays: t.TLSDays, Count: t.Count,
		Spacing: t.Spacing.Milliseconds(), Timeout: t.Timeout.Milliseconds(), Interval: t.Interval.Milliseconds()}
}

// PollTarget is the probe poller's form of t, for tenant.
func (t CheckTarget) PollTarget(tenant string) probe.Target {
	ms := func(v int64) time.Duration { return time.Duration(v) * time.Millisecond }
	return probe.Target{Tenant: tenant, Host: t.Host, Item: t.Item, Type: t.Type, Address: t.Address, URL: t.URL,
		Method: t.Method, ExpectStatus: t.ExpectStatus, BodyMatch: t.BodyMatch, TLSDays: t.TLSDays, Count: t.Count,
		Spacing: ms(t.Spacing), Timeout: ms(t.Timeout), Interval: ms(t.Interval)}
}
