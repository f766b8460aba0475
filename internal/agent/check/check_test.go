package check

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agentconfig"
)

type collector interface {
	Collect(context.Context, time.Time) ([]sample.Sample, error)
}

// run collects once and returns the values by metric name.
func run(t *testing.T, c collector) (map[string]float64, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ss, err := c.Collect(ctx, time.Now())
	got := map[string]float64{}
	for _, s := range ss {
		got[s.Name] = s.Value
	}
	return got, err
}

func hello(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/old" {
		http.Redirect(w, r, "/", http.StatusFound)
		return
	}
	w.Write([]byte("Welcome to the shop"))
}

func TestHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(hello))
	defer srv.Close()
	f := func(it agentconfig.Item, wantUp float64, wantErr string) {
		t.Helper()
		it.Name, it.Kind = "web", agentconfig.KindHTTP
		c, err := NewHTTP(it, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := run(t, c)
		if got["unyo_check_up"] != wantUp || got["unyo_check_duration_seconds"] <= 0 {
			t.Fatalf("%+v: got %v, want up %v", it, got, wantUp)
		}
		if (err == nil) != (wantErr == "") || err != nil && !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("%+v: err = %v, want %q", it, err, wantErr)
		}
	}
	f(agentconfig.Item{URL: srv.URL}, 1, "")
	f(agentconfig.Item{URL: srv.URL + "/old", BodyMatch: "Welcome"}, 1, "")
	f(agentconfig.Item{URL: srv.URL, ExpectStatus: 204}, 0, "status 200, want 204")
	f(agentconfig.Item{URL: srv.URL, BodyMatch: "^Sorry"}, 0, "body does not match")
	f(agentconfig.Item{URL: srv.URL, Method: "HEAD"}, 1, "")

	c, _ := NewHTTP(agentconfig.Item{Name: "web", URL: srv.URL}, Options{})
	got, _ := run(t, c)
	if got["unyo_check_http_status"] != 200 {
		t.Fatalf("status sample = %v", got)
	}
	if _, ok := got["unyo_check_tls_cert_expiry_days"]; ok {
		t.Fatal("plain HTTP reported a certificate")
	}

	srv.Close()
	got, err := run(t, c)
	if got["unyo_check_up"] != 0 || err == nil {
		t.Fatalf("closed server: %v, %v", got, err)
	}
	if _, ok := got["unyo_check_http_status"]; ok {
		t.Fatal("status reported without a response")
	}
}

func TestHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(hello))
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())

	c, _ := NewHTTP(agentconfig.Item{Name: "web", URL: srv.URL, TLSDays: 1e6}, Options{RootCAs: roots})
	got, err := run(t, c)
	if err != nil || got["unyo_check_up"] != 1 {
		t.Fatalf("trusted: %v, %v", got, err)
	}
	want := time.Until(srv.Certificate().NotAfter).Hours() / 24
	if d := got["unyo_check_tls_cert_expiry_days"]; d < want-1 || d > want+1 {
		t.Fatalf("expiry days = %v, want about %v", d, want)
	}
	if got["unyo_check_tls_cert_expiring"] != 1 {
		t.Fatalf("expiring = %v with tls_days far beyond the expiry", got["unyo_check_tls_cert_expiring"])
	}

	// Not trusted: down, but the certificate is still reported.
	c, _ = NewHTTP(agentconfig.Item{Name: "web", URL: srv.URL}, Options{})
	got, err = run(t, c)
	if got["unyo_check_up"] != 0 || err == nil || got["unyo_check_tls_cert_expiry_days"] < 1 {
		t.Fatalf("untrusted: %v, %v", got, err)
	}
}

func TestHTTPSExpired(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "expired"},
		NotBefore: time.Now().Add(-40 * 24 * time.Hour), NotAfter: time.Now().Add(-10 * 24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(hello))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.StartTLS()
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(cert)

	c, _ := NewHTTP(agentconfig.Item{Name: "web", URL: srv.URL, TLSDays: 14}, Options{RootCAs: roots})
	got, err := run(t, c)
	if got["unyo_check_up"] != 0 || err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired: %v, %v", got, err)
	}
	if d := got["unyo_check_tls_cert_expiry_days"]; d > -9 || d < -11 {
		t.Fatalf("expiry days = %v, want about -10", d)
	}
	if got["unyo_check_tls_cert_expiring"] != 1 {
		t.Fatal("an expired certificate is not expiring")
	}
}

func TestTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	got, err := run(t, NewTCP("db", addr, nil))
	if err != nil || got["unyo_check_up"] != 1 {
		t.Fatalf("open port: %v, %v", got, err)
	}
	ln.Close()
	got, err = run(t, NewTCP("db", addr, nil))
	if err == nil || got["unyo_check_up"] != 0 {
		t.Fatalf("closed port: %v, %v", got, err)
	}
}

// serveDNS answers A queries for known names on a UDP socket until it is closed.
func serveDNS(t *testing.T, names map[string]net.IP) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var m dnsmessage.Message
			if m.Unpack(buf[:n]) != nil || len(m.Questions) != 1 {
				continue
			}
			q := m.Questions[0]
			m.Header.Response, m.Header.Authoritative = true, true
			ip, ok := names[q.Name.String()]
			switch {
			case !ok:
				m.Header.RCode = dnsmessage.RCodeNameError
			case q.Type == dnsmessage.TypeA:
				m.Answers = []dnsmessage.Resource{{
					Header: dnsmessage.ResourceHeader{Name: q.Name, Type: q.Type, Class: q.Class, TTL: 60},
					Body:   &dnsmessage.AResource{A: [4]byte(ip.To4())},
				}}
			}
			out, _ := m.Pack()
			pc.WriteTo(out, from)
		}
	}()
	return pc.LocalAddr().String()
}

func TestDNS(t *testing.T) {
	server := serveDNS(t, map[string]net.IP{"shop.unyo.test.": net.IPv4(10, 1, 2, 3)})
	got, err := run(t, NewDNS("resolver", "shop.unyo.test", server))
	if err != nil || got["unyo_check_up"] != 1 || got["unyo_check_dns_answers"] != 1 {
		t.Fatalf("known name: %v, %v", got, err)
	}
	got, err = run(t, NewDNS("resolver", "nowhere.unyo.test", server))
	if err == nil || got["unyo_check_up"] != 0 {
		t.Fatalf("unknown name: %v, %v", got, err)
	}
}

// TestHTTPRedirectRefused: a check allowed to reach one server is
// redirected to another that Options.Redirect refuses; the check is down
// and the other server is never called.
func TestHTTPRedirectRefused(t *testing.T) {
	var called atomic.Int32
	inner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called.Add(1) }))
	defer inner.Close()
	outer := httptest.NewServer(http.RedirectHandler(inner.URL+"/admin", http.StatusFound))
	defer outer.Close()
	h, err := NewHTTP(agentconfig.Item{Name: "web", Kind: agentconfig.KindHTTP, URL: outer.URL}, Options{Redirect: func(u *url.URL) error {
		if u.Host == inner.Listener.Addr().String() {
			return errors.New("not allowed")
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Collect(context.Background(), time.Now())
	if err == nil || !strings.Contains(err.Error(), "redirect refused") {
		t.Errorf("Collect = %v, want the redirect refused", err)
	}
	if n := called.Load(); n != 0 {
		t.Errorf("the refused server was called %d times", n)
	}
}
