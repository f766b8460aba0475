package blueprint

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
)

// cloudYAML is an Azure account and an AWS account of acme-shop.
const cloudYAML = `tenant: acme-shop
cloud_accounts:
  - name: acme-azure
    provider: azure
    azure:
      tenant_id: acme.onmicrosoft.com
      client_id: 11111111-2222-3333-4444-555555555555
      subscription_id: 66666666-7777-8888-9999-000000000000
      client_secret: ${env:AZURE_CLIENT_SECRET}
  - name: acme-aws
    provider: aws
    aws:
      access_key_id: AKIAIOSFODNN7EXAMPLE
      secret_access_key: ${env:AWS_SECRET}
      regions: [ap-northeast-1]
`

// designOf loads files with the secrets env gives.
func designOf(t *testing.T, files map[string]string, env map[string]string) *Design {
	t.Helper()
	in := map[string][]byte{}
	for k, v := range files {
		in[k] = []byte(v)
	}
	d, err := LoadFiles(in, Options{Resolve: func(kind, arg string) (string, error) {
		if v, ok := env[arg]; ok {
			return v, nil
		}
		return "", errors.New("the environment variable is not set")
	}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCloudAccountsAsCode(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	env := map[string]string{"AZURE_CLIENT_SECRET": "azure-secret-value-1", "AWS_SECRET": "aws-secret-value-1"}
	files := map[string]string{"cloud.yaml": cloudYAML}
	res := f.apply(t, designOf(t, files, env), false)
	if got := changes(res.Plan); got != "create cloud_account acme-aws\ncreate cloud_account acme-azure" {
		t.Fatalf("first apply:\n%s", got)
	}
	a, err := f.stores.Clouds.Account(ctx, "acme-shop", mustCloud(t, f, "acme-azure"))
	if err != nil || a.Azure.ClientSecret != "azure-secret-value-1" {
		t.Fatalf("stored: %v", err)
	}
	if p := f.plan(t, designOf(t, files, env), false); !p.Empty() {
		t.Fatalf("a second plan:\n%s", changes(p))
	}
	// One field: one update naming it.
	files["cloud.yaml"] = strings.Replace(cloudYAML, "66666666-7777-8888-9999-000000000000", "66666666-7777-8888-9999-000000000001", 1)
	if got := changes(f.plan(t, designOf(t, files, env), false)); got != "update cloud_account acme-azure [azure.subscription_id: 66666666-7777-8888-9999-000000000000 → 66666666-7777-8888-9999-000000000001]" {
		t.Fatalf("plan of one field:\n%s", got)
	}
	// A rotated secret: "(secret)", neither value shown.
	env["AWS_SECRET"] = "aws-secret-value-2"
	p := f.plan(t, designOf(t, files, env), false)
	if got := changes(p); !strings.Contains(got, "update cloud_account acme-aws [(secret): (secret) → (secret)]") || strings.Contains(got, "value-") {
		t.Fatalf("plan of a rotated secret:\n%s", got)
	}
	f.apply(t, designOf(t, files, env), false)
	if p := f.plan(t, designOf(t, files, env), false); !p.Empty() {
		t.Fatalf("after the update:\n%s", changes(p))
	}
	if a, _ := f.stores.Clouds.Account(ctx, "acme-shop", mustCloud(t, f, "acme-aws")); a.AWS.SecretAccessKey != "aws-secret-value-2" {
		t.Fatal("the rotated secret was not stored")
	}

	// Export writes references, which plan to no changes once set.
	exported, err := f.planner.Export(ctx, "acme-shop")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Files(exported)
	if err != nil {
		t.Fatal(err)
	}
	if refs := strings.Join(References(exported), " "); refs != "${env:UNYO_ACME_AWS_SECRET_ACCESS_KEY} ${env:UNYO_ACME_AZURE_CLIENT_SECRET}" {
		t.Fatalf("references: %s", refs)
	}
	log, _ := f.stores.Objects.AuditLog(ctx, "acme-shop", 50)
	all := string(out["cloud.yaml"])
	for _, e := range log {
		all += string(e.Detail)
	}
	if strings.Contains(all, "secret-value") {
		t.Fatalf("a secret in the export or the audit log:\n%s", all)
	}
	back := map[string]string{}
	for k, v := range out {
		back[k] = string(v)
	}
	d := designOf(t, back, map[string]string{"UNYO_ACME_AWS_SECRET_ACCESS_KEY": "aws-secret-value-2", "UNYO_ACME_AZURE_CLIENT_SECRET": "azure-secret-value-1"})
	if p := f.plan(t, d, true); !p.Empty() {
		t.Fatalf("the export plans:\n%s", changes(p))
	}

	// A certificate in place of the secret: both fields change.
	d.CloudAccounts[1].Azure.ClientSecret, d.CloudAccounts[1].Azure.ClientCertificate = "", testCertPEM(t)
	if got := changes(f.plan(t, d, true)); got != "update cloud_account acme-azure [azure.client_certificate: <nil> → (secret)] [azure.client_secret: (secret) → <nil>]" {
		t.Fatalf("plan of a certificate:\n%s", got)
	}

	// Prune deletes an account the design no longer names.
	d.CloudAccounts = d.CloudAccounts[:1]
	if got := changes(f.plan(t, d, true)); got != "delete cloud_account acme-azure" {
		t.Fatalf("prune plan:\n%s", got)
	}
	f.apply(t, d, true)
	if list, _ := f.stores.Clouds.List(ctx, "acme-shop"); len(list) != 1 || list[0].Name != "acme-aws" {
		t.Fatalf("after prune: %d accounts", len(list))
	}
}

func mustCloud(t *testing.T, f *fixture, name string) int64 {
	t.Helper()
	list, err := f.stores.Clouds.List(context.Background(), "acme-shop")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range list {
		if v.Name == name {
			return v.ID
		}
	}
	t.Fatalf("no account %s", name)
	return 0
}

// Endpoints decide where a customer's secret is sent: only the MSP admin
// sets them, through a design as through the API.
func TestCloudEndpointsMSPOnly(t *testing.T) {
	f := newFixture(t)
	env := map[string]string{"AZURE_CLIENT_SECRET": "azure-secret-value-1", "AWS_SECRET": "aws-secret-value-1"}
	files := map[string]string{"cloud.yaml": strings.Replace(cloudYAML, "      regions: [ap-northeast-1]\n", "      regions: [ap-northeast-1]\n      endpoint: https://vpce.example.com\n", 1)}
	d := designOf(t, files, env)
	as := func(p *auth.Principal) error {
		_, err := f.planner.Apply(auth.WithPrincipal(context.Background(), p), "acme-shop", p.Name, &Request{Design: *d})
		return err
	}
	tenantAdmin := auth.TokenPrincipal(&model.Token{Name: "ci", TenantID: "acme-shop", Scopes: []model.Scope{model.ScopeRead, model.ScopeWrite, model.ScopeAdmin}})
	var se *response.StatusError
	if err := as(tenantAdmin); !errors.As(err, &se) || se.Status != http.StatusForbidden || !strings.Contains(err.Error(), "aws.endpoint") {
		t.Fatalf("a tenant's token setting an endpoint: %v", err)
	}
	if list, _ := f.stores.Clouds.List(context.Background(), "acme-shop"); len(list) != 0 {
		t.Fatal("a refused apply stored an account")
	}
	msp := auth.TokenPrincipal(&model.Token{Name: "msp", Scopes: []model.Scope{model.ScopeRead, model.ScopeWrite, model.ScopeAdmin}})
	if err := as(msp); err != nil {
		t.Fatal(err)
	}
	// The tenant's token may repeat the endpoint, not leave it out.
	if err := as(tenantAdmin); err != nil {
		t.Fatalf("repeating the endpoint: %v", err)
	}
	d.CloudAccounts[1].AWS.Endpoint = ""
	d.CloudAccounts[1].AWS.Regions = []string{"ap-northeast-3"}
	if err := as(tenantAdmin); !errors.As(err, &se) || se.Status != http.StatusForbidden {
		t.Fatalf("a tenant's token leaving the endpoint out: %v", err)
	}
}

// Secrets written in clear are refused at their place; a bad field and a
// second account of the same name too, all at once.
func TestCloudAccountProblems(t *testing.T) {
	_, err := LoadFiles(map[string][]byte{"cloud.yaml": []byte(`tenant: acme-shop
cloud_accounts:
  - name: acme-azure
    provider: azure
    azure:
      tenant_id: acme.onmicrosoft.com
      client_id: not-a-guid
      subscription_id: 66666666-7777-8888-9999-000000000000
      client_secret: azure-secret-in-clear
  - name: acme-azure
    provider: aws
    aws: {access_key_id: AKIAIOSFODNN7EXAMPLE, regions: [ap-northeast-1]}
`)}, Options{})
	want := `cloud.yaml:7:18: cloud_accounts[0].azure.client_id: must be the application (client) ID, a GUID
cloud.yaml:9:22: cloud_accounts[0].azure.client_secret: is a secret: write it as ${env:NAME} or ${file:path}, never in the file
cloud.yaml:10:11: cloud_accounts[1].name: "acme-azure" is also cloud_accounts[0] (cloud.yaml:3:5)
cloud.yaml:12:10: cloud_accounts[1].aws.secret_access_key: is required`
	if err == nil || err.Error() != want {
		t.Fatalf("got\n%v\nwant\n%s", err, want)
	}
	if strings.Contains(err.Error(), "secret-in-clear") {
		t.Fatal("the refusal shows the secret")
	}
}

func testCertPEM(t *testing.T) string {
	t.Helper()
	return cloudtest.NewCertificate("unyo-acme", time.Now().Add(365*24*time.Hour)).PEM
}
