package console

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
)

const (
	cloudKeyID  = "AKIAIOSFODNN7EXAMPLE"
	cloudSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// TestCloudAccountsPage: the MSP admin adds an AWS account for acme in
// the console, sees it with its secret masked, and tests it against the
// STS contract fake: a good key connects, a wrong one shows AWS's error.
// Operators see no endpoint fields; refusals name the field and never
// echo the secret; the page speaks Japanese and English.
func TestCloudAccountsPage(t *testing.T) {
	e := newEnv(t)
	q := cloudtest.NewAWSQuery(cloudKeyID, cloudSecret)
	q.STS("123456789012", "arn:aws:iam::123456789012:role/none", "")
	sts := httptest.NewServer(q)
	t.Cleanup(sts.Close)
	page := "/tenants/acme/settings/cloud-accounts"
	admin := e.login("admin")
	code, body, _ := admin.get(page)
	if code != 200 || !strings.Contains(body, "のクラウドアカウント") || !strings.Contains(body, `id="aws-endpoint"`) {
		t.Fatalf("page as admin = %d:\n%.3000s", code, body)
	}
	add := func(b *browser, name, secret string, extra url.Values) (int, string) {
		f := url.Values{"name": {name}, "provider": {"aws"}, "access_key_id": {cloudKeyID}, "secret_access_key": {secret},
			"regions": {"ap-northeast-1, us-east-1"}, "endpoint": {sts.URL}}
		for k, v := range extra {
			f[k] = v
		}
		code, body, _ := b.postForm(page, page, f)
		return code, body
	}
	if code, body := add(admin, "acme-aws", cloudSecret, nil); code != http.StatusSeeOther {
		t.Fatalf("add = %d:\n%.3000s", code, body)
	}
	_, body, _ = admin.get(page)
	if !strings.Contains(body, `data-account="acme-aws"`) || !strings.Contains(body, "****EKEY") || strings.Contains(body, cloudSecret) {
		t.Fatalf("listed account:\n%.3000s", body)
	}
	list, _ := e.clouds.List(context.Background(), "acme")
	if len(list) != 1 || list[0].AWS.Endpoint != sts.URL || len(list[0].AWS.Regions) != 2 {
		t.Fatalf("stored: %+v", list[0].AWS)
	}
	good := list[0].ID
	code, body, _ = admin.postForm(page, fmt.Sprintf("%s/%d/test", page, good), url.Values{})
	if code != 200 || !strings.Contains(body, "arn:aws:iam::123456789012:user/unyo") {
		t.Fatalf("test = %d:\n%.3000s", code, body)
	}
	if code, body := add(admin, "acme-wrong", "wrong/secret/key/of/forty/characters/xx", nil); code != http.StatusSeeOther {
		t.Fatalf("add wrong = %d:\n%.2000s", code, body)
	}
	a, _ := e.clouds.List(context.Background(), "acme")
	code, body, _ = admin.postForm(page, fmt.Sprintf("%s/%d/test", page, a[1].ID), url.Values{})
	if code != http.StatusBadGateway || !strings.Contains(body, "SignatureDoesNotMatch") || !strings.Contains(body, "caller_identity") {
		t.Fatalf("test of a wrong key = %d:\n%.3000s", code, body)
	}

	// Refused input names the field, and the secret is not sent back.
	code, body = add(admin, "acme-bad", "a-secret-that-must-not-echo", url.Values{"regions": {"Tokyo"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "aws.regions") || strings.Contains(body, "a-secret-that-must-not-echo") {
		t.Fatalf("bad regions = %d:\n%.3000s", code, body)
	}

	// An operator adds accounts but sets no endpoint: none is offered, and
	// one sent anyway is not taken.
	op := e.login("operator")
	if _, body, _ := op.get(page); strings.Contains(body, `id="aws-endpoint"`) || !strings.Contains(body, `id="account-form"`) {
		t.Fatalf("operator's page:\n%.3000s", body)
	}
	if code, body := add(op, "acme-op", cloudSecret, nil); code != http.StatusSeeOther {
		t.Fatalf("operator add = %d:\n%.2000s", code, body)
	}
	for _, v := range mustList(t, e.clouds, "acme") {
		if v.Name == "acme-op" && v.AWS.Endpoint != "" {
			t.Fatalf("the operator's endpoint was taken: %q", v.AWS.Endpoint)
		}
	}

	// In English.
	if code, _, _ := admin.postForm(page, "/preferences", url.Values{"language": {"en"}, "time_zone": {"UTC"}, "back": {page}}); code != http.StatusSeeOther {
		t.Fatalf("preferences = %d", code)
	}
	if _, body, _ := admin.get(page); !strings.Contains(body, "Cloud accounts of") || !strings.Contains(body, "Test the connection") {
		t.Fatalf("english page:\n%.2000s", body)
	}

	// An ID of another tenant under acme's path is not found.
	beta, err := e.clouds.Create(context.Background(), "beta", cloudaccount.Input{Name: "beta-aws", Provider: cloudaccount.ProviderAWS,
		AWS: &cloudaccount.AWSInput{AccessKeyID: cloudKeyID, SecretAccessKey: cloudSecret, Regions: []string{"us-east-1"}}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := admin.postForm(page, fmt.Sprintf("%s/%d/test", page, beta.ID), url.Values{}); code != http.StatusNotFound {
		t.Fatalf("beta's account under acme's path = %d, want 404", code)
	}
}

func mustList(t *testing.T, s *cloudaccount.Store, tenant string) []*cloudaccount.View {
	t.Helper()
	list, err := s.List(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestCloudAccountsPageAzureCredentials: the MSP admin adds Azure
// accounts by client certificate and by workload identity in the console;
// the list shows the thumbprint, the expiry and, within 30 days, a
// warning (ja and en), never the key; an operator is offered no token
// file and cannot name one.
func TestCloudAccountsPageAzureCredentials(t *testing.T) {
	e := newEnv(t)
	page := "/tenants/acme/settings/cloud-accounts"
	admin := e.login("admin")
	soon := cloudtest.NewCertificate("unyo-soon", time.Now().Add(10*24*time.Hour))
	add := func(b *browser, name string, f url.Values) (int, string) {
		base := url.Values{"name": {name}, "provider": {"azure"}, "azure_tenant_id": {"72f988bf-86f1-41af-91ab-2d7cd011db47"},
			"client_id": {"0d8e5a3c-1f2b-4c5d-8e9f-a0b1c2d3e4f5"}, "subscription_id": {"11111111-2222-4333-8444-555555555555"},
			"client_secret": {"typed-then-abandoned-secret-0000"}}
		for k, v := range f {
			base[k] = v
		}
		code, body, _ := b.postForm(page, page, base)
		return code, body
	}
	if code, body := add(admin, "acme-cert", url.Values{"azure_credential": {"certificate"}, "client_certificate": {soon.PEM}}); code != http.StatusSeeOther {
		t.Fatalf("add certificate = %d:\n%.3000s", code, body)
	}
	if code, body := add(admin, "acme-wi", url.Values{"azure_credential": {"workload_identity"}, "federated_token_file": {"/run/secrets/azure/token"}}); code != http.StatusSeeOther {
		t.Fatalf("add workload identity = %d:\n%.3000s", code, body)
	}
	sum := sha1.Sum(soon.Cert.Raw)
	thumb := strings.ToUpper(hex.EncodeToString(sum[:]))
	_, body, _ := admin.get(page)
	if !strings.Contains(body, thumb) || !strings.Contains(body, "30日以内に期限切れ") || !strings.Contains(body, "/run/secrets/azure/token") ||
		strings.Contains(body, "PRIVATE KEY") || !strings.Contains(body, `value="workload_identity"`) {
		t.Fatalf("page:\n%.4000s", body)
	}
	list, _ := e.clouds.List(context.Background(), "acme")
	for _, a := range list {
		if a.Azure.ClientSecretHint != "" {
			t.Fatalf("the abandoned secret was stored on %s: %+v", a.Name, a.Azure)
		}
	}
	if code, _, _ := admin.postForm(page, "/preferences", url.Values{"language": {"en"}, "time_zone": {"UTC"}, "back": {page}}); code != http.StatusSeeOther {
		t.Fatalf("preferences = %d", code)
	}
	if _, body, _ = admin.get(page); !strings.Contains(body, "expires within 30 days") {
		t.Fatalf("English page:\n%.4000s", body)
	}

	op := e.login("operator")
	if _, body, _ = op.get(page); strings.Contains(body, `name="federated_token_file"`) || strings.Contains(body, `value="workload_identity"`) {
		t.Fatal("an operator is offered the token file")
	}
	add(op, "acme-wi-op", url.Values{"azure_credential": {"workload_identity"}, "federated_token_file": {"/etc/shadow"}})
	for _, a := range mustList(t, e.clouds, "acme") {
		if a.Azure.FederatedTokenFile == "/etc/shadow" {
			t.Fatal("an operator named a token file")
		}
	}
}
