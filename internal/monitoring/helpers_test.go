package monitoring

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// newStore opens a real SQLite database, migrated, two
// tenants (acme, beta) and a fixed clock.
func newStore(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := storage.New(db)
	for _, tn := range []*model.Tenant{
		{ID: "acme", Name: "株式会社アクメ", Language: "ja", TimeZone: "Asia/Tokyo"},
		{ID: "beta", Name: "Beta Inc.", Language: "en", TimeZone: "UTC"},
	} {
		if err := st.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	s := NewStore(db, st)
	s.now = func() time.Time { return time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC) }
	return s
}

// addResource creates a resource of tenant and returns it.
func addResource(t *testing.T, s *Store, tenant, name, kind string, labels map[string]string) *model.Resource {
	t.Helper()
	r := &model.Resource{TenantID: tenant, Name: name, Kind: kind, Labels: labels}
	if err := s.resources.CreateResource(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

func ptr[T any](v T) *T { return &v }

func dur(s string) model.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return model.Duration(d)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
