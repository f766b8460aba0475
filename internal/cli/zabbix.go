package cli

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"
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
	// Zabbix agents are addressed by IP more often than by a name in their
	// certificate: the chain is verified against the CA, as the Zabbix
	// server does without TLSServerCertSubject, and the name is not.
	return &tls.Config{
		Certificates:       []tls.Certificate{cert},
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by VerifyPeerCertificate below
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			return verifyChain(raw, pool)
		},
	}, nil
}

// verifyChain verifies the peer's chain against roots, whatever its name.
func verifyChain(raw [][]byte, roots *x509.CertPool) error {
	if len(raw) == 0 {
		return errors.New("zabbix agent sent no certificate")
	}
	certs := make([]*x509.Certificate, len(raw))
	for i, r := range raw {
		c, err := x509.ParseCertificate(r)
		if err != nil {
			return err
		}
		certs[i] = c
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return err
}
