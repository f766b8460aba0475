package e2e

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
	"github.com/unyo-ops/unyo/internal/discovery/discoverytest"
)

// azureSub is one Azure subscription out of process for the real binary:
// Entra's token endpoint, Resource Graph and Resource Health
// (discoverytest.ARM) and Azure Monitor's batch metrics API
// (cloudtest.AzureMonitor), all behind one https listener, with the state a
// test changes: a tunnel down, a busy database.
type azureSub struct {
	*httptest.Server
	Entra   *cloudtest.Entra
	ARM     *discoverytest.ARM
	Monitor *cloudtest.AzureMonitor
	Blobs   *cloudtest.BlobStorage // the storage account the NSG flow logs go to
	Sub     string

	mu   sync.Mutex
	down map[string]bool // connection names whose tunnel receives nothing
	busy map[string]bool // resource IDs (lower case) whose DTU is at 99%
	rows []discoverytest.Row
}

// value is the subscription's metrics: healthy levels for what the
// templates alert on, so that only what the test breaks fires, and
// cloudtest.MetricValue for the traffic series.
func (a *azureSub) value(resource, metric, split string, at time.Time) (float64, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch metric {
	case "VipAvailability", "DipAvailability":
		return 100, true
	case "UsedSnatPorts":
		return 64, true
	case "AllocatedSnatPorts":
		return 1024, true
	case "BgpPeerStatus":
		return 1, true
	case "dtu_consumption_percent":
		if a.busy[strings.ToLower(resource)] {
			return 99, true
		}
		return 40, true
	case "cpu_percent", "storage_percent", "workers_percent":
		return 20, true
	case "deadlock", "connection_failed":
		return 0, true
	case "TunnelIngressBytes", "TunnelEgressBytes", "TunnelAverageBandwidth":
		if a.down[split] {
			return 0, true
		}
	}
	return cloudtest.MetricValue(resource, metric, split, at), true
}

func newAzureSub(t *testing.T) *azureSub {
	t.Helper()
	a := &azureSub{Sub: "11111111-2222-4333-8444-555555555555", down: map[string]bool{}, busy: map[string]bool{}}
	mux := http.NewServeMux()
	a.Server = httptest.NewUnstartedServer(mux)
	a.StartTLS()
	t.Cleanup(a.Close)
	batchScope := "https://metrics.monitor.azure.com/.default"
	const storageScope = "https://storage.azure.com/.default"
	a.Entra = &cloudtest.Entra{Tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47", ClientID: "0d8e5a3c-1f2b-4c5d-8e9f-a0b1c2d3e4f5",
		Secret: "Xq8~Zr2.abcdefghijklmnopqrstuvwxyz-Q7tK", Scope: a.URL + "/.default", Scopes: []string{batchScope, storageScope}}
	a.Entra.Register(mux, a.URL)
	a.Blobs = &cloudtest.BlobStorage{Entra: a.Entra, Scope: storageScope}
	a.Blobs.Register(mux)
	a.ARM = &discoverytest.ARM{Entra: a.Entra, Subscription: a.Sub, PageSize: 2}
	a.ARM.Register(mux)
	a.Monitor = &cloudtest.AzureMonitor{Entra: a.Entra, Subscription: a.Sub, ARMScope: a.URL + "/.default", BatchScope: batchScope,
		Now: time.Now, Value: a.value}
	a.Monitor.RegisterBatch(mux)
	cert := filepath.Join(t.TempDir(), "azure-fake.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSL_CERT_FILE", cert) // the server trusts the fake's TLS as it would Azure's
	t.Setenv("UNYO_CLOUD_METRICS_AZURE_BATCH_ENDPOINT", a.URL+"/regions/{region}")
	t.Setenv("UNYO_FLOWLOG_BLOB_ENDPOINT", a.URL+"/{account}")
	return a
}

// add makes a resource exist in the subscription: listed by Resource
// Graph, with metrics in Azure Monitor.
func (a *azureSub) add(row discoverytest.Row, splits map[string][]string) {
	row.SubscriptionID = a.Sub
	a.rows = append(a.rows, row)
	a.ARM.Set(a.rows...)
	a.Monitor.Add(cloudtest.AzureResource{ID: row.ID, Namespace: row.Type, Region: row.Location, Splits: splits})
}

