package monitoring

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/unyo-ops/unyo/internal/agent/confine"
	"github.com/unyo-ops/unyo/internal/response"
)

// TestConfine confines acme's host srv to a policy that allows one log
// directory: a change that would hand srv's agent anything else fails with
// 403 and leaves nothing stored, whether it is an item on the host, an
// assignment or an override that re-enables an item; another host of the
// tenant and another tenant are not confined.
func TestConfine(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	srv := addResource(t, s, "acme", "srv", "host", map[string]string{"os": "linux"})
	other := addResource(t, s, "acme", "web", "host", map[string]string{"os": "windows"})
	beta := addResource(t, s, "beta", "srv", "host", nil)
	policy, err := confine.Parse("/var/log/app/*.log", "")
	if err != nil {
		t.Fatal(err)
	}
	s.Confine("acme", "srv", policy.Check)
	forbidden := func(what string, err error) {
		t.Helper()
		var se *response.StatusError
		if !errors.As(err, &se) || se.Status != http.StatusForbidden {
			t.Errorf("%s: %v, want 403", what, err)
		}
	}
	logItem := func(tenant string, res int64, glob string) *Item {
		return &Item{TenantID: tenant, ResourceID: res, Name: "l", Kind: KindLog, Severity: SeverityWarning, Log: &Log{Glob: glob, Regex: "x"}}
	}
	forbidden("a private file on srv", s.CreateItem(ctx, logItem("acme", srv.ID, "/etc/shadow")))
	if list, _ := s.Items(ctx, "acme", ItemFilter{ResourceID: srv.ID}); len(list) != 0 {
		t.Errorf("a refused item was stored: %+v", list[0])
	}
	for _, it := range []*Item{logItem("acme", srv.ID, "/var/log/app/*.log"), logItem("acme", other.ID, "/etc/shadow"), logItem("beta", beta.ID, "/etc/shadow")} {
		if err := s.CreateItem(ctx, it); err != nil {
			t.Errorf("%s/%d %s: %v", it.TenantID, it.ResourceID, it.Log.Glob, err)
		}
	}

	tpl := &Template{TenantID: "acme", Name: "scrape", Items: []*Item{{Name: "meta", Kind: KindExporter, Disabled: true,
		Exporter: &Exporter{URL: "http://169.254.169.254/metrics"}}}}
	if err := s.CreateTemplate(ctx, tpl); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAssignment(ctx, &Assignment{TenantID: "acme", TemplateID: tpl.ID, ResourceID: srv.ID}); err != nil {
		t.Fatalf("assigning a disabled item: %v", err)
	}
	forbidden("re-enabling the scrape", s.CreateOverride(ctx, &Override{TenantID: "acme", ItemID: tpl.Items[0].ID, ResourceID: srv.ID, Disabled: new(bool)}))
	if list, _ := s.Overrides(ctx, "acme", OverrideFilter{}); len(list) != 0 {
		t.Errorf("a refused override was stored: %+v", list[0])
	}
	if err := s.CreateOverride(ctx, &Override{TenantID: "acme", ItemID: tpl.Items[0].ID, ResourceID: other.ID, Disabled: new(bool)}); err != nil {
		t.Errorf("re-enabling it on another host: %v", err)
	}
}
