package blueprint

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/actuator"
	"github.com/unyo-ops/unyo/internal/actuator/command"
	"github.com/unyo-ops/unyo/internal/actuator/kube"
	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/capacity"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/dashboard"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/storage"
)

// planCapacity is the store of capacity groups as the server wires it:
// the manual, command and (real) kubernetes actuator kinds.
func planCapacity(db *sql.DB, objects *storage.Store, box *secret.Box) *capacity.Store {
	c := capacity.NewStore(db, objects, box, map[string]capacity.Factory{
		kube.Kind: func(ctx context.Context, tenant string, spec actuator.Spec) (actuator.Actuator, error) {
			return kube.New(ctx, spec, tenant, actuator.Deps{})
		},
	})
	c.AddKind(capacity.KindManual, c.ManualFactory(nil, ""))
	c.AddKind("command", command.Factory)
	return c
}

// byKind keeps the changes of the given kinds.
func byKind(p *Plan, kinds ...string) string {
	q := &Plan{}
	for _, c := range p.Changes {
		for _, k := range kinds {
			if c.Kind == k {
				q.Changes = append(q.Changes, c)
			}
		}
	}
	return changes(q)
}

func (f *fixture) group(t *testing.T, tenant, name string) *capacity.Group {
	t.Helper()
	groups, err := f.stores.Capacity.Groups(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("no group %s", name)
	return nil
}

// The template's operation plan, backup policy and dashboard are created
// as the console and API would have them, and a second apply changes
// nothing. The plan is proposed to the customer, never activated by the
// apply.
func TestPlansApplyTemplate(t *testing.T) {
	f := newFixture(t)
	d := loadTemplate(t)
	res := f.apply(t, d, false)
	want := "create capacity_group acme-web\ncreate operation_plan acme-web\ncreate backup_policy acme-sqldb-pitr\ncreate dashboard Web shop"
	if got := byKind(res.Plan, KindCapacityGroup, KindOperationPlan, KindBackupPolicy, KindDashboard); got != want {
		t.Fatalf("first apply:\n%s", got)
	}
	ctx := context.Background()
	g := f.group(t, "acme-shop", "acme-web")
	if g.Kind != capacity.KindManual || g.Min != 2 || g.Max != 8 || *g.LoadUnder != 1500 || g.VerifyWithin != model.Duration(30*time.Minute) {
		t.Fatalf("group %+v", g)
	}
	versions, err := f.stores.Capacity.Versions(ctx, "acme-shop", g.ID)
	if err != nil || len(versions) != 1 {
		t.Fatalf("versions %v %v", versions, err)
	}
	v := versions[0]
	if v.State != capacity.StateProposed || v.Reason != "unyo apply of commit abc123" || v.Author != "token:ci" || v.ProposedBy != "token:ci" {
		t.Fatalf("version %+v", v)
	}
	if e := v.Document.Events; len(e) != 1 || e[0].Name != "spring-campaign" || e[0].Count != 6 || e[0].Lead != model.Duration(time.Hour) {
		t.Fatalf("events %+v", e)
	}
	// The dry run of the proposal shows the campaign's six servers, an hour ahead.
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	run, err := f.stores.Capacity.DryRun(ctx, "acme-shop", g.ID, 1, time.Date(2027, 3, 1, 0, 0, 0, 0, tokyo), 1)
	if err != nil || run.Applies {
		t.Fatalf("dry run %+v %v", run, err)
	}
	found := false
	for _, s := range run.Steps {
		if s.Count == 6 && s.Start.Equal(time.Date(2027, 3, 1, 9, 0, 0, 0, tokyo)) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no step to 6 at 09:00 JST in %+v", run.Steps)
	}
	policies, _ := f.stores.Backups.Policies(ctx, "acme-shop")
	if len(policies) != 1 || policies[0].EffectiveRPO != model.Duration(time.Hour) || policies[0].ResourceID == 0 || policies[0].RestorePlan != "quarterly" {
		t.Fatalf("policies %+v", policies)
	}
	boards, _ := f.stores.Dashboards.List(ctx, "acme-shop")
	if len(boards) != 1 || len(boards[0].Panels) != 2 || boards[0].CreatedBy != "token:ci" {
		t.Fatalf("dashboards %+v", boards)
	}
	if p := f.plan(t, d, true); !p.Empty() {
		t.Fatalf("a second plan:\n%s", changes(p))
	}
}

// One field changed plans one update naming it; applied, the next plan
// is empty.
func TestPlansOneFieldOneUpdate(t *testing.T) {
	f := newFixture(t)
	d := loadTemplate(t)
	f.apply(t, d, false)
	check := func(edit func(d *Design), want string) {
		t.Helper()
		edit(d)
		if got := changes(f.plan(t, d, false)); got != want {
			t.Fatalf("plan:\n%s\nwant\n%s", got, want)
		}
		f.apply(t, d, false)
		if p := f.plan(t, d, false); !p.Empty() {
			t.Fatalf("after the apply:\n%s", changes(p))
		}
	}
	check(func(d *Design) { d.CapacityGroups[0].Max = 10 }, "update capacity_group acme-web [max: 8 → 10]")
	check(func(d *Design) { d.OperationPlans[0].Events[0].Count = 8 },
		"update operation_plan acme-web [events.spring-campaign.count: 6 → 8]")
	check(func(d *Design) { d.BackupPolicies[0].Retention = model.Duration(336 * time.Hour) },
		"update backup_policy acme-sqldb-pitr [retention: 168h0m0s → 336h0m0s]")
	check(func(d *Design) { d.Dashboards[0].Refresh = "5m" }, "update dashboard Web shop [refresh: 1m → 5m]")
	// A dashboard's panels compare as one list: the change names them.
	d.Dashboards[0].Panels[1].Thresholds[1].Value = 85
	p := f.plan(t, d, false)
	if len(p.Changes) != 1 || len(p.Changes[0].Fields) != 1 || p.Changes[0].Fields[0].Field != "panels" ||
		!strings.Contains(fmt.Sprint(p.Changes[0].Fields[0].New), "color:orange value:85") {
		t.Fatalf("plan:\n%s", changes(p))
	}
}

// A plan the customer agreed to and the MSP activated keeps running while
// a change from the files awaits the customer's agreement: the apply adds
// a proposed version with the commit as its reason, and never approves or
// activates it.
func TestOperationPlanChangeAwaitsApproval(t *testing.T) {
	f := newFixture(t)
	d := loadTemplate(t)
	f.apply(t, d, false)
	ctx := context.Background()
	cap := f.stores.Capacity
	g := f.group(t, "acme-shop", "acme-web")
	if _, err := cap.Approve(ctx, "acme-shop", g.ID, 1, "customer@acme.example", capacity.ApprovalCustomer, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := cap.Activate(ctx, "acme-shop", g.ID, 1, "msp-admin", false, ""); err != nil {
		t.Fatal(err)
	}
	if p := f.plan(t, d, false); !p.Empty() || len(p.Drift) != 0 {
		t.Fatalf("approval and activation are no change to the design: %s drift %+v", changes(p), p.Drift)
	}
	d.OperationPlans[0].Events[0].Count = 7
	res, err := f.planner.Apply(ctx, "acme-shop", "token:ci", &Request{Design: *d, Commit: "def456"})
	if err != nil {
		t.Fatal(err)
	}
	if got := changes(res.Plan); got != "update operation_plan acme-web [events.spring-campaign.count: 6 → 7]" {
		t.Fatalf("plan:\n%s", got)
	}
	versions, _ := cap.Versions(ctx, "acme-shop", g.ID)
	if len(versions) != 2 || versions[0].State != capacity.StateActive || versions[1].State != capacity.StateProposed ||
		versions[1].Reason != "unyo apply of commit def456" || versions[1].Document.Events[0].Count != 7 {
		t.Fatalf("versions %+v %+v", versions[0], versions[1])
	}
	if active, _ := cap.Active(ctx, "acme-shop", g.ID); active.Version != 1 {
		t.Fatalf("the apply activated version %d", active.Version)
	}
	if p := f.plan(t, d, false); !p.Empty() {
		t.Fatalf("the proposal is what the design says:\n%s", changes(p))
	}
	// A change made by hand in the console (a new draft) is drift.
	doc := versions[1].Document
	doc.Events[0].Count = 9
	if _, err := cap.CreateVersion(ctx, "acme-shop", g.ID, doc, "by hand", "operator"); err != nil {
		t.Fatal(err)
	}
	p := f.plan(t, d, false)
	if len(p.Drift) != 1 || p.Drift[0] != (Ref{KindOperationPlan, "acme-web"}) ||
		changes(p) != "update operation_plan acme-web [events.spring-campaign.count: 9 → 7]" {
		t.Fatalf("plan %s drift %+v", changes(p), p.Drift)
	}
}

// Prune deletes the groups, policies and dashboards the design no longer
// names; a plan left out of the design is retired (its versions are
// superseded, kept for plan against actual), never deleted.
func TestPlansPrune(t *testing.T) {
	f := newFixture(t)
	d := loadTemplate(t)
	f.apply(t, d, false)
	ctx := context.Background()
	g := f.group(t, "acme-shop", "acme-web")
	plans := d.OperationPlans
	d.OperationPlans = nil
	if got := changes(f.plan(t, d, true)); got != "delete operation_plan acme-web" {
		t.Fatalf("prune plan:\n%s", got)
	}
	f.apply(t, d, true)
	versions, _ := f.stores.Capacity.Versions(ctx, "acme-shop", g.ID)
	if len(versions) != 1 || versions[0].State != capacity.StateSuperseded {
		t.Fatalf("retired plan: %+v", versions)
	}
	if p := f.plan(t, d, true); !p.Empty() {
		t.Fatalf("after the prune:\n%s", changes(p))
	}
	d.OperationPlans = plans // given again: a new proposal
	if got := changes(f.plan(t, d, true)); got != "create operation_plan acme-web" {
		t.Fatalf("plan given again:\n%s", got)
	}
	f.apply(t, d, true)
	d.CapacityGroups, d.OperationPlans, d.BackupPolicies, d.Dashboards = nil, nil, nil, nil
	want := "delete dashboard Web shop\ndelete backup_policy acme-sqldb-pitr\ndelete operation_plan acme-web\ndelete capacity_group acme-web"
	if got := changes(f.plan(t, d, true)); got != want {
		t.Fatalf("prune plan:\n%s", got)
	}
	if p := f.plan(t, d, false); !p.Empty() || len(p.Unmanaged) != 4 {
		t.Fatalf("without prune: %s unmanaged %+v", changes(p), p.Unmanaged)
	}
	f.apply(t, d, true)
	groups, _ := f.stores.Capacity.Groups(ctx, "acme-shop")
	policies, _ := f.stores.Backups.Policies(ctx, "acme-shop")
	boards, _ := f.stores.Dashboards.List(ctx, "acme-shop")
	if len(groups)+len(policies)+len(boards) != 0 {
		t.Fatalf("left %d groups, %d policies, %d dashboards", len(groups), len(policies), len(boards))
	}
	if p := f.plan(t, d, true); !p.Empty() {
		t.Fatalf("after the prune:\n%s", changes(p))
	}
}

// A tenant set up by hand through the stores (a kubernetes group with its
// kubeconfig, a plan in its second version, a backup policy reading an
// Azure account's vaults, a dashboard) exports to files that plan to no
// changes; the kubeconfig is a reference, never in the files.
func TestPlansExportRoundTrip(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const kubeconfig = "apiVersion: v1\nkind: Config\n# the beta cluster's token: s3cr3t-kube-token\n"
	svc := &model.Service{TenantID: "beta", Name: "api", Level: model.ServiceLevel{RPO: model.Duration(time.Hour)}}
	if err := f.stores.Objects.CreateService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	db := &model.Resource{TenantID: "beta", Name: "beta-db", Kind: "database", ServiceID: &svc.ID}
	if err := f.stores.Objects.CreateResource(ctx, db); err != nil {
		t.Fatal(err)
	}
	acct, err := f.stores.Clouds.Create(ctx, "beta", cloudaccount.Input{Name: "beta-azure", Provider: cloudaccount.ProviderAzure,
		Azure: &cloudaccount.AzureInput{TenantID: "00000000-0000-0000-0000-000000000001", ClientID: "00000000-0000-0000-0000-000000000002",
			ClientSecret: "azure-client-secret", SubscriptionID: "00000000-0000-0000-0000-000000000003"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	g := &capacity.Group{TenantID: "beta", ServiceID: svc.ID, Name: "k8s-api", Kind: kube.Kind, Min: 1, Max: 20,
		Config: json.RawMessage(`{"namespace":"api","kind":"Deployment","name":"api"}`)}
	if err := f.stores.Capacity.CreateGroup(ctx, g, []byte(kubeconfig)); err != nil {
		t.Fatal(err)
	}
	doc := capacity.Document{Baseline: capacity.Baseline{Default: 2}, Events: []capacity.Event{}}
	if _, err := f.stores.Capacity.CreateVersion(ctx, "beta", g.ID, doc, "", "operator"); err != nil {
		t.Fatal(err)
	}
	doc.Events = append(doc.Events, capacity.Event{Name: "launch", Start: time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC),
		End: time.Date(2027, 4, 2, 0, 0, 0, 0, time.UTC), Multiplier: 2.5, Lead: model.Duration(30 * time.Minute)})
	if _, err := f.stores.Capacity.CreateVersion(ctx, "beta", g.ID, doc, "", "operator"); err != nil {
		t.Fatal(err)
	}
	pol := &backup.Policy{TenantID: "beta", Name: "beta-vm", ServiceID: svc.ID, ResourceID: db.ID, Target: "beta-db", Method: backup.MethodAzureBackup,
		Schedule: "every 30m", Retention: model.Duration(720 * time.Hour), Source: &backup.Source{Kind: backup.SourceAzure, AccountID: acct.ID, Vaults: []string{"rg-beta/vault-beta"}}}
	if err := f.stores.Backups.CreatePolicy(ctx, pol); err != nil {
		t.Fatal(err)
	}
	board := &dashboard.Dashboard{Tenant: "beta", Title: "API", Panels: []dashboard.Panel{{Title: "up", Type: dashboard.Stat, Queries: []dashboard.Query{{Query: "up"}}}}}
	if err := f.stores.Dashboards.Create(ctx, board); err != nil {
		t.Fatal(err)
	}

	exported, err := f.planner.Export(ctx, "beta")
	if err != nil {
		t.Fatal(err)
	}
	files, err := Files(exported)
	if err != nil {
		t.Fatal(err)
	}
	// The account the backup's source names is exported too (kind_cloud.go).
	if refs := strings.Join(References(exported), " "); refs != "${env:UNYO_BETA_AZURE_CLIENT_SECRET} ${env:UNYO_K8S_API_SECRET}" {
		t.Fatalf("references %s", refs)
	}
	for name, b := range files {
		if strings.Contains(string(b), "s3cr3t") || strings.Contains(string(b), "azure-client-secret") {
			t.Fatalf("%s holds a secret:\n%s", name, b)
		}
	}
	if !strings.Contains(string(files["backups.yaml"]), "account: beta-azure") || !strings.Contains(string(files["plans.yaml"]), "name: launch") {
		t.Fatalf("files:\n%s\n%s", files["backups.yaml"], files["plans.yaml"])
	}
	dir := t.TempDir()
	writeFiles(t, dir, files)
	loaded, err := Load(dir, Options{Resolve: func(kind, arg string) (string, error) {
		switch arg {
		case "UNYO_K8S_API_SECRET":
			return kubeconfig, nil
		case "UNYO_BETA_AZURE_CLIENT_SECRET":
			return "azure-client-secret", nil
		}
		return "", errors.New("the environment variable is not set")
	}})
	if err != nil {
		t.Fatal(err)
	}
	if p := f.plan(t, loaded, true); !p.Empty() {
		t.Fatalf("the export plans:\n%s", changes(p))
	}
}

// The kubeconfig of a group is given by reference: a plan shows only that
// it changes, and neither the plan, the audit log nor an error shows it.
func TestCapacitySecret(t *testing.T) {
	f := newFixture(t)
	d := loadTemplate(t)
	d.CapacityGroups = append(d.CapacityGroups, CapacityGroup{Name: "k8s-web", Service: "web-shop", Kind: kube.Kind, Min: 1, Max: 4,
		Config: map[string]any{"namespace": "shop", "kind": "Deployment", "name": "web"}, Secret: "kubeconfig-one"})
	f.apply(t, d, false)
	g := f.group(t, "acme-shop", "k8s-web")
	if !g.HasSecret || !f.stores.Capacity.SameSecret(g, []byte("kubeconfig-one")) {
		t.Fatalf("secret not stored: %+v", g)
	}
	if p := f.plan(t, d, false); !p.Empty() {
		t.Fatalf("second plan:\n%s", changes(p))
	}
	d.CapacityGroups[1].Secret = "kubeconfig-two"
	p := f.plan(t, d, false)
	b, _ := json.Marshal(p)
	if got := changes(p); got != "update capacity_group k8s-web [(secret): (secret) → (secret)]" || strings.Contains(string(b), "kubeconfig-") {
		t.Fatalf("plan:\n%s", b)
	}
	f.apply(t, d, false)
	if g := f.group(t, "acme-shop", "k8s-web"); !f.stores.Capacity.SameSecret(g, []byte("kubeconfig-two")) {
		t.Fatal("the new secret is not stored")
	}
	d.CapacityGroups[1].Secret = "" // left out: the stored one is kept
	d.CapacityGroups[1].Max = 5
	f.apply(t, d, false)
	if g := f.group(t, "acme-shop", "k8s-web"); !f.stores.Capacity.SameSecret(g, []byte("kubeconfig-two")) || g.Max != 5 {
		t.Fatal("an update without a secret lost the stored one")
	}
	log, _ := f.stores.Objects.AuditLog(context.Background(), "acme-shop", 20)
	for _, e := range log {
		if strings.Contains(string(e.Detail), "kubeconfig-") {
			t.Fatalf("the audit log holds the secret: %s", e.Detail)
		}
	}
	// Refused by the store (no such namespace name): the error names the field, not the secret.
	d.CapacityGroups[1].Config["namespace"] = "Not A Namespace"
	d.CapacityGroups[1].Secret = "kubeconfig-three"
	_, err := f.planner.Apply(context.Background(), "acme-shop", "token:ci", &Request{Design: *d})
	if err == nil || !strings.Contains(err.Error(), "config.namespace") || strings.Contains(err.Error(), "kubeconfig-") {
		t.Fatalf("got %v", err)
	}
}

// Bad files are refused at their place, all together: the store's rules
// and the references by name.
func TestPlansBadFiles(t *testing.T) {
	files := map[string][]byte{
		"a.yaml": []byte("tenant: acme\nservices:\n  - name: shop\n    service_level: {rpo: 1h}\nresources:\n  - {name: db, kind: database, service: shop}\n"),
		"plans.yaml": []byte(`capacity_groups:
  - {name: web, service: shopp, kind: manual, max: 4, secret: plain-kubeconfig}
  - {name: api, service: shop, kind: manual, min: 5, max: 4}
operation_plans:
  - group: web
    baseline: {default: 2, rules: [{days: [mon], start: "09:00", end: "08:00", count: 3}]}
    events:
      - {name: sale, start: 2027-03-01T10:00:00+09:00, end: 2027-03-02T10:00:00+09:00, count: -1}
  - group: nope
    baseline: {default: 1}
backup_policies:
  - {name: db, service: shop, resource: dbb, target: db, method: other, schedule: every 30m, retention: 168h}
dashboards:
  - title: Shop
    panels:
      - {title: cpu, type: line, queries: [{query: "rate(x[5m]"}]}
`),
	}
	_, err := LoadFiles(files, Options{})
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("got %v", err)
	}
	want := []string{
		`plans.yaml:2:26: capacity_groups[0].service: no service "shopp" in this design`,
		`plans.yaml:2:63: capacity_groups[0].secret: is a secret: write it as ${env:NAME} or ${file:path}, never in the file`,
		`plans.yaml:3:59: capacity_groups[1].max: needs 0 <= min <= max, 1 <= max <= 10000`,
		// the first refusal of an object, as its store's Validate gives it
		`plans.yaml:6:71: operation_plans[0].baseline.rules[0].end: must be after start (split a range over midnight in two)`,
		`plans.yaml:9:12: operation_plans[1].group: no capacity group "nope" in this design`,
		`plans.yaml:12:41: backup_policies[0].resource: no resource "dbb" in this design`,
		`plans.yaml:16:52: dashboards[0].panels[0].queries[0].query: is not valid PromQL: 1:11: parse error: unclosed left parenthesis`,
	}
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(err.Error(), "plain-kubeconfig") {
		t.Fatal("the refusal shows the secret")
	}
}

// A command group runs a program on the server: as through the API, only
// the MSP admin's token applies one; a tenant's admin token gets 403 and
// nothing of the design is stored.
func TestCommandGroupNeedsMSPAdmin(t *testing.T) {
	f := newFixture(t)
	d := loadTemplate(t)
	d.CapacityGroups = append(d.CapacityGroups, CapacityGroup{Name: "scripted", Service: "web-shop", Kind: "command", Max: 4,
		Config: map[string]any{"argv": []any{"/usr/local/bin/scale-web", "web"}}})
	status, _, b := apitest.Do(t, f.srv, "POST", "/api/v1/tenants/acme-shop/design/apply", "acme-shop:write,admin", map[string]any{"design": d})
	if status != http.StatusForbidden || !strings.Contains(string(b), "only the MSP admin") {
		t.Fatalf("tenant admin: %d %s", status, b)
	}
	if services, _ := f.stores.Objects.Services(context.Background(), "acme-shop"); len(services) != 0 {
		t.Fatal("a refused apply stored something")
	}
	if status, _, b = apitest.Do(t, f.srv, "POST", "/api/v1/tenants/acme-shop/design/apply", ":write,admin", map[string]any{"design": d}); status != http.StatusOK {
		t.Fatalf("MSP admin: %d %s", status, b)
	}
	d.CapacityGroups = d.CapacityGroups[:1] // prune deletes it: the MSP admin only as well
	status, _, b = apitest.Do(t, f.srv, "POST", "/api/v1/tenants/acme-shop/design/apply", "acme-shop:write,admin", map[string]any{"design": d, "prune": true})
	if status != http.StatusForbidden {
		t.Fatalf("prune by the tenant's admin: %d %s", status, b)
	}
	f.group(t, "acme-shop", "scripted")
}

// addBenchPlans gives a customer of the benchmarks' fleet a capacity
// group of its web hosts with a plan of one campaign, a backup policy and
// a dashboard.
func addBenchPlans(d *Design) {
	d.CapacityGroups = []CapacityGroup{{Name: "web", Service: "web", Kind: capacity.KindManual, Min: 2, Max: 50, HostSelector: `role="web"`}}
	d.OperationPlans = []OperationPlan{{Group: "web", Baseline: capacity.Baseline{Default: 10, Rules: []capacity.Rule{}},
		Events: []capacity.Event{{Name: "sale", Start: time.Date(2027, 3, 1, 1, 0, 0, 0, time.UTC), End: time.Date(2027, 3, 3, 13, 0, 0, 0, time.UTC),
			Count: 40, Lead: model.Duration(time.Hour)}}}}
	d.BackupPolicies = []BackupPolicy{{Name: "db", Service: "web", Target: "web-00", Method: backup.MethodDBDump, Schedule: "0 2 * * *",
		Retention: model.Duration(720 * time.Hour), RPO: model.Duration(25 * time.Hour)}}
	d.Dashboards = []Dashboard{{Title: "Web", Panels: []dashboard.Panel{{Title: "CPU", Type: dashboard.Line,
		Queries: []dashboard.Query{{Query: `avg(rate(node_cpu_seconds_total{mode!="idle"}[5m]))`}}}}}}
}

// benchPlansOneByOne lists what addBenchPlans added, for the peer.
func benchPlansOneByOne(d *Design) []desired {
	var list []desired
	for _, v := range d.CapacityGroups {
		list = append(list, desired{kind: KindCapacityGroup, key: v.Name, design: v})
	}
	for _, v := range d.OperationPlans {
		list = append(list, desired{kind: KindOperationPlan, key: v.Group, design: v})
	}
	for _, v := range d.BackupPolicies {
		list = append(list, desired{kind: KindBackupPolicy, key: v.Name, design: v})
	}
	for _, v := range d.Dashboards {
		list = append(list, desired{kind: KindDashboard, key: v.Title, design: v})
	}
	return list
}

// A backup source names the tenant's cloud account by name; apply stores
// its ID, and a name the tenant does not have is refused naming the field.
func TestBackupSourceAccountByName(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	acct, err := f.stores.Clouds.Create(ctx, "acme-shop", cloudaccount.Input{Name: "acme-azure", Provider: cloudaccount.ProviderAzure,
		Azure: &cloudaccount.AzureInput{TenantID: "00000000-0000-0000-0000-000000000001", ClientID: "00000000-0000-0000-0000-000000000002",
			ClientSecret: "azure-client-secret", SubscriptionID: "00000000-0000-0000-0000-000000000003"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	d := loadTemplate(t)
	d.BackupPolicies[0].Method = backup.MethodAzureBackup
	d.BackupPolicies[0].Source = &BackupSource{Kind: backup.SourceAzure, Account: "acme-azure", Vaults: []string{"rg-shop/vault-shop"}}
	f.apply(t, d, false)
	policies, _ := f.stores.Backups.Policies(ctx, "acme-shop")
	if len(policies) != 1 || policies[0].Source == nil || policies[0].Source.AccountID != acct.ID {
		t.Fatalf("policies %+v", policies[0])
	}
	if p := f.plan(t, d, false); !p.Empty() {
		t.Fatalf("second plan:\n%s", changes(p))
	}
	d.BackupPolicies[0].Source.Account = "nope"
	if got := changes(f.plan(t, d, false)); got != "update backup_policy acme-sqldb-pitr [source.account: acme-azure → nope]" {
		t.Fatalf("plan:\n%s", got)
	}
	_, err = f.planner.Apply(ctx, "acme-shop", "token:ci", &Request{Design: *d})
	if err == nil || !strings.Contains(err.Error(), `source.account: no cloud account "nope" in this tenant`) {
		t.Fatalf("got %v", err)
	}
}
