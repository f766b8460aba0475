package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/zabbix/agentproto"
)

// zabbixConfig is how the server polls Zabbix agents (zabbix items).
type zabbixConfig struct {
	allow       []string
	timeout     time.Duration
	concurrency int
	certFile    string
	keyFile     string
	caFile      string
}

func (c *zabbixConfig) flags(fs *flag.FlagSet) {
	fs.Func("zabbix-allow", "CIDR[,CIDR...] of loopback, private or link-local addresses where the server may poll Zabbix agents; "+
		"everything internal is refused otherwise, as for --outbound-allow (repeatable)", func(v string) error {
		if _, err := outbound.ParseAllow(v); err != nil {
			return err
		}
		c.allow = append(c.allow, v)
		return nil
	})
	fs.DurationVar(&c.timeout, "zabbix-timeout", 3*time.Second, "how long one Zabbix passive check may take (the Zabbix server's Timeout)")
	fs.IntVar(&c.concurrency, "zabbix-pollers", 64, "Zabbix passive checks in flight at once")
	fs.StringVar(&c.certFile, "zabbix-tls-cert", "", "client certificate (PEM) for Zabbix agents with TLSAccept=cert; zabbix items with tls need it")
	fs.StringVar(&c.keyFile, "zabbix-tls-key", "", "the key of --zabbix-tls-cert (PEM)")
	fs.StringVar(&c.caFile, "zabbix-tls-ca", "", "CA certificates (PEM) that sign the Zabbix agents' certificates")
}

// dial gives the dial function of one tenant's Zabbix agents: public
// addresses, and internal ones only in --zabbix-allow and in the tenant's
// networks, so that a tenant's item can make the server probe neither the
// networks the MSP admin did not open nor another tenant's.
func (c *zabbixConfig) dial(networks outbound.Networks) (func(tenant string) func(ctx context.Context, network, address string) (net.Conn, error), error) {
	allow, err := outbound.ParseAllow(c.allow...)
	if err != nil {
		return nil, fmt.Errorf("--zabbix-allow: %w", err)
	}
	policy := outbound.New(allow)
	return func(tenant string) func(ctx context.Context, network, address string) (net.Conn, error) {
		scoped := policy.ForTenant(tenant, networks)
		return func(ctx context.Context, network, address string) (net.Conn, error) {
			conn, err := scoped.DialContext(ctx, network, address)
			var re *outbound.RefusedError
			if errors.As(err, &re) && re.Tenant == "" {
				err = fmt.Errorf("%w (for Zabbix agents: --zabbix-allow)", err)
			}
			return conn, err
		}
	}, nil
}

// tlsConfig is the client side of TLS with certificates, or nil when no
// certificate is configured.
func (c *zabbixConfig) tlsConfig() (*tls.Config, error) {
	if c.certFile == "" && c.keyFile == "" && c.caFile == "" {
		return nil, nil
	}
	if c.certFile == "" || c.keyFile == "" || c.caFile == "" {
		return nil, errors.New("--zabbix-tls-cert, --zabbix-tls-key and --zabbix-tls-ca go together")
	}
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return nil, fmt.Errorf("--zabbix-tls-cert: %w", err)
	}
	pem, err := os.ReadFile(c.caFile)
	if err != nil {
		return nil, fmt.Errorf("--zabbix-tls-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--zabbix-tls-ca: no PEM certificate in %s", c.caFile)
	}
	return agentproto.CertTLS(cert, pool), nil
}
