package monitoring

import (
	"bytes"
	"context"
	"testing"

	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/snmp"
)

// SameSecrets opens the stored secrets and compares them with those about
// to be written: the same, or left out, is no change; another is.
func TestSameSecrets(t *testing.T) {
	s := newStore(t)
	s.SealWith(testBox(t))
	ctx := context.Background()
	sw := addResource(t, s, "acme", "sw-01", "host", map[string]string{"snmp_address": "10.0.0.9"})
	const key = "1f87b595725ac58dd977beef14b97461"
	items := []*Item{
		{TenantID: "acme", ResourceID: sw.ID, Name: "net", Kind: KindSNMP,
			SNMP: &SNMP{Address: "${label.snmp_address}", Version: "2c", Community: "c0mmunity-secret", Interfaces: true}},
		{TenantID: "acme", ResourceID: sw.ID, Name: "sys", Kind: KindSNMP,
			SNMP: &SNMP{Address: "10.0.0.9", Version: "3", User: "mon", AuthProtocol: "SHA256", AuthPassword: "auth-secret-1",
				PrivProtocol: "AES", PrivPassword: "priv-secret-2", Get: []snmp.Value{{OID: "1.3.6.1.2.1.1.7.0", Series: "sys_services"}}}},
		{TenantID: "acme", ResourceID: sw.ID, Name: "cpu", Kind: KindZabbix,
			Zabbix: &Zabbix{Address: "10.0.0.9", Key: "system.cpu.util", TLSConnect: ZabbixPSK, PSKIdentity: "unyo", PSK: key}},
	}
	for _, it := range items {
		if err := s.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	stored := func(id int64) *Item {
		it, err := s.Item(ctx, "acme", id)
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	f := func(i int, edit func(it *Item), want bool) {
		t.Helper()
		w := stored(items[i].ID)
		edit(w)
		if got := s.SameSecrets(stored(items[i].ID), w); got != want {
			t.Errorf("item %s: SameSecrets %v, want %v", w.Name, got, want)
		}
	}
	f(0, func(it *Item) {}, true) // left out: kept
	f(0, func(it *Item) { it.SNMP.Community = "c0mmunity-secret" }, true)
	f(0, func(it *Item) { it.SNMP.Community = "c0mmunity-rotated" }, false)
	f(1, func(it *Item) { it.SNMP.AuthPassword, it.SNMP.PrivPassword = "auth-secret-1", "priv-secret-2" }, true)
	f(1, func(it *Item) { it.SNMP.PrivPassword = "priv-secret-3" }, false)
	f(1, func(it *Item) { it.SNMP.Version, it.SNMP.Community = "2c", "c0mmunity-secret" }, false)
	f(2, func(it *Item) { it.Zabbix.PSK = key }, true)
	f(2, func(it *Item) { it.Zabbix.PSK = "1F87B595725AC58DD977BEEF14B97461" }, true) // the same key in capitals
	f(2, func(it *Item) { it.Zabbix.PSK = "2f87b595725ac58dd977beef14b97461" }, false)
	f(2, func(it *Item) {}, true)

	// Under another key, the stored secrets do not open: not the same.
	box, err := secret.New(bytes.Repeat([]byte{9}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	other := &Store{box: box}
	w := stored(items[0].ID)
	w.SNMP.Community = "c0mmunity-secret"
	if other.SameSecrets(stored(items[0].ID), w) {
		t.Error("a secret sealed under another key compared the same")
	}
}
