package cli

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/unyo-ops/unyo/internal/zabbix/agentproto"
)

// zabbixConfig is how the server polls Zabbix agents (zabbix items).
type zabbixConfig struct {
	timeout     time.Duration
	concurrency int
	certFile    string
	keyFile     string
	caFile      string
}

func (c *zabbixConfig) flags(fs *flag.FlagSet) {
	fs.DurationVar(&c.timeout, "zabbix-timeout", 3*time.Second, "how long one Zabbix passive check may take (the Zabbix server's Timeout)")
	fs.IntVar(&c.concurrency, "zabbix-pollers", 64, "Zabbix passive checks in flight at once")
	fs.StringVar(&c.certFile, "zabbix-tls-cert", "", "client certificate (PEM) for Zabbix agents with TLSAccept=cert; zabbix items with tls need it")
	fs.StringVar(&c.keyFile, "zabbix-tls-key", "", "the key of --zabbix-tls-cert (PEM)")
	fs.StringVar(&c.caFile, "zabbix-tls-ca", "", "CA certificates (PEM) that sign the Zabbix agents' certificates")
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
