package e2e

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
	"github.com/unyo-ops/unyo/internal/cloudtype"
	"github.com/unyo-ops/unyo/internal/discovery/discoverytest"
)

// TestCloudDiscovery: the real server, with an Azure account the MSP
// admin points at the Resource Graph fake, registers the subscription's
// load balancer, SQL database and VPN gateway within a few rounds of
// UNYO_DISCOVERY_INTERVAL, each with the catalogue's kind and labels and
// its type's built-in template assigned by cloud_type; when the SQL database is
// deleted in the cloud, the resource is kept and labelled cloud_gone and
// its firing alert resolves with the reason gone.
func TestCloudDiscovery(t *testing.T) {
	t.Setenv("UNYO_DISCOVERY_INTERVAL", "1s")
	const (
		dir    = "72f988bf-86f1-41af-91ab-2d7cd011db47"
		client = "0d8e5a3c-1f2b-4c5d-8e9f-a0b1c2d3e4f5"
		secret = "Xq8~Zr2.abcdefghijklmnopqrstuvwxyz-Q7tK"
		sub    = "11111111-2222-4333-8444-555555555555"
	)
	mux := http.NewServeMux()
	fake := httptest.NewUnstartedServer(mux)
	fake.StartTLS()
	defer fake.Close()
	entra := &cloudtest.Entra{Tenant: dir, ClientID: client, Secret: secret, Scope: fake.URL + "/.default"}
	entra.Register(mux, fake.URL)
	arm := &discoverytest.ARM{Entra: entra, Subscription: sub, PageSize: 2}
	arm.Register(mux)
	rg := "/subscriptions/" + sub + "/resourceGroups/"
	sqlID := rg + "rg-data/providers/Microsoft.Sql/servers/sql-prod-01/databases/orders"
	arm.Set(
		discoverytest.Row{ID: rg + "rg-net/providers/Microsoft.Network/loadBalancers/lb-web", Name: "lb-web", Type: "Microsoft.Network/loadBalancers",
			Location: "japaneast", ResourceGroup: "rg-net", SubscriptionID: sub, Tags: map[string]string{"env": "prod"}},
		discoverytest.Row{ID: sqlID, Name: "orders", Type: "Microsoft.Sql/servers/databases", Location: "japaneast", ResourceGroup: "rg-data", SubscriptionID: sub},
		discoverytest.Row{ID: rg + "rg-net/providers/Microsoft.Network/virtualNetworkGateways/vpngw-hq", Name: "vpngw-hq",
			Type: "Microsoft.Network/virtualNetworkGateways", Location: "japaneast", ResourceGroup: "rg-net", SubscriptionID: sub},
	)
	cert := filepath.Join(t.TempDir(), "fake.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: fake.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSL_CERT_FILE", cert) // the server trusts the fake's TLS as it would Azure's

	s := startServer(t, t.TempDir())
	ingest, read := s.tenantWithTokens("acme")
	var acct struct {
		ID int64 `json:"id"`
	}
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/cloud-accounts", "", map[string]any{"name": "acme-azure", "provider": "azure",
		"azure": map[string]any{"tenant_id": dir, "client_id": client, "client_secret": secret, "subscription_id": sub,
			"resource_manager": fake.URL, "login": fake.URL}}, &acct)

	type discovered struct {
		Name      string            `json:"name"`
		Kind      string            `json:"kind"`
		Labels    map[string]string `json:"labels"`
		CloudType string            `json:"cloud_type"`
		Gone      bool              `json:"gone"`
	}
	resources := func() map[string]discovered {
		var list []discovered
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/discovery/resources", read, nil, &list)
		m := map[string]discovered{}
		for _, r := range list {
			m[r.Name] = r
		}
		return m
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(resources()) < 3 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	got := resources()
	lb, sql, vpn := got["lb-web"], got["sql-prod-01-orders"], got["vpngw-hq"]
	if len(got) != 3 || lb.Kind != "load_balancer" || sql.Kind != "database" || vpn.Kind != "network" ||
		lb.Labels["cloud_type"] != "lb" || lb.Labels["tag_env"] != "prod" || lb.Labels["cloud_account"] != fmt.Sprint(acct.ID) ||
		sql.Labels["resource_group"] != "rg-data" || sql.Labels["subscription"] != sub {
		t.Fatalf("discovered = %+v", got)
	}

	// Each type's built-in template is assigned by cloud_type.
	var templates []struct {
		ID      int64  `json:"id"`
		Builtin string `json:"builtin"`
	}
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/monitoring/templates", read, nil, &templates)
	var assignments []struct {
		TemplateID int64  `json:"template_id"`
		Selector   string `json:"selector"`
	}
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/monitoring/assignments", read, nil, &assignments)
	for _, short := range []string{"lb", "sql_database", "vpn_gateway"} {
		typ, _ := cloudtype.ByShort(short)
		builtin := false
		for _, tpl := range templates {
			if tpl.Builtin != typ.Template {
				continue
			}
			builtin = true
			found := false
			for _, a := range assignments {
				found = found || a.TemplateID == tpl.ID && a.Selector == "cloud_type="+short
			}
			if !found {
				t.Errorf("template %s not assigned by cloud_type=%s: %+v", typ.Template, short, assignments)
			}
		}
		if !builtin {
			t.Errorf("the server has no built-in template %s for %s", typ.Template, short)
		}
	}

	// An alert fires on the database; then the database is deleted.
	code, body := s.call("POST", "/api/v1/intake/events", ingest, strings.NewReader(`{"fingerprint":"orders-dtu","name":"DTU high","severity":"critical","resource":"sql-prod-01-orders"}`),
		"Content-Type", "application/json")
	if code >= 300 {
		t.Fatalf("intake = %d %s", code, body)
	}
	arm.Remove(sqlID)
	for !resources()["sql-prod-01-orders"].Gone && time.Now().Before(deadline.Add(30*time.Second)) {
		time.Sleep(200 * time.Millisecond)
	}
	sql = resources()["sql-prod-01-orders"]
	if !sql.Gone || sql.Labels["cloud_gone"] == "" || len(resources()) != 3 {
		t.Fatalf("after the delete: %+v", resources())
	}
	var alerts []struct {
		ID       int64  `json:"id"`
		State    string `json:"state"`
		Resource string `json:"resource"`
	}
	s.mustJSON(200, "GET", "/api/v1/tenants/acme/alerts", read, nil, &alerts)
	if len(alerts) != 1 || alerts[0].State != "resolved" || alerts[0].Resource != "sql-prod-01-orders" {
		t.Fatalf("alerts = %+v", alerts)
	}
	var detail struct {
		Events []struct {
			Reason string `json:"reason"`
		} `json:"events"`
	}
	s.mustJSON(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/alerts/%d", alerts[0].ID), read, nil, &detail)
	if n := len(detail.Events); n == 0 || detail.Events[n-1].Reason != "gone" {
		t.Fatalf("alert events = %+v", detail.Events)
	}
}
