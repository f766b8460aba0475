// Package trap receives SNMP traps (v1, v2c, v3) on UDP and decodes each
// one against the known devices of its sender: a device is known by its
// snmp monitoring item, and a trap must come from the item's address and
// carry the item's community (v1, v2c) or authenticate as the item's v3
// user. Anything else is dropped and counted, never given to another
// tenant. What becomes of an accepted trap is the caller's (Deliver): the
// server makes it an alert (internal/snmptrap), a collector buffers it for
// the server. The package holds no server code, so a collector runs it.
package trap

import (
	"crypto/subtle"
	"fmt"
	"io"
	"log"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gosnmp/gosnmp"

	"github.com/unyo-ops/unyo/internal/snmp"
)

// Drop reasons, the outcome label of the trap counter.
const (
	Accepted       = "accepted"
	UnknownSender  = "unknown_sender"  // no snmp item has the sender's address
	BadCredentials = "bad_credentials" // the community or the v3 user does not match the sender's items
	Ambiguous      = "ambiguous"       // the sender and credentials match devices of several tenants
	Malformed      = "malformed"       // not an SNMP trap or inform
	NotStored      = "not_stored"      // accepted, and the alert pipeline refused it
)

// Well-known traps (SNMPv2-MIB snmpTraps, IF-MIB), by OID.
var names = map[string]string{
	".1.3.6.1.6.3.1.1.5.1": "coldStart", ".1.3.6.1.6.3.1.1.5.2": "warmStart",
	".1.3.6.1.6.3.1.1.5.3": "linkDown", ".1.3.6.1.6.3.1.1.5.4": "linkUp",
	".1.3.6.1.6.3.1.1.5.5": "authenticationFailure",
}

const (
	sysUpTimeOID  = ".1.3.6.1.2.1.1.3.0"
	trapOIDOID    = ".1.3.6.1.6.3.1.1.4.1.0"
	ifIndexPrefix = ".1.3.6.1.2.1.2.2.1.1."
	ifDescrPrefix = ".1.3.6.1.2.1.2.2.1.2."
	ifNamePrefix  = ".1.3.6.1.2.1.31.1.1.1.1."
	maxVarbinds   = 20
	maxValueLen   = 200
)

// Device is one sender traps are accepted from, with the credentials they
// must carry: an snmp item's target.
type Device struct {
	snmp.Target
	Addrs []netip.Addr // the item's address, resolved
}

// Trap is a trap accepted from a device.
type Trap struct {
	Tenant   string
	Host     string // the device's resource
	Sender   netip.Addr
	Version  string // 1, 2c or 3
	OID      string // snmpTrapOID, or the v1 enterprise/generic/specific form of it
	Name     string // coldStart, linkDown, ...; "" for another trap
	IfIndex  string // linkDown and linkUp: the interface
	IfName   string // the ifName or ifDescr varbind, when the trap has one
	Varbinds [][2]string

	ack []byte // an inform's response, sent once the alert is stored
}

// quiet is gosnmp's logger: the decoder's complaints are counted, not logged.
var quiet = gosnmp.NewLogger(log.New(io.Discard, "", 0))

// Decode reads a packet from a sender against the devices with the
// sender's address, and returns the trap or why it is dropped. It never
// panics on any input.
func Decode(data []byte, from netip.Addr, devices []*Device) (t *Trap, reason string) {
	defer func() {
		if recover() != nil {
			t, reason = nil, Malformed
		}
	}()
	if len(devices) == 0 {
		return nil, UnknownSender
	}
	version, ok := peekVersion(data)
	if !ok {
		return nil, Malformed
	}
	var pkt *gosnmp.SnmpPacket
	var match []*Device
	if version == gosnmp.Version3 {
		pkt, match = decodeV3(data, devices)
	} else {
		g := &gosnmp.GoSNMP{Version: version, Logger: quiet}
		var err error
		if pkt, err = g.UnmarshalTrap(data, false); err != nil {
			return nil, Malformed
		}
		for _, d := range devices {
			if d.Version == snmp.V2c && subtle.ConstantTimeCompare([]byte(d.Community), []byte(pkt.Community)) == 1 {
				match = append(match, d)
			}
		}
	}
	if pkt == nil || len(match) == 0 {
		return nil, BadCredentials
	}
	for _, d := range match[1:] {
		if d.Tenant != match[0].Tenant || d.Host != match[0].Host {
			return nil, Ambiguous // two devices share the address and the credentials: whose is it?
		}
	}
	if pkt.PDUType != gosnmp.SNMPv2Trap && pkt.PDUType != gosnmp.Trap && pkt.PDUType != gosnmp.InformRequest {
		return nil, Malformed
	}
	t = &Trap{Tenant: match[0].Tenant, Host: match[0].Host, Sender: from, Version: versionName(pkt.Version)}
	t.read(pkt)
	if pkt.PDUType == gosnmp.InformRequest {
		// The response is the request itself, as a Response-PDU without
		// error (RFC 3416 4.2.7), with the request's security parameters.
		pkt.PDUType, pkt.Error, pkt.ErrorIndex = gosnmp.GetResponse, gosnmp.NoError, 0
		t.ack, _ = pkt.MarshalMsg()
	}
	return t, Accepted
}

