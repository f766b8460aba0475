package cloudtest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// jwtBearer is the only client_assertion_type Entra takes.
const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// skew is the clock skew Entra allows on an assertion's times.
const skew = 5 * time.Minute

// assertion checks the client assertion of f as Entra does: a federated
// token must be the one the app trusts; otherwise it must be a JWT signed
// by the registered certificate's key, naming that certificate, for this
// client and this token endpoint, and not expired. It writes Entra's
// error and returns false when not.
func (e *Entra) assertion(w http.ResponseWriter, f url.Values) bool {
	a := f.Get("client_assertion")
	if f.Get("client_assertion_type") != jwtBearer {
		aadError(w, 400, "invalid_request", "AADSTS50027", "client_assertion_type must be "+jwtBearer+".")
		return false
	}
	if e.FederatedToken != "" && a == e.FederatedToken {
		return true
	}
	if e.Certificate == nil {
		if e.FederatedToken != "" {
			aadError(w, 400, "invalid_client", "AADSTS700213", "No matching federated identity record found for presented assertion.")
		} else {
			aadError(w, 401, "invalid_client", "AADSTS700027", "Client assertion failed signature validation: no certificate is registered on the application.")
		}
		return false
	}
	parts := strings.Split(a, ".")
	if len(parts) != 3 {
		aadError(w, 400, "invalid_request", "AADSTS50027", "JWT token is invalid or malformed.")
		return false
	}
	var head struct {
		Alg     string `json:"alg"`
		X5t     string `json:"x5t"`
		X5tS256 string `json:"x5t#S256"`
	}
	var claims struct {
		Aud string  `json:"aud"`
		Iss string  `json:"iss"`
		Sub string  `json:"sub"`
		Exp float64 `json:"exp"`
		Nbf float64 `json:"nbf"`
	}
	sig, serr := base64.RawURLEncoding.DecodeString(parts[2])
	if decodePart(parts[0], &head) != nil || decodePart(parts[1], &claims) != nil || serr != nil {
		aadError(w, 400, "invalid_request", "AADSTS50027", "JWT token is invalid or malformed.")
		return false
	}
	pub, ok := e.Certificate.PublicKey.(*rsa.PublicKey)
	s1, s256 := sha1.Sum(e.Certificate.Raw), sha256.Sum256(e.Certificate.Raw)
	named := head.X5tS256 != "" && thumbprintIs(head.X5tS256, s256[:]) || head.X5tS256 == "" && thumbprintIs(head.X5t, s1[:])
	if !ok || !named {
		aadError(w, 401, "invalid_client", "AADSTS700027", "Client assertion failed signature validation: the key was not found (x5t does not name a certificate registered on the application).")
		return false
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	var verr error
	switch head.Alg {
	case "PS256":
		verr = rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
	case "RS256":
		verr = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
	default:
		aadError(w, 400, "invalid_request", "AADSTS5002738", "Invalid JWT token. '"+head.Alg+"' is not a supported signature algorithm.")
		return false
	}
	e.mu.Lock()
	endpoint := e.endpoint
	e.mu.Unlock()
	now := time.Now()
	switch {
	case verr != nil:
		aadError(w, 401, "invalid_client", "AADSTS700027", "Client assertion contains an invalid signature.")
	case claims.Aud != endpoint:
		aadError(w, 401, "invalid_client", "AADSTS700016", "Client assertion audience claim does not match the token endpoint.")
	case claims.Iss != e.ClientID || claims.Sub != e.ClientID || f.Get("client_id") != e.ClientID:
		aadError(w, 401, "invalid_client", "AADSTS700021", "Client assertion application identifier doesn't match 'client_id' parameter.")
	case claims.Exp == 0 || now.After(time.Unix(int64(claims.Exp), 0).Add(skew)) || time.Unix(int64(claims.Nbf), 0).After(now.Add(skew)):
		aadError(w, 401, "invalid_client", "AADSTS700024", "Client assertion is not within its valid time range.")
	default:
		return true
	}
	return false
}

func decodePart(p string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// thumbprintIs compares a thumbprint header, base64 (MSAL writes the
// standard alphabet, RFC 7515 the URL one), to sum.
func thumbprintIs(h string, sum []byte) bool {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding, base64.URLEncoding} {
		if b, err := enc.DecodeString(h); err == nil && string(b) == string(sum) {
			return true
		}
	}
	return false
}
