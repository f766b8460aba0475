package cloudaccount

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/pkcs12"
)

// ExpiringWithin is how long before its expiry a client certificate is
// reported as expiring: an expired certificate silently stops every
// poller of the account, so the person who renews it needs the warning
// ahead of time.
const ExpiringWithin = 30 * 24 * time.Hour

// maxCertificate bounds a certificate sent in an input (PEM or PFX).
const maxCertificate = 64 << 10

// certificate is a client certificate made ready to seal: the PEM of the
// chain (leaf first) and of the unencrypted PKCS#8 key, and what the API
// shows of it instead.
type certificate struct {
	pem           string
	thumbprint    string // SHA-1 of the leaf's DER, upper-case hex, as the Azure portal shows it
	thumbprint256 string
	subject       string
	notAfter      time.Time
}

// parseCertificate reads data as PEM (certificates and an unencrypted
// private key) or as a PKCS#12 (PFX) file, base64 or raw, opened with
// password. The leaf is the certificate whose public key matches the
// private key. The password is not kept: the key is sealed unencrypted
// under the box's key instead, like every other secret.
func parseCertificate(data, password string) (*certificate, error) {
	if len(data) > maxCertificate {
		return nil, fmt.Errorf("must be at most %d bytes", maxCertificate)
	}
	var (
		certs []*x509.Certificate
		key   crypto.PrivateKey
		err   error
	)
	if strings.Contains(data, "-----BEGIN") {
		certs, key, err = fromPEM([]byte(data))
	} else {
		raw, derr := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(data), ""))
		if derr != nil {
			raw = []byte(data)
		}
		blocks, perr := pkcs12.ToPEM(raw, password)
		if perr != nil {
			return nil, fmt.Errorf("is neither PEM nor a PKCS#12 (PFX) file that opens with the password given: %v", perr)
		}
		var buf bytes.Buffer
		for _, b := range blocks {
			pem.Encode(&buf, b)
		}
		certs, key, err = fromPEM(buf.Bytes())
	}
	if err != nil {
		return nil, err
	}
	if _, ok := key.(*rsa.PrivateKey); !ok {
		return nil, errors.New("must have an RSA private key, the only kind Entra accepts for client certificates")
	}
	leaf := -1
	for i, c := range certs {
		if samePublic(c.PublicKey, key) {
			leaf = i
			break
		}
	}
	if leaf < 0 {
		return nil, errors.New("has no certificate matching its private key")
	}
	certs[0], certs[leaf] = certs[leaf], certs[0]
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("has a private key that cannot be kept: %v", err)
	}
	var out bytes.Buffer
	for _, c := range certs {
		pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	pem.Encode(&out, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	s1, s256 := sha1.Sum(certs[0].Raw), sha256.Sum256(certs[0].Raw)
	return &certificate{pem: out.String(), thumbprint: strings.ToUpper(hex.EncodeToString(s1[:])),
		thumbprint256: strings.ToUpper(hex.EncodeToString(s256[:])),
		subject:       certs[0].Subject.String(), notAfter: certs[0].NotAfter.UTC()}, nil
}

// fromPEM reads the certificates and the one private key of data.
func fromPEM(data []byte) ([]*x509.Certificate, crypto.PrivateKey, error) {
	var (
		certs []*x509.Certificate
		key   crypto.PrivateKey
	)
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		switch {
		case b.Type == "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("has a certificate that does not parse: %v", err)
			}
			certs = append(certs, c)
		case strings.HasSuffix(b.Type, "PRIVATE KEY"):
			if key != nil {
				return nil, nil, errors.New("must hold one private key")
			}
			if b.Type == "ENCRYPTED PRIVATE KEY" || b.Headers["Proc-Type"] != "" {
				return nil, nil, errors.New("has an encrypted PEM key: send the PFX with its password, or the key unencrypted")
			}
			var err error
			if key, err = parseKey(b); err != nil {
				return nil, nil, err
			}
		}
	}
	if len(certs) == 0 {
		return nil, nil, errors.New("holds no certificate")
	}
	if key == nil {
		return nil, nil, errors.New("holds no private key")
	}
	return certs, key, nil
}

func parseKey(b *pem.Block) (crypto.PrivateKey, error) {
	if k, err := x509.ParsePKCS8PrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	return nil, errors.New("has a private key that does not parse (PKCS#8, PKCS#1 or SEC 1 expected)")
}

// samePublic says whether the RSA key is the private half of pub.
func samePublic(pub crypto.PublicKey, key crypto.PrivateKey) bool {
	k, ok := key.(*rsa.PrivateKey)
	return ok && k.PublicKey.Equal(pub)
}
