package discovery_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
)

// TestDiscoverAzureByCertificateAndWorkloadIdentity: discovery builds its
// client through connect as it always did, and works unchanged with an
// account that proves itself by a client certificate (a signed assertion
// the Entra fake verifies) or by a federated token file; the directory
// takes no client secret at all.
func TestDiscoverAzureByCertificateAndWorkloadIdentity(t *testing.T) {
	w := newWorld(t)
	cert := cloudtest.NewCertificate("unyo-acme", time.Now().Add(180*24*time.Hour))
	w.arm.Entra.Secret = ""
	w.arm.Entra.Certificate = cert.Cert
	w.arm.Entra.FederatedToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1bnlvIn0.c2ln"
	file := filepath.Join(t.TempDir(), "azure-identity-token")
	if err := os.WriteFile(file, []byte(w.arm.Entra.FederatedToken), 0o600); err != nil {
		t.Fatal(err)
	}
	w.arm.Set(subscription()...)

	for _, c := range []struct {
		name string
		in   cloudaccount.AzureInput
	}{
		{"acme-cert", cloudaccount.AzureInput{ClientCertificate: cert.PEM}},
		{"beta-wi", cloudaccount.AzureInput{FederatedTokenFile: file}},
	} {
		tenant := c.name[:4]
		in := c.in
		in.TenantID, in.ClientID, in.SubscriptionID, in.ResourceManager, in.Login = dirID, clientID, subID, w.armURL, w.armURL
		v, err := w.accounts.Create(context.Background(), tenant, cloudaccount.Input{Name: c.name, Provider: cloudaccount.ProviderAzure, Azure: &in}, true)
		if err != nil {
			t.Fatal(err)
		}
		run := w.discover(tenant, v.ID)
		if run.Found != 3 || run.Registered != 3 || len(w.resources(tenant)) != 3 {
			t.Fatalf("%s: run = %+v, resources %v\n%s", c.name, run, keys(w.resources(tenant)), w.logs.String())
		}
	}
}
