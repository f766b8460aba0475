package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

func TestOverrideAnItemForOneHost(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	host := e.resourceID("acme", "acme-web-01")
	warn, crit := 80.0, 90.0
	it := &monitoring.Item{TenantID: "acme", ResourceID: host, Name: "cpu", Kind: monitoring.KindMetric,
		Metric:    &monitoring.Metric{Series: "node_cpu_busy_percent"},
		Threshold: &monitoring.Threshold{Op: ">", Warning: &warn, Critical: &crit}}
	if err := e.design.CreateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/tenants/acme/resources/%d", host)
	action := page + "/overrides"
	e.user("viewer", model.RoleViewer, "acme")
	v := e.login("viewer")
	if _, body, _ := v.get(page); strings.Contains(body, `id="override-h"`) {
		t.Error("a customer viewer is offered the override form")
	}

	b := e.login("operator")
	code, body, _ := b.get(page)
	if code != 200 || !strings.Contains(body, `id="override-h"`) || !strings.Contains(body, "重大 &gt; 90") {
		t.Fatalf("resource page = %d, want the thresholds and the form", code)
	}
	bad := url.Values{"item_id": {fmt.Sprint(it.ID)}, "critical": {"ninety-five"}}
	if code, body, _ := b.postForm(page, action, bad); code != http.StatusBadRequest || !strings.Contains(body, "critical") {
		t.Errorf("a non-number = %d, want 400 naming critical", code)
	}
	form := url.Values{"item_id": {fmt.Sprint(it.ID)}, "critical": {"95"}, "recovery": {"70"}, "note": {"夜間バッチで高負荷"}}
	code, body, _ = b.postForm(page, action, form)
	if code != 200 || !strings.Contains(body, "重大 &gt; 95") {
		t.Fatalf("override = %d, want the page with the new level", code)
	}
	items, err := e.design.EffectiveItems(ctx, "acme", host)
	if err != nil {
		t.Fatal(err)
	}
	if got := items[0].Threshold; *got.Critical != 95 || *got.Recovery != 70 || *got.Warning != 80 {
		t.Fatalf("effective thresholds %v/%v/%v, want 80/95/70", *got.Warning, *got.Critical, *got.Recovery)
	}
	// The viewer cannot post one, and beta's host is not reachable from acme's path.
	if code, _, _ := v.postForm(page, action, form); code != http.StatusForbidden {
		t.Errorf("viewer override = %d, want 403", code)
	}
	betaPage := fmt.Sprintf("/tenants/acme/resources/%d", e.resourceID("beta", "beta-web-01"))
	if code, _, _ := b.postForm(page, betaPage+"/overrides", form); code != http.StatusNotFound {
		t.Errorf("override on beta's host through acme = %d, want 404", code)
	}
	if os, _ := e.design.Overrides(ctx, "beta", monitoring.OverrideFilter{}); len(os) != 0 {
		t.Errorf("beta has overrides: %+v", os)
	}
}
