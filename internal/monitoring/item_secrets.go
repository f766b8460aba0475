package monitoring

import (
	"crypto/subtle"

	"github.com/unyo-ops/unyo/internal/zabbix/psk"
)

// SameSecrets reports whether stored, an item read from the store, already
// holds the secrets written in clear on written, the item about to be
// written over it: an snmp item's community and v3 passwords, a zabbix
// item's PSK. A secret written leaves out is kept by the update, so it
// counts as the same. The stored secrets are opened and compared here, in
// the server, and never returned; one that does not open (the key changed)
// is not the same, so writing it again seals it with the current key.
func (s *Store) SameSecrets(stored, written *Item) bool {
	return s.sameSNMP(stored, written) && s.sameZabbix(stored, written)
}

func (s *Store) sameSNMP(stored, written *Item) bool {
	w := written.SNMP
	if w == nil || (w.Community == "" && w.AuthPassword == "" && w.PrivPassword == "") {
		return true
	}
	if stored.SNMP == nil || stored.SNMP.Version != w.Version {
		return false // a new version keeps no secret of the old one
	}
	sec, err := s.openSNMP(stored.TenantID, stored.SNMP)
	if err != nil {
		return false
	}
	return sameSecret(w.Community, sec.Community) && sameSecret(w.AuthPassword, sec.AuthPassword) &&
		sameSecret(w.PrivPassword, sec.PrivPassword)
}

func (s *Store) sameZabbix(stored, written *Item) bool {
	w := written.Zabbix
	if w == nil || w.PSK == "" || w.TLSConnect != ZabbixPSK {
		return true // no key written, or one the store drops (sealZabbix)
	}
	if stored.Zabbix == nil || len(stored.Zabbix.sealed) == 0 {
		return false
	}
	key, err := s.openZabbixPSK(stored.TenantID, stored.Zabbix)
	if err != nil {
		return false
	}
	want, err := psk.ParseKey(w.PSK)
	return err == nil && subtle.ConstantTimeCompare(key, want) == 1
}

// sameSecret: a secret left out ("") is kept, else it must equal the stored one.
func sameSecret(written, stored string) bool {
	return written == "" || subtle.ConstantTimeCompare([]byte(written), []byte(stored)) == 1
}
