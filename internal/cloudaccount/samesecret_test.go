package cloudaccount_test

import (
	"context"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
)

// SameSecret compares a stored account's secret with the one an input
// gives, inside the server: the same, or none given, is no change.
func TestSameSecret(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const clientID, sub = "00000000-0000-0000-0000-000000000002", "00000000-0000-0000-0000-000000000003"
	azure := func(secret, cert string) cloudaccount.Input {
		return cloudaccount.Input{Name: "acme-azure", Provider: cloudaccount.ProviderAzure, Azure: &cloudaccount.AzureInput{
			TenantID: "contoso.onmicrosoft.com", ClientID: clientID, SubscriptionID: sub, ClientSecret: secret, ClientCertificate: cert}}
	}
	aws := func(secret string) cloudaccount.Input {
		return cloudaccount.Input{Name: "acme-aws", Provider: cloudaccount.ProviderAWS, AWS: &cloudaccount.AWSInput{
			AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: secret, Regions: []string{"ap-northeast-1"}}}
	}
	cert := cloudtest.NewCertificate("unyo-acme", time.Now().Add(365*24*time.Hour))
	other := cloudtest.NewCertificate("unyo-other", time.Now().Add(365*24*time.Hour))
	stored := func(in cloudaccount.Input) *cloudaccount.View {
		t.Helper()
		v, err := f.store.Create(ctx, "acme", in, false)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.store.Get(ctx, "acme", v.ID) // as read back: the secret opened from its seal
		if err != nil {
			t.Fatal(err)
		}
		f.store.Delete(ctx, "acme", v.ID)
		return got
	}
	check := func(v *cloudaccount.View, in cloudaccount.Input, want bool) {
		t.Helper()
		if got := v.SameSecret(in); got != want {
			t.Errorf("SameSecret = %v, want %v", got, want)
		}
	}
	v := stored(azure("client-secret-1", ""))
	check(v, azure("client-secret-1", ""), true)
	check(v, azure("", ""), true) // none given: kept
	check(v, azure("client-secret-2", ""), false)
	v = stored(azure("", cert.PEM))
	check(v, azure("", cert.PEM), true)
	check(v, azure("", other.PEM), false)
	v = stored(aws("aws-secret-access-key-1"))
	check(v, aws("aws-secret-access-key-1"), true)
	check(v, aws("aws-secret-access-key-2"), false)
}
