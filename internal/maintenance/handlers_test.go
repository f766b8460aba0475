package maintenance

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
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

type fixture struct {
	store    *Store
	objects  *storage.Store
	srv      *httptest.Server
	web1     *model.Resource
	checkout *model.Service
	betaHost *model.Resource
}

// newFixture opens a real migrated SQLite database with two tenants (acme,
// beta), a service and hosts, and serves the handlers; the X-Token header
// "tenant:scope,scope" stands for an authenticated token.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	objects := storage.New(db)
	f := &fixture{store: NewStore(db, objects), objects: objects}
	for _, tn := range []*model.Tenant{{ID: "acme", Name: "アクメ", Language: "ja", TimeZone: "Asia/Tokyo"}, {ID: "beta", Name: "Beta", Language: "en", TimeZone: "UTC"}} {
		if err := f.objects.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	f.checkout = &model.Service{TenantID: "acme", Name: "checkout"}
	if err := f.objects.CreateService(ctx, f.checkout); err != nil {
		t.Fatal(err)
	}
	f.web1 = &model.Resource{TenantID: "acme", Name: "web-01", Kind: "host", Labels: map[string]string{"role": "web"}}
	f.betaHost = &model.Resource{TenantID: "beta", Name: "b-01", Kind: "host"}
	for _, r := range []*model.Resource{f.web1, f.betaHost} {
		if err := f.objects.CreateResource(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	h := NewHandlers(f.store, apitest.PathTenant, nil)
	f.srv = apitest.NewServer(t, h.Routes())
	return f
}

func (f *fixture) do(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	code, _, data := apitest.Do(t, f.srv, method, path, token, body)
	return code, data
}

const (
	acmeRW = "acme:read,write"
	acmeRO = "acme:read"
	betaRW = "beta:read,write"
	base   = "/api/v1/tenants/acme/maintenance-windows"
)

func sundayPatch() map[string]any {
	return map[string]any{"frequency": "weekly", "weekdays": []string{"sun"}, "start_time": "02:00", "duration": "3h",
		"time_zone": "Asia/Tokyo", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}
}

func TestCRUDAndAudit(t *testing.T) {
	f := newFixture(t)
	code, body := f.do(t, "POST", base, acmeRW, map[string]any{"name": "web patching", "resource_id": f.web1.ID, "recurrence": sundayPatch()})
	if code != 201 {
		t.Fatalf("create = %d %s", code, body)
	}
	var w Stored
	json.Unmarshal(body, &w)
	if w.ID == 0 || w.Tenant != "acme" || w.Recurrence == nil || w.Recurrence.Weekdays[0] != "sun" {
		t.Fatalf("created %s", body)
	}
	path := fmt.Sprintf("%s/%d", base, w.ID)
	code, body = f.do(t, "GET", path, acmeRO, nil)
	if code != 200 || !strings.Contains(string(body), `"name":"web patching"`) {
		t.Fatalf("get = %d %s", code, body)
	}
	code, body = f.do(t, "PUT", path, acmeRW, map[string]any{"name": "one-off", "service_id": f.checkout.ID,
		"start": "2026-03-01T01:00:00+09:00", "end": "2026-03-01T03:00:00+09:00"})
	if code != 200 {
		t.Fatalf("update = %d %s", code, body)
	}
	code, body = f.do(t, "GET", base, acmeRO, nil)
	var list []Stored
	json.Unmarshal(body, &list)
	if code != 200 || len(list) != 1 || list[0].Name != "one-off" || list[0].Recurrence != nil || list[0].ResourceID != nil {
		t.Fatalf("list after update = %d %s", code, body)
	}
	code, body = f.do(t, "GET", path+"/occurrences?from=2026-02-28T00:00:00Z&to=2026-03-02T00:00:00Z", acmeRO, nil)
	if code != 200 || !strings.Contains(string(body), `"start":"2026-03-01T01:00:00+09:00"`) {
		t.Fatalf("occurrences = %d %s", code, body)
	}
	if code, _ = f.do(t, "DELETE", path, acmeRW, nil); code != 204 {
		t.Fatalf("delete = %d", code)
	}
	if code, _ = f.do(t, "GET", path, acmeRO, nil); code != 404 {
		t.Fatalf("get after delete = %d", code)
	}
	log, err := f.objects.AuditLog(context.Background(), "acme", 10)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		if e.ObjectType == "maintenance_window" && e.ObjectID == fmt.Sprint(w.ID) && e.Actor == "token:test" {
			actions = append(actions, e.Action)
		}
	}
	if strings.Join(actions, ",") != "delete,update,create" {
		t.Fatalf("audited %v, want delete,update,create", actions)
	}
}

// TestRefusals checks each refusal names the field, and that a refused
// update leaves the stored window as it was.
func TestRefusals(t *testing.T) {
	f := newFixture(t)
	code, body := f.do(t, "POST", base, acmeRW, map[string]any{"name": "keep", "recurrence": sundayPatch()})
	if code != 201 {
		t.Fatalf("create = %d %s", code, body)
	}
	var kept Stored
	json.Unmarshal(body, &kept)
	check := func(method, path string, body any, wantCode int, wantField string) {
		t.Helper()
		code, got := f.do(t, method, path, acmeRW, body)
		var e response.Body
		json.Unmarshal(got, &e)
		if code != wantCode || e.Field != wantField {
			t.Errorf("%s %s %v = %d field %q (%s), want %d %q", method, path, body, code, e.Field, got, wantCode, wantField)
		}
	}
	rec := sundayPatch()
	delete(rec, "ends_on")
	check("POST", base, map[string]any{"name": "x", "recurrence": rec}, 400, "recurrence.ends_on")
	check("POST", base, map[string]any{"recurrence": sundayPatch()}, 400, "name")
	check("POST", base, map[string]any{"name": "x", "start": "2026-03-01T01:00:00Z"}, 400, "end")
	check("POST", base, map[string]any{"name": "x", "resource_id": f.betaHost.ID, "recurrence": sundayPatch()}, 400, "resource_id")
	check("POST", base, map[string]any{"name": "x", "service_id": 999, "recurrence": sundayPatch()}, 400, "service_id")
	check("POST", base, map[string]any{"name": "x", "labels": map[string]string{"a b": "c"}, "recurrence": sundayPatch()}, 400, "labels")
	check("POST", base, `{"name":"x","colour":"red"}`, 400, "colour")
	check("POST", base, `{"name":"x","start":"tomorrow"}`, 400, "body")
	check("POST", base, "", 400, "body")
	daily := sundayPatch()
	daily["frequency"] = "daily"
	check("PUT", fmt.Sprintf("%s/%d", base, kept.ID), map[string]any{"name": "y", "recurrence": daily}, 400, "recurrence.frequency")
	check("GET", fmt.Sprintf("%s/%d/occurrences?from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z", base, kept.ID), nil, 400, "to")
	check("GET", base+"/abc", nil, 404, "")
	got, err := f.store.Get(context.Background(), "acme", kept.ID)
	if err != nil || got.Name != "keep" || got.Recurrence.Frequency != "weekly" {
		t.Fatalf("refused update changed the window: %+v %v", got, err)
	}
}

// TestTenantIsolation: beta's token reads and changes nothing of acme's,
// on every endpoint.
func TestTenantIsolation(t *testing.T) {
	f := newFixture(t)
	_, body := f.do(t, "POST", base, acmeRW, map[string]any{"name": "acme window", "recurrence": sundayPatch()})
	var w Stored
	json.Unmarshal(body, &w)
	id := fmt.Sprintf("/%d", w.ID)
	betaBase := "/api/v1/tenants/beta/maintenance-windows"
	input := map[string]any{"name": "stolen", "recurrence": sundayPatch()}
	occ := "/occurrences?from=2026-01-01T00:00:00Z&to=2026-01-10T00:00:00Z"
	for _, c := range []struct {
		method, path string
		body         any
		want         int
	}{
		{"GET", base, nil, 404}, {"POST", base, input, 404},
		{"GET", base + id, nil, 404}, {"PUT", base + id, input, 404}, {"DELETE", base + id, nil, 404},
		{"GET", base + id + occ, nil, 404},
		{"GET", betaBase + id, nil, 404}, {"PUT", betaBase + id, input, 404}, {"DELETE", betaBase + id, nil, 404},
		{"GET", betaBase + id + occ, nil, 404},
	} {
		if code, got := f.do(t, c.method, c.path, betaRW, c.body); code != c.want {
			t.Errorf("beta %s %s = %d %s, want %d", c.method, c.path, code, got, c.want)
		}
	}
	if code, body := f.do(t, "GET", betaBase, betaRW, nil); code != 200 || string(body) != "[]\n" && string(body) != "[]" {
		t.Errorf("beta list = %d %s, want empty", code, body)
	}
	got, err := f.store.Get(context.Background(), "acme", w.ID)
	if err != nil || got.Name != "acme window" {
		t.Fatalf("acme's window after beta's attempts: %+v %v", got, err)
	}
	if _, in, _ := f.store.Active(context.Background(), "beta", 0, 0, nil, ts("2026-01-04T03:00:00+09:00")); in {
		t.Fatal("acme's window silenced beta")
	}
}

func TestActive(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	mk := func(w *Stored) int64 {
		t.Helper()
		w.Tenant = "acme"
		if err := f.store.Create(ctx, w); err != nil {
			t.Fatal(err)
		}
		return w.ID
	}
	var rec Recurrence
	data, _ := json.Marshal(sundayPatch())
	json.Unmarshal(data, &rec)
	host := mk(&Stored{Name: "host", ResourceID: &f.web1.ID, Window: Window{Recurrence: &rec}})
	svc := mk(&Stored{Name: "svc", ServiceID: &f.checkout.ID, Window: Window{Start: ts("2026-03-10T00:00:00Z"), End: ts("2026-03-10T01:00:00Z")}})
	lbl := mk(&Stored{Name: "db", Labels: map[string]string{"role": "db", "env": "prod"},
		Window: Window{Recurrence: &Recurrence{Frequency: "monthly", DayOfMonth: 31, StartTime: "23:00", Duration: "2h", TimeZone: "UTC", StartsOn: "2026-01-01", EndsOn: "2026-12-31"}}})
	f2 := func(resource, service int64, labels map[string]string, at string, wantID int64) {
		t.Helper()
		id, in, err := f.store.Active(ctx, "acme", resource, service, labels, ts(at))
		if err != nil || in != (wantID != 0) || id != wantID {
			t.Errorf("Active(%d, %d, %v, %s) = %d %v %v, want %d", resource, service, labels, at, id, in, err, wantID)
		}
	}
	// Sunday 02:00-05:00 JST is Saturday 17:00-20:00 UTC.
	f2(f.web1.ID, 0, nil, "2026-01-03T18:00:00Z", host)
	f2(f.web1.ID, 0, nil, "2026-01-03T20:00:00Z", 0) // end is exclusive
	f2(f.web1.ID+1, 0, nil, "2026-01-03T18:00:00Z", 0)
	f2(0, f.checkout.ID, nil, "2026-03-10T00:30:00Z", svc)
	f2(0, f.checkout.ID+1, nil, "2026-03-10T00:30:00Z", 0)
	// Monthly on the 31st: in February the last day, the 28th.
	f2(0, 0, map[string]string{"role": "db", "env": "prod", "x": "y"}, "2026-02-28T23:30:00Z", lbl)
	f2(0, 0, map[string]string{"role": "db"}, "2026-02-28T23:30:00Z", 0)                // every label must match
	f2(0, 0, map[string]string{"role": "db", "env": "prod"}, "2027-01-31T23:30:00Z", 0) // after ends_on
	tenantWide := mk(&Stored{Name: "all", Window: Window{Start: ts("2026-05-01T00:00:00Z"), End: ts("2026-05-02T00:00:00Z")}})
	f2(12345, 678, map[string]string{"a": "b"}, "2026-05-01T12:00:00Z", tenantWide)

	// An update is seen at once although schedules are cached.
	w, _ := f.store.Get(ctx, "acme", tenantWide)
	w.End = ts("2026-05-01T06:00:00Z")
	f.store.now = func() time.Time { return time.Now().Add(time.Hour) }
	if err := f.store.Update(ctx, w); err != nil {
		t.Fatal(err)
	}
	f2(12345, 678, nil, "2026-05-01T12:00:00Z", 0)
}

// TestOpenAPIPathsMatchRoutes holds openapi_paths.json and Routes together.
func TestOpenAPIPathsMatchRoutes(t *testing.T) {
	apitest.CheckOpenAPI(t, NewHandlers(nil, apitest.PathTenant, nil))
}
