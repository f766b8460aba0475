package snmp

import (
	"context"
	"fmt"
	"math/big"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// Port is the SNMP agent's port.
const Port = "161"

// The series every poll writes (docs/snmp.md). The host label is the
// sink's; every series carries the item label.
const (
	UpMetric        = "snmp_up"                    // 1: the agent answered sysUpTime; 0: timeout, refused, bad credentials
	ErrorsMetric    = "snmp_poll_errors"           // OIDs and walks of the item that gave no value in this poll
	DurationMetric  = "snmp_poll_duration_seconds" // how long the poll took
	UptimeMetric    = "snmp_sys_uptime_seconds"    // SNMPv2-MIB sysUpTime.0, in seconds
	IfInOctets      = "snmp_if_in_octets_total"    // ifHCInOctets, or ifInOctets where the agent has no 64-bit counter
	IfOutOctets     = "snmp_if_out_octets_total"   // ifHCOutOctets, or ifOutOctets
	IfInErrors      = "snmp_if_in_errors_total"    // ifInErrors
	IfOutErrors     = "snmp_if_out_errors_total"   // ifOutErrors
	IfOperStatus    = "snmp_if_oper_status"        // ifOperStatus: 1 up, 2 down, 3 testing, 5 dormant, 7 lowerLayerDown
	ItemLabel       = "item"
	IfNameLabel     = "if_name"  // ifName (IF-MIB ifXTable), ifDescr where the agent has no ifName
	IfDescrLabel    = "if_descr" // ifDescr
	IfIndexLabel    = "if_index" // the row's ifIndex, as linkDown and linkUp traps name it
	WalkIndexLabel  = "index"    // a walked row: the OID suffix under the walked subtree
	sysUpTimeOID    = ".1.3.6.1.2.1.1.3.0"
	ifDescrOID      = ".1.3.6.1.2.1.2.2.1.2"
	ifInOctetsOID   = ".1.3.6.1.2.1.2.2.1.10"
	ifInErrorsOID   = ".1.3.6.1.2.1.2.2.1.14"
	ifOutOctetsOID  = ".1.3.6.1.2.1.2.2.1.16"
	ifOutErrorsOID  = ".1.3.6.1.2.1.2.2.1.20"
	ifOperStatusOID = ".1.3.6.1.2.1.2.2.1.8"
	ifNameOID       = ".1.3.6.1.2.1.31.1.1.1.1"
	ifHCInOID       = ".1.3.6.1.2.1.31.1.1.1.6"
	ifHCOutOID      = ".1.3.6.1.2.1.31.1.1.1.10"
)

// Outcome is what one poll found, for logs and tests.
type Outcome struct {
	Up      bool   // the agent answered
	Samples int    // values stored, besides the status series
	Errors  int    // OIDs and walks that gave no value
	Reason  string // the first error
}

// Session is one target's connection to its agent, kept between polls so
// that SNMPv3 discovers the agent's engine once, not every poll.
type Session struct {
	t Target
	g *gosnmp.GoSNMP
}

// Open prepares a session for t; control, when not nil, vets the address
// of every socket (the server's outbound policy, outbound.Policy.Dialer).
// No packet is sent until Poll.
func Open(ctx context.Context, t Target, control func(network, address string, c syscall.RawConn) error) (*Session, error) {
	host, port, err := net.SplitHostPort(t.Address)
	if err != nil {
		host, port = strings.Trim(t.Address, "[]"), Port
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("snmp: bad port in %q", t.Address)
	}
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	g := &gosnmp.GoSNMP{
		Target: host, Port: uint16(p), Transport: "udp", Timeout: timeout, Retries: t.Retries,
		Context: ctx, MaxOids: 60, MaxRepetitions: 25, Control: control,
	}
	switch t.Version {
	case V2c:
		g.Version, g.Community = gosnmp.Version2c, t.Community
	case V3:
		usm, flags, err := USM(t)
		if err != nil {
			return nil, err
		}
		g.Version, g.SecurityModel, g.MsgFlags, g.SecurityParameters = gosnmp.Version3, gosnmp.UserSecurityModel, flags, usm
	default:
		return nil, fmt.Errorf("snmp: version must be 2c or 3, not %q", t.Version)
	}
	if err := g.Connect(); err != nil {
		return nil, fmt.Errorf("snmp: %w", err)
	}
	return &Session{t: t, g: g}, nil
}

// Close releases the socket.
func (s *Session) Close() error { return s.g.Close() }

// Poll asks the agent once and returns the samples of the answers, stamped
// now: sysUpTime and the item's OIDs in one request, then its walks and the
// interface table. Labels exclude the host, which the sink adds.
func (s *Session) Poll(now time.Time) ([]sample.Sample, Outcome) {
	t := s.t
	start := time.Now()
	ms := now.UnixMilli()
	var out Outcome
	var samples []sample.Sample
	add := func(name string, v float64, labels ...string) {
		samples = append(samples, sample.Sample{Name: name, Labels: sample.Labels(append([]string{ItemLabel, t.Item}, labels...)...), Value: v, TimeMs: ms})
		out.Samples++
	}
	fail := func(err error) {
		out.Errors++
		if out.Reason == "" {
			out.Reason = err.Error()
		}
	}
	oids := []string{sysUpTimeOID}
	for _, v := range t.Get {
		oids = append(oids, dotted(v.OID))
	}
	vars, err := s.get(oids)
	if err != nil {
		out.Reason = err.Error()
		out.Errors = len(oids) + len(t.Walk)
		if t.Interfaces {
			out.Errors++
		}
	} else {
		out.Up = true
		for i, pdu := range vars {
			v, ok := number(pdu)
			switch {
			case !ok:
				fail(fmt.Errorf("%s: no number (%v)", pdu.Name, pdu.Type))
			case i == 0:
				add(UptimeMetric, v/100)
			case i-1 < len(t.Get):
				add(t.Get[i-1].Series, v)
			}
		}
		for _, w := range t.Walk {
			root := dotted(w.OID)
			rows, err := s.g.BulkWalkAll(root)
			if err == nil && len(rows) == 0 {
				err = fmt.Errorf("%s: nothing under the subtree", root)
			}
			if err != nil {
				fail(err)
				continue
			}
			for _, pdu := range rows {
				if v, ok := number(pdu); ok {
					add(w.Series, v, WalkIndexLabel, strings.TrimPrefix(pdu.Name, root+"."))
				}
			}
		}
		if t.Interfaces {
			if err := s.interfaces(add); err != nil {
				fail(err)
			}
		}
	}
	stored := out.Samples
	samples = append(samples,
		sample.Sample{Name: UpMetric, Labels: sample.Labels(ItemLabel, t.Item), Value: b2f(out.Up), TimeMs: ms},
		sample.Sample{Name: ErrorsMetric, Labels: sample.Labels(ItemLabel, t.Item), Value: float64(out.Errors), TimeMs: ms},
		sample.Sample{Name: DurationMetric, Labels: sample.Labels(ItemLabel, t.Item), Value: time.Since(start).Seconds(), TimeMs: ms},
	)
	out.Samples = stored
	return samples, out
}

// get asks for the OIDs in requests of at most maxOIDs, the most an agent
// is sure to take in one PDU.
func (s *Session) get(oids []string) ([]gosnmp.SnmpPDU, error) {
	var vars []gosnmp.SnmpPDU
	for len(oids) > 0 {
		n := min(len(oids), maxOIDs)
		pkt, err := s.g.Get(oids[:n])
		if err == nil && pkt.Error != gosnmp.NoError {
			err = fmt.Errorf("agent error %v", pkt.Error)
		}
		if err == nil && len(pkt.Variables) != n {
			err = fmt.Errorf("agent answered %d of %d OIDs", len(pkt.Variables), n)
		}
		if err != nil {
			return nil, err
		}
		vars, oids = append(vars, pkt.Variables...), oids[n:]
	}
	return vars, nil
}

// maxOIDs bounds the OIDs of one GET.
const maxOIDs = 60

// interfaces walks the IF-MIB columns it maps and adds one sample per
// interface and series; the 64-bit counters win over the 32-bit ones.
func (s *Session) interfaces(add func(string, float64, ...string)) error {
	col := func(oid string) (map[string]gosnmp.SnmpPDU, error) {
		rows, err := s.g.BulkWalkAll(oid)
		m := make(map[string]gosnmp.SnmpPDU, len(rows))
		for _, r := range rows {
			m[strings.TrimPrefix(r.Name, oid+".")] = r
		}
		return m, err
	}
	descr, err := col(ifDescrOID)
	if err != nil {
		return fmt.Errorf("ifDescr: %w", err)
	}
	if len(descr) == 0 {
		return fmt.Errorf("the agent has no IF-MIB ifTable")
	}
	names, _ := col(ifNameOID) // ifXTable is optional (RFC 2863)
	counters := []struct {
		series, oid, hc string
	}{
		{IfInOctets, ifInOctetsOID, ifHCInOID}, {IfOutOctets, ifOutOctetsOID, ifHCOutOID},
		{IfInErrors, ifInErrorsOID, ""}, {IfOutErrors, ifOutErrorsOID, ""}, {IfOperStatus, ifOperStatusOID, ""},
	}
	for _, c := range counters {
		low, err := col(c.oid)
		if err != nil {
			return fmt.Errorf("%s: %w", c.series, err)
		}
		var high map[string]gosnmp.SnmpPDU
		if c.hc != "" {
			high, _ = col(c.hc)
		}
		for idx, d := range descr {
			pdu, ok := high[idx]
			if !ok {
				if pdu, ok = low[idx]; !ok {
					continue
				}
			}
			v, ok := number(pdu)
			if !ok {
				continue
			}
			dname := text(d)
			name := text(names[idx])
			if name == "" {
				name = dname
			}
			add(c.series, v, IfNameLabel, name, IfDescrLabel, dname, IfIndexLabel, idx)
		}
	}
	return nil
}

// number reads a numeric value: integers, counters, gauges, time ticks,
// and octet strings that hold a decimal number (UCD-SNMP's laLoad).
func number(pdu gosnmp.SnmpPDU) (float64, bool) {
	switch pdu.Type {
	case gosnmp.Integer, gosnmp.Counter32, gosnmp.Counter64, gosnmp.Gauge32, gosnmp.TimeTicks, gosnmp.Uinteger32:
		f, _ := new(big.Float).SetInt(gosnmp.ToBigInt(pdu.Value)).Float64()
		return f, true
	case gosnmp.OpaqueFloat:
		f, ok := pdu.Value.(float32)
		return float64(f), ok
	case gosnmp.OpaqueDouble:
		f, ok := pdu.Value.(float64)
		return f, ok
	case gosnmp.OctetString:
		b, _ := pdu.Value.([]byte)
		f, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
		return f, err == nil
	}
	return 0, false
}

// text reads an octet string value; "" for anything else.
func text(pdu gosnmp.SnmpPDU) string {
	if b, ok := pdu.Value.([]byte); ok {
		return strings.TrimRight(string(b), "\x00")
	}
	return ""
}

// dotted gives an OID the leading dot gosnmp's answers carry.
func dotted(oid string) string {
	if strings.HasPrefix(oid, ".") {
		return oid
	}
	return "." + oid
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
