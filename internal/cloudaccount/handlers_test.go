package cloudaccount_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
)

// TestSecretsSealedMaskedAndResolved: an account's secret is shown only
// as a masked hint, is not in the database in clear, is opened whole by
// the Resolver, and survives an edit that does not send it again.
func TestSecretsSealedMaskedAndResolved(t *testing.T) {
	f := newFixture(t)
	v := f.create(t, acmeRW, azureInput("acme-prod", azureSecret, nil))
	if v.Azure == nil || v.Azure.ClientSecretHint != "****"+azureSecret[len(azureSecret)-4:] || v.Azure.ClientID != clientID {
		t.Fatalf("created: %+v %+v", v, v.Azure)
	}
	a := f.create(t, acmeRW, awsInput("acme-aws", awsSecret, map[string]any{"role_arn": "arn:aws:iam::123456789012:role/unyo", "external_id": "msp-acme-7"}))
	for _, p := range []string{base, path(v.ID), path(a.ID)} {
		code, body := f.do(t, "GET", p, acmeRO, nil)
		if code != 200 || strings.Contains(string(body), azureSecret) || strings.Contains(string(body), awsSecret) {
			t.Fatalf("GET %s = %d shows a secret: %s", p, code, body)
		}
	}
	// At rest: neither secret appears in any column of any row.
	rows, err := f.db.Query(`SELECT name, settings, sealed, secret_hint FROM cloud_accounts`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, settings, hint string
		var sealed []byte
		rows.Scan(&name, &settings, &sealed, &hint)
		for _, s := range []string{azureSecret, awsSecret} {
			if strings.Contains(settings+string(sealed)+hint, s) {
				t.Fatalf("account %s stores its secret in clear", name)
			}
		}
	}
	rows.Close()
	got, err := f.store.Account(t.Context(), "acme", v.ID)
	if err != nil || got.Azure.ClientSecret != azureSecret || got.Azure.SubscriptionID != subID {
		t.Fatalf("resolved: %+v %v", got, err)
	}
	// Renamed without the secret: kept.
	if code, body := f.do(t, "PUT", path(v.ID), acmeRW, azureInput("acme-prod-jp", "", nil)); code != 200 {
		t.Fatalf("rename = %d %s", code, body)
	}
	got, _ = f.store.Account(t.Context(), "acme", v.ID)
	if got.Name != "acme-prod-jp" || got.Azure.ClientSecret != azureSecret {
		t.Fatalf("after rename: %+v", got.Azure)
	}
	ga, err := f.store.Account(t.Context(), "acme", a.ID)
	if err != nil || ga.AWS.SecretAccessKey != awsSecret || ga.AWS.ExternalID != "msp-acme-7" || ga.AWS.Regions[0] != "ap-northeast-1" {
		t.Fatalf("resolved aws: %+v %v", ga.AWS, err)
	}
	if _, err := f.store.Account(t.Context(), "beta", v.ID); err == nil || !strings.Contains(err.Error(), cloudaccount.ErrNotFound.Error()) {
		t.Fatalf("beta resolving acme's account: %v", err)
	}
	if strings.Contains(f.logs.String(), azureSecret) || strings.Contains(f.logs.String(), awsSecret) {
		t.Fatal("a secret was logged")
	}
	var audit int
	f.db.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE detail LIKE ? OR detail LIKE ?`, "%"+azureSecret+"%", "%"+awsSecret+"%").Scan(&audit)
	if audit != 0 {
		t.Fatal("a secret is in the audit log")
	}
}

// TestBadInputNamesTheField: refused input answers 400 naming the field,
// and changes nothing stored.
func TestBadInputNamesTheField(t *testing.T) {
	f := newFixture(t)
	v := f.create(t, acmeRW, azureInput("acme-prod", azureSecret, nil))
	cases := []struct {
		method, path string
		body         any
		field        string
	}{
		{"POST", base, azureInput("x", azureSecret, map[string]any{"client_id": "not-a-guid"}), "azure.client_id"},
		{"POST", base, azureInput("x", azureSecret, map[string]any{"subscription_id": ""}), "azure.subscription_id"},
		{"POST", base, azureInput("x", "", nil), "azure.client_secret"},
		{"POST", base, azureInput("", azureSecret, nil), "name"},
		{"POST", base, azureInput("acme-prod", azureSecret, nil), "name"},
		{"POST", base, map[string]any{"name": "x", "provider": "gcp"}, "provider"},
		{"POST", base, map[string]any{"name": "x", "provider": "aws"}, "aws"},
		{"POST", base, awsInput("x", awsSecret, map[string]any{"access_key_id": "short"}), "aws.access_key_id"},
		{"POST", base, awsInput("x", awsSecret, map[string]any{"regions": []string{}}), "aws.regions"},
		{"POST", base, awsInput("x", awsSecret, map[string]any{"regions": []string{"Tokyo"}}), "aws.regions"},
		{"POST", base, awsInput("x", awsSecret, map[string]any{"role_arn": "arn:aws:iam::12:user/x"}), "aws.role_arn"},
		{"POST", base, awsInput("x", awsSecret, map[string]any{"external_id": "abc"}), "aws.external_id"},
		{"POST", base, awsInput("x", "", nil), "aws.secret_access_key"},
		{"PUT", path(v.ID), awsInput("acme-prod", awsSecret, nil), "provider"},
		// Another principal with the stored secret: refused.
		{"PUT", path(v.ID), azureInput("acme-prod", "", map[string]any{"client_id": "99999999-2222-4333-8444-555555555555"}), "azure.client_secret"},
		{"POST", base, `{"name":"x","provider":"azure","azure":{},"surprise":1}`, "surprise"},
	}
	for _, c := range cases {
		code, body := f.do(t, c.method, c.path, acmeRW, c.body)
		var e struct{ Field string }
		json.Unmarshal(body, &e)
		if code != 400 || !strings.Contains(e.Field+string(body), c.field) {
			t.Errorf("%s %v = %d %s, want 400 naming %s", c.method, c.body, code, body, c.field)
		}
	}
	list, _ := f.store.List(t.Context(), "acme")
	got, _ := f.store.Account(t.Context(), "acme", v.ID)
	if len(list) != 1 || got.Azure.ClientID != clientID || got.Azure.ClientSecret != azureSecret {
		t.Fatalf("stored after refusals: %d accounts, %+v", len(list), got.Azure)
	}
}

// TestEndpointsAreTheMSPAdmins: an endpoint decides where the secret is
// sent, so a tenant's token can neither set nor change one; the MSP admin
// can, and a tenant's later edit keeps it.
func TestEndpointsAreTheMSPAdmins(t *testing.T) {
	f := newFixture(t)
	evil := map[string]any{"resource_manager": "https://collector.attacker.example"}
	if code, body := f.do(t, "POST", base, acmeRW, azureInput("acme-prod", azureSecret, evil)); code != 403 || !strings.Contains(string(body), "MSP admin") {
		t.Fatalf("tenant token setting an endpoint = %d %s", code, body)
	}
	if code, body := f.do(t, "POST", base, acmeRW, awsInput("acme-aws", awsSecret, map[string]any{"endpoint": "https://collector.attacker.example"})); code != 403 {
		t.Fatalf("tenant token setting an AWS endpoint = %d %s", code, body)
	}
	china := map[string]any{"resource_manager": "https://management.chinacloudapi.cn", "login": "https://login.chinacloudapi.cn"}
	v := f.create(t, msp, azureInput("acme-cn", azureSecret, china))
	if v.Azure.ResourceManager != "https://management.chinacloudapi.cn" {
		t.Fatalf("MSP endpoint: %+v", v.Azure)
	}
	// The tenant renames it, sending no endpoint: the endpoint stays.
	if code, body := f.do(t, "PUT", path(v.ID), acmeRW, azureInput("acme-china", "", nil)); code != 200 {
		t.Fatalf("tenant rename = %d %s", code, body)
	}
	if code, body := f.do(t, "PUT", path(v.ID), acmeRW, azureInput("acme-china", "", evil)); code != 403 {
		t.Fatalf("tenant moving the endpoint = %d %s", code, body)
	}
	got, _ := f.store.Account(t.Context(), "acme", v.ID)
	if got.Name != "acme-china" || got.Azure.ResourceManager != "https://management.chinacloudapi.cn" || got.Azure.Login != "https://login.chinacloudapi.cn" {
		t.Fatalf("after the tenant's edits: %+v", got.Azure)
	}
	// Even the MSP admin must send the secret again to move it.
	if code, body := f.do(t, "PUT", path(v.ID), msp, azureInput("acme-china", "", map[string]any{"resource_manager": "https://management.usgovcloudapi.net"})); code != 400 {
		t.Fatalf("moving the endpoint without the secret = %d %s", code, body)
	}
	if code, body := f.do(t, "POST", base, msp, azureInput("plain", azureSecret, map[string]any{"login": "http://login.example"})); code != 400 {
		t.Fatalf("plain http endpoint = %d %s", code, body)
	}
}

// TestSealedSecretBoundToItsAccount: a sealed secret copied onto another
// account's row does not open there.
func TestSealedSecretBoundToItsAccount(t *testing.T) {
	f := newFixture(t)
	one := f.create(t, acmeRW, azureInput("one", azureSecret, nil))
	two := f.create(t, acmeRW, azureInput("two", "another-secret-of-some-length", nil))
	if _, err := f.db.Exec(`UPDATE cloud_accounts SET sealed = (SELECT sealed FROM cloud_accounts WHERE id=?) WHERE id=?`, one.ID, two.ID); err != nil {
		t.Fatal(err)
	}
	if a, err := f.store.Account(t.Context(), "acme", two.ID); err == nil {
		t.Fatalf("the copied secret opened: %q", a.Azure.ClientSecret)
	}
}

// TestTenantIsolation: tenant beta, with every scope, neither reads nor
// changes nor tests acme's accounts, on acme's path or with acme's IDs on
// its own.
func TestTenantIsolation(t *testing.T) {
	f := newFixture(t)
	v := f.create(t, acmeRW, azureInput("acme-secret-sub", azureSecret, nil))
	beta := "beta:ingest,read,write,admin"
	for _, rt := range cloudaccount.NewHandlers(nil, nil, apitest.PathTenant, nil).Routes() {
		p := strings.ReplaceAll(rt.Path, "{id}", fmt.Sprint(v.ID))
		var body any
		if rt.Method == "POST" || rt.Method == "PUT" {
			body = azureInput("beta-was-here", "beta-secret-0123456789", map[string]any{"tenant_id": "beta.onmicrosoft.com"})
		}
		if code, out := f.do(t, rt.Method, strings.ReplaceAll(p, "{tenant}", "acme"), beta, body); code != 404 {
			t.Errorf("beta %s on acme's path: %d %s", rt.Method, code, out)
		}
		code, out := f.do(t, rt.Method, strings.ReplaceAll(p, "{tenant}", "beta"), beta, body)
		if strings.Contains(rt.Path, "{id}") && code != 404 {
			t.Errorf("beta %s %s with acme's ID: %d %s", rt.Method, rt.Path, code, out)
		}
		for _, leak := range []string{"acme-secret-sub", dirID, `"tenant":"acme"`} {
			if strings.Contains(string(out), leak) {
				t.Errorf("beta %s %s leaks %q: %s", rt.Method, rt.Path, leak, out)
			}
		}
	}
	got, err := f.store.Account(t.Context(), "acme", v.ID)
	if err != nil || got.Name != "acme-secret-sub" || got.Azure.ClientSecret != azureSecret {
		t.Fatalf("acme's account after beta: %+v %v", got, err)
	}
}

// TestChangesCommitWithTheirAudit: create, update and delete write their
// audit entry in their own transaction.
func TestChangesCommitWithTheirAudit(t *testing.T) {
	f := newFixture(t)
	do := func(method, path string, body any) (int, []byte) { return f.do(t, method, path, acmeRW, body) }
	state := func() string { _, b := f.do(t, "GET", base, acmeRO, nil); return string(b) }
	check := func(method, p string, body any, action string) []byte {
		return apitest.CheckAudited(t, f.db, do, "acme", apitest.Change{Method: method, Path: p, Body: body, State: state, Action: action, ObjectType: "cloud_account"})
	}
	var v cloudaccount.View
	if err := json.Unmarshal(check("POST", base, azureInput("acme-prod", azureSecret, nil), "create"), &v); err != nil || v.ID == 0 {
		t.Fatalf("created: %+v %v", v, err)
	}
	check("PUT", path(v.ID), azureInput("acme-prod-2", "", nil), "update")
	check("DELETE", path(v.ID), nil, "delete")
}

// TestOpenAPIPathsMatchRoutes holds the fragment to the route table.
func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	apitest.CheckOpenAPI(t, cloudaccount.NewHandlers(nil, nil, apitest.PathTenant, nil))
}

// TestOperatorIsNotTheMSPAdmin: a token of every tenant without the admin
// scope (an MSP operator) may add accounts but not set endpoints.
func TestOperatorIsNotTheMSPAdmin(t *testing.T) {
	f := newFixture(t)
	if code, body := f.do(t, "POST", base, ":read,write", azureInput("acme-cn", azureSecret, map[string]any{"login": "https://login.chinacloudapi.cn"})); code != 403 {
		t.Fatalf("operator setting an endpoint = %d %s", code, body)
	}
	f.create(t, ":read,write", azureInput("acme-prod", azureSecret, nil))
}
