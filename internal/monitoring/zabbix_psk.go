package monitoring

import (
	"encoding/json"
	"fmt"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/zabbix/psk"
)

type zabbixFields Zabbix // Zabbix's fields without its methods

// zabbixSet says the key is set, as the API shows it.
type zabbixSet struct {
	PSKSet bool `json:"tls_psk_set,omitempty"`
}

// PSKSet reports whether the item holds a key (stored, or written on it),
// as the API's tls_psk_set: the console says "set" without showing it.
func (z *Zabbix) PSKSet() bool { return z.pskSet || z.PSK != "" }

// MarshalJSON shows the item without its key, with whether it is set.
func (z Zabbix) MarshalJSON() ([]byte, error) {
	v := zabbixFields(z)
	v.PSK = ""
	return json.Marshal(struct {
		zabbixFields
		zabbixSet
	}{v, zabbixSet{PSKSet: z.PSKSet()}})
}

// UnmarshalJSON reads an item as written, accepting the tls_psk_set flag
// an item read from the API carries back (it is ignored).
func (z *Zabbix) UnmarshalJSON(data []byte) error {
	var v struct {
		zabbixFields
		zabbixSet
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*z = Zabbix(v.zabbixFields)
	return nil
}

// zabbixStored is the spec column of a zabbix item: no key in clear.
type zabbixStored struct {
	zabbixFields
	zabbixSet
	Sealed []byte `json:"sealed,omitempty"`
}

func (z *Zabbix) stored() zabbixStored {
	v := zabbixFields(*z)
	v.PSK = ""
	return zabbixStored{zabbixFields: v, zabbixSet: zabbixSet{PSKSet: z.pskSet}, Sealed: z.sealed}
}

func setZabbixSpec(it *Item, data []byte) error {
	var v zabbixStored
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("item %d has a corrupt zabbix spec: %w", it.ID, err)
	}
	z := Zabbix(v.zabbixFields)
	z.pskSet, z.sealed = v.PSKSet, v.Sealed
	it.Zabbix = &z
	return nil
}

func zabbixAD(tenant string) []byte { return []byte("monitoring/zabbix/" + tenant) }

// sealZabbix seals the PSK written on it, or keeps that of old (the item
// being updated) when it leaves it out, and requires one with tls_connect
// psk. After it, it holds no key in clear; an item that no longer uses PSK
// keeps none.
func (s *Store) sealZabbix(it, old *Item) error {
	z := it.Zabbix
	if z == nil {
		return nil
	}
	if z.TLSConnect != ZabbixPSK {
		z.PSK, z.pskSet, z.sealed = "", false, nil
		return nil
	}
	key := z.PSK
	if old == nil && len(z.sealed) > 0 {
		old = it // an item read from the store and written again (a copy): its own key
	}
	if key == "" && old != nil && old.Zabbix != nil && len(old.Zabbix.sealed) > 0 {
		prev, err := s.openZabbixPSK(old.TenantID, old.Zabbix)
		if err != nil {
			return err
		}
		key = fmt.Sprintf("%x", prev)
	}
	if key == "" {
		return invalid.New("zabbix.tls_psk", "is required with tls_connect psk: the content of the agent's TLSPSKFile (%d to %d hex digits)", psk.MinKeyDigits, psk.MaxKeyDigits)
	}
	secret, err := psk.ParseKey(key)
	if err != nil {
		return invalid.New("zabbix.tls_psk", "%v", err)
	}
	if s.box == nil {
		return fmt.Errorf("monitoring: no secret key to seal the zabbix item's PSK")
	}
	z.sealed = s.box.Seal(secret, zabbixAD(it.TenantID))
	z.PSK, z.pskSet = "", true
	return nil
}

// openZabbixPSK opens the sealed key of an item of tenant.
func (s *Store) openZabbixPSK(tenant string, z *Zabbix) ([]byte, error) {
	if len(z.sealed) == 0 {
		return nil, fmt.Errorf("monitoring: the zabbix item has tls_connect psk and no key")
	}
	if s.box == nil {
		return nil, fmt.Errorf("monitoring: no secret key to open the zabbix item's PSK")
	}
	key, err := s.box.Open(z.sealed, zabbixAD(tenant))
	if err != nil {
		return nil, fmt.Errorf("monitoring: zabbix PSK: %w", err)
	}
	return key, nil
}
