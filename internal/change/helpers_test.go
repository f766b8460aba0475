package change

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

type fixture struct {
	store   *Store
	windows *maintenance.Store
	st      *storage.Store
	srv     *httptest.Server
	res     map[string]int64 // tenant → its host web-01
	other   map[string]int64 // tenant → its host web-02, never affected
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
	win := maintenance.NewStore(db, st)
	fx := &fixture{store: NewStore(db, st, win), windows: win, st: st, res: map[string]int64{}, other: map[string]int64{}}
	for _, id := range []string{"acme", "beta"} {
		if err := st.CreateTenant(ctx, &model.Tenant{ID: id, Name: id, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			t.Fatal(err)
		}
		for i, m := range []map[string]int64{fx.res, fx.other} {
			res := &model.Resource{TenantID: id, Name: fmt.Sprintf("%s-web-0%d", id, i+1), Kind: "host"}
			if err := st.CreateResource(ctx, res); err != nil {
				t.Fatal(err)
			}
			m[id] = res.ID
		}
	}
	fx.srv = apitest.NewServer(t, NewHandlers(fx.store, apitest.PathTenant, nil).Routes())
	return fx
}

func (fx *fixture) do(t *testing.T, method, path, token string, body any) (int, string) {
	t.Helper()
	code, _, data := apitest.Do(t, fx.srv, method, path, token, body)
	return code, string(data)
}

// mustDo requires status want and decodes the answer into out.
func (fx *fixture) mustDo(t *testing.T, want int, method, path, token string, body, out any) {
	t.Helper()
	code, data := fx.do(t, method, path, token, body)
	if code != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, path, code, want, data)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(data), out); err != nil {
			t.Fatal(err)
		}
	}
}

// body is a change of tenant's web-01 from start for two hours.
func (fx *fixture) body(tenant string, typ Type, start time.Time) map[string]any {
	return map[string]any{"type": typ, "title": "OS patching", "risk": "medium", "resource_ids": []int64{fx.res[tenant]},
		"implementation_plan": "apply KB5031234, reboot", "backout_plan": "uninstall KB5031234",
		"start": start.Format(time.RFC3339), "end": start.Add(2 * time.Hour).Format(time.RFC3339)}
}
