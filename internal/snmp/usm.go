package snmp

import (
	"fmt"
	"strings"

	"github.com/gosnmp/gosnmp"
)

// AuthProtocols and PrivProtocols are the SNMPv3 protocols an item may
// name, as net-snmp spells them.
var (
	AuthProtocols = map[string]gosnmp.SnmpV3AuthProtocol{
		"MD5": gosnmp.MD5, "SHA": gosnmp.SHA, "SHA224": gosnmp.SHA224, "SHA256": gosnmp.SHA256,
		"SHA384": gosnmp.SHA384, "SHA512": gosnmp.SHA512,
	}
	PrivProtocols = map[string]gosnmp.SnmpV3PrivProtocol{
		"DES": gosnmp.DES, "AES": gosnmp.AES, "AES192": gosnmp.AES192, "AES256": gosnmp.AES256,
		"AES192C": gosnmp.AES192C, "AES256C": gosnmp.AES256C,
	}
)

// USM is the user-based security of a v3 target and the message flags
// its level asks for.
func USM(t Target) (*gosnmp.UsmSecurityParameters, gosnmp.SnmpV3MsgFlags, error) {
	usm := &gosnmp.UsmSecurityParameters{UserName: t.User}
	flags := gosnmp.NoAuthNoPriv
	if t.AuthProtocol != "" {
		p, ok := AuthProtocols[strings.ToUpper(t.AuthProtocol)]
		if !ok {
			return nil, 0, fmt.Errorf("snmp: unknown auth protocol %q", t.AuthProtocol)
		}
		usm.AuthenticationProtocol, usm.AuthenticationPassphrase, flags = p, t.AuthPassword, gosnmp.AuthNoPriv
	}
	if t.PrivProtocol != "" {
		p, ok := PrivProtocols[strings.ToUpper(t.PrivProtocol)]
		if !ok {
			return nil, 0, fmt.Errorf("snmp: unknown priv protocol %q", t.PrivProtocol)
		}
		usm.PrivacyProtocol, usm.PrivacyPassphrase, flags = p, t.PrivPassword, gosnmp.AuthPriv
	}
	return usm, flags, nil
}
