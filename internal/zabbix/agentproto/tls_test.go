package agentproto_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/zabbix/agentproto"
	"github.com/unyo-ops/unyo/internal/zabbix/zabbixtest"
)

// pki is a CA with certificates it signed, as PEM files.
type pki struct {
	dir    string
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	serial int64
}

func newPKI(t *testing.T) *pki {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Zabbix CA"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	p := &pki{dir: t.TempDir(), ca: ca, caKey: key, serial: 1}
	p.write(t, "ca.crt", "CERTIFICATE", der)
	return p
}

func (p *pki) write(t *testing.T, name, typ string, der []byte) string {
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// issue writes a certificate and key for name and returns their paths.
func (p *pki) issue(t *testing.T, name string, usage x509.ExtKeyUsage) (certPath, keyPath string) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p.serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(p.serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	return p.write(t, name+".crt", "CERTIFICATE", der), p.write(t, name+".key", "PRIVATE KEY", kder)
}

// TestRealAgentTLSCert polls zabbix_agent2 configured with TLSAccept=cert:
// with unyo's certificate from the agent's CA it answers; in plain text,
// or with a certificate of another CA, it does not.
func TestRealAgentTLSCert(t *testing.T) {
	p := newPKI(t)
	agentCert, agentKey := p.issue(t, "agent", x509.ExtKeyUsageServerAuth)
	unyoCert, unyoKey := p.issue(t, "unyo", x509.ExtKeyUsageClientAuth)
	a := zabbixtest.StartAgentTLS(t, "TLSAccept=cert", "TLSCAFile="+filepath.Join(p.dir, "ca.crt"),
		"TLSCertFile="+agentCert, "TLSKeyFile="+agentKey)
	pair, err := tls.LoadX509KeyPair(unyoCert, unyoKey)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.ca)
	c := &agentproto.Client{Timeout: 5 * time.Second, TLS: agentproto.CertTLS(pair, roots)}
	r, err := c.Get(context.Background(), a.Address, "vfs.fs.size[/,pused]")
	if err != nil || !r.Supported {
		t.Fatalf("over TLS: %+v %v", r, err)
	}
	plain := &agentproto.Client{Timeout: 2 * time.Second}
	if r, err := plain.Get(context.Background(), a.Address, "agent.version"); err == nil {
		t.Errorf("the agent answered in plain text: %+v", r)
	}
	other := newPKI(t)
	oc, ok := other.issue(t, "intruder", x509.ExtKeyUsageClientAuth)
	opair, _ := tls.LoadX509KeyPair(oc, ok)
	bad := &agentproto.Client{Timeout: 2 * time.Second, TLS: agentproto.CertTLS(opair, roots)}
	if r, err := bad.Get(context.Background(), a.Address, "agent.version"); err == nil {
		t.Errorf("the agent answered a certificate of another CA: %+v", r)
	}
	// And unyo refuses an agent whose certificate is not of the CA it trusts.
	mistrust := &agentproto.Client{Timeout: 2 * time.Second, TLS: agentproto.CertTLS(pair, x509.NewCertPool())}
	if r, err := mistrust.Get(context.Background(), a.Address, "agent.version"); err == nil {
		t.Errorf("unyo trusted an agent of an unknown CA: %+v", r)
	}
}
