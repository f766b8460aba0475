package cloudaccount_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// FuzzAccountInput: whatever a client sends, the store answers a clean
// refusal naming a field, or an account that opens again with the secret
// (or certificate) sent, and never stores one it cannot open.
func FuzzAccountInput(f *testing.F) {
	seed := func(v any) { b, _ := json.Marshal(v); f.Add(b) }
	seed(azureInput("acme-prod", azureSecret, nil))
	seed(awsInput("acme-aws", awsSecret, map[string]any{"role_arn": "arn:aws:iam::123456789012:role/unyo", "external_id": "x-1"}))
	seed(awsInput("acme-aws", awsSecret, map[string]any{"regions": []string{"us-gov-west-1"}}))
	seed(azureInput("名前", azureSecret, map[string]any{"tenant_id": "contoso.onmicrosoft.com", "login": "https://login.chinacloudapi.cn"}))
	seed(certInput("acme-cert", cloudtest.NewCertificate("seed", time.Now().Add(time.Hour)).PEM, nil))
	seed(azureInput("acme-wi", "", map[string]any{"federated_token_file": "/run/secrets/azure/token"}))
	f.Add([]byte(`{"name":"x","provider":"azure","azure":null}`))
	fx := newFixture(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		var in cloudaccount.Input
		if json.Unmarshal(data, &in) != nil {
			return
		}
		v, err := fx.store.Create(ctx, "acme", in, true)
		if err != nil {
			if _, ok := invalid.As(err); !ok {
				t.Fatalf("input %q: %v, want a refusal naming a field", data, err)
			}
			return
		}
		a, err := fx.store.Account(ctx, "acme", v.ID)
		if err != nil {
			t.Fatalf("stored account %q does not open: %v", data, err)
		}
		sent := ""
		if in.Azure != nil {
			sent = in.Azure.ClientSecret
		} else if in.AWS != nil {
			sent = in.AWS.SecretAccessKey
		}
		if got := a.Azure; got != nil && in.Azure.ClientCertificate != "" && got.ClientCertificate == "" {
			t.Fatalf("input %q: certificate did not survive", data)
		}
		if got := a.Azure; got != nil && got.ClientSecret != sent || a.AWS != nil && a.AWS.SecretAccessKey != sent {
			t.Fatalf("input %q: secret did not survive", data)
		}
		if err := fx.store.Delete(ctx, "acme", v.ID); err != nil {
			t.Fatal(err)
		}
	})
}
