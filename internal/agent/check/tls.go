package check

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// TLS checks a TLS handshake on host:port, and how long its certificate
// has left: the check of a VPN endpoint, an LDAPS or SMTPS server, any TLS
// service that is not HTTP.
type TLS struct {
	addr    string
	host    string // the name the certificate must carry, and the SNI
	tlsDays int
	roots   *x509.CertPool
	dial    DialFunc
	labels  []sample.Label
}

// NewTLS returns the check of a tls item on addr (host:port). With tlsDays
// above 0, a certificate with fewer days left fails the check.
func NewTLS(item, addr string, tlsDays int, opts Options) (*TLS, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("check: bad address %q: %w", addr, err)
	}
	return &TLS{addr: addr, host: strings.Trim(host, "[]"), tlsDays: tlsDays, roots: opts.RootCAs, dial: dialer(opts.Dial),
		labels: sample.Labels("item", item, "target", addr)}, nil
}

// Collect connects, shakes hands and closes. The certificate is reported
// even when it does not verify (an expired one).
func (c *TLS) Collect(ctx context.Context, now time.Time) ([]sample.Sample, error) {
	r := newResult(c.labels, now)
	start := time.Now()
	var leaf *x509.Certificate
	err := c.handshake(ctx, &leaf)
	if leaf != nil {
		days := time.Until(leaf.NotAfter).Hours() / 24
		r.add("unyo_check_tls_cert_expiry_days", days)
		if c.tlsDays > 0 {
			expiring := days < float64(c.tlsDays)
			r.add("unyo_check_tls_cert_expiring", b2f(expiring))
			if err == nil && expiring {
				// A constant reason, not the days left: it is a label value.
				err = fmt.Errorf("certificate expires within %d days", c.tlsDays)
			}
		}
	}
	return r.finish(err, start), err
}

func (c *TLS) handshake(ctx context.Context, leaf **x509.Certificate) error {
	raw, err := c.dial(ctx, "tcp", c.addr)
	if err != nil {
		return err
	}
	defer raw.Close()
	host := c.host
	cfg := &tls.Config{
		// As for HTTPS: verified in verify, so that a failing certificate is still seen.
		InsecureSkipVerify: true,
		VerifyConnection:   verify(c.roots, &host, leaf),
	}
	if net.ParseIP(host) == nil {
		cfg.ServerName = host
	}
	conn := tls.Client(raw, cfg)
	return conn.HandshakeContext(ctx)
}
