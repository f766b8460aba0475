package console

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
	"github.com/unyo-ops/unyo/internal/discovery"
	"github.com/unyo-ops/unyo/internal/discovery/discoverytest"
	"github.com/unyo-ops/unyo/internal/model"
)

// TestCloudDiscoveryPage: the MSP admin opens acme's cloud discovery page
// (Japanese), discovers its Azure account now against the Resource Graph
// fake and sees the load balancer listed; rules with an unknown type are
// refused naming the field and the stored rules kept; a good rule set is
// saved; the board shows a banner while Resource Health reports the load
// balancer unavailable; an English reader reads English.
func TestCloudDiscoveryPage(t *testing.T) {
	e := newEnv(t)
	const (
		dir, client, sec, sub = "72f988bf-86f1-41af-91ab-2d7cd011db47", "0d8e5a3c-1f2b-4c5d-8e9f-a0b1c2d3e4f5", "Xq8~Zr2.abcdefghijklmnopqrstuvwxyz-Q7tK", "11111111-2222-4333-8444-555555555555"
	)
	mux := http.NewServeMux()
	fake := httptest.NewUnstartedServer(mux)
	fake.StartTLS()
	t.Cleanup(fake.Close)
	entra := &cloudtest.Entra{Tenant: dir, ClientID: client, Secret: sec, Scope: fake.URL + "/.default"}
	entra.Register(mux, fake.URL)
	arm := &discoverytest.ARM{Entra: entra, Subscription: sub}
	arm.Register(mux)
	lbID := "/subscriptions/" + sub + "/resourceGroups/rg-net/providers/Microsoft.Network/loadBalancers/lb-web"
	arm.Set(discoverytest.Row{ID: lbID, Name: "lb-web", Type: "Microsoft.Network/loadBalancers", Location: "japaneast", ResourceGroup: "rg-net", SubscriptionID: sub})
	arm.Health([]discoverytest.Availability{{ResourceID: lbID, State: "Unavailable", Summary: "data path down"}}, nil)
	pool := x509.NewCertPool()
	pool.AddCert(fake.Certificate())
	e.listers[cloudaccount.ProviderAzure] = discovery.NewAzure(&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}})
	acct, err := e.clouds.Create(context.Background(), "acme", cloudaccount.Input{Name: "acme-azure", Provider: cloudaccount.ProviderAzure,
		Azure: &cloudaccount.AzureInput{TenantID: dir, ClientID: client, ClientSecret: sec, SubscriptionID: sub, ResourceManager: fake.URL, Login: fake.URL}}, true)
	if err != nil {
		t.Fatal(err)
	}

	page := "/tenants/acme/settings/cloud-discovery"
	admin := e.login("admin")
	code, body, _ := admin.get(page)
	if code != 200 || !strings.Contains(body, "のクラウド検出") || !strings.Contains(body, `data-account="acme-azure"`) || !strings.Contains(body, "未実行") {
		t.Fatalf("page = %d:\n%.3000s", code, body)
	}
	code, body, _ = admin.postForm(page, fmt.Sprintf("%s/accounts/%d/run", page, acct.ID), url.Values{})
	if code != 200 || !strings.Contains(body, "1 件を新規登録") || !strings.Contains(body, `data-resource="lb-web"`) || !strings.Contains(body, lbID) {
		t.Fatalf("discover now = %d:\n%.4000s", code, body)
	}

	code, body, _ = admin.postForm(page, page+"/rules", url.Values{"types": {"lb", "mainframe"}, "tags": {"env=prod"}})
	if code != 400 || !strings.Contains(body, "types") || !strings.Contains(body, "mainframe") {
		t.Fatalf("bad rules = %d:\n%.3000s", code, body)
	}
	if rules, _ := e.listersRules(t); len(rules.Types) != 0 {
		t.Fatalf("refused rules were stored: %+v", rules)
	}
	code, body, _ = admin.postForm(page, page+"/rules", url.Values{"types": {"lb", "sql_database"}, "tags": {"env=prod\nowner"}, "regions": {"japaneast, japanwest"}})
	if code != http.StatusSeeOther {
		t.Fatalf("rules = %d:\n%.3000s", code, body)
	}
	rules, _ := e.listersRules(t)
	if len(rules.Types) != 2 || rules.Tags["env"] != "prod" || rules.Tags["owner"] != "*" || len(rules.Regions) != 2 {
		t.Fatalf("stored rules: %+v", rules)
	}

	_, body, _ = admin.get("/board")
	if !strings.Contains(body, `class="note health-banner" data-tenant="acme"`) || !strings.Contains(body, "Azure Resource Health: Unavailable — lb-web") {
		t.Fatalf("board without the health banner:\n%.4000s", body)
	}
	if strings.Contains(body, `health-banner" data-tenant="beta"`) {
		t.Fatal("beta shows acme's health event")
	}

	e.user("en-operator", model.RoleOperator, "")
	op := e.login("en-operator")
	op.postForm("/board", "/preferences", url.Values{"language": {"en"}, "time_zone": {"UTC"}, "back": {"/board"}})
	if _, body, _ := op.get(page); !strings.Contains(body, "Cloud discovery of") || !strings.Contains(body, "Discover now") {
		t.Fatalf("English page:\n%.2000s", body)
	}
}

// listersRules reads acme's stored discovery rules.
func (e *env) listersRules(t *testing.T) (discovery.Rules, error) {
	t.Helper()
	return e.disc.Rules(context.Background(), "acme")
}
