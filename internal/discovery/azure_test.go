package discovery_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/cloudtype"
	"github.com/unyo-ops/unyo/internal/discovery"
	"github.com/unyo-ops/unyo/internal/discovery/discoverytest"
	"github.com/unyo-ops/unyo/internal/model"
)

const rg = "/subscriptions/" + subID + "/resourceGroups/"

var (
	lbID  = rg + "rg-net/providers/Microsoft.Network/loadBalancers/lb-web"
	sqlID = rg + "rg-data/providers/Microsoft.Sql/servers/sql-prod-01/databases/orders"
	vpnID = rg + "rg-net/providers/Microsoft.Network/virtualNetworkGateways/vpngw-hq"
	stID  = rg + "rg-data/providers/Microsoft.Storage/storageAccounts/stlogs01"
)

// subscription is the fake subscription of the issue: a load balancer, a
// SQL database and a VPN gateway, and a storage account the catalogue
// does not know, and the SQL server's master database, which is not the
// customer's.
func subscription() []discoverytest.Row {
	return []discoverytest.Row{
		{ID: lbID, Name: "lb-web", Type: "Microsoft.Network/loadBalancers", Location: "japaneast", ResourceGroup: "rg-net", SubscriptionID: subID,
			Tags: map[string]string{"env": "prod", "CostCenter": "A-100"}},
		{ID: sqlID, Name: "orders", Type: "microsoft.sql/servers/databases", Location: "japaneast", ResourceGroup: "rg-data", SubscriptionID: subID,
			Tags: map[string]string{"env": "prod"}},
		{ID: vpnID, Name: "vpngw-hq", Type: "Microsoft.Network/virtualNetworkGateways", Location: "japanwest", ResourceGroup: "rg-net", SubscriptionID: subID},
		{ID: stID, Name: "stlogs01", Type: "Microsoft.Storage/storageAccounts", Location: "japaneast", ResourceGroup: "rg-data", SubscriptionID: subID},
		{ID: rg + "rg-data/providers/Microsoft.Sql/servers/sql-prod-01/databases/master", Name: "master", Type: "Microsoft.Sql/servers/databases",
			Location: "japaneast", ResourceGroup: "rg-data", SubscriptionID: subID},
	}
}

// TestDiscoverAzure: Resource Graph's listing (two resources a page,
// skipToken paging, a 429 first) registers the load balancer, the SQL
// database and the VPN gateway with the catalogue's kind and labels, the
// storage account not; the built-in templates that exist are assigned by
// cloud_type, the one missing is logged; a second run adds nothing.
func TestDiscoverAzure(t *testing.T) {
	w := newWorld(t)
	lbTpl := w.builtin("azure-load-balancer")
	sqlTpl := w.builtin("azure-sql-database")
	w.arm.Set(subscription()...)
	w.arm.Throttle(1, 1)
	id := w.azureAccount("acme", "acme-prod")

	start := time.Now()
	run := w.discover("acme", id)
	if run.Found != 3 || run.Registered != 3 || run.Gone != 0 {
		t.Fatalf("run = %+v", run)
	}
	calls := w.arm.Calls()
	if has(calls, "429 ") != 1 || has(calls, "POST /providers/Microsoft.ResourceGraph/resources") != 2 {
		t.Fatalf("calls = %v: want one 429 then two pages", calls)
	}
	if time.Since(start) < time.Second {
		t.Fatalf("the run did not wait the Retry-After of 1s")
	}

	res := w.resources("acme")
	lb, sql, vpn := res["lb-web"], res["sql-prod-01-orders"], res["vpngw-hq"]
	if lb == nil || sql == nil || vpn == nil || len(res) != 3 {
		t.Fatalf("resources = %v", keys(res))
	}
	acct := strconv.FormatInt(id, 10)
	want := map[string]string{"cloud": "azure", "cloud_type": "lb", "cloud_id": lbID, "cloud_account": acct, "region": "japaneast",
		"resource_group": "rg-net", "subscription": subID, "tag_env": "prod", "tag_cost_center": "A-100"}
	if lb.Kind != "load_balancer" || !equal(lb.Labels, want) {
		t.Fatalf("lb = %s %v\nwant %v", lb.Kind, lb.Labels, want)
	}
	if sql.Kind != "database" || sql.Labels[cloudtype.LabelType] != "sql_database" || vpn.Kind != "network" || vpn.Labels[cloudtype.LabelType] != "vpn_gateway" {
		t.Fatalf("sql = %s %v; vpn = %s %v", sql.Kind, sql.Labels, vpn.Kind, vpn.Labels)
	}

	assigned := map[string]int64{}
	list, err := w.design.Assignments(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		assigned[a.Selector] = a.TemplateID
	}
	if len(assigned) != 2 || assigned["cloud_type=lb"] != lbTpl || assigned["cloud_type=sql_database"] != sqlTpl {
		t.Fatalf("assignments = %v\n%s", assigned, w.logs.String())
	}
	if !strings.Contains(w.logs.String(), "no built-in template for a discovered type") || !strings.Contains(w.logs.String(), "azure-vpn-gateway") {
		t.Fatalf("the missing VPN gateway template was not logged:\n%s", w.logs.String())
	}
	again := w.discover("acme", id)
	if again.Registered != 0 || again.Gone != 0 || len(w.resources("acme")) != 3 {
		t.Fatalf("second run = %+v, resources %v", again, keys(w.resources("acme")))
	}
	if list2, _ := w.design.Assignments(context.Background(), "acme"); len(list2) != 2 {
		t.Fatalf("second run added assignments: %d", len(list2))
	}
	if beta := w.resources("beta"); len(beta) != 0 {
		t.Fatalf("beta got %v", keys(beta))
	}
}

