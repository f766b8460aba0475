package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/monitoring"
	ustorage "github.com/unyo-ops/unyo/internal/storage"
)

// TestDeleteServiceAndTenant: the service form links to a page that says
// what deleting the service deletes and what it leaves without a service;
// confirmed, the service goes (audited) and its host stays, unassigned. A
// customer is deleted by an MSP admin only, after a page counting its
// services, resources, items and users; an operator is refused.
func TestDeleteServiceAndTenant(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	db := e.store.DB()
	a := e.login("admin")
	op := e.login("operator")
	svcs, _ := e.store.Services(ctx, "acme")
	svc := svcs[0]
	edit := fmt.Sprintf("/tenants/acme/services/%d/edit", svc.ID)
	confirm := fmt.Sprintf("/tenants/acme/services/%d/delete", svc.ID)
	if _, page, _ := op.get(edit); !strings.Contains(page, `href="`+confirm+`"`) {
		t.Error("the service form does not link to its deletion")
	}
	code, page, _ := op.get(confirm)
	if code != 200 || !strings.Contains(page, "リソース 1 件 はサービスなしで残ります") || !strings.Contains(page, svc.Name) {
		t.Errorf("the service's confirmation = %d, want it to say 1 resource stays without a service:\n%s", code, page)
	}
	if code, _, _ := e.login("acme-viewer").get(confirm); code != http.StatusForbidden {
		t.Errorf("a viewer's confirmation = %d, want 403", code)
	}
	count := func() string { l, _ := e.store.Services(ctx, "acme"); return fmt.Sprint(len(l)) }
	apitest.CheckAudited(t, db, adminDoer(op, confirm), "acme", apitest.Change{Method: "POST", Path: confirm, Body: url.Values{},
		State: count, Action: "delete", ObjectType: "service"})
	host, err := e.store.Resource(ctx, "acme", e.resourceID("acme", "acme-web-01"))
	if err != nil || host.ServiceID != nil {
		t.Errorf("the service's host after the deletion = %+v, %v; want it kept without a service", host, err)
	}

	// A customer: counted, refused to an operator, deleted by the admin.
	beta := e.resourceID("beta", "beta-web-01")
	if err := e.design.CreateItem(ctx, &monitoring.Item{TenantID: "beta", ResourceID: beta, Name: "os", Kind: monitoring.KindOS}); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := op.get("/tenants/beta/delete"); code != http.StatusForbidden {
		t.Errorf("an operator's tenant deletion page = %d, want 403", code)
	}
	if _, page, _ := op.get("/tenants/beta/edit"); strings.Contains(page, "tenant-delete-link") {
		t.Error("an operator is offered to delete a customer")
	}
	if _, page, _ := a.get("/tenants/beta/edit"); !strings.Contains(page, `href="/tenants/beta/delete"`) {
		t.Error("the admin is not offered to delete a customer")
	}
	_, page, _ = a.get("/tenants/beta/delete")
	for _, want := range []string{"サービス 1 件", "リソース 1 件", "監視項目 1 件", "このお客様のユーザー 1 人"} {
		if !strings.Contains(page, want) {
			t.Errorf("the customer's confirmation lacks %q", want)
		}
	}
	if code, _, _ := op.postForm("/tenants/beta/edit", "/tenants/beta/delete", url.Values{}); code != http.StatusForbidden {
		t.Errorf("an operator's deletion = %d, want 403", code)
	}
	tenants := func() string { l, _ := e.store.Tenants(ctx, ""); return fmt.Sprint(len(l)) }
	apitest.CheckAudited(t, db, adminDoer(a, "/tenants/beta/delete"), "", apitest.Change{Method: "POST", Path: "/tenants/beta/delete",
		Body: url.Values{}, State: tenants, Action: "delete", ObjectType: "tenant"})
	if _, err := e.store.Tenant(ctx, "beta"); !errors.Is(err, ustorage.ErrNotFound) {
		t.Errorf("beta after its deletion: %v", err)
	}
}

// TestDeleteTenantRefused: a deletion the API would refuse (409) is
// explained on the confirmation page; one that fails (its series could not
// be deleted) is the error page's, 5xx. Either way the customer stays.
func TestDeleteTenantRefused(t *testing.T) {
	fail := errors.New("the metrics store is read-only")
	e := newEnv(t, func(o *Options) {
		o.DeleteTenant = func(context.Context, string) error { return fail }
	})
	a := e.login("admin")
	if code, _, _ := a.postForm("/tenants/beta/delete", "/tenants/beta/delete", url.Values{}); code < 500 {
		t.Errorf("a failed deletion = %d, want 5xx", code)
	}
	fail = fmt.Errorf("%w: another replica is deleting its series", ustorage.ErrConflict)
	code, page, _ := a.postForm("/tenants/beta/delete", "/tenants/beta/delete", url.Values{})
	if code != http.StatusConflict || !strings.Contains(page, "another replica is deleting its series") || !strings.Contains(page, `id="tenant-delete"`) {
		t.Errorf("a refused deletion = %d, want 409 with the reason on the confirmation page:\n%s", code, page)
	}
	if _, err := e.store.Tenant(context.Background(), "beta"); err != nil {
		t.Errorf("beta after a refused deletion: %v", err)
	}
}
