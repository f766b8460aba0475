package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/maintenance"
)

// TestChangesCommitWithTheirAudit: the console's changes write their audit
// entry in their own transaction, one of each store family: a token and a
// user (storage), a monitoring assignment (monitoring design), a
// maintenance window's create and delete (maintenance). Refused, the change
// does not stay and the console answers 5xx; made, it has exactly one entry.
func TestChangesCommitWithTheirAudit(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, func(o *Options) { o.Maintenance = maintenance.NewStore(o.Store.DB(), o.Store) })
	db := e.store.DB()
	admin, operator := e.login("admin"), e.login("operator")
	// from is the page whose form a change is posted from; a form done
	// answers 303 to the page, which the check counts as a success.
	doer := func(b *browser, from string) apitest.Doer {
		return func(method, path string, body any) (int, []byte) {
			form := url.Values{}
			for k, v := range body.(url.Values) {
				form[k] = append([]string(nil), v...)
			}
			code, page, _ := b.postForm(from, path, form)
			if code == http.StatusSeeOther {
				code = http.StatusOK
			}
			return code, []byte(page)
		}
	}
	state := func(b *browser, path string) func() string {
		return func() string { _, page, _ := b.get(path); return page }
	}

	apitest.CheckAudited(t, db, doer(admin, "/settings/tokens"), "acme", apitest.Change{Method: "POST", Path: "/settings/tokens",
		Body: url.Values{"name": {"grafana"}, "tenant": {"acme"}, "scopes": {"read"}}, State: func() string {
			toks, err := e.store.Tokens(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(len(toks))
		}, Action: "create", ObjectType: "token"})
	apitest.CheckAudited(t, db, doer(admin, "/settings/users"), "acme", apitest.Change{Method: "POST", Path: "/settings/users",
		Body:  url.Values{"login": {"hanako"}, "name": {"山田花子"}, "role": {"viewer"}, "tenant": {"acme"}, "password": {"a-good-password-1"}},
		State: state(admin, "/settings/users"), Action: "create", ObjectType: "user"})

	tmpls, err := e.design.Templates(ctx, "acme")
	if err != nil || len(tmpls) == 0 {
		t.Fatalf("no built-in templates: %v", err)
	}
	apitest.CheckAudited(t, db, doer(operator, "/tenants/acme/monitoring"), "acme", apitest.Change{Method: "POST", Path: "/tenants/acme/monitoring/assignments",
		Body:  url.Values{"template_id": {fmt.Sprint(tmpls[0].ID)}, "resource_id": {fmt.Sprint(e.resourceID("acme", "acme-web-01"))}},
		State: func() string { as, _ := e.design.Assignments(ctx, "acme"); return fmt.Sprint(len(as)) }, Action: "create", ObjectType: "monitoring_assignment"})

	windows := func() string {
		ws, err := maintenance.NewStore(db, e.store).List(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, w := range ws {
			out += fmt.Sprintf("%d %s;", w.ID, w.Name)
		}
		return out
	}
	apitest.CheckAudited(t, db, doer(operator, "/tenants/acme/maintenance"), "acme", apitest.Change{Method: "POST", Path: "/tenants/acme/maintenance",
		Body:  url.Values{"name": {"DB更新"}, "kind": {"once"}, "start": {"2026-12-10T02:00"}, "end": {"2026-12-10T04:00"}},
		State: windows, Action: "create", ObjectType: "maintenance_window"})
	ws, err := maintenance.NewStore(db, e.store).List(ctx, "acme")
	if err != nil || len(ws) != 1 {
		t.Fatalf("windows = %v, %v; want the one created", ws, err)
	}
	apitest.CheckAudited(t, db, doer(operator, "/tenants/acme/maintenance"), "acme", apitest.Change{Method: "POST", Path: fmt.Sprintf("/tenants/acme/maintenance/%d/delete", ws[0].ID),
		Body: url.Values{}, State: windows, Action: "delete", ObjectType: "maintenance_window"})
}
