package main

import "testing"

func TestPackageVersion(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := packageVersion(in); got != want {
			t.Errorf("packageVersion(%q) = %q, want %q", in, got, want)
		}
	}
	f("v1.2.3", "1.2.3")
	f("v1.2.3-4-gabc123", "1.2.3+4.gabc123")
	f("v1.2.3-4-gabc123-dirty", "1.2.3+4.gabc123.dirty")
	f("v1.3.0-rc1", "1.3.0~rc1")
	f("3f2cb28", "0.0.0~git3f2cb28") // a bare commit that starts with a digit is no release
	f("a9bb735-dirty", "0.0.0~gita9bb735.dirty")
	f("dev", "0.0.0~gitdev")
}
