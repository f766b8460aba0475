package check

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agentconfig"
)

// reasonOf returns the reason label of the failure sample, "" when none.
func reasonOf(ss []sample.Sample) string {
	for _, s := range ss {
		if s.Name == FailureMetric {
			for _, l := range s.Labels {
				if l.Name == ReasonLabel {
					return l.Value
				}
			}
		}
	}
	return ""
}

func collect(t *testing.T, c collector) ([]sample.Sample, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.Collect(ctx, time.Now())
}

// TestTLS: a TLS endpoint's handshake and certificate, trusted or not, and
// a certificate closer to its end than tls_days failing the check.
func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(hello))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	days := time.Until(srv.Certificate().NotAfter).Hours() / 24

	f := func(tlsDays int, opts Options, wantUp float64, wantReason string) {
		t.Helper()
		c, err := NewTLS("vpn", addr, tlsDays, opts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := run(t, c)
		if got["unyo_check_up"] != wantUp || (err == nil) != (wantUp == 1) {
			t.Fatalf("tls_days %d: %v, %v; want up %v", tlsDays, got, err, wantUp)
		}
		if d := got["unyo_check_tls_cert_expiry_days"]; d < days-1 || d > days+1 {
			t.Fatalf("expiry days = %v, want about %v", d, days)
		}
		ss, _ := collect(t, c)
		if r := reasonOf(ss); r != wantReason {
			t.Fatalf("reason = %q, want %q", r, wantReason)
		}
	}
	f(0, Options{RootCAs: roots}, 1, "")
	f(30, Options{RootCAs: roots}, 1, "")
	f(int(days)+30, Options{RootCAs: roots}, 0, "certificate expires within "+strconv.Itoa(int(days)+30)+" days")
	f(0, Options{}, 0, "certificate signed by an unknown authority")

	// Not TLS at all.
	plain := httptest.NewServer(http.HandlerFunc(hello))
	defer plain.Close()
	c, _ := NewTLS("vpn", plain.Listener.Addr().String(), 0, Options{})
	got, err := run(t, c)
	if got["unyo_check_up"] != 0 || err == nil {
		t.Fatalf("plain HTTP server: %v, %v", got, err)
	}
	if _, err := NewTLS("vpn", "no-port", 0, Options{}); err == nil {
		t.Fatal("an address without a port was taken")
	}
}

// TestFailureReason: each failed run writes unyo_check_failure_info with
// a reason a reader recognises and that stays the same from run to run.
func TestFailureReason(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer srv.Close()
	web, _ := NewHTTP(agentconfig.Item{Name: "web", URL: srv.URL}, Options{})
	down, _ := NewHTTP(agentconfig.Item{Name: "web", URL: "http://" + closed + "/"}, Options{})

	f := func(c collector, want string) {
		t.Helper()
		for range 2 {
			ss, err := collect(t, c)
			if err == nil || reasonOf(ss) != want {
				t.Fatalf("err %v, reason %q, want %q", err, reasonOf(ss), want)
			}
		}
	}
	f(NewTCP("db", closed, nil), "connection refused")
	f(web, "status 503, want 2xx")
	f(down, "connection refused")

	ok, _ := collect(t, NewTCP("db", srv.Listener.Addr().String(), nil))
	if r := reasonOf(ok); r != "" {
		t.Fatalf("a passing check wrote the reason %q", r)
	}
}

// TestDial: a check given a dialer connects only through it, redirects
// and TLS included, so the server's outbound policy holds for every check.
func TestDial(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(hello))
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	refused := errors.New("refused by policy")
	var dialed []string
	deny := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed = append(dialed, addr)
		return nil, refused
	}
	addr := srv.Listener.Addr().String()
	web, _ := NewHTTP(agentconfig.Item{Name: "web", URL: srv.URL}, Options{RootCAs: roots, Dial: deny})
	vpn, _ := NewTLS("vpn", addr, 0, Options{RootCAs: roots, Dial: deny})
	for _, c := range []collector{web, NewTCP("db", addr, deny), vpn} {
		ss, err := collect(t, c)
		if !errors.Is(err, refused) || reasonOf(ss) != "refused by policy" {
			t.Fatalf("%T: err %v, reason %q; want the dialer's refusal", c, err, reasonOf(ss))
		}
	}
	if len(dialed) != 3 {
		t.Fatalf("dialed %v, want each check through the dialer once", dialed)
	}
}
