package cloudaccount_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
	"github.com/unyo-ops/unyo/internal/outbound"
)

// azureCloud is a TLS server on loopback playing Entra and Resource
// Manager for one service principal and one subscription.
func azureCloud(t *testing.T) (*httptest.Server, *cloudtest.Entra) {
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	entra := &cloudtest.Entra{Tenant: dirID, ClientID: clientID, Secret: azureSecret, Scope: srv.URL + "/.default"}
	entra.Register(mux, srv.URL)
	mux.HandleFunc("GET /subscriptions/{id}", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case !entra.Authorized(r):
			cloudtest.ARMError(w, 401, "InvalidAuthenticationToken", "The access token is invalid.")
		case r.URL.Query().Get("api-version") == "":
			cloudtest.ARMError(w, 400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		case r.PathValue("id") != subID:
			cloudtest.ARMError(w, 404, "SubscriptionNotFound", "The subscription '"+r.PathValue("id")+"' could not be found.")
		default:
			json.NewEncoder(w).Encode(map[string]any{"id": "/subscriptions/" + subID, "subscriptionId": subID, "displayName": "Acme Production", "state": "Enabled"})
		}
	})
	return srv, entra
}

func (f *fixture) test(t *testing.T, id int64) (int, cloudaccount.TestResult) {
	t.Helper()
	code, body := f.do(t, "POST", path(id)+"/test", acmeRW, nil)
	var res cloudaccount.TestResult
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatalf("test answer %d: %s", code, body)
	}
	return code, res
}

// TestConnectionTestAzure: the test gets a token with the sealed secret
// and reads the subscription; a wrong secret, a subscription the
// principal cannot see, and an endpoint the outbound policy refuses each
// answer 502 with the stage and the cloud's own error.
func TestConnectionTestAzure(t *testing.T) {
	srv, entra := azureCloud(t)
	f := newFixture(t, srv.Certificate())
	ends := map[string]any{"resource_manager": srv.URL, "login": srv.URL}
	v := f.create(t, msp, azureInput("acme-prod", azureSecret, ends))
	code, res := f.test(t, v.ID)
	if code != 200 || !res.OK || res.Identity != "Acme Production" || !strings.Contains(res.Message, subID) {
		t.Fatalf("test = %d %+v", code, res)
	}
	if entra.Tokens() != 1 {
		t.Fatalf("tokens issued: %d", entra.Tokens())
	}

	wrong := f.create(t, msp, azureInput("acme-wrong", "not-the-secret-at-all-0000", ends))
	code, res = f.test(t, wrong.ID)
	if code != 502 || res.OK || res.Stage != "token" || res.Code != "AADSTS7000215" || res.Status != 401 || !strings.Contains(res.Message, "Invalid client secret") {
		t.Fatalf("wrong secret = %d %+v", code, res)
	}
	other := f.create(t, msp, azureInput("acme-other", azureSecret, map[string]any{"resource_manager": srv.URL, "login": srv.URL,
		"subscription_id": "99999999-2222-4333-8444-555555555555"}))
	code, res = f.test(t, other.ID)
	if code != 502 || res.Stage != "subscription" || res.Code != "SubscriptionNotFound" || res.Status != 404 {
		t.Fatalf("unknown subscription = %d %+v", code, res)
	}

	// Without --outbound-allow the loopback fake is refused before any
	// byte of the secret leaves.
	f.client = trusting(outbound.New(nil), srv.Certificate())
	before := entra.Tokens()
	code, res = f.test(t, v.ID)
	if code != 502 || res.Stage != "token" || !strings.Contains(res.Message, "--outbound-allow") || entra.Tokens() != before {
		t.Fatalf("refused endpoint = %d %+v", code, res)
	}
	if strings.Contains(f.logs.String(), azureSecret) {
		t.Fatal("the secret was logged")
	}
	var tests int
	f.db.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action='test' AND object_type='cloud_account'`).Scan(&tests)
	if tests != 4 {
		t.Fatalf("audited tests: %d, want 4", tests)
	}
}

// TestConnectionTestAWS: with a role, the test assumes it with the
// external ID (signed with the sealed secret key), then calls
// GetCallerIdentity with the temporary key; a wrong external ID fails at
// assume_role with AWS's AccessDenied, a wrong secret at the signature.
func TestConnectionTestAWS(t *testing.T) {
	const role = "arn:aws:iam::210987654321:role/unyo-msp"
	q := cloudtest.NewAWSQuery(accessKeyID, awsSecret)
	q.STS("123456789012", role, "msp-acme-7")
	srv := httptest.NewServer(q)
	t.Cleanup(srv.Close)
	f := newFixture(t)

	v := f.create(t, msp, awsInput("acme-aws", awsSecret, map[string]any{"role_arn": role, "external_id": "msp-acme-7", "endpoint": srv.URL}))
	code, res := f.test(t, v.ID)
	if code != 200 || !res.OK || res.Identity != "arn:aws:sts::210987654321:assumed-role/unyo-msp/unyo" {
		t.Fatalf("test = %d %+v", code, res)
	}
	calls := q.Calls()
	if len(calls) != 2 || calls[0].Action != "AssumeRole" || calls[0].Key != accessKeyID || calls[1].Action != "GetCallerIdentity" ||
		!strings.HasPrefix(calls[1].Key, "ASIA") || calls[1].Region != "ap-northeast-1" {
		t.Fatalf("calls: %+v", calls)
	}

	bad := f.create(t, msp, awsInput("acme-aws-2", awsSecret, map[string]any{"role_arn": role, "external_id": "guessed", "endpoint": srv.URL}))
	code, res = f.test(t, bad.ID)
	if code != 502 || res.Stage != "assume_role" || res.Code != "AccessDenied" || res.Status != 403 {
		t.Fatalf("wrong external ID = %d %+v", code, res)
	}
	plain := f.create(t, msp, awsInput("acme-aws-3", "wrong/secret/key/of/forty/characters/xx", map[string]any{"endpoint": srv.URL}))
	code, res = f.test(t, plain.ID)
	if code != 502 || res.Stage != "caller_identity" || res.Code != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret = %d %+v", code, res)
	}
	direct := f.create(t, msp, awsInput("acme-aws-4", awsSecret, map[string]any{"endpoint": srv.URL}))
	if code, res = f.test(t, direct.ID); code != 200 || res.Identity != "arn:aws:iam::123456789012:user/unyo" {
		t.Fatalf("access key without role = %d %+v", code, res)
	}
}