// decodeV3 tries the v3 users of the devices: the packet is the one that
// authenticates (and decrypts) with a device's credentials.
func decodeV3(data []byte, devices []*Device) (*gosnmp.SnmpPacket, []*Device) {
	var pkt *gosnmp.SnmpPacket
	var match []*Device
	for _, d := range devices {
		if d.Version != snmp.V3 {
			continue
		}
		usm, flags, err := snmp.USM(d.Target)
		if err != nil {
			continue
		}
		g := &gosnmp.GoSNMP{Version: gosnmp.Version3, SecurityModel: gosnmp.UserSecurityModel, MsgFlags: flags, SecurityParameters: usm, Logger: quiet}
		p, err := g.UnmarshalTrap(append([]byte(nil), data...), false)
		// The item's security level, not less: a trap authenticated
		// without privacy is not one of a user configured with it.
		if err != nil || p.MsgFlags&gosnmp.AuthPriv != flags {
			continue
		}
		if got, ok := p.SecurityParameters.(*gosnmp.UsmSecurityParameters); !ok || got.UserName != d.User {
			continue
		}
		pkt, match = p, append(match, d)
	}
	return pkt, match
}

// peekVersion reads the version of an SNMP message: SEQUENCE { INTEGER version ... }.
func peekVersion(data []byte) (gosnmp.SnmpVersion, bool) {
	if len(data) < 5 || data[0] != 0x30 {
		return 0, false
	}
	i := 2
	if data[1]&0x80 != 0 {
		i += int(data[1] & 0x7f)
	}
	if i+2 >= len(data) || data[i] != 0x02 || data[i+1] != 1 {
		return 0, false
	}
	switch v := gosnmp.SnmpVersion(data[i+2]); v {
	case gosnmp.Version1, gosnmp.Version2c, gosnmp.Version3:
		return v, true
	}
	return 0, false
}

func versionName(v gosnmp.SnmpVersion) string {
	switch v {
	case gosnmp.Version1:
		return "1"
	case gosnmp.Version3:
		return "3"
	}
	return "2c"
}

// read fills the trap's OID, name, interface and varbinds from the PDU.
func (t *Trap) read(pkt *gosnmp.SnmpPacket) {
	vars := pkt.Variables
	if pkt.PDUType == gosnmp.Trap { // v1: enterprise, generic and specific trap (RFC 3584 3.1)
		if pkt.GenericTrap >= 0 && pkt.GenericTrap < 6 {
			t.OID = ".1.3.6.1.6.3.1.1.5." + strconv.Itoa(pkt.GenericTrap+1)
		} else {
			t.OID = pkt.Enterprise + ".0." + strconv.Itoa(pkt.SpecificTrap)
		}
	}
	for _, v := range vars {
		switch {
		case v.Name == sysUpTimeOID:
			continue
		case v.Name == trapOIDOID:
			if s, ok := v.Value.(string); ok {
				t.OID = s
			}
			continue
		case strings.HasPrefix(v.Name, ifIndexPrefix):
			t.IfIndex = valueText(v)
		case strings.HasPrefix(v.Name, ifNamePrefix):
			t.IfName = valueText(v)
		case strings.HasPrefix(v.Name, ifDescrPrefix) && t.IfName == "":
			t.IfName = valueText(v)
		}
		if len(t.Varbinds) < maxVarbinds {
			t.Varbinds = append(t.Varbinds, [2]string{v.Name, valueText(v)})
		}
	}
	t.Name = names[t.OID]
	if t.IfIndex == "" && (t.Name == "linkDown" || t.Name == "linkUp") {
		// Some agents send only ifAdminStatus/ifOperStatus: the row is the OID's last arc.
		for _, v := range vars {
			if i := strings.LastIndexByte(v.Name, '.'); i > 0 && strings.HasPrefix(v.Name, ".1.3.6.1.2.1.2.2.1.") {
				t.IfIndex = v.Name[i+1:]
				break
			}
		}
	}
}

// valueText is a varbind's value as text, bounded.
func valueText(v gosnmp.SnmpPDU) string {
	var s string
	switch x := v.Value.(type) {
	case []byte:
		s = strings.ToValidUTF8(string(x), "?")
	case string:
		s = strings.ToValidUTF8(x, "?")
	case nil:
		s = v.Type.String()
	default:
		s = fmt.Sprint(x)
	}
	if len(s) > maxValueLen {
		s = s[:maxValueLen] + "…"
	}
	return s
}
