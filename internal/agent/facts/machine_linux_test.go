package facts

import "testing"

func TestParseOSRelease(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := parseOSRelease([]byte(in)); got != want {
			t.Errorf("parseOSRelease(%q) = %q, want %q", in, got, want)
		}
	}
	f("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n", "debian 12")
	f("NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"9.4\"\n", "rhel 9.4")
	f("ID=arch\n", "arch")
	f("", "")
}
