package check

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// TCP checks that a TCP connection to an address can be opened.
type TCP struct {
	addr   string
	dial   DialFunc
	labels []sample.Label
}

// NewTCP returns the check of a tcp item; dial connects, a net.Dialer's when nil.
func NewTCP(item, addr string, dial DialFunc) *TCP {
	return &TCP{addr: addr, dial: dialer(dial), labels: sample.Labels("item", item, "target", addr)}
}

// Collect connects once and closes the connection at once.
func (c *TCP) Collect(ctx context.Context, now time.Time) ([]sample.Sample, error) {
	r := newResult(c.labels, now)
	start := time.Now()
	conn, err := c.dial(ctx, "tcp", c.addr)
	if err == nil {
		conn.Close()
	}
	return r.finish(err, start), err
}

// DNS checks that a name resolves, through the system's resolver or a given server.
type DNS struct {
	query    string
	resolver *net.Resolver
	labels   []sample.Label
}

// NewDNS returns the check of a dns item; server is host[:port], empty for the system's.
func NewDNS(item, query, server string) *DNS {
	c := &DNS{query: query, resolver: net.DefaultResolver, labels: sample.Labels("item", item, "target", query)}
	if server != "" {
		if _, _, err := net.SplitHostPort(server); err != nil {
			server = net.JoinHostPort(strings.Trim(server, "[]"), "53")
		}
		c.resolver = &net.Resolver{
			// Only Go's own resolver lets the server be chosen.
			PreferGo: true,
			Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, server)
			},
		}
	}
	return c
}

// Collect resolves the name once; up means at least one address came back.
func (c *DNS) Collect(ctx context.Context, now time.Time) ([]sample.Sample, error) {
	r := newResult(c.labels, now)
	start := time.Now()
	addrs, err := c.resolver.LookupHost(ctx, c.query)
	if err == nil && len(addrs) == 0 {
		err = fmt.Errorf("no addresses for %s", c.query)
	}
	r.add("unyo_check_dns_answers", float64(len(addrs)))
	return r.finish(err, start), err
}
