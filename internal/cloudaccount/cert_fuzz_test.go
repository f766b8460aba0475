package cloudaccount

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
)

// FuzzClientCertificate: whatever a client sends as a certificate, the
// parser refuses it or returns a PEM that parses again to the same
// certificate, with the key that matches it.
func FuzzClientCertificate(f *testing.F) {
	c := cloudtest.NewCertificate("seed", time.Now().Add(time.Hour))
	f.Add(c.PEM, "")
	f.Add(c.KeyPEM+c.CertPEM, "")
	f.Add(c.CertPEM, "")
	f.Add(base64.StdEncoding.EncodeToString([]byte("not a pfx")), "pw")
	f.Add("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n", "")
	f.Fuzz(func(t *testing.T, data, password string) {
		got, err := parseCertificate(data, password)
		if err != nil {
			return
		}
		again, err := parseCertificate(got.pem, "")
		if err != nil || again.thumbprint != got.thumbprint || again.pem != got.pem {
			t.Fatalf("accepted %q but its PEM does not parse back: %v", data, err)
		}
	})
}
