package outbound

import "testing"

// FuzzParseAllow: any flag value either is refused or gives prefixes that
// allow their own first address, whatever range it is in.
func FuzzParseAllow(f *testing.F) {
	for _, s := range []string{"10.1.2.0/24", "127.0.0.0/8,::1", "fd00::/8, 192.168.7.7", "::ffff:10.0.0.0/104", "", ",", "10.1.2", "fe80::1%eth0/64", "fe80::1%eth0", "64:ff9b::/96"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		allow, err := ParseAllow(s)
		if err != nil {
			return
		}
		p := New(allow)
		for _, pr := range allow {
			if !pr.IsValid() || pr != pr.Masked() {
				t.Fatalf("ParseAllow(%q) gave %v", s, pr)
			}
			if err := p.Check(pr.Addr()); err != nil {
				t.Fatalf("ParseAllow(%q): %v does not allow %v: %v", s, pr, pr.Addr(), err)
			}
		}
	})
}

// FuzzCheckNetworks: a tenant's networks are refused or come back as masked
// prefixes that CheckNetworks takes again unchanged.
func FuzzCheckNetworks(f *testing.F) {
	for _, s := range []string{"10.2.0.5/16", "192.168.7.7", "fd00:2::/64", "::ffff:10.0.0.0/104", "10.1.2", "", "10.0.0.0/8,10.1.0.0/16"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := CheckNetworks([]string{s})
		if err != nil {
			return
		}
		again, err := CheckNetworks(out)
		if err != nil || len(again) != 1 || again[0] != out[0] {
			t.Fatalf("CheckNetworks(%q) = %v, again %v, %v", s, out, again, err)
		}
	})
}