// TestCloudLoop is issue 14's loop with the real binary and the Azure
// contract fakes: a subscription with a load balancer, a SQL database and
// a VPN gateway of two connections is discovered, each type's built-in
// template assigned; their metrics are queryable in PromQL by the second
// pull of each; the tunnel of one connection is down and exactly one alert
// (for that connection_name) and one incident open, nothing for the other
// connection; the database, busy, fires; deleted in the cloud it is
// labelled cloud_gone and its alert resolves with the reason gone, and no
// rule fires on it again; a Resource Health event on the load balancer is
// an alert on it and a banner on the board.
//
// The tunnel-down item reads 15 minutes of a 5-minute metric. The fake
// serves the backfill the first pull reaches (10 minutes) with the tunnel
// already down, so the built-in item, unchanged, fires on the first pull
// rather than 15 minutes into the test.
func TestCloudLoop(t *testing.T) {
	t.Setenv("UNYO_DISCOVERY_INTERVAL", "1s")
	t.Setenv("UNYO_CLOUD_METRICS_INTERVAL", "2s")
	t.Setenv("UNYO_FLOWLOG_INTERVAL", "2s")
	t.Setenv("UNYO_FLOWLOG_DELAY", "1m")
	az := newAzureSub(t)
	rg := "/subscriptions/" + az.Sub + "/resourceGroups/"
	lbID := rg + "rg-net/providers/Microsoft.Network/loadBalancers/lb-web"
	sqlID := rg + "rg-data/providers/Microsoft.Sql/servers/sql-prod-01/databases/orders"
	vpnID := rg + "rg-net/providers/Microsoft.Network/virtualNetworkGateways/vpngw-hq"
	az.add(discoverytest.Row{ID: lbID, Name: "lb-web", Type: "Microsoft.Network/loadBalancers", Location: "japaneast", ResourceGroup: "rg-net"}, nil)
	az.add(discoverytest.Row{ID: sqlID, Name: "orders", Type: "Microsoft.Sql/servers/databases", Location: "japaneast", ResourceGroup: "rg-data"}, nil)
	az.add(discoverytest.Row{ID: vpnID, Name: "vpngw-hq", Type: "Microsoft.Network/virtualNetworkGateways", Location: "japaneast", ResourceGroup: "rg-net"},
		map[string][]string{"ConnectionName": {"cn-osaka", "cn-nagoya"}, "BgpPeerAddress": {"10.1.0.254"}})
	az.mu.Lock()
	az.down["cn-nagoya"] = true // since before the first pull's reach
	az.mu.Unlock()

	s := startServer(t, t.TempDir())
	_, read := s.tenantWithTokens("acme")
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/cloud-accounts", "", map[string]any{"name": "acme-azure", "provider": "azure",
		"azure": map[string]any{"tenant_id": az.Entra.Tenant, "client_id": az.Entra.ClientID, "client_secret": az.Entra.Secret,
			"subscription_id": az.Sub, "resource_manager": az.URL, "login": az.URL}}, nil)

	// Discovered, with the resource IDs the API gives.
	ids := map[string]int64{}
	eventually(t, 30*time.Second, func() string {
		var list []struct {
			ID     int64             `json:"id"`
			Name   string            `json:"name"`
			Labels map[string]string `json:"labels"`
		}
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/resources", read, nil, &list)
		for _, r := range list {
			if r.Labels["cloud_type"] != "" {
				ids[r.Name] = r.ID
			}
		}
		if len(ids) != 3 {
			return fmt.Sprintf("discovered %v", ids)
		}
		return ""
	})
	for _, name := range []string{"lb-web", "sql-prod-01-orders", "vpngw-hq"} {
		if ids[name] == 0 {
			t.Fatalf("discovered %v, want lb-web, sql-prod-01-orders and vpngw-hq", ids)
		}
	}
	// Each type's built-in template reaches its resource.
	itemID := func(resource, item string) int64 {
		var items []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		}
		s.mustJSON(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/monitoring/effective-items?resource=%d", ids[resource]), read, nil, &items)
		for _, it := range items {
			if it.Name == item {
				return it.ID
			}
		}
		t.Fatalf("%s has no item %s: %+v", resource, item, items)
		return 0
	}
	itemID("lb-web", "data-path")
	dtu := itemID("sql-prod-01-orders", "dtu")
	itemID("vpngw-hq", "tunnel-down")

	// Queryable by the second pull of each resource's metrics: a series
	// shows the fake's values once at most two calls asked for it.
	type want struct {
		query, host, resource, metric string
		value                         func(at time.Time) float64
	}
	wants := []want{
		{`azure_lb_data_path_availability_percent`, "lb-web", lbID, "VipAvailability", func(time.Time) float64 { return 100 }},
		{`azure_sql_database_dtu_consumption_percent`, "sql-prod-01-orders", sqlID, "dtu_consumption_percent", func(time.Time) float64 { return 40 }},
		{`azure_vpn_gateway_tunnel_ingress_bytes{connection_name="cn-osaka"}`, "vpngw-hq", vpnID, "TunnelIngressBytes",
			func(at time.Time) float64 { return cloudtest.MetricValue(vpnID, "TunnelIngressBytes", "cn-osaka", at) }},
		{`azure_vpn_gateway_tunnel_ingress_bytes{connection_name="cn-nagoya"}`, "vpngw-hq", vpnID, "TunnelIngressBytes", func(time.Time) float64 { return 0 }},
	}
	asked := func(w want) int {
		n := 0
		for _, c := range az.Monitor.Calls() {
			for _, r := range c.Resources {
				for _, m := range c.Metrics {
					if strings.EqualFold(r, w.resource) && m == w.metric {
						n++
					}
				}
			}
		}
		return n
	}
	for _, w := range wants {
		eventually(t, 30*time.Second, func() string {
			calls := asked(w) // before the query: the points seen come from at most these
			points := s.rawPoints(read, w.query)[w.host]
			if len(points) == 0 {
				return w.query + ": no points yet"
			}
			if calls > 2 {
				t.Fatalf("%s: not queryable until %d calls asked for it", w.query, calls)
			}
			for _, p := range points {
				at := time.Unix(int64(p[0]), 0).UTC()
				if p[1] != w.value(at) {
					t.Fatalf("%s at %s = %v, want %v", w.query, at, p[1], w.value(at))
				}
			}
			return ""
		})
	}

	// The tunnel of cn-nagoya is down: one alert, for it, one incident.
	type loopAlert struct {
		ID         int64             `json:"id"`
		State      string            `json:"state"`
		ResourceID int64             `json:"resource_id"`
		Labels     map[string]string `json:"labels"`
		Source     string            `json:"source"`
	}
	alerts := func() []loopAlert {
		var list []loopAlert
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/alerts", read, nil, &list)
		return list
	}
	var incidents []incidentView
	eventually(t, 60*time.Second, func() string {
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/incidents", read, nil, &incidents)
		if len(incidents) == 0 {
			return fmt.Sprintf("no incident; alerts %+v", alerts())
		}
		return ""
	})
	list := alerts()
	if len(list) != 1 || list[0].State != "firing" || list[0].ResourceID != ids["vpngw-hq"] ||
		list[0].Labels["alertname"] != "tunnel-down" || list[0].Labels["connection_name"] != "cn-nagoya" {
		t.Fatalf("alerts = %+v, want one firing tunnel-down for cn-nagoya", list)
	}
	if len(incidents) != 1 || incidents[0].State == "resolved" || incidents[0].State == "closed" {
		t.Fatalf("incidents = %+v, want one open", incidents)
	}
	tunnelAlert := list[0].ID

	// The database gets busy, past the DTU item's critical 95%; the
	// operator lets it alert at once on this database (an override of
	// the item's 10 minutes for it).
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/monitoring/overrides", "", map[string]any{"item_id": dtu, "resource_id": ids["sql-prod-01-orders"],
		"for": "0s", "note": "orders: alert on the first busy minute"}, nil)
	az.mu.Lock()
	az.busy[strings.ToLower(sqlID)] = true
	az.mu.Unlock()
	var dtuAlert loopAlert
	eventually(t, 60*time.Second, func() string {
		for _, a := range alerts() {
			if a.ResourceID == ids["sql-prod-01-orders"] && a.Labels["alertname"] == "dtu" && a.State == "firing" {
				dtuAlert = a
				return ""
			}
		}
		return fmt.Sprintf("no DTU alert: %+v", alerts())
	})

	// Deleted in the cloud: gone, its alert resolved as gone, and no rule
	// fires on it again once the engine dropped its rules.
	rulesBefore := alertRules(s)
	az.ARM.Remove(sqlID)
	eventually(t, 30*time.Second, func() string {
		var list []struct {
			Name   string            `json:"name"`
			Labels map[string]string `json:"labels"`
			Gone   bool              `json:"gone"`
		}
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/discovery/resources", read, nil, &list)
		for _, r := range list {
			if r.Name == "sql-prod-01-orders" && r.Gone && r.Labels["cloud_gone"] != "" {
				return ""
			}
		}
		return fmt.Sprintf("not gone: %+v", list)
	})
	eventually(t, 30*time.Second, func() string {
		var detail e2eAlert
		s.mustJSON(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/alerts/%d", dtuAlert.ID), read, nil, &detail)
		if n := len(detail.Events); detail.State != "resolved" || n == 0 || detail.Events[n-1].Reason != "gone" {
			return fmt.Sprintf("DTU alert %+v", detail)
		}
		return ""
	})
	eventually(t, 60*time.Second, func() string {
		if n := alertRules(s); n >= rulesBefore {
			return fmt.Sprintf("%v rules, %v before the delete", n, rulesBefore)
		}
		return ""
	})
	for _, a := range alerts() {
		switch {
		case a.ResourceID == ids["sql-prod-01-orders"] && a.ID != dtuAlert.ID:
			t.Fatalf("a new alert on the gone database: %+v", a)
		case a.ID == tunnelAlert && a.State != "firing":
			t.Fatalf("the tunnel alert changed: %+v", a)
		case a.Labels["connection_name"] == "cn-osaka":
			t.Fatalf("an alert for the connection that is up: %+v", a)
		}
	}

	// Resource Health says the load balancer is unavailable: an alert on
	// it, and the banner on the board.
	az.ARM.Health([]discoverytest.Availability{{ResourceID: lbID, State: "Unavailable", Summary: "The load balancer's data path is down in japaneast."}}, nil)
	eventually(t, 30*time.Second, func() string {
		for _, a := range alerts() {
			if a.ResourceID == ids["lb-web"] && a.State == "firing" {
				return ""
			}
		}
		return fmt.Sprintf("no health alert on lb-web: %+v", alerts())
	})
	b := s.browser()
	if code, _ := b.login("admin", adminPassword); code != http.StatusSeeOther && code != http.StatusFound {
		t.Fatalf("console login = %d", code)
	}
	_, board, _ := b.do("GET", "/board", nil)
	banner := regexp.MustCompile(`(?s)<section class="note health-banner" data-tenant="acme".*?</section>`).FindString(board)
	if banner == "" || !strings.Contains(banner, "lb-web") {
		t.Fatalf("the board has no health banner naming lb-web:\n%s", board)
	}

	// An NSG whose flow log (v2) shows a scan: 150 denied SSH attempts a
	// minute, from 8 minutes ago to the minutes Azure has yet to write
	// (so the scan lasts while the test looks). Discovered, its flow log's storage account labelled by the
	// operator, its built-in denied-flows item fires on the counts.
	nsgID := rg + "rg-net/providers/Microsoft.Network/networkSecurityGroups/nsg-web"
	for m := time.Now().UTC().Truncate(time.Minute).Add(-8 * time.Minute); m.Before(time.Now().Add(3 * time.Minute)); m = m.Add(time.Minute) {
		az.Blobs.Append("stflowlogsacme", "insights-logs-networksecuritygroupflowevent", "resourceId="+strings.ToUpper(nsgID)+
			m.Format("/y=2006/m=01/d=02/h=15/m=00")+"/macAddress=000D3AF87856/PT1H.json", scanRecord(nsgID, m, 150))
	}
	az.add(discoverytest.Row{ID: nsgID, Name: "nsg-web", Type: "Microsoft.Network/networkSecurityGroups", Location: "japaneast", ResourceGroup: "rg-net"}, nil)
	var nsg struct {
		ID     int64             `json:"id"`
		Name   string            `json:"name"`
		Kind   string            `json:"kind"`
		Labels map[string]string `json:"labels"`
	}
	eventually(t, 30*time.Second, func() string {
		var list []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		}
		s.mustJSON(200, "GET", "/api/v1/tenants/acme/resources", read, nil, &list)
		for _, r := range list {
			if r.Name == "nsg-web" {
				ids["nsg-web"] = r.ID
				return ""
			}
		}
		return "nsg-web not discovered"
	})
	s.mustJSON(200, "GET", fmt.Sprintf("/api/v1/tenants/acme/resources/%d", ids["nsg-web"]), read, nil, &nsg)
	nsg.Labels["flow_log_storage"] = "/subscriptions/" + az.Sub + "/resourceGroups/rg-logs/providers/Microsoft.Storage/storageAccounts/stflowlogsacme"
	s.mustJSON(200, "PUT", fmt.Sprintf("/api/v1/tenants/acme/resources/%d", ids["nsg-web"]), "", map[string]any{"name": nsg.Name, "kind": nsg.Kind, "labels": nsg.Labels}, nil)
	s.mustJSON(201, "POST", "/api/v1/tenants/acme/monitoring/overrides", "", map[string]any{"item_id": itemID("nsg-web", "denied-flows"), "resource_id": ids["nsg-web"],
		"for": "0s", "note": "nsg-web: alert on the first minute of a scan"}, nil)
	eventually(t, 60*time.Second, func() string {
		for _, a := range alerts() {
			if a.ResourceID == ids["nsg-web"] && a.Labels["alertname"] == "denied-flows" && a.State == "firing" {
				return ""
			}
		}
		return fmt.Sprintf("no denied-flows alert on nsg-web: %+v; blob calls %+v", alerts(), az.Blobs.Calls())
	})
	pts := s.rawPoints(read, `azure_nsg_denied_flows`)["nsg-web"]
	if len(pts) < 10 || pts[len(pts)-1][1] != 150 {
		t.Fatalf("azure_nsg_denied_flows of nsg-web: %v, want the first pull's 10 minutes, the scan's at 150", pts)
	}
}

