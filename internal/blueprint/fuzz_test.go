package blueprint

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds the loader any file: it refuses with Problems, each at a
// line of the file, or loads a design; it never panics or hangs.
func FuzzLoad(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(templateDir, "*.yaml"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("tenant: a\nservices: [{name: x, service_level: {rto: 1h}}]\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte("tenant: a\nchannels: [{name: c, type: slack, config: {webhook_url: '${env:}'}}]\n"))
	f.Add([]byte("tenant: a\nservicenow: {instance_url: 'https://a.service-now.com', auth: basic, username: u, password: '${env:P}'}\n"))
	f.Add([]byte("tenant: a\ntemplates: [{name: n, items: [{name: i, kind: snmp, snmp: {address: h, version: 2c, community: '${env:C}', interfaces: true}}]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := LoadFiles(map[string][]byte{"f.yaml": data}, Options{})
		var probs Problems
		switch {
		case err == nil:
			if d == nil || d.Tenant == "" {
				t.Fatal("loaded without a tenant")
			}
		case errors.As(err, &probs):
			for _, p := range probs {
				if p.File != "f.yaml" && p.File != "design" || p.Line < 1 || p.Reason == "" {
					t.Fatalf("problem without a place or a reason: %+v", p)
				}
			}
		default:
			t.Fatalf("not a Problems error: %v", err)
		}
	})
}
