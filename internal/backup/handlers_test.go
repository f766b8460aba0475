package backup

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

type fixture struct {
	store *Store
	st    *storage.Store
	srv   *httptest.Server
	svc   map[string]int64 // tenant → its service (RPO 4h, RTO 8h)
	res   map[string]int64 // tenant → its resource
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := storage.New(db)
	fx := &fixture{store: NewStore(db, st), st: st, svc: map[string]int64{}, res: map[string]int64{}}
	for _, id := range []string{"acme", "beta"} {
		if err := st.CreateTenant(ctx, &model.Tenant{ID: id, Name: id, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			t.Fatal(err)
		}
		svc := &model.Service{TenantID: id, Name: id + "-shop", Level: model.ServiceLevel{
			RPO: model.Duration(4 * time.Hour), RTO: model.Duration(8 * time.Hour)}}
		if err := st.CreateService(ctx, svc); err != nil {
			t.Fatal(err)
		}
		res := &model.Resource{TenantID: id, Name: id + "-db1", Kind: "database", ServiceID: &svc.ID}
		if err := st.CreateResource(ctx, res); err != nil {
			t.Fatal(err)
		}
		fx.svc[id], fx.res[id] = svc.ID, res.ID
	}
	h := NewHandlers(fx.store, apitest.PathTenant, nil)
	fx.srv = apitest.NewServer(t, h.Routes())
	return fx
}

func (fx *fixture) do(t *testing.T, method, path, token, body string) (int, string) {
	t.Helper()
	code, _, data := apitest.Do(t, fx.srv, method, path, token, body)
	return code, string(data)
}

func (fx *fixture) policyBody(tenant, name, rpo string) string {
	return fmt.Sprintf(`{"name":%q,"service_id":%d,"resource_id":%d,"target":"PostgreSQL shop","method":"db_dump",
		"schedule":"0 2 * * *","retention":"720h","rpo":%q,"runbook":"https://wiki.example/restore-shop-db"}`,
		name, fx.svc[tenant], fx.res[tenant], rpo)
}

func (fx *fixture) createPolicy(t *testing.T, tenant, name, rpo string) Policy {
	t.Helper()
	code, out := fx.do(t, "POST", "/api/v1/tenants/"+tenant+"/backups/policies", tenant+":read,write", fx.policyBody(tenant, name, rpo))
	if code != 201 {
		t.Fatalf("create policy: %d %s", code, out)
	}
	var p Policy
	json.Unmarshal([]byte(out), &p)
	return p
}

// TestPolicyCRUDAndServiceLevel: a policy takes the service level's RPO and
// RTO unless it sets a tighter one, refuses a looser one naming the field,
// and every refusal leaves what was stored as it was.
func TestPolicyCRUDAndServiceLevel(t *testing.T) {
	fx := newFixture(t)
	p := fx.createPolicy(t, "acme", "shop-db", "")
	if p.EffectiveRPO != model.Duration(4*time.Hour) || p.EffectiveRTO != model.Duration(8*time.Hour) || p.Grace != DefaultGrace {
		t.Errorf("from the service level: %+v", p)
	}
	tight := fx.createPolicy(t, "acme", "shop-db-hourly", "1h")
	if tight.EffectiveRPO != model.Duration(time.Hour) {
		t.Errorf("tighter RPO: %+v", tight)
	}
	bad := func(body, field, reason string) {
		t.Helper()
		code, out := fx.do(t, "POST", "/api/v1/tenants/acme/backups/policies", "acme:read,write", body)
		if code != 400 || !strings.Contains(out, `"field":"`+field+`"`) || !strings.Contains(out, reason) {
			t.Errorf("%s: %d %s, want 400 naming %s (%s)", body, code, out, field, reason)
		}
	}
	base := fx.policyBody("acme", "x", "")
	bad(fx.policyBody("acme", "x", "5h"), "rpo", "looser than the service level's 4h0m0s")
	bad(fx.policyBody("acme", "x", "30s"), "rpo", "at least 1m")
	bad(fx.policyBody("acme", "shop-db", ""), "name", "exists already")
	bad(strings.Replace(base, `"db_dump"`, `"tape"`, 1), "method", "tape")
	bad(strings.Replace(base, `"0 2 * * *"`, `"25 * * *"`, 1), "schedule", "five cron fields")
	bad(strings.Replace(base, `"retention":"720h"`, `"retention":""`, 1), "retention", "required")
	bad(strings.Replace(base, fmt.Sprintf(`"service_id":%d`, fx.svc["acme"]), fmt.Sprintf(`"service_id":%d`, fx.svc["beta"]), 1), "service_id", "no service")
	bad(strings.Replace(base, fmt.Sprintf(`"resource_id":%d`, fx.res["acme"]), fmt.Sprintf(`"resource_id":%d`, fx.res["beta"]), 1), "resource_id", "no resource")
	bad(strings.Replace(base, `"retention"`, `"retension"`, 1), "retension", "")

	// A service level without an RPO needs the policy's own.
	svc := &model.Service{TenantID: "acme", Name: "no-rpo"}
	if err := fx.st.CreateService(t.Context(), svc); err != nil {
		t.Fatal(err)
	}
	bad(strings.Replace(base, fmt.Sprintf(`"service_id":%d`, fx.svc["acme"]), fmt.Sprintf(`"service_id":%d`, svc.ID), 1), "rpo", "sets no RPO")

	path := fmt.Sprintf("/api/v1/tenants/acme/backups/policies/%d", p.ID)
	if code, out := fx.do(t, "PUT", path, "acme:read,write", strings.Replace(fx.policyBody("acme", "shop-db", "2h"), "db_dump", "snapshot", 1)); code != 200 ||
		!strings.Contains(out, `"effective_rpo":"2h0m0s"`) || !strings.Contains(out, `"method":"snapshot"`) {
		t.Errorf("update: %d %s", code, out)
	}
	if code, out := fx.do(t, "PUT", path, "acme:read,write", fx.policyBody("acme", "shop-db", "9h")); code != 400 {
		t.Errorf("looser update: %d %s", code, out)
	}
	code, out := fx.do(t, "GET", "/api/v1/tenants/acme/backups/policies", "acme:read", "")
	var list []Policy
	json.Unmarshal([]byte(out), &list)
	if code != 200 || len(list) != 2 || list[0].Name != "shop-db" || list[0].Method != MethodSnapshot || list[0].EffectiveRPO != model.Duration(2*time.Hour) {
		t.Errorf("list after refusals: %d %s", code, out)
	}
	if code, _ := fx.do(t, "DELETE", path, "acme:read", ""); code != 403 {
		t.Errorf("delete with read scope: %d", code)
	}
	if code, _ := fx.do(t, "DELETE", path, "acme:read,write", ""); code != 204 {
		t.Errorf("delete: %d", code)
	}
	if code, _ := fx.do(t, "GET", path, "acme:read", ""); code != 404 {
		t.Errorf("deleted policy: %d", code)
	}
	audit, _ := fx.st.AuditLog(t.Context(), "acme", 10)
	if len(audit) != 4 { // two creates, one update, one delete
		t.Errorf("audit: %d entries: %+v", len(audit), audit)
	}
}

// TestJobsDedupAndHistory: the same external ID is stored once, a job
// names its policy by name, and the history is newest first.
func TestJobsDedupAndHistory(t *testing.T) {
	fx := newFixture(t)
	p := fx.createPolicy(t, "acme", "shop-db", "")
	post := func(body string) (int, string) {
		t.Helper()
		return fx.do(t, "POST", "/api/v1/tenants/acme/backups/jobs", "acme:ingest", body)
	}
	now := time.Now().UTC().Truncate(time.Second)
	job := func(status, ext string, finished time.Time) string {
		return fmt.Sprintf(`{"policy":"shop-db","status":%q,"started_at":%q,"finished_at":%q,"size_bytes":1048576,"external_id":%q}`,
			status, finished.Add(-10*time.Minute).Format(time.RFC3339), finished.Format(time.RFC3339), ext)
	}
	if code, out := post(job("ok", "rsv-1", now.Add(-2*time.Hour))); code != 201 {
		t.Fatalf("first: %d %s", code, out)
	}
	code, out := post(job("ok", "rsv-1", now.Add(-2*time.Hour)))
	if code != 200 || !strings.Contains(out, `"external_id":"rsv-1"`) {
		t.Errorf("repeat: %d %s, want 200 with the stored job", code, out)
	}
	if code, out := post(job("failed", "rsv-2", now.Add(-time.Hour))); code != 201 {
		t.Fatalf("second: %d %s", code, out)
	}
	// Without an external ID every post is a job.
	for range 2 {
		if code, out := post(fmt.Sprintf(`{"policy_id":%d,"status":"partial"}`, p.ID)); code != 201 {
			t.Fatalf("no external id: %d %s", code, out)
		}
	}
	bad := func(body, field string) {
		t.Helper()
		code, out := post(body)
		if code != 400 || !strings.Contains(out, `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s, want 400 naming %s", body, code, out, field)
		}
	}
	bad(job("maybe", "x", now), "status")
	bad(`{"policy":"nope","status":"ok"}`, "policy")
	bad(`{"status":"ok"}`, "policy")
	bad(job("ok", "x", now.Add(time.Hour)), "finished_at")
	bad(`{"policy":"shop-db","status":"ok","started_at":"2026-12-01T10:00:00Z","finished_at":"2026-12-01T09:00:00Z"}`, "finished_at")
	bad(`{"policy":"shop-db","status":"ok","size_bytes":-1}`, "size_bytes")
	bad(`{"policy":"shop-db","status":"ok","finished_at":"yesterday"}`, "finished_at")
	if code, _ := fx.do(t, "POST", "/api/v1/tenants/acme/backups/jobs", "acme:read", job("ok", "y", now)); code != 403 {
		t.Errorf("job with a read token: %d", code)
	}

	code, out = fx.do(t, "GET", fmt.Sprintf("/api/v1/tenants/acme/backups/policies/%d/jobs", p.ID), "acme:read", "")
	var jobs []Job
	json.Unmarshal([]byte(out), &jobs)
	if code != 200 || len(jobs) != 4 {
		t.Fatalf("history: %d %s", code, out)
	}
	if jobs[2].Status != StatusFailed || jobs[3].ExternalID != "rsv-1" || jobs[3].SizeBytes != 1<<20 ||
		!jobs[3].RecoveryPoint.Equal(now.Add(-130*time.Minute)) {
		t.Errorf("history order or fields: %s", out)
	}
	if code, out := fx.do(t, "GET", fmt.Sprintf("/api/v1/tenants/acme/backups/policies/%d/jobs?limit=0", p.ID), "acme:read", ""); code != 400 || !strings.Contains(out, "limit") {
		t.Errorf("limit=0: %d %s", code, out)
	}
}

// TestStatusAPI: the status shows the last good point, its age against
// the RPO, and the state from the history.
func TestStatusAPI(t *testing.T) {
	fx := newFixture(t)
	fx.createPolicy(t, "acme", "fresh", "1h")
	fx.createPolicy(t, "acme", "stale", "1h")
	fx.createPolicy(t, "acme", "broken", "1h")
	now := time.Now().UTC().Truncate(time.Second)
	for _, b := range []string{
		fmt.Sprintf(`{"policy":"fresh","status":"ok","finished_at":%q}`, now.Add(-10*time.Minute).Format(time.RFC3339)),
		fmt.Sprintf(`{"policy":"stale","status":"ok","finished_at":%q,"recovery_point":%q}`, now.Add(-50*time.Minute).Format(time.RFC3339), now.Add(-90*time.Minute).Format(time.RFC3339)),
		fmt.Sprintf(`{"policy":"broken","status":"ok","finished_at":%q}`, now.Add(-20*time.Minute).Format(time.RFC3339)),
		`{"policy":"broken","status":"failed","message":"disk full"}`,
	} {
		if code, out := fx.do(t, "POST", "/api/v1/tenants/acme/backups/jobs", "acme:ingest", b); code != 201 {
			t.Fatalf("%s: %d %s", b, code, out)
		}
	}
	code, out := fx.do(t, "GET", "/api/v1/tenants/acme/backups/status", "acme:read", "")
	var list []Status
	json.Unmarshal([]byte(out), &list)
	if code != 200 || len(list) != 3 {
		t.Fatalf("status: %d %s", code, out)
	}
	by := map[string]Status{}
	for _, s := range list {
		by[s.Policy] = s
	}
	if s := by["fresh"]; s.State != StateOK || len(s.Conditions) != 0 || s.LastGoodPoint == nil || !s.LastGoodPoint.Equal(now.Add(-10*time.Minute)) ||
		time.Duration(s.Age) < 10*time.Minute || time.Duration(s.Age) > 11*time.Minute {
		t.Errorf("fresh: %+v", s)
	}
	if s := by["stale"]; s.State != StateAtRisk || len(s.Conditions) != 1 || s.Conditions[0] != ConditionRPO ||
		!s.RPODeadline.Equal(now.Add(-30*time.Minute)) {
		t.Errorf("stale: %+v", s)
	}
	if s := by["broken"]; s.State != StateFailed || len(s.Conditions) != 1 || s.Conditions[0] != ConditionFailed || s.LastJob.Message != "disk full" {
		t.Errorf("broken: %+v", s)
	}
}

// TestOpenAPIPathsMatchRoutes holds openapi_paths.json and Routes together.
func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant, nil))
}
