// Package outbound is the one way unyo connects to a destination that a
// tenant configured: webhooks, Slack, Teams, ServiceNow, SMTP, and every
// later integration. Its dialer refuses loopback, link-local, private,
// shared (CGNAT), unique-local, unspecified and multicast addresses unless
// the MSP admin allows them (--outbound-allow), so a write token cannot turn
// unyo into a proxy to the MSP's own network.
//
// The check runs on the address actually dialed (net.Dialer.Control), after
// name resolution, so a name that resolves to a public address when
// configured and to 127.0.0.1 when used (DNS rebinding) is still refused;
// every redirect dials through the same dialer, and is checked before.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// blocked are the ranges refused unless allowed, each with the name an
// error gives it.
var blocked = []struct {
	prefix netip.Prefix
	kind   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"}, // "this network": 0.0.0.0 reaches the local host
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"}, // cloud metadata services live here
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (CGNAT)"},
	{netip.MustParsePrefix("fc00::/7"), "unique-local"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"}, // and the broadcast address
}

// nat64 is the well-known NAT64 prefix: its last 32 bits are an IPv4
// address, judged as such.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// RefusedError says a destination's address is in a refused range.
type RefusedError struct {
	Addr netip.Addr
	Kind string // loopback, link-local, private, ...
	// Tenant is set when the server-wide policy allows the address but
	// the tenant whose target it is has it in none of its networks.
	Tenant string
}

// Error names the address and why it is refused, and how to allow it.
func (e *RefusedError) Error() string {
	if e.Tenant != "" {
		return fmt.Sprintf("%s is not in tenant %s's networks (the MSP admin sets them: PUT /api/v1/tenants/%s/networks)", e.Addr, e.Tenant, e.Tenant)
	}
	return fmt.Sprintf("outbound: %s is a %s address; refused unless the server admin allows it with --outbound-allow", e.Addr, e.Kind)
}

// IsRefused reports whether err, or an error it wraps, is a *RefusedError.
func IsRefused(err error) bool {
	var r *RefusedError
	return errors.As(err, &r)
}

// Policy decides which addresses unyo may connect to. A nil *Policy is the
// default: every blocked range refused, nothing allowed.
type Policy struct {
	allow     []netip.Prefix
	transport *http.Transport
}

// New returns the policy that allows the blocked addresses within allow.
func New(allow []netip.Prefix) *Policy {
	p := &Policy{allow: append([]netip.Prefix(nil), allow...)}
	p.transport = p.newTransport(false)
	return p
}

// ParseAllow reads CIDR lists such as "10.1.2.0/24,fd00::/8" (one or more
// values, each a comma list; empty items are skipped). A bare address is
// read as a single-address prefix.
func ParseAllow(values ...string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			if !strings.Contains(item, "/") {
				a, err := netip.ParseAddr(item)
				if err != nil {
					return nil, fmt.Errorf("outbound: %q is not a CIDR prefix such as 10.1.2.0/24", item)
				}
				a = a.WithZone("").Unmap()
				out = append(out, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return nil, fmt.Errorf("outbound: %q is not a CIDR prefix such as 10.1.2.0/24", item)
			}
			if p.Addr().Is4In6() {
				if p.Bits() < 96 {
					return nil, fmt.Errorf("outbound: %q mixes IPv4-mapped and other IPv6 addresses; write the IPv4 prefix", item)
				}
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
		}
	}
	return out, nil
}

// Allowed returns the allow list, for the start-up log.
func (p *Policy) Allowed() []netip.Prefix {
	if p == nil {
		return nil
	}
	return append([]netip.Prefix(nil), p.allow...)
}

// Check returns a *RefusedError when addr is in a blocked range that the
// allow list does not cover, nil otherwise.
func (p *Policy) Check(addr netip.Addr) error {
	a := addr.WithZone("").Unmap() // Prefix.Contains is false for zoned addresses
	if p != nil {
		for _, allowed := range p.allow {
			if allowed.Contains(a) {
				return nil
			}
		}
	}
	if nat64.Contains(a) {
		b := a.As16()
		if err := p.Check(netip.AddrFrom4([4]byte(b[12:]))); err != nil {
			return &RefusedError{Addr: addr, Kind: "NAT64 " + err.(*RefusedError).Kind}
		}
	}
	for _, b := range blocked {
		if b.prefix.Contains(a) {
			return &RefusedError{Addr: addr, Kind: b.kind}
		}
	}
	return nil
}

// control is the net.Dialer's Control: it runs after name resolution, on
// the very address about to be connected to.
func (p *Policy) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("outbound: cannot read dialed address %q: %w", address, err)
	}
	return p.Check(ap.Addr())
}

// Dialer returns a net.Dialer that refuses what the policy refuses.
func (p *Policy) Dialer() *net.Dialer {
	return &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: p.control}
}

// DialContext connects through Dialer; it fits http.Transport.DialContext
// and go-mail's WithDialContextFunc.
func (p *Policy) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return p.Dialer().DialContext(ctx, network, address)
}

// newTransport is http.DefaultTransport's tuning on the policy's dialer.
// It ignores HTTP(S)_PROXY: a proxy would connect on unyo's behalf to
// addresses this policy never sees.
func (p *Policy) newTransport(oneShot bool) *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           p.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableKeepAlives:     oneShot,
	}
}

// Transport returns the policy's HTTP transport, shared by every client of
// a policy made by New. A nil policy gets a new transport without
// keep-alives, so that nothing lingers.
func (p *Policy) Transport() *http.Transport {
	if p == nil || p.transport == nil {
		return p.newTransport(true)
	}
	return p.transport
}

// Client returns an HTTP client on Transport that checks every redirect
// with CheckRedirect; timeout bounds a whole request (none when zero).
func (p *Policy) Client(timeout time.Duration) *http.Client {
	return &http.Client{Transport: p.Transport(), Timeout: timeout, CheckRedirect: p.CheckRedirect}
}

// maxRedirects is what net/http follows by default.
const maxRedirects = 10

// CheckRedirect refuses a redirect to another scheme than http(s), a tenth
// redirect, and a target whose address (literal, or every address its name
// resolves to now) the policy refuses. The dial that follows is checked
// again, so a name that changes its answer in between gains nothing.
func (p *Policy) CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("outbound: stopped after %d redirects", maxRedirects)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("outbound: redirect to scheme %q refused", req.URL.Scheme)
	}
	host := req.URL.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		return p.Check(a)
	}
	addrs, err := net.DefaultResolver.LookupNetIP(req.Context(), "ip", host)
	if err != nil {
		return fmt.Errorf("outbound: redirect target: %w", err)
	}
	for _, a := range addrs {
		if err := p.Check(a); err != nil {
			return err
		}
	}
	return nil
}
