package cloudaccount_test

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
)

func thumbprint(c *cloudtest.Certificate) string {
	s := sha1.Sum(c.Cert.Raw)
	return strings.ToUpper(hex.EncodeToString(s[:]))
}

// certInput is an Azure account proving itself with pem.
func certInput(name, pem string, extra map[string]any) map[string]any {
	in := azureInput(name, "", extra)
	in["azure"].(map[string]any)["client_certificate"] = pem
	return in
}

// TestAzureCertificateAccount: an account with a client certificate shows
// its thumbprint and expiry but never the key; the connection test gets a
// token with an assertion the fake verifies against the registered
// certificate; another certificate is refused with Entra's error; one
// expiring within 30 days is flagged.
func TestAzureCertificateAccount(t *testing.T) {
	srv, entra := azureCloud(t)
	registered := cloudtest.NewCertificate("unyo-acme", time.Now().Add(365*24*time.Hour))
	entra.Certificate = registered.Cert
	f := newFixture(t, srv.Certificate())
	ends := map[string]any{"resource_manager": srv.URL, "login": srv.URL}

	code, body := f.do(t, "POST", base, msp, certInput("acme-cert", registered.PEM, ends))
	if code != 201 {
		t.Fatalf("create = %d %s", code, body)
	}
	var v cloudaccount.View
	json.Unmarshal(body, &v)
	c := v.Azure.Certificate
	if v.Azure.Credential != "certificate" || c == nil || c.Thumbprint != thumbprint(registered) || c.Expiring || c.Expired ||
		!c.NotAfter.Equal(registered.Cert.NotAfter.UTC()) || v.Azure.ClientSecretHint != "" {
		t.Fatalf("view = %s", body)
	}
	_, got := f.do(t, "GET", path(v.ID), acmeRO, nil)
	keyLine := strings.Split(registered.PEM, "\n")[len(strings.Split(registered.CertPEM, "\n"))] // first line of the key's base64
	for _, b := range [][]byte{body, got} {
		if strings.Contains(string(b), "PRIVATE KEY") || strings.Contains(string(b), keyLine) {
			t.Fatalf("the key is shown: %s", b)
		}
	}
	var stored []byte
	f.db.QueryRow(`SELECT sealed FROM cloud_accounts WHERE id=?`, v.ID).Scan(&stored)
	if strings.Contains(string(stored), keyLine) || strings.Contains(string(stored), "PRIVATE KEY") {
		t.Fatal("the key is stored in the clear")
	}

	code, res := f.test(t, v.ID)
	if code != 200 || !res.OK || res.Identity != "Acme Production" || entra.Tokens() != 1 {
		t.Fatalf("test = %d %+v, tokens %d", code, res, entra.Tokens())
	}

	// A certificate that is not registered on the app: Entra's refusal.
	other := cloudtest.NewCertificate("unyo-acme", time.Now().Add(365*24*time.Hour))
	wrong := f.create(t, msp, certInput("acme-wrong-cert", other.PEM, ends))
	code, res = f.test(t, wrong.ID)
	if code != 502 || res.OK || res.Stage != "token" || res.Code != "AADSTS700027" || res.Status != 401 || entra.Tokens() != 1 {
		t.Fatalf("wrong certificate = %d %+v", code, res)
	}

	// Expiring within 30 days, and expired: flagged on the account.
	soon := f.create(t, msp, certInput("acme-soon", cloudtest.NewCertificate("soon", time.Now().Add(10*24*time.Hour)).PEM, ends))
	old := f.create(t, msp, certInput("acme-old", cloudtest.NewCertificate("old", time.Now().Add(-24*time.Hour)).PEM, ends))
	var list []cloudaccount.View
	_, body = f.do(t, "GET", base, acmeRO, nil)
	json.Unmarshal(body, &list)
	flags := map[int64][2]bool{}
	for _, a := range list {
		flags[a.ID] = [2]bool{a.Azure.Certificate.Expiring, a.Azure.Certificate.Expired}
	}
	if flags[soon.ID] != [2]bool{true, false} || flags[old.ID] != [2]bool{true, true} || flags[v.ID] != [2]bool{false, false} {
		t.Fatalf("expiry flags: %v", flags)
	}

	// A replace without a credential keeps the certificate; giving a
	// secret switches to it.
	code, body = f.do(t, "PUT", path(v.ID), acmeRW, azureInput("acme-cert-2", "", nil))
	if code != 200 || !strings.Contains(string(body), thumbprint(registered)) {
		t.Fatalf("replace keeping the certificate = %d %s", code, body)
	}
	if a, _ := f.store.Account(t.Context(), "acme", v.ID); a.Azure.ClientCertificate == "" || a.Azure.Credential() != "certificate" {
		t.Fatalf("resolved after replace: %+v", a.Azure)
	}
	if code, res = f.test(t, v.ID); code != 200 {
		t.Fatalf("test after replace = %d %+v", code, res)
	}
	code, body = f.do(t, "PUT", path(v.ID), acmeRW, azureInput("acme-cert-2", azureSecret, nil))
	if code != 200 || strings.Contains(string(body), "thumbprint") || !strings.Contains(string(body), `"credential":"secret"`) {
		t.Fatalf("switch to a secret = %d %s", code, body)
	}
	if strings.Contains(f.logs.String(), keyLine) {
		t.Fatal("the key was logged")
	}
}

