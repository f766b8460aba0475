package outbound

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestDialRefusesEveryBlockedRange dials an address of every refused range
// through the policy's dialer: each is refused before any packet leaves,
// and public addresses are judged allowed.
func TestDialRefusesEveryBlockedRange(t *testing.T) {
	var p *Policy // the default: nothing allowed
	refused := func(addr, kind string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := p.DialContext(ctx, "tcp", net.JoinHostPort(addr, "80"))
		if conn != nil {
			conn.Close()
		}
		var re *RefusedError
		if !errors.As(err, &re) {
			t.Errorf("dial %s: %v, want refused as %s", addr, err, kind)
			return
		}
		if re.Kind != kind {
			t.Errorf("dial %s: refused as %q, want %q", addr, re.Kind, kind)
		}
	}
	refused("127.0.0.1", "loopback")
	refused("127.255.255.254", "loopback")
	refused("::1", "loopback")
	refused("0.0.0.0", "unspecified")
	refused("::", "unspecified")
	refused("169.254.169.254", "link-local")
	refused("fe80::1", "link-local")
	refused("10.0.0.1", "private")
	refused("172.16.0.1", "private")
	refused("172.31.255.255", "private")
	refused("192.168.1.1", "private")
	refused("100.64.0.1", "shared (CGNAT)")
	refused("100.127.255.254", "shared (CGNAT)")
	refused("fc00::1", "unique-local")
	refused("fd12:3456::1", "unique-local")
	refused("224.0.0.1", "multicast")
	refused("ff02::1", "multicast")
	refused("::ffff:127.0.0.1", "loopback")
	refused("::ffff:10.1.2.3", "private")
	refused("64:ff9b::7f00:1", "NAT64 loopback")
	refused("255.255.255.255", "reserved")

	check := func(addr string, want bool) {
		t.Helper()
		err := p.Check(netip.MustParseAddr(addr))
		if (err == nil) != want {
			t.Errorf("Check(%s) = %v, want allowed=%v", addr, err, want)
		}
	}
	check("8.8.8.8", true)
	check("172.32.0.1", true)
	check("100.128.0.1", true)
	check("192.169.0.1", true)
	check("2001:4860:4860::8888", true)
	check("64:ff9b::808:808", true)
	check("fe80::1%eth0", false)
}

func TestAllowList(t *testing.T) {
	allow, err := ParseAllow("10.1.2.0/24, fd00::/8", "192.168.7.7", "")
	if err != nil {
		t.Fatal(err)
	}
	p := New(allow)
	f := func(addr string, want bool) {
		t.Helper()
		if err := p.Check(netip.MustParseAddr(addr)); (err == nil) != want {
			t.Errorf("Check(%s) = %v, want allowed=%v", addr, err, want)
		}
	}
	f("10.1.2.3", true)
	f("::ffff:10.1.2.3", true)
	f("10.1.3.1", false)
	f("fd00::5", true)
	f("fc00::5", false)
	f("192.168.7.7", true)
	f("192.168.7.8", false)
	f("127.0.0.1", false)

	for _, bad := range []string{"10.1.2.0/33", "example.com", "10.1.2", "::ffff:0:0/80"} {
		if _, err := ParseAllow(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseAllow(%q) = %v, want an error naming it", bad, err)
		}
	}
}

// receiver is a loopback HTTP server that counts the requests it got.
type receiver struct {
	*httptest.Server
	hits atomic.Int64
}

func newReceiver(t *testing.T, addr string, h http.HandlerFunc) *receiver {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	r := &receiver{}
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		if h != nil {
			h(w, req)
			return
		}
		io.WriteString(w, "internal secret page")
	}))
	r.Listener.Close()
	r.Listener = l
	r.Start()
	t.Cleanup(r.Close)
	return r
}

func get(c *http.Client, url string) (string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// TestHostnameResolvingToLoopbackRefused: the check runs on the resolved
// address, so a name (here localhost) gains nothing over 127.0.0.1; with
// loopback allowed, the same request arrives.
func TestHostnameResolvingToLoopbackRefused(t *testing.T) {
	rcv := newReceiver(t, "127.0.0.1:0", nil)
	_, port, _ := net.SplitHostPort(rcv.Listener.Addr().String())
	var p *Policy
	for _, u := range []string{"http://localhost:" + port + "/", rcv.URL + "/"} {
		body, err := get(p.Client(5*time.Second), u)
		if !IsRefused(err) || body != "" {
			t.Errorf("GET %s = %q, %v; want refused", u, body, err)
		}
	}
	if n := rcv.hits.Load(); n != 0 {
		t.Fatalf("the receiver got %d requests through a refusing policy", n)
	}
	allowed := New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	body, err := get(allowed.Client(5*time.Second), "http://localhost:"+port+"/")
	if err != nil || body != "internal secret page" || rcv.hits.Load() != 1 {
		t.Fatalf("GET with loopback allowed = %q, %v (hits %d)", body, err, rcv.hits.Load())
	}
}

// TestRedirectToLoopbackRefused: an allowed target (127.0.0.2, standing
// for a public host) redirects to a refused one (127.0.0.1). CheckRedirect
// refuses it, and a client that follows redirects blindly is still refused
// by the dialer, so the internal page is never fetched.
func TestRedirectToLoopbackRefused(t *testing.T) {
	internal := newReceiver(t, "127.0.0.1:0", nil)
	_, port, _ := net.SplitHostPort(internal.Listener.Addr().String())
	for _, target := range []string{internal.URL + "/", "http://localhost:" + port + "/"} {
		public := newReceiver(t, "127.0.0.2:0", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target, http.StatusFound)
		})
		p := New([]netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")})

		body, err := get(p.Client(5*time.Second), public.URL+"/")
		if !IsRefused(err) || body != "" {
			t.Errorf("redirect to %s = %q, %v; want refused", target, body, err)
		}
		blind := p.Client(5 * time.Second)
		blind.CheckRedirect = nil // net/http's default: follow up to 10
		body, err = get(blind, public.URL+"/")
		if !IsRefused(err) || body != "" {
			t.Errorf("redirect to %s without CheckRedirect = %q, %v; want refused by the dialer", target, body, err)
		}
		if public.hits.Load() != 2 {
			t.Errorf("the allowed target got %d requests, want 2", public.hits.Load())
		}
	}
	if n := internal.hits.Load(); n != 0 {
		t.Fatalf("the loopback target got %d requests through redirects", n)
	}
}

func TestCheckRedirectLimits(t *testing.T) {
	var p *Policy
	req := func(u string) *http.Request {
		r, _ := http.NewRequest("GET", u, nil)
		return r
	}
	if err := p.CheckRedirect(req("ftp://example.com/"), nil); err == nil {
		t.Error("a redirect to ftp was followed")
	}
	if err := p.CheckRedirect(req("http://169.254.169.254/latest/meta-data/"), nil); !IsRefused(err) {
		t.Errorf("a redirect to the metadata service = %v, want refused", err)
	}
	if err := p.CheckRedirect(req("https://93.184.215.14/"), make([]*http.Request, 10)); err == nil {
		t.Error("an eleventh redirect was followed")
	}
}