// TestGoneAndBack: a resource the listing no longer holds is labelled
// cloud_gone (kept, not deleted) and its firing alert resolves with the
// reason gone; listed again, the label goes. A renamed resource keeps
// its registration (matched on cloud_id); a user's own label survives.
func TestGoneAndBack(t *testing.T) {
	w := newWorld(t)
	w.arm.Set(subscription()...)
	id := w.azureAccount("acme", "acme-prod")
	w.discover("acme", id)
	ctx := context.Background()

	sql := w.resources("acme")["sql-prod-01-orders"]
	sql.Labels["owner"] = "dba-team"
	if err := w.objects.UpdateResource(ctx, sql); err != nil {
		t.Fatal(err)
	}
	if _, err := w.engine.Intake(ctx, "acme", []alert.Signal{{Source: alert.SourceAzure, Fingerprint: "dtu-high", Status: alert.StateFiring,
		Severity: alert.SeverityCritical, Name: "DTU high", Resource: "sql-prod-01-orders"}}); err != nil {
		t.Fatal(err)
	}

	w.arm.Remove(strings.ToUpper(sqlID)) // ARM IDs are case-insensitive
	run := w.discover("acme", id)
	if run.Gone != 1 || run.Found != 2 {
		t.Fatalf("run = %+v", run)
	}
	sql = w.resources("acme")["sql-prod-01-orders"]
	since, err := time.Parse(time.RFC3339, sql.Labels[cloudtype.LabelGone])
	if err != nil || time.Since(since) > time.Minute {
		t.Fatalf("gone label = %q (%v)", sql.Labels[cloudtype.LabelGone], err)
	}
	list := w.alerts("acme", alert.SourceAzure)
	if len(list) != 1 || list[0].State != alert.StateResolved || lastReason(list[0]) != alert.ReasonGone {
		t.Fatalf("alert = %+v (reason %q)", list[0], lastReason(list[0]))
	}
	if again := w.discover("acme", id); again.Gone != 0 {
		t.Fatalf("marked gone twice: %+v", again)
	}

	rows := subscription()
	rows[0].Name = "lb-web-renamed" // what Resource Graph reports changes; the ID does not
	rows[0].Tags = map[string]string{"env": "staging"}
	w.arm.Set(rows...)
	w.discover("acme", id)
	res := w.resources("acme")
	sql, lb := res["sql-prod-01-orders"], res["lb-web"]
	if _, gone := sql.Labels[cloudtype.LabelGone]; gone || sql.Labels["owner"] != "dba-team" {
		t.Fatalf("back: %v", sql.Labels)
	}
	if len(res) != 3 || lb == nil || lb.Labels["tag_env"] != "staging" || lb.Labels["tag_cost_center"] != "" {
		t.Fatalf("after the rename: %v, lb %v", keys(res), lb)
	}
}

// TestThrottledRunBacksOff: a listing throttled beyond the retries fails
// the run as throttled, marks nothing gone, and the account waits at least
// the Retry-After before its next scheduled run.
func TestThrottledRunBacksOff(t *testing.T) {
	w := newWorld(t)
	w.arm.Set(subscription()...)
	id := w.azureAccount("acme", "acme-prod")
	w.discover("acme", id)
	w.arm.Set()          // an empty answer would mark everything gone...
	w.arm.Throttle(3, 1) // ...but it never comes: every try is throttled
	run, err := w.d.Discover(context.Background(), "acme", id)
	if err != nil {
		t.Fatal(err)
	}
	if run.OK || !strings.Contains(run.Message, "throttled") || !strings.Contains(run.Message, "429") {
		t.Fatalf("run = %+v", run)
	}
	for name, r := range w.resources("acme") {
		if _, gone := r.Labels[cloudtype.LabelGone]; gone {
			t.Fatalf("%s marked gone on a failed run", name)
		}
	}
	runs, err := discovery.NewStore(w.db).Runs(context.Background(), "acme")
	if err != nil || len(runs) != 1 || runs[0].OK {
		t.Fatalf("runs = %+v %v", runs, err)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestAdoptAgentHost: a VM whose agent registered it as a host (its vmId
// in the instance_id label) is adopted, not registered twice: it keeps
// its name, kind and the agent's labels and gains discovery's.
func TestAdoptAgentHost(t *testing.T) {
	w := newWorld(t)
	const vmID = "8b1d4c2e-0000-4000-8000-00000000a001"
	host := &model.Resource{TenantID: "acme", Name: "web01", Kind: "host", Labels: map[string]string{"os": "linux", "cloud": "azure", "region": "japaneast", "instance_id": vmID}}
	if err := w.objects.CreateResource(context.Background(), host); err != nil {
		t.Fatal(err)
	}
	vm := rg + "rg-web/providers/Microsoft.Compute/virtualMachines/vm-web01"
	w.arm.Set(discoverytest.Row{ID: vm, Name: "vm-web01", Type: "Microsoft.Compute/virtualMachines", Location: "japaneast", ResourceGroup: "rg-web",
		SubscriptionID: subID, VMID: vmID})
	id := w.azureAccount("acme", "acme-prod")
	run := w.discover("acme", id)
	res := w.resources("acme")
	web := res["web01"]
	if run.Registered != 0 || len(res) != 1 || web == nil || web.Kind != "host" || web.Labels["os"] != "linux" || web.Labels["cloud_id"] != vm || web.Labels["cloud_type"] != "vm" {
		t.Fatalf("run %+v, resources %v, web01 %+v", run, keys(res), web)
	}
}
