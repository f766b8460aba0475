package channel

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
)

// TestChangesCommitWithTheirAudit: every channel and contact change of the
// API writes its audit entry in its own transaction, so a refused entry
// undoes the change (and the API answers 5xx) and a change that stays has
// exactly one entry.
func TestChangesCommitWithTheirAudit(t *testing.T) {
	f := newFixture(t, Builder{Outbound: loopback})
	do := func(method, path string, body any) (int, []byte) { return f.do(t, method, path, acmeRW, body) }
	list := func(what string) func() string {
		return func() string { _, b := f.do(t, "GET", base+"/"+what, acmeRO, nil); return string(b) }
	}
	check := func(method, path string, body any, action, objType string) int64 {
		b := apitest.CheckAudited(t, f.store.db, do, "acme", apitest.Change{Method: method, Path: path, Body: body,
			State: list(objType + "s"), Action: action, ObjectType: objType})
		var v struct{ ID int64 }
		json.Unmarshal(b, &v)
		return v.ID
	}
	in := func(name string) map[string]any {
		return map[string]any{"name": name, "type": "email", "config": map[string]any{"host": "127.0.0.1", "port": 2525, "tls": "none",
			"from": "unyo <alerts@msp.example>", "to": []string{"noc@msp.example"}}}
	}
	ch := check("POST", base+"/channels", in("hook"), "create", "channel")
	check("PUT", fmt.Sprintf("%s/channels/%d", base, ch), in("hook2"), "update", "channel")
	contact := map[string]any{"name": "sato", "email": "sato@acme.example", "via": "hook2"}
	ct := check("POST", base+"/contacts", contact, "create", "contact")
	contact["email"] = "sato2@acme.example"
	check("PUT", fmt.Sprintf("%s/contacts/%d", base, ct), contact, "update", "contact")
	check("DELETE", fmt.Sprintf("%s/contacts/%d", base, ct), nil, "delete", "contact")
	check("DELETE", fmt.Sprintf("%s/channels/%d", base, ch), nil, "delete", "channel")
}
