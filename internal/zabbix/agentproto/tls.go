package agentproto

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
)

// CertTLS is the client side of Zabbix's TLS with certificates: unyo shows
// cert, and the agent's certificate must chain to roots. Zabbix agents are
// addressed by IP more often than by a name in their certificate, so the
// chain is verified and the name is not, as a Zabbix server does without
// TLSServerCertSubject.
func CertTLS(cert tls.Certificate, roots *x509.CertPool) *tls.Config {
	return &tls.Config{
		Certificates:       []tls.Certificate{cert},
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // the chain is verified below, the name is not
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			return verifyChain(raw, roots)
		},
	}
}

// verifyChain verifies the peer's chain against roots, whatever its name.
func verifyChain(raw [][]byte, roots *x509.CertPool) error {
	if len(raw) == 0 {
		return errors.New("agentproto: the agent sent no certificate")
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
	_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	return err
}
