package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/notify/slack/slacktest"
)

func serveAPI(t *testing.T, e *env, o *Outbox) func(method, path, token string) (int, []byte) {
	h := NewHandlers(o, apitest.PathTenant, e.logger())
	srv := apitest.NewServer(t, h.Routes())
	return func(method, path, token string) (int, []byte) {
		code, _, data := apitest.Do(t, srv, method, path, token, nil)
		return code, data
	}
}

// TestAPIDeadLetterAndIsolation: the dead filter shows the failure, a retry
// by hand delivers it, and beta's token sees and retries nothing of acme's.
func TestAPIDeadLetterAndIsolation(t *testing.T) {
	e := newEnv(t)
	srv := slacktest.NewServer(t)
	srv.FailNext(1, 410, "channel_is_archived")
	e.addChannel(t, "acme", "ops", "slack", map[string]string{"webhook_url": srv.WebhookURL()})
	o := e.outbox(t, Options{}, nil)
	e.start(t, o)
	do := serveAPI(t, e, o)
	n := alert("acme", "k1", "t", notify.StatusFiring)
	n.Routes = []string{"ops"}
	o.Enqueue(context.Background(), n)
	eventually(t, "dead", func() bool { return e.states(t, o, "acme")[StateDead] == 1 })

	base := "/api/v1/tenants/acme/notifications"
	code, body := do("GET", base+"?state=dead", "acme:read")
	var list []Delivery
	json.Unmarshal(body, &list)
	if code != 200 || len(list) != 1 || list[0].Target != "ops" || !strings.Contains(list[0].LastError, "410") || list[0].Title != "t" {
		t.Fatalf("dead list = %d %s", code, body)
	}
	id := fmt.Sprint(list[0].ID)
	if code, body = do("GET", base+"?state=delivered", "acme:read"); code != 200 || strings.TrimSpace(string(body)) != "[]" {
		t.Fatalf("delivered list = %d %s", code, body)
	}
	for _, c := range []struct{ method, path, token string }{
		{"GET", base, "beta:read,write"},
		{"GET", base + "/" + id, "beta:read,write"},
		{"POST", base + "/" + id + "/retry", "beta:read,write"},
		{"GET", "/api/v1/tenants/beta/notifications/" + id, "beta:read,write"},
		{"POST", "/api/v1/tenants/beta/notifications/" + id + "/retry", "beta:read,write"},
	} {
		if code, body := do(c.method, c.path, c.token); code != 404 {
			t.Errorf("%s %s as beta = %d %s, want 404", c.method, c.path, code, body)
		}
	}
	if code, body = do("GET", "/api/v1/tenants/beta/notifications", "beta:read"); code != 200 || strings.TrimSpace(string(body)) != "[]" {
		t.Fatalf("beta's own list = %d %s", code, body)
	}
	if e.states(t, o, "acme")[StateDead] != 1 {
		t.Fatal("beta's attempts changed acme's delivery")
	}
	if code, _ = do("POST", base+"/"+id+"/retry", "acme:read"); code != 403 {
		t.Fatalf("retry with read scope = %d", code)
	}
	if code, body = do("GET", base+"?state=lost", "acme:read"); code != 400 || !strings.Contains(string(body), `"field":"state"`) {
		t.Fatalf("bad state filter = %d %s", code, body)
	}
	// The retry and its audit entry commit together: refused, it stays dead.
	dbtest.RefuseAudit(t, o.db)
	code, body = do("POST", base+"/"+id+"/retry", "acme:read,write")
	dbtest.AllowAudit(t, o.db)
	if code != 500 || e.states(t, o, "acme")[StateDead] != 1 {
		t.Fatalf("retry with its audit entry refused = %d %s, states %v", code, body, e.states(t, o, "acme"))
	}
	if code, body = do("POST", base+"/"+id+"/retry", "acme:read,write"); code != 200 {
		t.Fatalf("retry = %d %s", code, body)
	}
	eventually(t, "delivered", func() bool { return e.states(t, o, "acme")[StateDelivered] == 1 })
	if code, body = do("POST", base+"/"+id+"/retry", "acme:read,write"); code != 400 || !strings.Contains(string(body), `"field":"state"`) {
		t.Fatalf("retry of a delivered one = %d %s", code, body)
	}
	audit, _ := e.objects.AuditLog(context.Background(), "acme", 10)
	if len(audit) == 0 || audit[0].Action != "retry" || audit[0].ObjectType != "notification" {
		t.Fatalf("retry not audited: %+v", audit)
	}
}

// TestOpenAPIPathsMatchRoutes holds openapi_paths.json and Routes together.
func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant, nil))
}
