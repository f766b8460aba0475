package collector_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/collector"
	"github.com/unyo-ops/unyo/internal/zabbix/zabbixtest"
)

// pki writes a CA and certificates it signs as PEM files in dir.
type pki struct {
	dir    string
	ca     *x509.Certificate
	key    *ecdsa.PrivateKey
	serial int64
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Zabbix CA"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	p := &pki{dir: t.TempDir(), ca: ca, key: key, serial: 1}
	p.write(t, "ca.crt", "CERTIFICATE", der)
	return p
}

func (p *pki) write(t *testing.T, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func (p *pki) issue(t *testing.T, name string, usage x509.ExtKeyUsage) (certPath, keyPath string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p.serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(p.serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	return p.write(t, name+".crt", "CERTIFICATE", der), p.write(t, name+".key", "PRIVATE KEY", kder)
}

// TestCollectorPollsOverTLS polls a zabbix_agent2 that accepts only TLS
// with certificates, with the collector's certificate from the agent's CA,
// for an item with tls; LoadZabbixTLS refuses half a configuration.
func TestCollectorPollsOverTLS(t *testing.T) {
	p := newPKI(t)
	agentCert, agentKey := p.issue(t, "agent", x509.ExtKeyUsageServerAuth)
	colCert, colKey := p.issue(t, "collector", x509.ExtKeyUsageClientAuth)
	agent := zabbixtest.StartAgentTLS(t, "TLSAccept=cert", "TLSCAFile="+filepath.Join(p.dir, "ca.crt"),
		"TLSCertFile="+agentCert, "TLSKeyFile="+agentKey)
	tlsConfig, err := collector.LoadZabbixTLS(colCert, colKey, filepath.Join(p.dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	srv := serverWith(t, agent.Address, true)
	r := start(t, srv.URL, t.TempDir(), func(o *collector.Options) { o.ZabbixTLS = tlsConfig })
	r.next(t, 20*time.Second, "poll of sw-01 over TLS", polled("sw-01"))

	if _, err := collector.LoadZabbixTLS(colCert, colKey, ""); err == nil || !strings.Contains(err.Error(), "go together") {
		t.Errorf("a certificate without its CA: %v", err)
	}
	if c, err := collector.LoadZabbixTLS("", "", ""); c != nil || err != nil {
		t.Errorf("no files: %v %v, want no TLS", c, err)
	}
}
