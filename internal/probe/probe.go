// Package probe runs checks without an agent: ping (ICMP echo), TCP
// connect, a TLS handshake and HTTP(S) requests, each target on its
// interval, for devices and endpoints that run no unyo agent (a switch, a
// VPN endpoint, a URL). TCP, TLS and HTTP are the agent's own checks
// (internal/agent/check) and write the same series, unyo_check_*, so an
// item's condition reads them the same way whoever ran it.
//
// It knows nothing of where the targets come from or where the samples go:
// unyo server drives it from the monitoring design (the resources behind no
// collector) and hands the samples to the remote-write path; a collector
// drives it the same way from the items of its own resources.
package probe

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/netip"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/check"
	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agentconfig"
)

// DefaultTimeout bounds one run of a target without a timeout of its own,
// as the agent bounds its checks.
const DefaultTimeout = agentconfig.DefaultTimeout

// Check types a Target may have.
const (
	TypeHTTP = "http"
	TypeTCP  = "tcp"
	TypeTLS  = "tls"
	TypePing = "ping"
)

// Target is one check to run for one resource. It is comparable: an
// unchanged target keeps its schedule across reloads.
type Target struct {
	Tenant string
	Host   string // the resource's name: the host label of the series
	Item   string // the item's name: the item label
	Type   string // http, tcp, tls or ping

	Address      string        // tcp, tls: host:port; ping: host
	URL          string        // http
	Method       string        // http; GET when empty
	ExpectStatus int           // http; any 2xx when 0
	BodyMatch    string        // http: a regexp the body must match
	TLSDays      int           // http: report a certificate expiring within; tls: fail within
	Count        int           // ping: echo requests per run; 3 when 0
	Spacing      time.Duration // ping: between requests; 1s when 0

	Timeout  time.Duration // one run; DefaultTimeout when 0
	Interval time.Duration // between runs; 15s when 0
}

// Env is what checks need from where they run.
type Env struct {
	// Dial makes the TCP connections of tcp, tls and http checks; a
	// net.Dialer's when nil. The server passes its outbound policy's.
	Dial check.DialFunc
	// Permit judges the address a ping is about to be sent to; every
	// address when nil. The server passes its outbound policy's Check.
	Permit  func(netip.Addr) error
	RootCAs *x509.CertPool // trusted roots for tls and https; the system's when nil
	ping    *pingMode
}

// Collector runs one check once: the samples, and why it failed if it did.
type Collector interface {
	Collect(ctx context.Context, now time.Time) ([]sample.Sample, error)
}

// New builds the check of a target.
func New(t Target, env Env) (Collector, error) {
	switch t.Type {
	case TypeHTTP:
		it := agentconfig.Item{Name: t.Item, Kind: agentconfig.KindHTTP, URL: t.URL, Method: t.Method,
			ExpectStatus: t.ExpectStatus, BodyMatch: t.BodyMatch, TLSDays: t.TLSDays}
		return check.NewHTTP(it, check.Options{RootCAs: env.RootCAs, Dial: env.Dial})
	case TypeTCP:
		return check.NewTCP(t.Item, t.Address, env.Dial), nil
	case TypeTLS:
		return check.NewTLS(t.Item, t.Address, t.TLSDays, check.Options{RootCAs: env.RootCAs, Dial: env.Dial})
	case TypePing:
		p := &ping{addr: t.Address, count: t.Count, spacing: t.Spacing, wait: t.timeout(), permit: env.Permit,
			mode: env.ping, labels: sample.Labels("item", t.Item, "target", t.Address)}
		if p.count <= 0 {
			p.count = 3
		}
		if p.spacing <= 0 {
			p.spacing = time.Second
		}
		if p.mode == nil {
			p.mode = new(pingMode)
		}
		return p, nil
	}
	return nil, fmt.Errorf("probe: unknown check type %q", t.Type)
}

func (t Target) timeout() time.Duration {
	if t.Timeout > 0 {
		return t.Timeout
	}
	return DefaultTimeout
}

func (t Target) interval() time.Duration {
	if t.Interval > 0 {
		return t.Interval
	}
	return 15 * time.Second
}
