package dashboard

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

type fixture struct {
	store *Store
	srv   *httptest.Server
}

// newFixture is tenants acme and beta on a fresh database of the dialect
// under test, with the dashboards' API served over them.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := storage.New(db)
	for _, id := range []string{"acme", "beta"} {
		if err := st.CreateTenant(ctx, &model.Tenant{ID: id, Name: id, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			t.Fatal(err)
		}
	}
	fx := &fixture{store: NewStore(db)}
	fx.srv = apitest.NewServer(t, NewHandlers(fx.store, apitest.PathTenant).Routes())
	return fx
}

func (fx *fixture) do(t *testing.T, method, path, token, body string) (int, string) {
	t.Helper()
	code, _, data := apitest.Do(t, fx.srv, method, path, token, body)
	return code, string(data)
}
