// Package snmp polls devices over SNMP v2c and v3 on a schedule: each
// target is one monitoring item of one device, asked for sysUpTime, the
// OIDs it names, the subtrees it walks and, in interfaces mode, the IF-MIB
// interface table; every answer becomes samples of documented series
// (docs/snmp.md). It knows nothing of where the targets come from or where
// the samples go, so the server and a collector drive it alike.
package snmp

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Versions an item may name.
const (
	V2c = "2c"
	V3  = "3"
)

// Value types of a custom OID.
const (
	Gauge   = "gauge"   // stored as read
	Counter = "counter" // stored as read; its series name ends in _total
)

// Value is one custom OID (get) or subtree (walk) and the series its
// values are stored as.
type Value struct {
	OID    string `json:"oid"`            // numeric, e.g. 1.3.6.1.4.1.2021.10.1.5.1
	Series string `json:"series"`         // the metric name, e.g. ucd_load_avg_1m
	Type   string `json:"type,omitempty"` // gauge (default) or counter
}

// Target is one SNMP item to poll on one device. It holds the secrets in
// clear: it lives in memory only, and is never logged (see LogValue).
type Target struct {
	Tenant  string
	Host    string // the resource's name: the host label of the series
	Item    string // the unyo item's name: the item label
	Address string // host:port of the agent, 161 by default

	Version      string // V2c or V3
	Community    string // v2c
	User         string // v3 security name
	AuthProtocol string // v3: MD5, SHA, SHA224, SHA256, SHA384, SHA512; "" for noAuthNoPriv
	AuthPassword string
	PrivProtocol string // v3: DES, AES, AES192, AES256, AES192C, AES256C; "" for no privacy
	PrivPassword string

	Interfaces bool    // walk IF-MIB ifTable and ifXTable
	Get        []Value // scalar OIDs
	Walk       []Value // subtrees, one series per row

	Interval time.Duration
	Timeout  time.Duration // one request; 2s when 0
	Retries  int

	// TrapSources are the other addresses the device sends traps from
	// (a router's loopback or management interface); the poller ignores them.
	TrapSources []string
}

// id identifies a target across reloads, so an unchanged one keeps its
// schedule and a changed one (a new password too) restarts. The secrets
// enter it hashed, so that the key is safe to keep around.
func (t Target) id() string {
	var b strings.Builder
	for _, s := range []string{t.Tenant, t.Host, t.Item, t.Address, t.Version, t.User, t.AuthProtocol, t.PrivProtocol,
		t.Interval.String(), t.Timeout.String(), strconv.Itoa(t.Retries)} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	if t.Interfaces {
		b.WriteString("if")
	}
	for _, v := range append(append([]Value{}, t.Get...), t.Walk...) {
		b.WriteString(v.OID + "=" + v.Series + ":" + v.Type + "\x00")
	}
	h := sha256.Sum256([]byte(t.Community + "\x00" + t.AuthPassword + "\x00" + t.PrivPassword))
	b.WriteString(hex.EncodeToString(h[:8]))
	return b.String()
}

// LogValue keeps the secrets out of logs if a Target is logged by mistake.
func (t Target) LogValue() slog.Value {
	return slog.GroupValue(slog.String("tenant", t.Tenant), slog.String("host", t.Host), slog.String("item", t.Item), slog.String("address", t.Address))
}
