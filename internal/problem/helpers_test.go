package problem

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// fixture is two tenants, each with two hosts, the real incident desk and
// the problem store and API on one fresh database.
type fixture struct {
	t     *testing.T
	store *Store
	desk  *incident.Desk
	srv   *httptest.Server
	hosts map[string]int64 // resource name → ID
	clock time.Time
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
	fx := &fixture{t: t, store: NewStore(db), desk: incident.NewDesk(db, st, nil), hosts: map[string]int64{}, clock: time.Now()}
	fx.store.now = func() time.Time { return fx.clock }
	fx.desk.SetKnownErrors(fx.store.ForIncident)
	for _, id := range []string{"acme", "beta"} {
		if err := st.CreateTenant(ctx, &model.Tenant{ID: id, Name: id, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"-db1", "-web1"} {
			res := &model.Resource{TenantID: id, Name: id + h, Kind: "host"}
			if err := st.CreateResource(ctx, res); err != nil {
				t.Fatal(err)
			}
			fx.hosts[id+h] = res.ID
		}
	}
	fx.srv = apitest.NewServer(t, NewHandlers(fx.store, apitest.PathTenant, nil).Routes())
	return fx
}

// incident opens an incident of tenant on host ("" for none) and records
// category as its cause category ("" for none).
func (fx *fixture) incident(tenant, title, host, category string) *incident.Incident {
	fx.t.Helper()
	ctx := context.Background()
	f := incident.Fields{ShortDescription: &title}
	if host != "" {
		f.ResourceIDs = []int64{fx.hosts[host]}
	}
	inc, err := fx.desk.Open(ctx, tenant, "user:sato", f)
	if err != nil {
		fx.t.Fatal(err)
	}
	if category != "" {
		if inc, err = fx.desk.RecordCause(ctx, tenant, inc.ID, "user:sato", incident.Cause{Cause: "full", Category: category}); err != nil {
			fx.t.Fatal(err)
		}
	}
	return inc
}

// do calls the API as token and decodes a 2xx answer into out.
func (fx *fixture) do(method, path, token string, body, out any) (int, string) {
	fx.t.Helper()
	code, _, data := apitest.Do(fx.t, fx.srv, method, path, token, body)
	if out != nil && code < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			fx.t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
	return code, string(data)
}
