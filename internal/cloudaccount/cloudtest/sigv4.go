package cloudtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var authz = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)/([0-9]{8})/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)

// Signed is what a valid SigV4 Authorization header said.
type Signed struct {
	AccessKeyID string
	Region      string
	Service     string
}

// CheckSigV4 checks that r (whose body was read into body) carries a
// Signature Version 4 Authorization header for service, made with the
// secret that secrets gives its access key ID (and the session token
// with it, for temporary keys), as AWS does: the header's shape, the date
// of the credential scope, the signed headers and the signature itself.
func CheckSigV4(r *http.Request, body []byte, service string, secrets map[string]string) (Signed, error) {
	m := authz.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return Signed{}, fmt.Errorf("Authorization header is not SigV4: %q", r.Header.Get("Authorization"))
	}
	s := Signed{AccessKeyID: m[1], Region: m[3], Service: m[4]}
	if s.Service != service {
		return s, fmt.Errorf("credential scope names service %q, want %q", s.Service, service)
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil || at.Format("20060102") != m[2] {
		return s, fmt.Errorf("X-Amz-Date %q does not match the credential scope's date %s", r.Header.Get("X-Amz-Date"), m[2])
	}
	secret, ok := secrets[s.AccessKeyID]
	if !ok {
		return s, fmt.Errorf("unknown access key %s", s.AccessKeyID)
	}
	signed := strings.Split(m[5], ";")
	if !contains(signed, "host") || !contains(signed, "x-amz-date") {
		return s, fmt.Errorf("SignedHeaders %q must include host and x-amz-date", m[5])
	}
	// Sign the same request again with the secret: the signatures agree
	// only if the client used that secret and signed what it sent.
	again, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	for _, h := range signed {
		if h != "host" && h != "content-length" {
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: secret, SessionToken: r.Header.Get("X-Amz-Security-Token")}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, again, hex.EncodeToString(sum[:]), service, s.Region, at); err != nil {
		return s, err
	}
	want := authz.FindStringSubmatch(again.Header.Get("Authorization"))
	if want == nil || want[6] != m[6] {
		return s, fmt.Errorf("signature does not match: the request was not signed with the account's secret key")
	}
	return s, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// AWSError writes an AWS Query API error answer (the awsquery protocol's
// ErrorResponse document); ns is the service's XML namespace.
func AWSError(w http.ResponseWriter, status int, ns, typ, code, message string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>4b1c7a8e-0000-4000-8000-000000000000</RequestId></ErrorResponse>`,
		ns, typ, code, message)
}
