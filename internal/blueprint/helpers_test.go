package blueprint

import (
	"bytes"
	"context"
	"database/sql"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/unyo-ops/unyo/internal/apitest"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/storage"
)

// fixture is a real database with the stores a design is applied
// through, tenants acme-shop and beta, and the handlers served.
type fixture struct {
	db      *sql.DB
	stores  Stores
	planner *Planner
	srv     *httptest.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db := dbtest.Open(t)
	objects := storage.New(db)
	for id, name := range map[string]string{"acme-shop": "ACME Shop 株式会社", "beta": "beta"} { // acme-shop as the template's tenant_settings
		if err := objects.CreateTenant(ctx, &model.Tenant{ID: id, Name: name, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			t.Fatal(err)
		}
	}
	box, err := secret.New(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	st := NewStores(db, objects, box, Stores{Capacity: planCapacity(db, objects, box)})
	if err := st.Monitoring.SyncBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, stores: st, planner: NewPlanner(db, st)}
	f.srv = apitest.NewServer(t, NewHandlers(f.planner, apitest.PathTenant, nil).Routes())
	return f
}

// secrets are the template's, as CI would give them.
var secrets = map[string]string{
	"ACME_SLACK_WEBHOOK":  "https://hooks.slack.com/services/T000/B000/template",
	"ACME_SMTP_PASSWORD":  "template-password",
	"AZURE_CLIENT_SECRET": "template-azure-secret",
}

func loadTemplate(t *testing.T) *Design {
	t.Helper()
	d, err := Load(templateDir, Options{Resolve: func(kind, arg string) (string, error) { return secrets[arg], nil }})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) apply(t *testing.T, d *Design, prune bool) *Result {
	t.Helper()
	res, err := f.planner.Apply(context.Background(), d.Tenant, "token:ci", &Request{Design: *d, Prune: prune, Commit: "abc123"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (f *fixture) plan(t *testing.T, d *Design, prune bool) *Plan {
	t.Helper()
	p, err := f.planner.Plan(context.Background(), d.Tenant, &Request{Design: *d, Prune: prune})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func monitoringItems() monitoring.ItemFilter { return monitoring.ItemFilter{} }

func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, b := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
