package probe

import (
	"context"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/check"
	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/outbound"
)

// sink gathers what a poller hands over, by tenant/host/item.
type sink struct {
	mu  sync.Mutex
	got map[string][]sample.Sample
}

func (s *sink) take(_ context.Context, tenant, host string, ss []sample.Sample) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range ss {
		k := tenant + "/" + host + "/" + label(x, "item")
		s.got[k] = append(s.got[k], x)
	}
	return nil
}

func label(s sample.Sample, name string) string {
	for _, l := range s.Labels {
		if l.Name == name {
			return l.Value
		}
	}
	return ""
}

// last returns the last value of metric for key and its failure reason, or ok false.
func (s *sink) last(key, metric string) (v float64, reason string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.got[key] {
		switch x.Name {
		case metric:
			v, ok = x.Value, true
		case check.FailureMetric:
			reason = label(x, check.ReasonLabel)
		}
	}
	return v, reason, ok
}

// TestPoller runs real checks against loopback servers through the
// outbound policy, as the server does: TCP, TLS and HTTPS up, a closed
// port down with "connection refused", and a tenant's check to an address
// the policy refuses down with the policy's reason, never connected.
func TestPoller(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("shop open")) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the tcp check's bare connects end no handshake
	srv.StartTLS()
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	addr := srv.Listener.Addr().String()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	// A server on ::1 that the policy (127.0.0.0/8 only) refuses.
	other, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Fatalf("listen on ::1: %v", err)
	}
	defer other.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := other.Accept(); err == nil {
			accepted <- struct{}{}
			c.Close()
		}
	}()

	policy := outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	targets := []Target{
		{Tenant: "acme", Host: "lb-01", Item: "port", Type: TypeTCP, Address: addr, Interval: time.Hour},
		{Tenant: "acme", Host: "lb-01", Item: "cert", Type: TypeTLS, Address: addr, TLSDays: 7, Interval: time.Hour},
		{Tenant: "acme", Host: "lb-01", Item: "site", Type: TypeHTTP, URL: srv.URL, BodyMatch: "open", Interval: time.Hour},
		{Tenant: "beta", Host: "db-01", Item: "port", Type: TypeTCP, Address: closed, Interval: time.Hour},
		{Tenant: "beta", Host: "db-01", Item: "inside", Type: TypeTCP, Address: other.Addr().String(), Interval: time.Hour},
	}
	s := &sink{got: map[string][]sample.Sample{}}
	p := NewPoller(Options{
		Targets: func(context.Context) ([]Target, error) { return targets, nil },
		Sink:    s.take, Flush: 20 * time.Millisecond,
		Env: Env{Dial: policy.DialContext, Permit: policy.Check, RootCAs: roots},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()

	want := []struct {
		key    string
		up     float64
		reason string
	}{
		{"acme/lb-01/port", 1, ""},
		{"acme/lb-01/cert", 1, ""},
		{"acme/lb-01/site", 1, ""},
		{"beta/db-01/port", 0, "connection refused"},
		{"beta/db-01/inside", 0, "outbound: ::1 is a loopback address; refused unless the server admin allows it with --outbound-allow"},
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, w := range want {
		for {
			up, reason, ok := s.last(w.key, check.UpMetric)
			if ok {
				if up != w.up || reason != w.reason {
					t.Fatalf("%s: up %v, reason %q; want up %v, reason %q", w.key, up, reason, w.up, w.reason)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no result within 10s", w.key)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if _, _, ok := s.last("acme/lb-01/cert", "unyo_check_tls_cert_expiry_days"); !ok {
		t.Error("the tls check reported no certificate expiry")
	}
	select {
	case <-accepted:
		t.Error("the refused address was connected to")
	default:
	}

	// A target removed from the design stops; one added starts at once.
	targets = targets[:1]
	targets = append(targets, Target{Tenant: "acme", Host: "lb-01", Item: "port2", Type: TypeTCP, Address: addr, Interval: time.Hour})
	p.Reload()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, _, ok := s.last("acme/lb-01/port2", check.UpMetric); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a target added by Reload did not run")
		}
	}
}

// TestNewRefusesUnknown: a check type the poller does not know is an error, not a silent skip.
func TestNewRefusesUnknown(t *testing.T) {
	if _, err := New(Target{Type: "dns"}, Env{}); err == nil || !strings.Contains(err.Error(), "dns") {
		t.Fatalf("New(dns) = %v", err)
	}
}
