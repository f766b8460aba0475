package console

import (
	"testing"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// FuzzItemFormSNMP: whatever a browser posts as an SNMP item's OID lines,
// timeout and retries, the form gives a refusal naming a field, or an item
// whose OID lines read back as they were written (snmpLines, parseSNMPLines).
func FuzzItemFormSNMP(f *testing.F) {
	f.Add("1.3.6.1.2.1.1.3.0 sys_uptime", "1.3.6.1.2.1.2.2.1.10 if_in_octets_total counter", "2s", "1")
	f.Add("1.3.6 a b c", "\n\n", "forever", "-1")
	f.Fuzz(func(t *testing.T, get, walk, timeout, retries string) {
		fm := (&Console{}).newItemForm(&model.Tenant{ID: "acme"})
		v := fm.Values
		v["name"], v["kind"], v["snmp.address"], v["snmp.version"], v["snmp.community"] = "sw", "snmp", "10.0.0.2", "2c", "c"
		v["snmp.get"], v["snmp.walk"], v["snmp.timeout"], v["snmp.retries"] = get, walk, timeout, retries
		it := &monitoring.Item{TenantID: "acme"}
		if err := fm.apply(it); err != nil {
			if _, ok := invalid.As(err); !ok {
				t.Fatalf("refusal %v is not an *invalid.Error", err)
			}
			return
		}
		again, err := parseSNMPLines(map[string]string{"l": snmpLines(it.SNMP.Get)}, "l")
		if err != nil || len(again) != len(it.SNMP.Get) {
			t.Fatalf("the OIDs %+v do not read back: %+v, %v", it.SNMP.Get, again, err)
		}
		for i := range again {
			if again[i].OID != it.SNMP.Get[i].OID || again[i].Series != it.SNMP.Get[i].Series {
				t.Fatalf("line %d reads back as %+v, want %+v", i, again[i], it.SNMP.Get[i])
			}
		}
	})
}
