package monitoring

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/agentconfig"
	"github.com/unyo-ops/unyo/internal/storage"
)

func TestAgentConfig(t *testing.T) {
	ctx := context.Background()
	d := newDesign(t)
	c, err := d.s.AgentConfig(ctx, "acme", "web-01")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]agentconfig.Item{}
	for _, it := range c.Items {
		names = append(names, it.Name)
		byName[it.Name] = it
	}
	want := []string{"app-log", "site-https", "apache-exporter", "httpd-process", "error-log-crit", "error-log-error", "os"}
	if !slices.Equal(names, want) {
		t.Fatalf("agent items = %v, want %v", names, want)
	}
	if c.Host != "web-01" || c.Server != "" || c.Token != "" {
		t.Fatalf("host %q server %q token %q: the server must not redirect the agent", c.Host, c.Server, c.Token)
	}
	site := byName["site-https"]
	if site.Kind != agentconfig.KindHTTP || site.URL != "https://shop.example.com/" || site.TLSDays != 30 || site.Timeout.D().Seconds() != 10 {
		t.Errorf("site-https = %+v", site)
	}
	if p := byName["app-log"].Patterns; len(p) != 1 || p[0].Severity != "warning" || p[0].Regex != `\bERROR\b` {
		t.Errorf("app-log patterns = %+v", p)
	}

	// What the agent does with it: decode the JSON, merge with its local file.
	body, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	remote, err := agentconfig.DecodeJSON(body)
	if err != nil {
		t.Fatal(err)
	}
	local := &agentconfig.Config{Server: "https://unyo.example.com", Token: "t", Host: "web-01"}
	merged, err := agentconfig.Merge(local, remote)
	if err != nil {
		t.Fatalf("the agent refuses the configuration: %v", err)
	}
	if len(merged.Items) != len(want) {
		t.Fatalf("merged items = %d", len(merged.Items))
	}
	checked := c.Clone()
	checked.SetDefaults()
	if err := checked.Validate(); err != nil {
		t.Fatalf("Validate after SetDefaults: %v", err)
	}
}

func TestAgentConfigLeavesOut(t *testing.T) {
	ctx := context.Background()
	d := newDesign(t)
	// web-02 has no site label: the check cannot run there.
	d.assign(t, "acme", "http-service", "", d.web2.ID)
	if err := d.s.CreateOverride(ctx, &Override{TenantID: "acme", ItemID: d.item("apache", "error-log-error").ID, ResourceID: d.web2.ID, Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	c, err := d.s.AgentConfig(ctx, "acme", "web-02")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range c.Items {
		if it.Name == "site-https" || it.Name == "error-log-error" {
			t.Errorf("%s is in web-02's configuration", it.Name)
		}
	}
	if len(c.Items) != 4 {
		t.Errorf("web-02 has %d agent items, want os, apache-exporter, httpd-process, error-log-crit", len(c.Items))
	}
}

func TestAgentConfigUnknownHost(t *testing.T) {
	d := newDesign(t)
	for _, tc := range []struct{ tenant, host string }{{"acme", "nope"}, {"beta", "web-01"}} {
		if _, err := d.s.AgentConfig(context.Background(), tc.tenant, tc.host); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%s/%s: err = %v, want ErrNotFound", tc.tenant, tc.host, err)
		}
	}
	c, err := d.s.AgentConfig(context.Background(), "acme", "shop-api")
	if err != nil || len(c.Items) != 0 {
		t.Fatalf("a resource with no agent items: %v, %v", c, err)
	}
}

// TestAgentConfigEventLog: a log item on a Windows Event Log channel reaches
// the agent as an eventlog item that the agent's own validation accepts.
func TestAgentConfigEventLog(t *testing.T) {
	ctx := context.Background()
	d := newDesign(t)
	c, err := d.s.AgentConfig(ctx, "acme", "db-01")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]agentconfig.Item{}
	for _, it := range c.Items {
		byName[it.Name] = it
	}
	sys := byName["system-critical"]
	if sys.Kind != agentconfig.KindEventLog || sys.Channel != "System" || sys.Glob != "" ||
		len(sys.Patterns) != 1 || sys.Patterns[0].Regex != " Critical: " || sys.Patterns[0].Severity != "critical" {
		t.Fatalf("system-critical = %+v", sys)
	}
	if app := byName["application-errors"]; app.Kind != agentconfig.KindEventLog || app.Channel != "Application" {
		t.Fatalf("application-errors = %+v", app)
	}
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("the agent refuses it: %v", err)
	}

	// One of glob or channel, never both, never neither.
	for _, l := range []*Log{{Regex: "x"}, {Glob: "/var/log/*.log", Channel: "System", Regex: "x"}} {
		it := &Item{TenantID: "acme", ResourceID: d.db1.ID, Name: "bad-log", Kind: KindLog, Log: l, Severity: SeverityWarning}
		if err := d.s.CreateItem(ctx, it); err == nil || !strings.Contains(err.Error(), "log.glob") {
			t.Errorf("log %+v: err = %v, want one naming log.glob", l, err)
		}
	}
}

// TestAgentConfigAccessLogClients: a log item with a client field reaches
// the agent with it and the tenant's time zone for the days; a field the
// agent could not read is refused with the field named, nothing stored.
func TestAgentConfigAccessLogClients(t *testing.T) {
	ctx := context.Background()
	d := newDesign(t)
	it := &Item{TenantID: "acme", ResourceID: d.db1.ID, Name: "shop-access", Kind: KindLog, Severity: SeverityWarning,
		Log: &Log{Glob: "/var/log/nginx/access.log", Regex: `" 5\d\d `, ClientField: "remote_addr", SessionField: "cookie:JSESSIONID"}}
	if err := d.s.CreateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	c, err := d.s.AgentConfig(ctx, "acme", "db-01")
	if err != nil {
		t.Fatal(err)
	}
	var got agentconfig.Item
	for _, ci := range c.Items {
		if ci.Name == "shop-access" {
			got = ci
		}
	}
	if got.Kind != agentconfig.KindLog || got.ClientField != "remote_addr" || got.SessionField != "cookie:JSESSIONID" || got.ClientZone != "Asia/Tokyo" {
		t.Fatalf("shop-access = %+v", got)
	}
	bad := &Item{TenantID: "acme", ResourceID: d.db1.ID, Name: "bad-access", Kind: KindLog, Severity: SeverityWarning,
		Log: &Log{Glob: "/var/log/nginx/access.log", Regex: "x", ClientField: "header:X-Forwarded-For"}}
	if err := d.s.CreateItem(ctx, bad); err == nil || !strings.Contains(err.Error(), "client_field") {
		t.Fatalf("a client field the agent cannot read: %v", err)
	}
}
