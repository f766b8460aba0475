package problem

import "testing"

// FuzzParseMatch: a proposal key from a URL never panics, and one that
// parses prints back as given.
func FuzzParseMatch(f *testing.F) {
	for _, s := range []string{"item:12", "host:3", "category:disk", "category:", ":", "x:1", "item:-1", "item:1:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMatch(s)
		if err == nil && m.String() != s {
			t.Fatalf("ParseMatch(%q) = %+v, prints %q", s, m, m.String())
		}
	})
}
