package agentconfig

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes the loader panic, that what it accepts
// is valid, and that an accepted configuration survives the JSON form the
// server sends.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile(filepath.Join("testdata", "agent.yml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte("items:\n  - {name: a, kind: log, glob: '[', patterns: [{regex: '(', severity: x}]}\n"))
	f.Add([]byte("interval: 1h\nbuffer: {max_bytes: 1GiB}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted an invalid configuration: %v", err)
		}
		js, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := DecodeJSON(js)
		if err != nil {
			t.Fatalf("DecodeJSON of our own JSON: %v\n%s", err, js)
		}
		back.SetDefaults()
		if err := back.Validate(); err != nil {
			t.Fatalf("JSON round trip made it invalid: %v\n%s", err, js)
		}
	})
}
