package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// bypasses are redirect targets that browsers take to another site, though
// each starts with a slash or looks like a path to a naive check.
var bypasses = []string{
	"//evil.example/x",
	"/\\evil.example",
	"\\\\evil.example",
	"/\t/evil.example",
	"/\n/evil.example",
	"/\r\n/evil.example",
	"\t//evil.example",
	"/%09/evil.example",
	"/%0a/evil.example",
	"/%2F%2Fevil.example",
	"/%2f/evil.example",
	"%2F%2Fevil.example",
	"/%5Cevil.example",
	"/%5c%5cevil.example",
	"https://evil.example",
	"http:/evil.example",
	"HTTPS://evil.example/board",
	"javascript:alert(1)",
	"JaVaScRiPt:alert(1)",
	"/\x00/evil.example",
	"///evil.example",
	"evil.example",
	"",
}

func TestLocalPathRefusesBypasses(t *testing.T) {
	for _, s := range bypasses {
		if got := localPath(s, "/board"); got != "/board" {
			t.Errorf("localPath(%q) = %q, want the fallback", s, got)
		}
	}
	for _, s := range []string{"/tenants/acme", "/tenants/acme/alerts?state=firing&x=%2F", "/board#top", "/tenants/%E3%82%A2"} {
		if got := localPath(s, "/board"); got != s {
			t.Errorf("localPath(%q) = %q, want it kept", s, got)
		}
	}
}

// TestLoginRedirectRefusesBypasses sends each bypass through every place a
// redirect target is taken: the login form, the login page of a logged-in
// user, the OIDC round trip's cookie, and the preferences form's back field.
func TestLoginRedirectRefusesBypasses(t *testing.T) {
	e := newEnv(t)
	logged := e.login("admin")
	for _, next := range bypasses {
		b := e.browser()
		_, page, _ := b.get("/login?next=" + url.QueryEscape(next))
		if strings.Contains(page, "evil.example") {
			t.Errorf("next=%q: the login page carries the target", next)
		}
		_, _, loc := b.post("/login", url.Values{"login": {"admin"}, "password": {testPassword}, "next": {next}, "csrf_token": {csrfOf(page)}})
		if loc != "/board" {
			t.Errorf("next=%q: login redirected to %q, want /board", next, loc)
		}
		if _, _, loc := logged.get("/login?next=" + url.QueryEscape(next)); loc != "/board" {
			t.Errorf("next=%q: the login page of a logged-in user redirected to %q, want /board", next, loc)
		}
		if _, _, loc := logged.postForm("/board", "/preferences", url.Values{"back": {next}}); loc != "/board" {
			t.Errorf("back=%q: preferences redirected to %q, want /board", next, loc)
		}
	}
	// The raw query of the report: %2F%09%2Fevil.example.
	b := e.browser()
	_, page, _ := b.get("/login?next=%2F%09%2Fevil.example")
	_, _, loc := b.post("/login?next=%2F%09%2Fevil.example", url.Values{"login": {"admin"}, "password": {testPassword}, "csrf_token": {csrfOf(page)}})
	if loc != "/board" {
		t.Errorf("next=%%2F%%09%%2Fevil.example: redirected to %q, want /board", loc)
	}
}

func TestOIDCStartKeepsOnlyALocalTarget(t *testing.T) {
	e, _ := oidcEnv(t)
	for _, next := range append(bypasses, "/tenants/acme") {
		req, _ := http.NewRequest("GET", e.url+"/login/oidc?next="+url.QueryEscape(next), nil)
		resp, err := e.browser().client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := "/board"
		if next == "/tenants/acme" {
			want = next
		}
		for _, c := range resp.Cookies() {
			if c.Name == oidcCookie {
				if parts := strings.SplitN(c.Value, ".", 3); len(parts) != 3 || parts[2] != want {
					t.Errorf("next=%q: the OIDC cookie carries %q, want the target %q", next, c.Value, want)
				}
			}
		}
	}
}

func FuzzLocalPath(f *testing.F) {
	for _, s := range bypasses {
		f.Add(s)
	}
	f.Add("/tenants/acme?x=1")
	f.Fuzz(func(t *testing.T, s string) {
		got := localPath(s, "/board")
		if got == "/board" {
			return
		}
		// What a browser does to the target before following it: drop tab
		// and newline, read a backslash as a slash, then resolve it
		// against this site. It must stay on this site.
		clean := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(got)
		base, _ := url.Parse("https://unyo.example/board")
		ref, err := url.Parse(clean)
		if err != nil {
			t.Fatalf("localPath(%q) = %q, which does not parse: %v", s, got, err)
		}
		if u := base.ResolveReference(ref); u.Host != "unyo.example" || u.Scheme != "https" {
			t.Fatalf("localPath(%q) = %q, which leads to %s", s, got, u)
		}
		if dec, err := url.PathUnescape(clean); err == nil && strings.HasPrefix(strings.ReplaceAll(dec, "\\", "/"), "//") {
			t.Fatalf("localPath(%q) = %q, which decodes to %q", s, got, dec)
		}
	})
}
