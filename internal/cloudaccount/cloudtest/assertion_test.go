package cloudtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// sign makes a PS256 client assertion with key, naming cert in x5t#S256.
func sign(t *testing.T, key *rsa.PrivateKey, cert *Certificate, claims map[string]any) string {
	sum := sha256.Sum256(cert.Cert.Raw)
	h, _ := json.Marshal(map[string]any{"alg": "PS256", "typ": "JWT", "x5t#S256": base64.StdEncoding.EncodeToString(sum[:])})
	c, _ := json.Marshal(claims)
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	d := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// TestClientAssertionContract: the fake issues a token only for an
// assertion signed by the registered certificate's key, for this client
// and token endpoint, unexpired, of the jwt-bearer type.
func TestClientAssertionContract(t *testing.T) {
	const tenant, client = "t1", "c1"
	reg := NewCertificate("reg", time.Now().Add(time.Hour))
	other := NewCertificate("other", time.Now().Add(time.Hour))
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	e := &Entra{Tenant: tenant, ClientID: client, Certificate: reg.Cert, Scope: "api://x/.default"}
	e.Register(mux, srv.URL)
	endpoint := srv.URL + "/" + tenant + "/oauth2/v2.0/token"
	good := map[string]any{"aud": endpoint, "iss": client, "sub": client, "exp": time.Now().Add(5 * time.Minute).Unix(), "nbf": time.Now().Unix()}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range good {
			m[a] = b
		}
		m[k] = v
		return m
	}
	post := func(assertion, typ string) (int, string) {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "scope": {"api://x/.default"},
			"client_assertion": {assertion}, "client_assertion_type": {typ}}
		resp, err := http.Post(endpoint, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b struct{ Error_description string }
		json.NewDecoder(resp.Body).Decode(&b)
		return resp.StatusCode, b.Error_description
	}
	for _, c := range []struct {
		name, assertion, typ, code string
	}{
		{"forged signature", sign(t, other.Key, reg, good), jwtBearer, "AADSTS700027"},
		{"other certificate", sign(t, other.Key, other, good), jwtBearer, "AADSTS700027"},
		{"wrong audience", sign(t, reg.Key, reg, with("aud", "https://login.example/other/token")), jwtBearer, "AADSTS700016"},
		{"wrong issuer", sign(t, reg.Key, reg, with("iss", "c2")), jwtBearer, "AADSTS700021"},
		{"expired", sign(t, reg.Key, reg, with("exp", time.Now().Add(-time.Hour).Unix())), jwtBearer, "AADSTS700024"},
		{"wrong type", sign(t, reg.Key, reg, good), "urn:other", "AADSTS50027"},
		{"not a JWT", "abc", jwtBearer, "AADSTS50027"},
	} {
		if code, desc := post(c.assertion, c.typ); code < 400 || !strings.HasPrefix(desc, c.code) {
			t.Errorf("%s = %d %q, want %s", c.name, code, desc, c.code)
		}
	}
	if code, desc := post(sign(t, reg.Key, reg, good), jwtBearer); code != 200 || e.Tokens() != 1 {
		t.Fatalf("valid assertion = %d %s", code, desc)
	}
}
