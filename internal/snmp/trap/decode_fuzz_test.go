package trap

import (
	"net/netip"
	"testing"

	"github.com/gosnmp/gosnmp"

	"github.com/unyo-ops/unyo/internal/snmp"
)

// FuzzDecode feeds the trap decoder arbitrary packets from a known sender:
// it must never panic, and whatever it accepts belongs to a device of the
// sender with the packet's credentials.
func FuzzDecode(f *testing.F) {
	g := &gosnmp.GoSNMP{Version: gosnmp.Version2c, Community: "public"}
	pkt, err := g.SnmpEncodePacket(gosnmp.SNMPv2Trap, []gosnmp.SnmpPDU{
		{Name: sysUpTimeOID, Type: gosnmp.TimeTicks, Value: uint32(100)},
		{Name: trapOIDOID, Type: gosnmp.ObjectIdentifier, Value: ".1.3.6.1.6.3.1.1.5.3"},
		{Name: ifIndexPrefix + "2", Type: gosnmp.Integer, Value: 2},
		{Name: ifDescrPrefix + "2", Type: gosnmp.OctetString, Value: []byte("eth1")},
	}, 0, 0)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pkt)
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x03})
	f.Add([]byte{0x30, 0x82, 0x00, 0x05, 0x02, 0x01, 0x01, 0x04, 0x00})
	from := netip.MustParseAddr("127.0.0.1")
	devices := []*Device{
		{Target: snmp.Target{Tenant: "acme", Host: "sw", Version: snmp.V2c, Community: "public"}, Addrs: []netip.Addr{from}},
		{Target: snmp.Target{Tenant: "acme", Host: "fw", Version: snmp.V3, User: "u", AuthProtocol: "SHA", AuthPassword: "12345678",
			PrivProtocol: "AES", PrivPassword: "abcdefgh"}, Addrs: []netip.Addr{from}},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, outcome := Decode(data, from, devices)
		if (tr != nil) != (outcome == Accepted) {
			t.Fatalf("trap %v with outcome %s", tr, outcome)
		}
		if tr != nil && (tr.Tenant != "acme" || len(tr.Varbinds) > maxVarbinds) {
			t.Fatalf("accepted %+v", tr)
		}
	})
}
