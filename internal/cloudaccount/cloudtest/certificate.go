package cloudtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"time"
)

// Certificate is a self-signed client certificate as an app registration
// holds one: Cert goes on the fake's Entra.Certificate, PEM (certificate
// and PKCS#8 key) into the account.
type Certificate struct {
	Cert    *x509.Certificate
	PEM     string
	Key     *rsa.PrivateKey
	CertPEM string // the certificate alone
	KeyPEM  string // the key alone, PKCS#1
}

// NewCertificate makes a 2048-bit RSA certificate named cn valid until
// notAfter; it panics on failure (it is for tests).
func NewCertificate(cn string, notAfter time.Time) *Certificate {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, _ := x509.ParseCertificate(der)
	p8, _ := x509.MarshalPKCS8PrivateKey(key)
	c := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return &Certificate{Cert: cert, Key: key, CertPEM: c,
		KeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		PEM:    c + string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}))}
}
