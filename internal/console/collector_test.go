package console

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// TestTenantPageShowsCollectors is the resource list of a tenant: each
// host says which collector it is watched through, or that the server
// watches it directly, in Japanese and in English.
func TestTenantPageShowsCollectors(t *testing.T) {
	e := newEnv(t)
	sw := &model.Resource{TenantID: "acme", Name: "acme-sw-01", Kind: "host", Labels: map[string]string{monitoring.CollectorLabel: "osaka-dc"}}
	if err := e.store.CreateResource(context.Background(), sw); err != nil {
		t.Fatal(err)
	}
	// The collector's own host, as its first pull labels it.
	col := &model.Resource{TenantID: "acme", Name: "acme-col-01", Kind: "host", Labels: map[string]string{monitoring.CollectsLabel: "osaka-dc"}}
	if err := e.store.CreateResource(context.Background(), col); err != nil {
		t.Fatal(err)
	}
	b := e.login("operator")
	_, body, _ := b.get("/tenants/acme")
	row := func(body, host string) string {
		i := strings.Index(body, ">"+host+"</a>")
		if i < 0 {
			t.Fatalf("no row of %s", host)
		}
		return body[i : i+strings.Index(body[i:], "</tr>")]
	}
	if !strings.Contains(body, "監視経路 (コレクター)") || !strings.Contains(row(body, "acme-sw-01"), `<span data-collector="osaka-dc">osaka-dc</span>`) ||
		!strings.Contains(row(body, "acme-web-01"), "サーバーから直接") ||
		!strings.Contains(row(body, "acme-col-01"), `<span data-collects="osaka-dc">コレクター本体: osaka-dc</span>`) {
		t.Errorf("the Japanese tenant page does not say which host is behind which collector:\n%s", body)
	}
	b.postForm("/tenants/acme", "/preferences", url.Values{"language": {"en"}, "time_zone": {"UTC"}, "back": {"/tenants/acme"}})
	_, body, _ = b.get("/tenants/acme")
	if !strings.Contains(body, `<th scope="col">Collector</th>`) || !strings.Contains(row(body, "acme-web-01"), ">direct<") ||
		!strings.Contains(row(body, "acme-sw-01"), "osaka-dc") || !strings.Contains(row(body, "acme-col-01"), "the collector osaka-dc") {
		t.Errorf("the English tenant page does not say which host is behind which collector:\n%s", body)
	}
	// beta's viewer reads beta's page, and not acme's collector.
	_, body, _ = e.login("beta-viewer").get("/tenants/beta")
	if strings.Contains(body, "osaka-dc") || strings.Contains(body, "acme-sw-01") {
		t.Errorf("beta's page shows acme's collector")
	}
}
