package collector

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/unyo-ops/unyo/internal/zabbix/agentproto"
)

// LoadZabbixTLS reads the collector's client certificate, its key and the CA
// that signs the Zabbix agents' certificates, as the server's
// --zabbix-tls-* flags do; all three empty is no TLS (nil).
func LoadZabbixTLS(certFile, keyFile, caFile string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" && caFile == "" {
		return nil, nil
	}
	if certFile == "" || keyFile == "" || caFile == "" {
		return nil, errors.New("collector: the Zabbix TLS certificate, key and CA go together")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("collector: Zabbix TLS certificate: %w", err)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("collector: Zabbix TLS CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("collector: Zabbix TLS CA: no PEM certificate in %s", caFile)
	}
	return agentproto.CertTLS(cert, pool), nil
}
