package monitoring

import (
	"testing"
)

func TestSelector(t *testing.T) {
	host := map[string]string{"os": "linux", "role": "web"}
	f := func(sel string, wantMatch bool, wantCanon string) {
		t.Helper()
		s, err := ParseSelector(sel)
		if err != nil {
			t.Fatalf("%q: %v", sel, err)
		}
		if got := s.Matches(host); got != wantMatch {
			t.Errorf("%q matches %v = %v, want %v", sel, host, got, wantMatch)
		}
		if got := s.String(); got != wantCanon {
			t.Errorf("%q written as %q, want %q", sel, got, wantCanon)
		}
	}
	f("os=linux", true, "os=linux")
	f(" role = web , os=linux", true, "os=linux,role=web")
	f("os=linux,role=db", false, "os=linux,role=db")
	f("role!=db", true, "role!=db")
	f("role!=web", false, "role!=web")
	f("env!=prod", true, "env!=prod") // not set is not prod
	f("env=", true, "env=")           // not set reads as empty

	for _, bad := range []string{"", "os", "os=linux,", "1os=linux", "os=a=b", "os==linux"} {
		if _, err := ParseSelector(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestExpand(t *testing.T) {
	lookup := resourceLookup("web-01", map[string]string{"site": "shop.example.com", "empty": ""})
	f := func(in, want, wantErr string) {
		t.Helper()
		got, err := expand("check.url", in, lookup)
		if wantErr != "" {
			if err == nil || err.Error() != "check.url: "+wantErr {
				t.Errorf("%q: err = %v, want %q", in, err, wantErr)
			}
			return
		}
		if err != nil || got != want {
			t.Errorf("%q = %q, %v; want %q", in, got, err, want)
		}
	}
	f("https://${label.site}/health?from=${host}", "https://shop.example.com/health?from=web-01", "")
	f("^httpd$", "^httpd$", "")
	f("https://${label.cdn}/", "", "cdn is not set on the resource")
	f("https://${label.empty}/", "", "empty is not set on the resource")
	f("https://${hostname}/", "", "unknown placeholder ${hostname}: use ${host} or ${label.NAME}")
	f("https://${host/", "", "has an unclosed ${")
}
