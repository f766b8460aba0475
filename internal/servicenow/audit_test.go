package servicenow

import (
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
)

// TestConfigChangesCommitWithTheirAudit: setting and deleting the
// ServiceNow configuration write their audit entry in their own
// transaction: refused, the configuration stays as it was and the API
// answers 5xx; made, each has exactly one entry.
func TestConfigChangesCommitWithTheirAudit(t *testing.T) {
	fx := newFixture(t)
	serve := serveAPI(t, fx)
	const path = "/api/v1/tenants/acme/servicenow"
	do := func(method, p string, b any) (int, []byte) {
		code, out := serve(method, p, "acme:admin", b.(string))
		return code, []byte(out)
	}
	state := func() string { _, out := serve("GET", path, "acme:admin", ""); return out }
	check := func(method, b, action string) {
		apitest.CheckAudited(t, fx.configs.db, do, "acme", apitest.Change{Method: method, Path: path, Body: b,
			State: state, Action: action, ObjectType: "servicenow_config"})
	}
	check("PUT", `{"instance_url":"`+fx.sn.URL+`","auth":"basic","username":"unyo.integration","password":"s3cret-pass"}`, "update")
	check("DELETE", "", "delete")
}
