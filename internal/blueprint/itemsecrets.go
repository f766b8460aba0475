package blueprint

import (
	"fmt"
	"strings"

	"github.com/unyo-ops/unyo/internal/monitoring"
)

// SNMP is an snmp item's device and credentials as the files write them:
// monitoring.SNMP without the API's form, which hides the secrets. The
// community and the v3 passwords are ${env:NAME} or ${file:path}
// references; the store seals them, and a plan compares them by opening
// the stored ones inside the server (monitoring.Store.SameSecrets).
type SNMP monitoring.SNMP

// Zabbix is a zabbix item as the files write it, its PSK (tls_psk) a
// reference like an snmp item's secrets.
type Zabbix monitoring.Zabbix

// itemSecret is one secret field of an item: its path below the item and
// the value, to read or replace.
type itemSecret struct {
	path string
	v    *string
}

// secrets lists it's secret fields.
func (it *Item) secrets() []itemSecret {
	var out []itemSecret
	if s := it.SNMP; s != nil {
		out = append(out, itemSecret{"snmp.community", &s.Community}, itemSecret{"snmp.auth_password", &s.AuthPassword},
			itemSecret{"snmp.priv_password", &s.PrivPassword})
	}
	if z := it.Zabbix; z != nil {
		out = append(out, itemSecret{"zabbix.tls_psk", &z.PSK})
	}
	return out
}

// itemSecrets refuses items' secrets written in clear and resolves the
// references, at their place in the files.
func (l *loader) itemSecrets(d *Design) {
	for i := range d.Templates {
		for j := range d.Templates[i].Items {
			it := &d.Templates[i].Items[j]
			it.SNMP, it.Zabbix = copySNMP(it.SNMP), copyZabbix(it.Zabbix) // a shared template's items are the customer's own
			for _, s := range it.secrets() {
				at := fmt.Sprintf("templates[%d]", i)
				rel := fmt.Sprintf("items[%d].%s", j, s.path)
				if *s.v != "" && !refRE.MatchString(*s.v) {
					l.fail(at, rel, "is a secret: write it as ${env:NAME} or ${file:path}, never in the file")
					continue
				}
				*s.v = l.resolve(at+"."+rel, *s.v)
			}
		}
	}
}

// unresolved is t with its items' unresolved secret references (validate,
// offline) replaced by values of the right form, so that the items' own
// rules (a PSK's hex digits, a pass phrase's length) check the rest.
func unresolved(t Template) Template {
	items := make([]Item, len(t.Items))
	for i, it := range t.Items {
		it.SNMP, it.Zabbix = copySNMP(it.SNMP), copyZabbix(it.Zabbix)
		for _, s := range it.secrets() {
			if refRE.MatchString(*s.v) {
				*s.v = "0123456789abcdef0123456789abcdef" // 32 hex digits: a PSK, a pass phrase, a community
			}
		}
		items[i] = it
	}
	t.Items = items
	return t
}

func copySNMP(s *SNMP) *SNMP {
	if s == nil {
		return nil
	}
	c := *s
	return &c
}

func copyZabbix(z *Zabbix) *Zabbix {
	if z == nil {
		return nil
	}
	c := *z
	return &c
}

// snmpShown is an stored or designed snmp item as plans compare it: no
// secret (the stored ones stay sealed in the copy, for SameSecrets).
func snmpShown(s *monitoring.SNMP) *SNMP {
	c := copySNMP((*SNMP)(s))
	if c != nil {
		c.Community, c.AuthPassword, c.PrivPassword = "", "", ""
	}
	return c
}

func zabbixShown(z *monitoring.Zabbix) *Zabbix {
	c := copyZabbix((*Zabbix)(z))
	if c != nil {
		c.PSK = ""
	}
	return c
}

// templateSecrets lists, as "(secret)" changes, the items of the stored
// template cur whose secrets the written template changes: the store opens
// and compares them, and neither value leaves it.
func (s *Planner) templateSecrets(tenant string, cur *object, written Template) []FieldChange {
	stored := map[string]Item{}
	for _, it := range cur.design.(Template).Items {
		stored[it.Name] = it
	}
	var out []FieldChange
	for _, it := range written.Items {
		old, ok := stored[it.Name]
		if !ok || (it.SNMP == nil && it.Zabbix == nil) {
			continue
		}
		w, o := it.model(tenant, newIDs()), old.model(tenant, newIDs())
		if s.stores.Monitoring.SameSecrets(o, w) {
			continue
		}
		field := "items." + it.Name + ".zabbix.tls_psk"
		if it.SNMP != nil {
			field = "items." + it.Name + ".snmp"
		}
		out = append(out, FieldChange{Field: field, Old: "(secret)", New: "(secret)"})
	}
	return out
}

// templateRefs replaces the secrets a stored template's items hold by
// environment references ${env:UNYO_<TEMPLATE>_<ITEM>_<FIELD>} (export).
func templateRefs(t Template) Template {
	items := make([]Item, len(t.Items))
	for i, it := range t.Items {
		it.SNMP, it.Zabbix = copySNMP(it.SNMP), copyZabbix(it.Zabbix)
		for _, s := range it.secrets() {
			field := s.path[strings.LastIndex(s.path, ".")+1:]
			if itemSecretSet(&it, s.path) {
				*s.v = envRef(t.Name, it.Name, field)
			}
		}
		items[i] = it
	}
	t.Items = items
	return t
}

// itemSecretSet reports whether the stored item holds the secret at path.
func itemSecretSet(it *Item, path string) bool {
	part, field, _ := strings.Cut(path, ".")
	if part == "zabbix" {
		return (*monitoring.Zabbix)(it.Zabbix).PSKSet()
	}
	return (*monitoring.SNMP)(it.SNMP).SecretSet(field)
}

// envRef is the reference export writes for a secret: ${env:UNYO_<PARTS>}.
func envRef(parts ...string) string {
	name := strings.ToUpper("UNYO_" + strings.Join(parts, "_"))
	return "${env:" + strings.Trim(envUnsafe.ReplaceAllString(name, "_"), "_") + "}"
}

// templateSecretRefs adds the references the design's items hold.
func templateSecretRefs(d *Design, seen map[string]bool) {
	for _, t := range d.Templates {
		for _, it := range t.Items {
			for _, s := range it.secrets() {
				collectRefs(*s.v, seen)
			}
		}
	}
}
