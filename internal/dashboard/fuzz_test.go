package dashboard

import (
	"testing"
)

// FuzzFromGrafana: any input either is refused as bad input or gives a
// dashboard that validates, every panel with a query, and never a panic.
func FuzzFromGrafana(f *testing.F) {
	for _, name := range []string{"node-exporter-full.json", "web-shop-classic.json"} {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte(`{"title":"x","panels":[{"type":"row","collapsed":true,"panels":[{"type":"stat","targets":[{"expr":"up"}],"gridPos":{"x":30,"w":-4,"h":900,"y":-1}}]}]}`))
	f.Add([]byte(`{"dashboard":{"panels":[{"type":"graph","targets":[{"expr":"rate(x[$__rate_interval])"}],"thresholds":"1,x"}],"templating":{"list":[{"type":"query","name":"a","query":"label_values(a)"}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := FromGrafana(data)
		if err != nil {
			return
		}
		d.Tenant = "t"
		if err := d.Validate(); err != nil {
			t.Fatalf("an import does not validate: %v", err)
		}
		for i, p := range d.Panels {
			if len(p.Queries) == 0 {
				t.Fatalf("panel %d has no query", i)
			}
		}
	})
}
