package flowlog

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds Parse what a storage account could hold: it must not
// panic, must never claim more bytes than it was given, and what it
// claims must end at a record: reading only that much counts the same
// records and flows.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"nsg-v1.json", "nsg-v2.json", "vnet.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, true)
		f.Add(b[len(b)/2:], false)
		f.Add(b[:len(b)/3], true)
	}
	f.Add([]byte(`,{"time":"t","flowRecords":{"flows":[{"flowGroups":[{"rule":"r","flowTuples":["1663146004002,1.2.3.4,10.0.0.6,1,22,6,I,D,NX,0,0,0,0"]}]}]}}]}`), false)
	f.Add([]byte(`{"records":[{"properties":{"flows":[{"rule":"r","flows":[{"flowTuples":["1,2,3"]}]}]}}`), true)
	f.Fuzz(func(t *testing.T, data []byte, atStart bool) {
		c, err := Parse(data, atStart)
		if c.Used < 0 || c.Used > len(data) {
			t.Fatalf("used %d of %d bytes", c.Used, len(data))
		}
		if err != nil {
			return
		}
		again, err := Parse(data[:c.Used], atStart)
		if err != nil || again.Records != c.Records || len(again.Flows) != len(c.Flows) || again.Used != c.Used {
			t.Fatalf("the part claimed (%d bytes) reads %d records, %d flows, used %d (%v); the whole %d, %d",
				c.Used, again.Records, len(again.Flows), again.Used, err, c.Records, len(c.Flows))
		}
	})
}