// TestAzureCertificatePFX: a password-protected PKCS#12 file (made by
// openssl, as a person exports one) is accepted in base64 with its
// password, and works; a wrong password is refused naming the field.
func TestAzureCertificatePFX(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl is needed to make a PFX file: apt-get install openssl")
	}
	srv, entra := azureCloud(t)
	c := cloudtest.NewCertificate("unyo-pfx", time.Now().Add(90*24*time.Hour))
	entra.Certificate = c.Cert
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cert.pem"), []byte(c.CertPEM), 0o600)
	os.WriteFile(filepath.Join(dir, "key.pem"), []byte(c.KeyPEM), 0o600)
	out, err := exec.Command("openssl", "pkcs12", "-export", "-in", filepath.Join(dir, "cert.pem"), "-inkey", filepath.Join(dir, "key.pem"),
		"-out", filepath.Join(dir, "cert.pfx"), "-passout", "pass:s3cret-pfx", "-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl pkcs12: %v %s", err, out)
	}
	pfx, _ := os.ReadFile(filepath.Join(dir, "cert.pfx"))
	f := newFixture(t, srv.Certificate())
	ends := map[string]any{"resource_manager": srv.URL, "login": srv.URL, "client_certificate_password": "wrong"}
	code, body := f.do(t, "POST", base, msp, certInput("acme-pfx", base64.StdEncoding.EncodeToString(pfx), ends))
	if code != 400 || !strings.Contains(string(body), "azure.client_certificate") {
		t.Fatalf("wrong PFX password = %d %s", code, body)
	}
	ends["client_certificate_password"] = "s3cret-pfx"
	v := f.create(t, msp, certInput("acme-pfx", base64.StdEncoding.EncodeToString(pfx), ends))
	if v.Azure.Certificate == nil || v.Azure.Certificate.Thumbprint != thumbprint(c) {
		t.Fatalf("view = %+v", v.Azure)
	}
	if code, res := f.test(t, v.ID); code != 200 || !res.OK {
		t.Fatalf("test = %d %+v", code, res)
	}
	if strings.Contains(f.logs.String(), "s3cret-pfx") {
		t.Fatal("the PFX password was logged")
	}
}