// scanRecord is an NSG flow log v2 record of minute m: n inbound SSH
// attempts denied by the default rule.
func scanRecord(nsgID string, m time.Time, n int) string {
	tuples := make([]string, n)
	for i := range tuples {
		tuples[i] = fmt.Sprintf(`"%d,203.0.113.%d,10.0.0.4,%d,22,T,I,D,B,,,,"`, m.Unix()+int64(i%60), i%250+1, 40000+i)
	}
	return fmt.Sprintf(`{"time":"%s","systemId":"a0fca5ce-022c-47b1-9735-89943b42f2fa","category":"NetworkSecurityGroupFlowEvent","resourceId":"%s","operationName":"NetworkSecurityGroupFlowEvents","properties":{"Version":2,"flows":[{"rule":"DefaultRule_DenyAllInBound","flows":[{"mac":"000D3AF87856","flowTuples":[%s]}]}]}}`,
		m.Add(55*time.Second).Format(time.RFC3339Nano), strings.ToUpper(nsgID), strings.Join(tuples, ","))
}

var alertRulesRE = regexp.MustCompile(`(?m)^unyo_alert_rules(?:\{[^}]*\})? (\S+)$`)

// alertRules sums the self metric of the rules the alert engine evaluates.
func alertRules(s *server) float64 {
	s.t.Helper()
	_, body := s.call("GET", "/metrics", "", nil)
	sum, found := 0.0, false
	for _, m := range alertRulesRE.FindAllStringSubmatch(string(body), -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		sum, found = sum+v, true
	}
	if !found {
		s.t.Fatal("/metrics has no unyo_alert_rules")
	}
	return sum
}
