package monitoring

import (
	"context"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/collector"
	"github.com/unyo-ops/unyo/internal/storage"
)

// TestCollectorHealthAutomatic: a collector's first pull, naming its host,
// makes that host a resource labelled unyo_collects=NAME with the built-in
// collector template assigned; further pulls add nothing; a host the
// template already reaches by selector gets the label only; an
// assignment taken away afterwards stays away.
func TestCollectorHealthAutomatic(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	tmpl := s.templates["collector"].ID
	collectorAssignments := func(tenant string) []*Assignment {
		t.Helper()
		list, err := s.s.Assignments(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		var out []*Assignment
		for _, a := range list {
			if a.TemplateID == tmpl {
				out = append(out, a)
			}
		}
		return out
	}
	pull := func(token, name, host string) {
		t.Helper()
		if code, _, body := s.do(t, "GET", collector.TargetsPath+"?collector="+name+"&host="+host, token, nil); code != 200 {
			t.Fatalf("pull = %d %s", code, body)
		}
	}
	pull(acmeCol, "osaka", "col-01")
	res, err := s.s.resourceNamed(ctx, "acme", "col-01")
	if err != nil {
		t.Fatalf("the collector's host is no resource: %v", err)
	}
	got := collectorAssignments("acme")
	if res.Labels[CollectsLabel] != "osaka" || res.Kind != "host" || len(got) != 1 || got[0].ResourceID != res.ID {
		t.Fatalf("after the first pull: %+v, collector assignments %+v", res, got)
	}
	items, err := s.s.EffectiveItems(ctx, "acme", res.ID)
	if err != nil || len(items) == 0 || items[0].Source.Template != "collector" {
		t.Fatalf("col-01's items: %+v %v", items, err)
	}
	pull(acmeCol, "osaka", "col-01")
	if got := collectorAssignments("acme"); len(got) != 1 {
		t.Fatalf("a second pull: %+v", got)
	}
	// Taken away by hand, it stays away, even across a server restart (a fresh handler).
	if err := s.s.DeleteAssignment(storage.WithAudit(ctx, storage.AuditEntry{TenantID: "acme", Actor: "test", Action: "delete"}, nil), "acme", got[0].ID); err != nil {
		t.Fatal(err)
	}
	fresh := apitest.NewServer(t, NewHandlers(s.s, apitest.PathTenant, nil, nil).Routes())
	apitest.Do(t, fresh, "GET", collector.TargetsPath+"?collector=osaka&host=col-01", acmeCol, nil)
	if got := collectorAssignments("acme"); len(got) != 0 {
		t.Fatalf("an assignment taken away came back: %+v", got)
	}
	// A host the operator's selector already covers: labelled, no second assignment.
	addResource(t, s.s, "beta", "col-b", "host", map[string]string{"role": "collector"})
	if err := s.s.CreateAssignment(ctx, &Assignment{TenantID: "beta", TemplateID: tmpl, Selector: "role=collector"}); err != nil {
		t.Fatal(err)
	}
	pull("beta:ingest,collect", "kobe", "col-b")
	b, err := s.s.resourceNamed(ctx, "beta", "col-b")
	if err != nil || b.Labels[CollectsLabel] != "kobe" || b.Labels["role"] != "collector" {
		t.Fatalf("col-b: %+v %v", b, err)
	}
	if got := collectorAssignments("beta"); len(got) != 1 || got[0].Selector != "role=collector" {
		t.Fatalf("beta's collector assignments: %+v", got)
	}
	// Tenant a's collector of the same host name touches only its own tenant.
	if _, err := s.s.resourceNamed(ctx, "beta", "col-01"); err != storage.ErrNotFound {
		t.Fatalf("acme's collector host in beta: %v", err)
	}
}