// TestAzureWorkloadIdentity: the account names a federated token file;
// the connection test sends its content as the client assertion, which
// the fake checks; a file with another token is refused with Entra's
// error; only the MSP admin names the file.
func TestAzureWorkloadIdentity(t *testing.T) {
	srv, entra := azureCloud(t)
	entra.Secret = ""
	entra.FederatedToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6dW55bzp1bnlvIn0.c2lnbmF0dXJl"
	file := filepath.Join(t.TempDir(), "azure-identity-token")
	os.WriteFile(file, []byte(entra.FederatedToken), 0o600)
	f := newFixture(t, srv.Certificate())
	in := azureInput("acme-wi", "", map[string]any{"resource_manager": srv.URL, "login": srv.URL, "federated_token_file": file})

	if code, body := f.do(t, "POST", base, acmeRW, azureInput("acme-wi", "", map[string]any{"federated_token_file": file})); code != 403 {
		t.Fatalf("tenant naming a token file = %d %s", code, body)
	}
	v := f.create(t, msp, in)
	if v.Azure.Credential != "workload_identity" || v.Azure.FederatedTokenFile != file {
		t.Fatalf("view = %+v", v.Azure)
	}
	code, res := f.test(t, v.ID)
	if code != 200 || !res.OK || entra.Tokens() != 1 {
		t.Fatalf("test = %d %+v", code, res)
	}
	// A tenant's edit keeps the file.
	if code, body := f.do(t, "PUT", path(v.ID), acmeRW, azureInput("acme-wi-2", "", nil)); code != 200 || !strings.Contains(string(body), file) {
		t.Fatalf("tenant edit = %d %s", code, body)
	}

	os.WriteFile(file, []byte("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzb21lb25lLWVsc2UifQ.c2ln"), 0o600)
	code, res = f.test(t, v.ID)
	if code != 502 || res.Stage != "token" || res.Code != "AADSTS700213" || entra.Tokens() != 1 {
		t.Fatalf("another token = %d %+v", code, res)
	}
	os.Remove(file)
	if code, res = f.test(t, v.ID); code != 502 || res.Stage != "token" || !strings.Contains(res.Message, file) {
		t.Fatalf("missing file = %d %+v", code, res)
	}
}

// TestAzureCredentialChoice: exactly one credential, each refused input
// naming its field and changing nothing stored.
func TestAzureCredentialChoice(t *testing.T) {
	f := newFixture(t)
	v := f.create(t, acmeRW, azureInput("acme-prod", azureSecret, nil))
	pem := cloudtest.NewCertificate("x", time.Now().Add(time.Hour)).PEM
	cases := []struct {
		body  any
		field string
	}{
		{certInput("x", pem, map[string]any{"client_secret": azureSecret}), "azure.client_certificate"},
		{azureInput("x", azureSecret, map[string]any{"federated_token_file": "/run/token"}), "azure.federated_token_file"},
		{certInput("x", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", nil), "azure.client_certificate"},
		{certInput("x", cloudtest.NewCertificate("x", time.Now().Add(time.Hour)).CertPEM, nil), "azure.client_certificate"},
		{azureInput("x", azureSecret, map[string]any{"client_certificate_password": "pw"}), "azure.client_certificate_password"},
		{azureInput("x", "", map[string]any{"federated_token_file": "relative/token"}), "azure.federated_token_file"},
		{azureInput("x", "", nil), "azure.client_secret"},
	}
	for _, c := range cases {
		for _, req := range [][2]string{{"POST", base}, {"PUT", path(v.ID)}} {
			if req[0] == "PUT" && c.field == "azure.client_secret" {
				continue // a replace may keep the stored secret
			}
			code, body := f.do(t, req[0], req[1], msp, c.body)
			var e struct{ Field string }
			json.Unmarshal(body, &e)
			if code != 400 || e.Field != c.field {
				t.Errorf("%s %v = %d %s, want 400 naming %s", req[0], c.body, code, body, c.field)
			}
		}
	}
	got, _ := f.store.Account(t.Context(), "acme", v.ID)
	if got.Name != "acme-prod" || got.Azure.ClientSecret != azureSecret || got.Azure.Credential() != "secret" {
		t.Fatalf("stored after refusals: %+v", got.Azure)
	}
}
